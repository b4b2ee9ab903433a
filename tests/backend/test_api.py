"""The REST API as an LMS or a script uses it: tokens, scopes, submissions, gradebook, errors."""

from __future__ import annotations

import time

import pytest

from backend.bootstrap import DEMO_EXERCISES
from tests.backend.conftest import token_any_scope, token_for


def wait_graded(client, headers, submission_id, timeout=120.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = client.get(f"/api/v1/submissions/{submission_id}", headers=headers).json()
        if body["status"] in ("graded", "error"):
            return body
        time.sleep(0.2)
    raise AssertionError(f"submission {submission_id} still {body['status']}")


def auth(token):
    return {"Authorization": f"Bearer {token}"}


def quiz_assignment(client, headers):
    course = client.get("/api/v1/courses", headers=headers).json()["items"][0]
    items = client.get(f"/api/v1/courses/{course['id']}/assignments", headers=headers).json()
    return course, next(a for a in items["items"] if a["exercise_id"] == "true-false")


def test_errors_have_one_json_shape(app_client):
    missing = app_client.get("/api/v1/courses")
    assert missing.status_code == 401
    assert set(missing.json()["error"]) == {"code", "message", "message_ja"}
    bad = app_client.get("/api/v1/courses", headers=auth("kadai_nope"))
    assert bad.status_code == 401 and bad.json()["error"]["code"] == "not_authenticated"


def test_a_script_submits_and_polls_until_graded(app_client, settings):
    headers = auth(token_for(settings, "student1@kadai.local", "read,submit"))
    course, quiz = quiz_assignment(app_client, headers)
    assert course["code"] == "demo"
    created = app_client.post(
        f"/api/v1/assignments/{quiz['id']}/submissions",
        json={"code": '{"answers": [true, true, false, true]}'},
        headers=headers,
    )
    assert created.status_code == 202
    assert created.json()["status"] == "queued" and created.json()["attempt"] == 1
    done = wait_graded(app_client, headers, created.json()["id"])
    assert (done["status"], done["score"], done["max_score"]) == ("graded", 4, 4)
    assert done["result"]["grader_log"] == ""


def test_malformed_quiz_answers_are_a_422_and_store_nothing(app_client, settings):
    headers = auth(token_for(settings, "student1@kadai.local", "read,submit"))
    _, quiz = quiz_assignment(app_client, headers)
    response = app_client.post(
        f"/api/v1/assignments/{quiz['id']}/submissions",
        json={"code": '{"answers": [1]}'},
        headers=headers,
    )
    assert response.status_code == 422
    assert "Expected 4 answers" in response.json()["error"]["message"]
    ok = app_client.post(
        f"/api/v1/assignments/{quiz['id']}/submissions",
        json={"code": '{"answers": [true, true, true, true]}'},
        headers=headers,
    )
    assert ok.json()["attempt"] == 1  # the rejected one did not use an attempt


def test_scopes_are_enforced(app_client, settings):
    read_only = auth(token_for(settings, "student1@kadai.local", "read"))
    _, quiz = quiz_assignment(app_client, read_only)
    response = app_client.post(
        f"/api/v1/assignments/{quiz['id']}/submissions", json={"code": "{}"}, headers=read_only
    )
    assert response.status_code == 403 and "submit" in response.json()["error"]["message"]


def test_gradebook_needs_an_instructor_with_the_grades_scope(app_client, settings):
    student = auth(token_any_scope(settings, "student1@kadai.local", "read,submit,grades"))
    course, quiz = quiz_assignment(app_client, student)
    submitted = app_client.post(
        f"/api/v1/assignments/{quiz['id']}/submissions",
        json={"code": '{"answers": [true, true, false, false]}'},
        headers=student,
    )
    wait_graded(app_client, student, submitted.json()["id"])
    assert (
        app_client.get(f"/api/v1/courses/{course['id']}/gradebook", headers=student).status_code
        == 403
    )
    teacher = auth(token_for(settings, "teacher@kadai.local", "read,grades"))
    book = app_client.get(f"/api/v1/courses/{course['id']}/gradebook", headers=teacher).json()
    row = next(s for s in book["students"] if s["email"] == "student1@kadai.local")
    cell = next(c for c in row["cells"] if c["assignment_id"] == quiz["id"])
    assert (cell["score"], cell["attempts"]) == (3, 1)
    csv = app_client.get(f"/api/v1/courses/{course['id']}/gradebook.csv", headers=teacher)
    assert csv.headers["content-type"].startswith("text/csv")
    assert "student1@kadai.local" in csv.text and ",3,1," in csv.text


def test_a_student_cannot_read_another_students_submission(app_client, settings):
    one = auth(token_for(settings, "student1@kadai.local", "read,submit"))
    two = auth(token_for(settings, "student2@kadai.local", "read"))
    _, quiz = quiz_assignment(app_client, one)
    created = app_client.post(
        f"/api/v1/assignments/{quiz['id']}/submissions",
        json={"code": '{"answers": [true, true, false, true]}'},
        headers=one,
    ).json()
    assert app_client.get(f"/api/v1/submissions/{created['id']}", headers=two).status_code == 403


def test_pagination_and_the_openapi_schema(app_client, settings):
    headers = auth(token_for(settings, "student1@kadai.local", "read"))
    course = app_client.get("/api/v1/courses", headers=headers).json()["items"][0]
    page = app_client.get(
        f"/api/v1/courses/{course['id']}/assignments?limit=2&offset=1", headers=headers
    ).json()
    assert (len(page["items"]), page["total"], page["limit"], page["offset"]) == (
        2,
        len(DEMO_EXERCISES),
        2,
        1,
    )
    assert (
        app_client.get(
            f"/api/v1/courses/{course['id']}/assignments?limit=0", headers=headers
        ).status_code
        == 422
    )
    schema = app_client.get("/api/v1/openapi.json").json()
    assert "/api/v1/assignments/{assignment_id}/submissions" in schema["paths"]


@pytest.mark.docker
def test_a_script_with_a_token_solves_every_exercise_of_the_demo_course(
    app_client, settings, sandbox_grader
):
    from grader.settings import PROJECT_ROOT

    headers = auth(token_for(settings, "student2@kadai.local", "read,submit"))
    course = app_client.get("/api/v1/courses", headers=headers).json()["items"][0]
    items = app_client.get(f"/api/v1/courses/{course['id']}/assignments", headers=headers).json()
    assert [a["exercise_id"] for a in items["items"]] == DEMO_EXERCISES
    # Every exercise on SQLite; on PostgreSQL the chapter's five (a quiz and code in both
    # frameworks) walk the same API path again, the other six are graded once already.
    on_sqlite = settings.sqlalchemy_url.startswith("sqlite")
    created = {}
    for assignment in items["items"] if on_sqlite else items["items"][:5]:
        folder = PROJECT_ROOT / "exercises" / assignment["exercise_id"]
        solution = next(folder.glob("solution.*")).read_text()
        response = app_client.post(
            f"/api/v1/assignments/{assignment['id']}/submissions",
            json={"code": solution},
            headers=headers,
        )
        assert response.status_code == 202
        created[assignment["exercise_id"]] = (response.json()["id"], assignment["points"])
    for exercise_id, (submission_id, points) in created.items():
        done = wait_graded(app_client, headers, submission_id, timeout=300)
        assert (done["status"], done["score"]) == ("graded", points), exercise_id
        # A learner reads a hidden test only as withheld: its verdict is the staff's to see.
        assert all(t["status"] in ("passed", "withheld") for t in done["result"]["tests"])
        assert any(t["status"] == "passed" for t in done["result"]["tests"])
