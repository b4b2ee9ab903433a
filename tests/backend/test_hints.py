"""Hints that unlock: a test's hint appears with a learner's result once the learner has failed that
test N times (N from the exercise package), is recorded the first time the learner sees it, and
staff see per student how many hints were shown."""

from __future__ import annotations

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from backend.models import HintView, Submission
from grader.contract import GradingResult, TestResult, Text
from grader.exercise import load_exercise
from grader.settings import PROJECT_ROOT
from tests.backend.conftest import database, sign_in, token_for
from tests.backend.test_api import auth, wait_graded
from tests.backend.test_pages import assignment_id

PACKAGE = load_exercise(PROJECT_ROOT / "exercises" / "fix-training-loop")
GRADIENTS = next(h for h in PACKAGE.hints if h.test == "test_gradients_are_reset")
FINITE = next(h for h in PACKAGE.hints if h.test == "test_loss_is_finite")
# The hints as a page shows them (HTML-escaped).
GRADIENTS_EN, FINITE_EN = str(escape(GRADIENTS.en)), str(escape(FINITE.en))


def check(name: str, passed: bool, visibility: str = "visible") -> TestResult:
    return TestResult(
        name=f"test_training_loop.py::{name}",
        title=Text(en=f"title of {name}", ja=f"{name} の題"),
        score=1.0 if passed else 0.0,
        max_score=1.0,
        status="passed" if passed else "failed",
        output=Text("", ""),
        visibility=visibility,
    )


def graded(*tests: TestResult) -> str:
    score = sum(t.score or 0 for t in tests)
    return GradingResult(
        status="graded",
        outcome="ok",
        score=score,
        max_score=float(len(tests)),
        execution_time=1.0,
        tests=tests,
    ).to_json()


def store(settings, email: str, result_json: str) -> int:
    """A graded attempt at fix-training-loop by ``email``, as the worker would have stored it."""
    from backend.auth.repository import UserRepository
    from backend.exercises.repository import ExerciseRepository

    assignment = assignment_id(settings, "fix-training-loop")
    with database(settings) as session:
        user = UserRepository(session).by_email(email)
        attempt = 1 + session.scalar(
            select(func.count(Submission.id)).where(
                Submission.user_id == user.id, Submission.assignment_id == assignment
            )
        )
        submission = Submission(
            assignment_id=assignment,
            user_id=user.id,
            attempt=attempt,
            code="print('x')\n",
            status="graded",
            score=0.0,
            max_score=2.0,
            result_json=result_json,
            exercise_version=ExerciseRepository(session).get("fix-training-loop").current_version,
        )
        session.add(submission)
        session.flush()
        return submission.id


def views(settings) -> int:
    with database(settings) as session:
        return session.scalar(select(func.count(HintView.id)))


def test_the_shipped_exercise_unlocks_after_two_failures():
    assert PACKAGE.hints_after == 2


def test_a_hint_unlocks_after_n_failures_of_its_test_and_is_recorded_once(app_client, settings):
    sign_in(app_client, "student1@kadai.local")
    failing = graded(check("test_gradients_are_reset", False), check("test_loss_is_finite", True))
    first = store(settings, "student1@kadai.local", failing)
    page = app_client.get(f"/submissions/{first}").text
    assert GRADIENTS_EN not in page and 'data-testid="hints"' not in page
    assert views(settings) == 0

    # Another learner's failures are not this learner's.
    store(settings, "student2@kadai.local", failing)
    assert GRADIENTS_EN not in app_client.get(f"/submissions/{first}").text
    # A pass in between does not reset the count; the second failure unlocks the hint.
    store(settings, "student1@kadai.local", graded(check("test_gradients_are_reset", True)))
    second = store(settings, "student1@kadai.local", failing)
    page = app_client.get(f"/submissions/{second}").text
    assert GRADIENTS_EN in page and "unlocked after 2 failed attempts" in page
    assert FINITE_EN not in page  # that test passed: no hint for it
    assert views(settings) == 1
    app_client.get(f"/submissions/{second}")
    assert views(settings) == 1  # seen again: still one hint shown

    token = token_for(settings, "student1@kadai.local", "read")
    api = app_client.get(f"/api/v1/submissions/{second}", headers=auth(token)).json()
    assert [(h["test"], h["failures"]) for h in api["hints"]] == [("test_gradients_are_reset", 2)]
    assert api["hints"][0]["hint"]["ja"] == GRADIENTS.ja
    # The first attempt's result stays as it was: one failure by then.
    assert app_client.get(f"/api/v1/submissions/{first}", headers=auth(token)).json()["hints"] == []


def test_a_hidden_test_gives_no_hint_to_the_learner(app_client, settings):
    sign_in(app_client, "student1@kadai.local")
    hidden = graded(check("test_gradients_are_reset", False, visibility="hidden"))
    store(settings, "student1@kadai.local", hidden)
    second = store(settings, "student1@kadai.local", hidden)
    assert GRADIENTS_EN not in app_client.get(f"/submissions/{second}").text
    assert views(settings) == 0


def test_staff_see_how_many_hints_each_student_was_shown(app_client, settings):
    failing = graded(check("test_gradients_are_reset", False), check("test_loss_is_finite", False))
    store(settings, "student1@kadai.local", failing)
    second = store(settings, "student1@kadai.local", failing)
    sign_in(app_client, "teacher@kadai.local")
    # Staff looking at the result see the hints the student would, without counting a view.
    assert GRADIENTS_EN in app_client.get(f"/submissions/{second}").text
    assert views(settings) == 0
    sign_in(app_client, "student1@kadai.local")
    app_client.get(f"/submissions/{second}")
    assert views(settings) == 2

    sign_in(app_client, "teacher@kadai.local")
    from backend.courses.repository import CourseRepository
    from backend.models import Assignment

    with database(settings) as session:
        course_id = session.get(Assignment, assignment_id(settings, "fix-training-loop")).course_id
        student = CourseRepository(session).members(course_id, "student")
        student_id = next(s.id for s in student if s.email == "student1@kadai.local")
    book = app_client.get(f"/courses/{course_id}/gradebook").text
    assert "Hints shown: 2" in book
    page = app_client.get(f"/courses/{course_id}/students/{student_id}").text
    assert "Hints shown: 2 (test_gradients_are_reset, test_loss_is_finite)" in page
    token = token_for(settings, "teacher@kadai.local", "read,grades")
    data = app_client.get(f"/api/v1/courses/{course_id}/gradebook", headers=auth(token)).json()
    row = next(s for s in data["students"] if s["email"] == "student1@kadai.local")
    assert sorted(c["hints_shown"] for c in row["cells"]) == [0] * (len(row["cells"]) - 1) + [2]


@pytest.mark.docker
@pytest.mark.slow
def test_real_gradings_unlock_the_hint_for_accumulating_gradients(
    app_client, settings, sandbox_grader
):
    headers = auth(token_for(settings, "student1@kadai.local", "read,submit"))
    assignment = assignment_id(settings, "fix-training-loop")
    wrong = (PROJECT_ROOT / "exercises/fix-training-loop/variants/no_zero_grad.py").read_text()
    results = []
    for _ in range(2):
        response = app_client.post(
            f"/api/v1/assignments/{assignment}/submissions", json={"code": wrong}, headers=headers
        )
        assert response.status_code == 202, response.text
        results.append(wait_graded(app_client, headers, response.json()["id"], timeout=300))
    assert results[0]["hints"] == []
    assert "test_gradients_are_reset" in [h["test"] for h in results[1]["hints"]]
