"""A course after its creation: edited, copied for next term, archived; assignments edited,
deleted (only without submissions) or archived (hidden from learners), through pages and API."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from backend.models import Assignment, Course, DeadlineOverride, Enrollment, Submission, User
from backend.models._common import utcnow
from tests.backend.conftest import ADMIN_PASSWORD, csrf_of, database, sign_in, token_for


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assignment_id(settings, exercise_id: str, course_id: int = 1) -> int:
    with database(settings) as session:
        return session.scalar(
            select(Assignment.id).where(
                Assignment.exercise_id == exercise_id, Assignment.course_id == course_id
            )
        )


def add_submission(settings, assignment: int, email: str = "student1@kadai.local") -> None:
    with database(settings) as session:
        user = session.scalar(select(User).where(User.email == email))
        session.add(
            Submission(
                assignment_id=assignment,
                user_id=user.id,
                attempt=1,
                code="{}",
                status="graded",
                score=1,
                max_score=4,
                exercise_version="v",
            )
        )


def post_form(client, path: str, data: dict):
    return client.post(path, data={**data, "csrf_token": csrf_of(client)}, follow_redirects=False)


def test_staff_edit_their_course_but_only_an_admin_changes_its_code(app_client, settings):
    sign_in(app_client, "teacher@kadai.local")
    page = app_client.get("/courses/1/settings")
    assert page.status_code == 200 and 'name="code"' not in page.text
    saved = post_form(
        app_client,
        "/courses/1/settings",
        {"title": "Deep learning, spring", "score_policy": "latest", "time_zone": "UTC"},
    )
    assert saved.status_code == 303
    assert "Deep learning, spring" in app_client.get("/courses/1").text
    manage = auth(token_for(settings, "teacher@kadai.local", "manage"))
    refused = app_client.patch("/api/v1/courses/1", json={"code": "dl-2027"}, headers=manage)
    assert refused.status_code == 403
    admin = auth(token_for(settings, "admin@kadai.local", "manage"))
    renamed = app_client.patch("/api/v1/courses/1", json={"code": "dl-2027"}, headers=admin)
    assert renamed.status_code == 200 and renamed.json()["code"] == "dl-2027"
    # A learner may not open the settings at all.
    app_client.cookies.clear()
    sign_in(app_client, "student1@kadai.local")
    assert app_client.get("/courses/1/settings").status_code == 403


def test_a_copy_takes_the_assignments_with_shifted_dates_and_no_students(app_client, settings):
    quiz = assignment_id(settings, "true-false")
    due = utcnow().replace(microsecond=0) + timedelta(days=3)
    with database(settings) as session:
        assignment = session.get(Assignment, quiz)
        assignment.due_at, assignment.late_until = due, due + timedelta(days=2)
        assignment.late_policy, assignment.late_penalty = "per_day", 5.0
        student = session.scalar(select(User).where(User.email == "student1@kadai.local"))
        session.add(DeadlineOverride(assignment_id=quiz, user_id=student.id, extra_attempts=2))
        originals = session.scalars(select(Assignment).where(Assignment.course_id == 1)).all()
        original_count = len(originals)
    add_submission(settings, quiz)
    sign_in(app_client, "admin@kadai.local", ADMIN_PASSWORD)
    copied = post_form(
        app_client,
        "/courses/1/copy",
        {"code": "demo-2027", "title": "Next term", "shift_days": "182"},
    )
    assert copied.status_code == 303
    new_id = int(copied.headers["location"].split("/")[2])
    with database(settings) as session:
        course = session.get(Course, new_id)
        assert (course.code, course.title, course.time_zone) == (
            "demo-2027",
            "Next term",
            "Asia/Tokyo",
        )
        new_quiz = session.scalar(
            select(Assignment).where(
                Assignment.course_id == new_id, Assignment.exercise_id == "true-false"
            )
        )
        assert new_quiz.due_at == due + timedelta(days=182)
        assert new_quiz.late_until == due + timedelta(days=184)
        assert (new_quiz.late_policy, new_quiz.late_penalty) == ("per_day", 5.0)
        assert (
            len(session.scalars(select(Assignment).where(Assignment.course_id == new_id)).all())
            == original_count
        )
        roles = session.scalars(select(Enrollment.role).where(Enrollment.course_id == new_id)).all()
        assert roles == ["instructor"]  # the teacher, no students
        assert (
            session.scalars(select(Submission).where(Submission.assignment_id == new_quiz.id)).all()
            == []
        )
        assert (
            session.scalars(
                select(DeadlineOverride).where(DeadlineOverride.assignment_id == new_quiz.id)
            ).all()
            == []
        )
    # An instructor cannot copy (creating courses is for administrators).
    app_client.cookies.clear()
    sign_in(app_client, "teacher@kadai.local")
    assert post_form(app_client, "/courses/1/copy", {"code": "x", "title": "x"}).status_code == 403


def test_an_assignment_is_deleted_only_without_submissions_otherwise_archived(app_client, settings):
    quiz = assignment_id(settings, "true-false")
    other = assignment_id(settings, "fix-training-loop")
    add_submission(settings, quiz)
    manage = auth(token_for(settings, "teacher@kadai.local", "read,manage"))
    refused = app_client.delete(f"/api/v1/assignments/{quiz}", headers=manage)
    assert refused.status_code == 409
    assert "archive" in refused.json()["error"]["message"]
    assert "アーカイブ" in refused.json()["error"]["message_ja"]
    assert app_client.delete(f"/api/v1/assignments/{other}", headers=manage).status_code == 204
    with database(settings) as session:
        assert session.get(Assignment, other) is None and session.get(Assignment, quiz) is not None

    archived = app_client.patch(
        f"/api/v1/assignments/{quiz}", json={"archived": True}, headers=manage
    )
    assert archived.status_code == 200 and archived.json()["archived"] is True
    sign_in(app_client, "student1@kadai.local")
    assert f'/assignments/{quiz}"' not in app_client.get("/courses/1").text
    assert app_client.get(f"/assignments/{quiz}").status_code == 404
    sent = app_client.post(
        f"/assignments/{quiz}/submissions",
        json={"code": '{"answers": [true, true, false, true]}'},
        headers={"x-csrf-token": csrf_of(app_client), "accept": "application/json"},
    )
    assert sent.status_code == 404
    with database(settings) as session:  # the submission is kept
        assert (
            len(session.scalars(select(Submission).where(Submission.assignment_id == quiz)).all())
            == 1
        )
    # Staff still see it, marked, and can restore it.
    app_client.cookies.clear()
    sign_in(app_client, "teacher@kadai.local")
    assert (
        "archived"
        in app_client.get(f"/assignments/{quiz}/settings", headers={"accept-language": "en"}).text
    )
    restored = post_form(app_client, f"/assignments/{quiz}/archive", {"archived": "no"})
    assert restored.status_code == 303
    app_client.cookies.clear()
    sign_in(app_client, "student1@kadai.local")
    assert app_client.get(f"/assignments/{quiz}").status_code == 200


def test_staff_edit_an_assignment_in_the_course_time_zone(app_client, settings):
    quiz = assignment_id(settings, "true-false")
    sign_in(app_client, "teacher@kadai.local")
    page = app_client.get(f"/assignments/{quiz}/settings")
    assert page.status_code == 200 and 'name="late_until"' in page.text
    saved = post_form(
        app_client,
        f"/assignments/{quiz}/settings",
        {
            "due_at": "2027-01-10T23:59",  # Asia/Tokyo: 14:59 UTC
            "late_until": "2027-01-12T23:59",
            "late_policy": "per_day",
            "late_penalty": "15",
            "max_attempts": "5",
        },
    )
    assert saved.status_code == 303
    with database(settings) as session:
        assignment = session.get(Assignment, quiz)
        assert assignment.due_at.isoformat() == "2027-01-10T14:59:00"
        assert assignment.late_until.isoformat() == "2027-01-12T14:59:00"
        assert (assignment.late_policy, assignment.late_penalty, assignment.max_attempts) == (
            "per_day",
            15.0,
            5,
        )
    again = app_client.get(f"/assignments/{quiz}/settings").text
    assert 'value="2027-01-10T23:59"' in again  # shown back on the course's clock
    bad = post_form(
        app_client,
        f"/assignments/{quiz}/settings",
        {"due_at": "next friday", "late_policy": "accept"},
    )
    assert bad.status_code == 422 and "2026-12-24T23:59" in bad.text


def test_an_archived_course_is_hidden_from_learners_and_takes_no_submissions(app_client, settings):
    quiz = assignment_id(settings, "true-false")
    admin = auth(token_for(settings, "admin@kadai.local", "manage"))
    archived = app_client.patch("/api/v1/courses/1", json={"archived": True}, headers=admin)
    assert archived.status_code == 200 and archived.json()["archived_at"] is not None
    sign_in(app_client, "student1@kadai.local")
    assert '/courses/1"' not in app_client.get("/").text
    sent = app_client.post(
        f"/assignments/{quiz}/submissions",
        json={"code": '{"answers": [true, true, false, true]}'},
        headers={"x-csrf-token": csrf_of(app_client), "accept": "application/json"},
    )
    assert sent.status_code == 403 and "archived" in sent.json()["error"]["message"]
    app_client.cookies.clear()
    sign_in(app_client, "teacher@kadai.local")
    assert '/courses/1"' in app_client.get("/").text  # staff keep it
    assert app_client.get("/courses/1/gradebook").status_code == 200
