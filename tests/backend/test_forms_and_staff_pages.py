"""Staff and admin forms that guide (pickers, headings, notices), assignment rules enforced by the
service, the teacher's course page, regrading with a confirmation and progress, the CSV export."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from backend.bootstrap import DEMO_EXERCISES
from backend.courses import service as courses
from backend.courses.repository import CourseRepository
from backend.errors import Conflict, Invalid
from backend.models import Assignment, Submission
from grader.exercise import load_catalog
from grader.settings import PROJECT_ROOT
from tests.backend.conftest import ADMIN_PASSWORD, csrf_of, database, sign_in, token_for
from tests.backend.test_api import auth
from tests.backend.test_staff_and_admin import ANSWERS, submit_quiz


def post(client, path: str, fields: dict, **kwargs):
    return client.post(path, data={"csrf_token": csrf_of(client), **fields}, **kwargs)


def test_negative_limits_and_repeated_exercises_are_refused_by_the_service(app_client, settings):
    with database(settings) as session:
        course = CourseRepository(session).get(1)
        with pytest.raises(Invalid):
            courses.add_assignment(session, course, "true-false", max_attempts=-3)
        with pytest.raises(Conflict):
            courses.add_assignment(session, course, "true-false")  # the demo already has it
    teacher = auth(token_for(settings, "teacher@kadai.local", "read,manage"))
    again = app_client.post(
        "/api/v1/courses/1/assignments", json={"exercise_id": "true-false"}, headers=teacher
    )
    assert again.status_code == 409
    assert "すでに課題になっています" in again.json()["error"]["message_ja"]
    negative = app_client.post(
        "/api/v1/courses/1/assignments",
        json={"exercise_id": "true-false", "max_attempts": -3},
        headers=teacher,
    )
    assert negative.status_code == 422
    sign_in(app_client, "admin@kadai.local", ADMIN_PASSWORD)
    form = post(
        app_client,
        "/admin/assignments",
        {"course_id": "1", "exercise_id": "true-false", "max_attempts": "-3"},
    )
    assert form.status_code == 422 and "at least 1" in form.text
    with database(settings) as session:
        count = len(CourseRepository(session).assignments(1))
    assert count == len(DEMO_EXERCISES)  # nothing was added


def test_the_admin_page_has_headed_forms_pickers_enrolments_and_notices(app_client, settings):
    sign_in(app_client, "admin@kadai.local", ADMIN_PASSWORD)
    page = app_client.get("/admin").text
    for heading in ("h-users", "h-add-user", "h-add-course", "h-enroll", "h-add-assignment"):
        assert f'id="{heading}"' in page
    assert '<select id="enroll-course" name="course_id"' in page
    assert '<select id="assign-course" name="course_id"' in page
    assert 'type="datetime-local" name="due_at"' in page
    assert 'type="number" name="max_attempts" min="1"' in page
    roster = page.split('data-testid="enrollments-demo"')[1].split("</table>")[0]
    assert "teacher@kadai.local" in roster and "student2@kadai.local" in roster
    with database(settings) as session:
        code = courses.create_course(session, "ml2", "ML 2", time_zone="Asia/Tokyo").code
        course_id = CourseRepository(session).by_code(code).id
    done = post(
        app_client,
        "/admin/assignments",
        {
            "course_id": str(course_id),
            "exercise_id": "normalized-dataset",
            "due_at": "2026-12-24T23:59",
            "max_attempts": "3",
        },
    )
    assert done.status_code == 200 and 'data-testid="notice"' in done.text
    assert "Assignment added." in done.text
    with database(settings) as session:
        due = session.scalar(select(Assignment.due_at).where(Assignment.course_id == course_id))
    assert due == datetime(2026, 12, 24, 14, 59)  # 23:59 in Tokyo, stored in UTC
    course_page = app_client.get(f"/courses/{course_id}").text
    assert "2026-12-24 23:59 JST" in course_page
    zone = post(
        app_client,
        "/admin/courses",
        {"code": "bad", "title": "Bad", "time_zone": "Mars/Olympus"},
    )
    assert zone.status_code == 422 and "Asia/Tokyo" in zone.text


def test_a_teachers_course_page_has_no_student_columns(app_client):
    sign_in(app_client, "teacher@kadai.local")
    page = app_client.get("/courses/1").text
    assert 'data-testid="staff-assignments"' in page
    assert "Not submitted" not in page and "Score that counts" not in page
    assert "/assignments/1/stats" in page
    app_client.cookies.clear()
    sign_in(app_client, "student1@kadai.local")
    assert "Not submitted" in app_client.get("/courses/1").text


def test_students_are_offered_only_the_scopes_they_can_hold(app_client):
    sign_in(app_client, "student1@kadai.local")
    page = app_client.get("/account/tokens").text
    offered = [part.split('"')[0] for part in page.split('name="scopes" value="')[1:]]
    assert offered == ["read", "submit"]
    app_client.cookies.clear()
    sign_in(app_client, "teacher@kadai.local")
    page = app_client.get("/account/tokens").text
    assert page.count('name="scopes"') == 4


def test_the_course_list_names_each_course_code_once(app_client, settings):
    with database(settings) as session:
        courses.create_course(session, "ml3", "Deep Learning (ml3)")  # the code in the title
        courses.create_course(session, "ml4", "Deep Learning II")
    sign_in(app_client, "admin@kadai.local", ADMIN_PASSWORD)
    page = app_client.get("/").text
    assert page.count("(demo)") == 1 and page.count("(ml3)") == 1 and page.count("(ml4)") == 1


def test_a_zero_score_is_marked_apart_from_the_graded_state(app_client, settings):
    _, graded, _ = submit_quiz(app_client, settings, "student1@kadai.local", ANSWERS["one_wrong"])
    with database(settings) as session:
        row = session.get(Submission, graded["id"])
        result = json.loads(row.result_json)
        row.score = result["score"] = 0.0
        row.result_json = json.dumps(result)
    sign_in(app_client, "student1@kadai.local")
    page = app_client.get(f"/submissions/{graded['id']}").text
    assert 'class="status graded"' in page
    assert 'class="mark none" data-testid="mark">No points' in page
    course = app_client.get("/courses/1").text
    assert 'class="mark none"' in course


def test_regrading_asks_first_then_shows_how_many_are_queued(app_client, settings):
    quiz, _, _ = submit_quiz(app_client, settings, "student1@kadai.local", ANSWERS["right"])
    sign_in(app_client, "teacher@kadai.local")
    asked = post(app_client, f"/assignments/{quiz['id']}/regrade", {})
    assert asked.status_code == 200
    assert 'data-testid="regrade-count">1<' in asked.text
    with database(settings) as session:
        untouched = session.scalar(select(Submission.status).where(Submission.id == 1))
    assert untouched == "graded"  # nothing ran before the yes
    done = post(
        app_client,
        f"/assignments/{quiz['id']}/regrade",
        {"confirmed": "yes"},
        follow_redirects=False,
    )
    assert done.headers["location"] == f"/assignments/{quiz['id']}/stats?regraded=1"
    page = app_client.get(done.headers["location"]).text
    assert 'data-testid="regrade-progress"' in page
    assert "<strong>1</strong> submissions queued for regrading" in page


def test_the_gradebook_sorts_from_buttons_and_draws_its_chart_icon(app_client):
    sign_in(app_client, "teacher@kadai.local")
    page = app_client.get("/courses/1/gradebook").text
    assert "📊" not in page
    columns = 1 + len(DEMO_EXERCISES) + 1  # student, each exercise, total
    assert page.count('<button type="button" class="sort">') == columns
    assert page.count('aria-sort="none"') == columns
    link = page.split('data-testid="stats-link"')[0].rsplit("<a ", 1)[1]
    assert 'aria-label="Which checks fail most: Exercise 1' in link
    assert "Score policy: best attempt counts" in page


def test_the_csv_has_titles_points_a_bom_and_course_zone_times(app_client, settings):
    submit_quiz(app_client, settings, "student1@kadai.local", ANSWERS["right"])
    with database(settings) as session:
        submitted = session.scalar(select(Submission.created_at).where(Submission.id == 1))
    sign_in(app_client, "teacher@kadai.local")
    app_client.cookies.set("lang", "ja")
    body = app_client.get("/courses/1/gradebook.csv").content
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    header, student = rows[0], next(r for r in rows if r[0] == "student1@kadai.local")
    quiz_title = header[2].split(" (max")[0]
    assert header[2] == f"{quiz_title} (max 4) score" and quiz_title.startswith("演習1")
    assert header[5] == f"{quiz_title} submitted (Asia/Tokyo)"
    catalog = load_catalog(PROJECT_ROOT / "exercises")
    points = sum(catalog[exercise_id].meta.points for exercise_id in DEMO_EXERCISES)
    assert header[-1] == f"total (max {points:g})"
    tokyo = datetime.fromisoformat(student[5])
    assert tokyo - submitted.replace(microsecond=0) == timedelta(
        hours=9
    )  # stored UTC, shown in Tokyo time


def test_the_japanese_rate_limit_message_says_to_wait(app_client, settings):
    headers = auth(token_for(settings, "student1@kadai.local", "read,submit"))
    codes = []
    for _ in range(40):
        response = app_client.post(
            "/api/v1/assignments/1/submissions",
            json={"code": ANSWERS["right"]},
            headers=headers,
        )
        codes.append(response.status_code)
        if response.status_code == 429:
            assert "1 分待ってください" in response.json()["error"]["message_ja"]
            break
    assert 429 in codes
