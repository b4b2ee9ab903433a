"""Regrade requests: a learner asks, staff answer and may override the score, and the override is
what counts (gradebook, API) while the graded score stays visible beside it."""

from __future__ import annotations

import csv
import io
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from backend.gradebook.service import counting, effective_score
from backend.models import Assignment, Exercise, RegradeRequest, Submission, User
from tests.backend.conftest import csrf_of, database, sign_in, token_for


def graded(settings, email: str = "student1@kadai.local", score: float = 1.0) -> int:
    """A graded attempt at the true-false quiz (4 points), stored as a grading would leave it."""
    with database(settings) as session:
        assignment = session.scalar(
            select(Assignment).where(Assignment.exercise_id == "true-false")
        )
        user = session.scalar(select(User).where(User.email == email))
        attempt = 1 + len(
            session.scalars(
                select(Submission).where(
                    Submission.user_id == user.id, Submission.assignment_id == assignment.id
                )
            ).all()
        )
        submission = Submission(
            assignment_id=assignment.id,
            user_id=user.id,
            attempt=attempt,
            code="[true, false, true, true]",
            status="graded",
            score=score,
            max_score=4,
            result_json=None,
            exercise_version=session.get(Exercise, "true-false").current_version,
        )
        session.add(submission)
        session.flush()
        return submission.id


def bearer(settings, email: str, scopes: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(settings, email, scopes)}"}


def gradebook_cell(client, headers, submission_id: int) -> dict:
    book = client.get("/api/v1/courses/1/gradebook", headers=headers).json()
    cells = [c for s in book["students"] for c in s["cells"] if c["submission_id"] == submission_id]
    assert len(cells) == 1
    return cells[0]


def test_a_learner_asks_staff_override_and_the_override_counts(app_client, settings):
    submission_id = graded(settings, score=1.0)
    sign_in(app_client, "student1@kadai.local")
    page = app_client.get(f"/submissions/{submission_id}")
    assert 'data-testid="ask-review"' in page.text
    asked = app_client.post(
        f"/submissions/{submission_id}/regrade-requests",
        data={"message": "Statement 2 <b>is</b> false, I think", "csrf_token": csrf_of(app_client)},
        follow_redirects=False,
    )
    assert asked.status_code == 303
    page = app_client.get(f"/submissions/{submission_id}").text
    assert "Statement 2 &lt;b&gt;is&lt;/b&gt; false" in page  # escaped, never markup
    assert 'data-testid="review-waiting"' in page and 'data-testid="ask-review"' not in page

    sign_in(app_client, "teacher@kadai.local")
    queue = app_client.get("/courses/1/regrade-requests").text
    assert queue.count('data-testid="queue-item"') == 1 and "Student1" in queue
    request_id = int(queue.split('action="/regrade-requests/')[1].split("/")[0])
    refused = app_client.post(
        f"/regrade-requests/{request_id}/answer",
        data={"answer": "Agreed.", "score": "4", "reason": "", "csrf_token": csrf_of(app_client)},
    )
    assert refused.status_code == 422  # a new score needs a reason; nothing was changed
    staff = bearer(settings, "teacher@kadai.local", "grades")
    assert gradebook_cell(app_client, staff, submission_id)["score"] == 1.0
    answered = app_client.post(
        f"/regrade-requests/{request_id}/answer",
        data={
            "answer": "You are right: statement 2 was ambiguous.",
            "score": "3.5",
            "reason": "ambiguous statement",
            "csrf_token": csrf_of(app_client),
        },
        follow_redirects=False,
    )
    assert answered.status_code == 303
    assert 'data-testid="queue-empty"' in app_client.get("/courses/1/regrade-requests").text
    cell = gradebook_cell(app_client, staff, submission_id)
    assert (cell["score"], cell["original_score"]) == (3.5, 1.0)
    book = app_client.get("/courses/1/gradebook").text
    assert 'data-testid="original-score"' in book
    admin = bearer(settings, "admin@kadai.local", "manage")
    audited = app_client.get(
        "/api/v1/audit", params={"action": "submission.score_override"}, headers=admin
    ).json()
    (entry,) = audited["items"]
    sheet = app_client.get("/courses/1/gradebook.csv").text.lstrip("\ufeff")
    row = next(csv.DictReader(io.StringIO(sheet)))
    staff_column = next(name for name in row if name.endswith("staff score") and row[name])
    assert row[staff_column] == "3.5"
    assert entry["actor_email"] == "teacher@kadai.local"
    assert entry["subject_id"] == str(submission_id)
    assert entry["before"]["score_override"] is None
    assert (entry["after"]["score_override"], entry["after"]["reason"]) == (
        3.5,
        "ambiguous statement",
    )

    sign_in(app_client, "student1@kadai.local")
    page = app_client.get(f"/submissions/{submission_id}").text
    assert "statement 2 was ambiguous" in page
    assert 'data-testid="override-score">3.5<' in page and 'data-testid="original-score">1<' in page
    assert "3.5 / 4" in app_client.get("/courses/1").text  # the course page's best score
    learner = bearer(settings, "student1@kadai.local", "read")
    body = app_client.get(f"/api/v1/submissions/{submission_id}", headers=learner).json()
    assert (body["score"], body["score_override"]) == (1.0, 3.5)


def test_the_api_round_trip_and_its_refusals(app_client, settings):
    submission_id = graded(settings, score=2.0)
    other_id = graded(settings, "student2@kadai.local", score=0.0)
    learner = bearer(settings, "student1@kadai.local", "submit,read")
    staff = bearer(settings, "teacher@kadai.local", "grades")
    url = f"/api/v1/submissions/{submission_id}/regrade-requests"

    assert app_client.post(url, json={"message": "  "}, headers=learner).status_code == 422
    forbidden = app_client.post(
        f"/api/v1/submissions/{other_id}/regrade-requests", json={"message": "x"}, headers=learner
    )
    assert forbidden.status_code == 403
    created = app_client.post(url, json={"message": "Please look again"}, headers=learner)
    assert created.status_code == 201, created.text
    request_id = created.json()["id"]
    again = app_client.post(url, json={"message": "Again"}, headers=learner)
    assert again.status_code == 409
    # A learner's token cannot answer, nor read the course's queue.
    assert (
        app_client.post(
            f"/api/v1/regrade-requests/{request_id}/answer", json={"answer": "ok"}, headers=learner
        ).status_code
        == 403
    )
    queue = app_client.get("/api/v1/courses/1/regrade-requests", headers=staff).json()
    assert [item["id"] for item in queue] == [request_id]

    answer_url = f"/api/v1/regrade-requests/{request_id}/answer"
    for score in (4.5, -1):
        too_far = app_client.post(
            answer_url, json={"answer": "ok", "score": score, "reason": "r"}, headers=staff
        )
        assert too_far.status_code == 422, score
    with database(settings) as session:
        assert session.get(Submission, submission_id).score_override is None
        assert session.get(RegradeRequest, request_id).state == "open"
    kept = app_client.post(answer_url, json={"answer": "The grading is right."}, headers=staff)
    assert kept.status_code == 200
    assert (kept.json()["state"], kept.json()["score_override"]) == ("answered", None)
    twice = app_client.post(answer_url, json={"answer": "again"}, headers=staff)
    assert twice.status_code == 409
    mine = app_client.get(url, headers=learner).json()
    assert mine[0]["answer"] == "The grading is right."
    # Answered: the learner may ask again.
    assert app_client.post(url, json={"message": "Still?"}, headers=learner).status_code == 201


def attempt(n: int, score: float | None, override: float | None = None, status: str = "graded"):
    return SimpleNamespace(id=n, attempt=n, status=status, score=score, score_override=override)


@pytest.mark.parametrize(
    ("attempts", "policy", "counted_attempt", "counted_score"),
    [
        # No override: the graded score.
        ([attempt(1, 2.0)], "best", 1, 2.0),
        # An override counts instead of its attempt's graded score, up or down.
        ([attempt(1, 2.0, override=4.0)], "best", 1, 4.0),
        ([attempt(1, 2.0, override=0.0)], "best", 1, 0.0),
        # "best" compares scores that count: an overridden attempt can win or lose.
        ([attempt(1, 2.0, override=4.0), attempt(2, 3.0)], "best", 1, 4.0),
        ([attempt(1, 3.0, override=1.0), attempt(2, 2.0)], "best", 2, 2.0),
        # "latest" keeps the latest graded attempt, with its own override if any.
        ([attempt(1, 2.0, override=4.0), attempt(2, 1.0)], "latest", 2, 1.0),
        ([attempt(1, 2.0), attempt(2, 1.0, override=3.0)], "latest", 2, 3.0),
        # An attempt that is not graded never counts, override or not.
        ([attempt(1, None, override=4.0, status="error"), attempt(2, 1.0)], "best", 2, 1.0),
    ],
)
def test_override_precedence(attempts, policy, counted_attempt, counted_score):
    chosen = counting(attempts, policy)
    assert chosen is not None
    assert (chosen.attempt, effective_score(chosen)) == (counted_attempt, counted_score)
