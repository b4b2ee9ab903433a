"""The gradebook as instructors export it and as a large course loads it.

CSV cells a spreadsheet would run as formulas are quoted; any course code makes a valid download
header; the page reads only the columns it shows, a page of students at a time.
"""

from __future__ import annotations

import csv
import io
from urllib.parse import unquote

from sqlalchemy import event, select

from backend.courses import service as courses
from backend.courses.repository import CourseRepository
from backend.models import Assignment, Submission, User
from tests.backend.conftest import database, sign_in, token_for

FORMULAS = ['=HYPERLINK("http://evil.example","x")', "@SUM(1+1)", "+1", "-2", "\tcmd", "\rcmd"]


def add_students(settings, names: list[str], course_code: str = "demo") -> None:
    """Accounts inserted directly (no password hashing): they only need to be in the book."""
    with database(settings) as session:
        course = CourseRepository(session).by_code(course_code)
        for index, name in enumerate(names):
            user = User(email=f"s{index:04d}@kadai.local", name=name, password_hash="!")
            session.add(user)
            session.flush()
            courses.enroll(session, course, user)


def test_names_that_look_like_formulas_are_exported_as_text(app_client, settings):
    add_students(settings, FORMULAS)
    sign_in(app_client, "teacher@kadai.local")
    teacher = {"Authorization": f"Bearer {token_for(settings, 'teacher@kadai.local', 'grades')}"}
    for body in (
        app_client.get("/courses/1/gradebook.csv").text,
        app_client.get("/api/v1/courses/1/gradebook.csv", headers=teacher).text,
    ):
        names = {row["name"] for row in csv.DictReader(io.StringIO(body))}
        for formula in FORMULAS:
            assert "'" + formula in names, formula
        assert not any(name.startswith(("=", "+", "-", "@", "\t", "\r")) for name in names)


def test_any_course_code_gives_a_valid_download_name(app_client, settings):
    code = '日本語"; filename=evil.sh'
    with database(settings) as session:
        course = courses.create_course(session, code, "Unicode course")
        teacher = session.scalar(select(User).where(User.email == "teacher@kadai.local"))
        courses.enroll(session, course, teacher, "instructor")
        course_id = course.id
    sign_in(app_client, "teacher@kadai.local")
    response = app_client.get(f"/courses/{course_id}/gradebook.csv")
    assert response.status_code == 200
    disposition = response.headers["content-disposition"]
    fallback = disposition.split('filename="')[1].split('"')[0]
    assert fallback.isascii() and '"' not in fallback and ";" not in fallback
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == f"gradebook-{code}.csv"


def test_a_large_course_pages_its_students_and_never_loads_code(app_client, settings):
    add_students(settings, [f"Student {index:03d}" for index in range(130)])
    with database(settings) as session:
        assignment = session.scalar(
            select(Assignment).where(Assignment.exercise_id == "true-false")
        )
        for user in session.scalars(select(User).where(User.email.like("s%@kadai.local"))):
            session.add(
                Submission(
                    assignment_id=assignment.id,
                    user_id=user.id,
                    attempt=1,
                    code="x" * 10_000,
                    status="graded",
                    score=3,
                    max_score=4,
                    result_json='{"tests": []}',
                    exercise_version="v",
                )
            )
    statements: list[str] = []
    engine = app_client.app.state.engine
    listener = lambda *args: statements.append(args[2])  # noqa: E731 — (conn, cursor, statement…)
    event.listen(engine, "before_cursor_execute", listener)
    sign_in(app_client, "teacher@kadai.local")
    try:
        first = app_client.get("/courses/1/gradebook")
        second = app_client.get("/courses/1/gradebook?page=2")
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    loaded = [s for s in statements if "FROM submissions" in s]
    assert loaded and not any("submissions.code" in s or "result_json" in s for s in loaded)
    rows = first.text.count('href="/courses/1/students/')
    assert rows == 100 and 'data-testid="next-page"' in first.text
    assert second.text.count('href="/courses/1/students/') == 132 - 100  # + the two demo students
    assert app_client.get("/courses/1/gradebook.csv").text.count("@kadai.local") == 132
