"""Course analytics from known attempts: the numbers staff read (score distribution, attempts and
time until full marks, failure rates over time, common failing messages) on the page, in its
tables, in the CSV and the API; and a student's timeline."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta

from sqlalchemy import select

from backend.courses import service as courses
from backend.courses.repository import CourseRepository
from backend.models import Assignment, Exercise, Submission, User
from tests.backend.conftest import database, sign_in, token_any_scope, token_for

START = datetime(2026, 4, 1, 9, 0)  # naive UTC, as stored; the demo course is on Asia/Tokyo


def result(*failing: str) -> str:
    tests = [
        {
            "name": name,
            "title": {"en": f"Check {name}", "ja": {"loss": "損失", "shape": "形状"}[name]},
            "status": "failed" if name in failing else "passed",
            "output": {
                "en": "\nAssertionError: the loss did not go down\nat epoch 3"
                if name == "loss"
                else "ValueError: shape (2, 3) is not (3, 2)",
                "ja": "\nAssertionError: 損失が下がっていません\nエポック 3"
                if name == "loss"
                else "ValueError: 形状 (2, 3) が (3, 2) ではありません",
            },
        }
        for name in ("loss", "shape")
    ]
    return json.dumps({"tests": tests})


def seed(settings) -> int:
    """On the fix-training-loop assignment (10 points):
    - student1: 0 (both fail, day 0), 5 (loss fails, +1 h), 10 (+2 h): full at attempt 3;
    - student2: 10 at once (day 1): full at attempt 1;
    - Carol: 5 (loss fails, day 1), staff overrode it to 10: full at attempt 1, 0 h;
    - Dave: 0 (both fail, day 1), never full; Erin: never submitted."""
    with database(settings) as session:
        course = CourseRepository(session).by_code("demo")
        assignment = session.scalar(
            select(Assignment).where(Assignment.exercise_id == "fix-training-loop")
        )
        version = session.get(Exercise, "fix-training-loop").current_version
        users = {
            u.email.split("@")[0]: u
            for u in session.scalars(select(User).where(User.email.like("student%")))
        }
        for name in ("carol", "dave", "erin"):
            users[name] = User(email=f"{name}@kadai.local", name=name.title(), password_hash="!")
            session.add(users[name])
            session.flush()
            courses.enroll(session, course, users[name])
        plan = [
            ("student1", 0, START, ("loss", "shape"), None),
            ("student1", 5, START + timedelta(hours=1), ("loss",), None),
            ("student1", 10, START + timedelta(hours=2), (), None),
            ("student2", 10, START + timedelta(days=1), (), None),
            ("carol", 5, START + timedelta(days=1, hours=1), ("loss",), 10.0),
            ("dave", 0, START + timedelta(days=1, hours=2), ("loss", "shape"), None),
        ]
        counts: dict[str, int] = {}
        for who, score, at, failing, override in plan:
            counts[who] = counts.get(who, 0) + 1
            session.add(
                Submission(
                    assignment_id=assignment.id,
                    user_id=users[who].id,
                    attempt=counts[who],
                    code="pass",
                    status="graded",
                    score=score,
                    max_score=10,
                    score_override=override,
                    override_reason="reviewed" if override is not None else None,
                    result_json=result(*failing),
                    exercise_version=version,
                    created_at=at,
                )
            )
        return assignment.id


def series(chart: dict) -> dict[str, list]:
    return {s["name"]: s["points"] for s in chart["series"]}


def test_an_assignments_numbers_in_the_api_csv_and_page(app_client, settings):
    assignment_id = seed(settings)
    staff = {"Authorization": f"Bearer {token_for(settings, 'teacher@kadai.local', 'grades')}"}
    body = app_client.get(f"/api/v1/assignments/{assignment_id}/analytics", headers=staff).json()
    assert (body["learners"], body["submitted"]) == (5, 4)
    scores, attempts, times, failures = body["charts"]
    # Counted scores: 10, 10, 10 (Carol's override), 0.
    assert dict(series(scores)["learners"])[100.0] == 3
    assert dict(series(scores)["learners"])[0.0] == 1
    assert series(attempts)["learners"] == [[1.0, 2.0], [2.0, 0.0], [3.0, 1.0]]
    assert series(times)["learners with full marks by then"] == [[0.0, 1.0], [0.0, 2.0], [2.0, 3.0]]
    # Day 0: student1's 3 attempts (loss failed in 2, shape in 1); day 1: 3 attempts (loss
    # failed in Carol's and Dave's, shape in Dave's).
    over_time = series(failures)
    assert over_time["Check loss"] == [[0.0, 66.7], [1.0, 66.7]]
    assert over_time["Check shape"] == [[0.0, 33.3], [1.0, 33.3]]
    top = body["common_failing_messages"][0]
    assert top == {
        "message": "AssertionError: the loss did not go down",
        "message_ja": "AssertionError: 損失が下がっていません",
        "test": "loss",
        "count": 4,
    }

    response = app_client.get(f"/api/v1/assignments/{assignment_id}/analytics.csv", headers=staff)
    rows = {r["email"]: r for r in csv.DictReader(io.StringIO(response.text.lstrip("\ufeff")))}
    assert rows["student1@kadai.local"]["attempt with first full marks"] == "3"
    assert rows["student1@kadai.local"]["hours from first attempt to full marks"] == "2.00"
    assert rows["student1@kadai.local"]["first attempt (Asia/Tokyo)"] == "2026-04-01 18:00:00"
    assert rows["carol@kadai.local"]["score that counts (max 10)"] == "10"
    assert rows["erin@kadai.local"]["attempts"] == "0"

    sign_in(app_client, "teacher@kadai.local")
    page = app_client.get(f"/assignments/{assignment_id}/analytics").text
    assert page.count('data-testid="chart"') == 4
    assert page.count('data-testid="chart-table"') == 4  # each chart's data without script
    assert "AssertionError: the loss did not go down" in page
    assert '<script src="/static/charts.js" defer></script>' in page
    download = app_client.get(f"/assignments/{assignment_id}/analytics.csv")
    assert download.headers["content-type"].startswith("text/csv")
    with database(settings) as session:
        student1 = session.scalar(select(User).where(User.email == "student1@kadai.local")).id
    timeline = app_client.get(f"/courses/1/students/{student1}").text
    assert 'data-testid="timeline"' in timeline and "Timeline of attempts" in timeline


def test_learners_never_see_analytics(app_client, settings):
    assignment_id = seed(settings)
    sign_in(app_client, "student1@kadai.local")
    assert app_client.get(f"/assignments/{assignment_id}/analytics").status_code == 403
    assert app_client.get(f"/assignments/{assignment_id}/analytics.csv").status_code == 403
    learner = {
        "Authorization": f"Bearer {token_any_scope(settings, 'student1@kadai.local', 'grades')}"
    }
    api = app_client.get(f"/api/v1/assignments/{assignment_id}/analytics", headers=learner)
    assert api.status_code == 403


def test_the_score_that_counts_is_the_gradebooks_late_penalty_included(app_client, settings):
    assignment_id = seed(settings)
    with database(settings) as session:
        assignment = session.get(Assignment, assignment_id)
        # student1's full marks (START + 2 h) come half an hour late: 20 % off, 10 → 8.
        assignment.due_at = START + timedelta(hours=1, minutes=30)
        assignment.late_policy, assignment.late_penalty = "per_day", 20.0
    staff = {"Authorization": f"Bearer {token_for(settings, 'teacher@kadai.local', 'grades')}"}
    response = app_client.get(f"/api/v1/assignments/{assignment_id}/analytics.csv", headers=staff)
    rows = {r["email"]: r for r in csv.DictReader(io.StringIO(response.text.lstrip("\ufeff")))}
    assert rows["student1@kadai.local"]["score that counts (max 10)"] == "8"
    book = app_client.get("/api/v1/courses/1/gradebook", headers=staff).json()
    (cell,) = [
        c
        for s in book["students"]
        if s["email"] == "student1@kadai.local"
        for c in s["cells"]
        if c["assignment_id"] == assignment_id
    ]
    assert cell["score"] == 8.0
