"""Browser pages through the test client: sign-in, CSRF, role checks, escaping, languages."""

from __future__ import annotations

import json

from backend.models import Submission
from tests.backend.conftest import ADMIN_PASSWORD, csrf_of, database, sign_in


def assignment_id(settings, exercise_id: str) -> int:
    from sqlalchemy import select

    from backend.models import Assignment

    with database(settings) as session:
        return session.scalar(select(Assignment.id).where(Assignment.exercise_id == exercise_id))


def test_pages_need_a_sign_in(app_client):
    response = app_client.get("/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"


def test_wrong_password_is_told_plainly(app_client):
    page = app_client.get("/login")
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    response = app_client.post(
        "/login", data={"email": "student1@kadai.local", "password": "nope", "csrf_token": csrf}
    )
    assert response.status_code == 401
    assert "Wrong email or password" in response.text
    assert 'value="student1@kadai.local"' in response.text  # what was typed is kept


def test_forms_without_the_csrf_token_are_refused(app_client):
    response = app_client.post(
        "/login", data={"email": "student1@kadai.local", "password": "kadai-demo"}
    )
    assert response.status_code == 403


def test_student_sees_the_course_and_the_statement_in_japanese(app_client, settings):
    sign_in(app_client, "student1@kadai.local")
    app_client.post("/lang/ja", data={"csrf_token": csrf_of(app_client), "next": "/"})
    course = app_client.get("/courses/1")
    assert "演習3" in course.text and "未提出" in course.text
    page = app_client.get(f"/assignments/{assignment_id(settings, 'normalized-dataset')}")
    assert "標準化" in page.text
    assert "class NormalizedDataset(Dataset)" in page.text  # the starter is in the editor
    assert '<span class="k">' in page.text or "highlight" in page.text


def test_students_cannot_open_the_gradebook(app_client):
    sign_in(app_client, "student1@kadai.local")
    assert app_client.get("/courses/1/gradebook").status_code == 403
    assert app_client.get("/courses/1/gradebook.csv").status_code == 403


def test_instructor_and_admin_can(app_client):
    sign_in(app_client, "teacher@kadai.local")
    assert app_client.get("/courses/1/gradebook").status_code == 200
    app_client.cookies.clear()
    sign_in(app_client, "admin@kadai.local", ADMIN_PASSWORD)
    assert app_client.get("/courses/1/gradebook.csv").status_code == 200


def test_quiz_submitted_from_the_form_is_graded(app_client, settings):
    sign_in(app_client, "student2@kadai.local")
    quiz = assignment_id(settings, "true-false")
    response = app_client.post(
        f"/assignments/{quiz}/submissions",
        data={"code": '{"answers": [true, true, false, true]}', "csrf_token": csrf_of(app_client)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    url = response.headers["location"]
    for _ in range(100):
        status = app_client.get(url + "/status").json()
        if status["status"] == "graded":
            break
    assert status["score"] == 4
    page = app_client.get(url)
    assert 'data-testid="score">4 / 4' in page.text


def test_submission_output_is_escaped(app_client, settings):
    from backend.auth.repository import UserRepository
    from backend.exercises.repository import ExerciseRepository

    sign_in(app_client, "student1@kadai.local")
    quiz = assignment_id(settings, "true-false")
    result = {
        "status": "graded",
        "outcome": "ok",
        "score": 0,
        "max_score": 4,
        "execution_time": 1,
        "stdout": "<script>alert(1)</script>",
        "tests": [],
    }
    with database(settings) as session:
        student = UserRepository(session).by_email("student1@kadai.local")
        version = ExerciseRepository(session).get("true-false").current_version
        submission = Submission(
            assignment_id=quiz,
            user_id=student.id,
            attempt=1,
            code="<b>x</b>",
            status="graded",
            result_json=json.dumps(result),
            exercise_version=version,
        )
        session.add(submission)
        session.flush()
        submission_id = submission.id
    page = app_client.get(f"/submissions/{submission_id}")
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "&lt;b&gt;x&lt;/b&gt;" in page.text
