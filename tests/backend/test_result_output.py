"""What the submission printed, per test, on the result page and in the API: a learner sees it under
the test's visibility, staff see all of it."""

from __future__ import annotations

from backend.models import Submission
from grader.contract import GradingResult, HeldOutput, TestResult, Text
from tests.backend.conftest import database, sign_in, token_for
from tests.backend.test_pages import assignment_id


def a_test(number: int, visibility: str, stdout: str) -> TestResult:
    return TestResult(
        name=f"test_x.py::test_{number}",
        title=Text(en=f"check {number}", ja=f"チェック {number}"),
        score=1.0,
        max_score=1.0,
        status="passed",
        output=Text("", ""),
        visibility=visibility,
        number=number,
        stdout=stdout,
        stderr=f"{stdout}-stderr",
    )


RESULT = GradingResult(
    status="graded",
    outcome="ok",
    score=3.0,
    max_score=3.0,
    execution_time=1.0,
    tests=(
        a_test(1, "visible", "visible-print-4b1"),
        a_test(2, "after_due_date", "late-print-9e2"),
        a_test(3, "hidden", "hidden-print-c7d"),
    ),
    stdout="loading-print-0a0",
    held_output=(HeldOutput("hidden", "held-print-f3f"),),
)
WITHHELD = ("late-print-9e2", "hidden-print-c7d", "held-print-f3f")


def stored_submission(settings) -> int:
    from backend.auth.repository import UserRepository
    from backend.exercises.repository import ExerciseRepository

    quiz = assignment_id(settings, "true-false")
    with database(settings) as session:
        student = UserRepository(session).by_email("student1@kadai.local")
        submission = Submission(
            assignment_id=quiz,
            user_id=student.id,
            attempt=1,
            code="{}",
            status="graded",
            result_json=RESULT.to_json(),
            exercise_version=ExerciseRepository(session).get("true-false").current_version,
        )
        session.add(submission)
        session.flush()
        return submission.id


def test_a_learner_sees_visible_output_only(app_client, settings):
    submission_id = stored_submission(settings)
    sign_in(app_client, "student1@kadai.local")
    page = app_client.get(f"/submissions/{submission_id}").text
    assert "visible-print-4b1" in page and "visible-print-4b1-stderr" in page
    assert "loading-print-0a0" in page
    for secret in WITHHELD:
        assert secret not in page
    token = token_for(settings, "student1@kadai.local", "read")
    api = app_client.get(
        f"/api/v1/submissions/{submission_id}", headers={"Authorization": f"Bearer {token}"}
    ).text
    assert "visible-print-4b1" in api
    for secret in WITHHELD:
        assert secret not in api


def test_staff_see_every_tests_output_and_held_output(app_client, settings):
    submission_id = stored_submission(settings)
    sign_in(app_client, "teacher@kadai.local")
    page = app_client.get(f"/submissions/{submission_id}").text
    for text in ("visible-print-4b1", *WITHHELD):
        assert text in page
    assert 'data-testid="held-output"' in page
