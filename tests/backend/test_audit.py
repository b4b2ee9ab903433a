"""The audit log: every staff and admin change to grades, roles, enrolments, deadlines, overrides,
courses and exercises is recorded with who, when and before/after, in the change's own
transaction; admins list, filter and export it (page and API), nobody else."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import select

from backend.audit.service import record_change
from backend.errors import Invalid
from backend.models import Assignment, AuditEntry, Exercise, Submission, User
from tests.backend.conftest import ADMIN_PASSWORD, csrf_of, database, sign_in, token_for


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def entries(settings, action: str | None = None) -> list[AuditEntry]:
    with database(settings) as session:
        query = select(AuditEntry).order_by(AuditEntry.id)
        if action:
            query = query.where(AuditEntry.action == action)
        return list(session.scalars(query))


def user_id(settings, email: str) -> int:
    with database(settings) as session:
        return session.scalar(select(User.id).where(User.email == email))


def quiz_id(settings) -> int:
    with database(settings) as session:
        return session.scalar(select(Assignment.id).where(Assignment.exercise_id == "true-false"))


def test_an_entry_is_written_and_rolled_back_with_its_change(app_client, settings):
    with pytest.raises(Invalid), database(settings) as session:
        record_change(
            session,
            actor_id=None,
            action="course.edit",
            subject_type="course",
            subject_id=1,
            course_id=1,
            before={"title": "a"},
            after={"title": "b"},
        )
        raise Invalid("the change failed")
    assert entries(settings) == []
    # A refused action (an extension earlier than the due date) records nothing either.
    manage = auth(token_for(settings, "teacher@kadai.local", "manage"))
    refused = app_client.put(
        f"/api/v1/assignments/{quiz_id(settings)}/overrides",
        json={"emails": ["student1@kadai.local"], "due_at": "2000-01-01T00:00:00Z"},
        headers=manage,
    )
    assert refused.status_code == 422
    assert entries(settings) == []


def test_staff_and_admin_actions_are_recorded_with_before_and_after(app_client, settings):
    quiz = quiz_id(settings)
    student = user_id(settings, "student2@kadai.local")
    teacher = user_id(settings, "teacher@kadai.local")
    admin = user_id(settings, "admin@kadai.local")
    manage = auth(token_for(settings, "teacher@kadai.local", "manage"))
    # Deadlines and overrides (API, as the teacher)
    app_client.patch(
        f"/api/v1/assignments/{quiz}",
        json={"late_policy": "fixed", "late_penalty": 20},
        headers=manage,
    ).raise_for_status()
    app_client.put(
        f"/api/v1/assignments/{quiz}/overrides",
        json={"emails": ["student2@kadai.local"], "extra_attempts": 2, "reason": "illness"},
        headers=manage,
    ).raise_for_status()
    app_client.delete(f"/api/v1/assignments/{quiz}/overrides/{student}", headers=manage)
    # Regrade (page, as the teacher)
    with database(settings) as session:
        submission = Submission(
            assignment_id=quiz,
            user_id=student,
            attempt=1,
            code='{"answers": [true, true, false, true]}',
            status="graded",
            score=4,
            max_score=4,
            exercise_version="v",
        )
        session.add(submission)
        session.flush()
        submission_id = submission.id
    sign_in(app_client, "teacher@kadai.local")
    regraded = app_client.post(
        f"/submissions/{submission_id}/regrade",
        data={"csrf_token": csrf_of(app_client)},
        follow_redirects=False,
    )
    assert regraded.status_code == 303
    # Role change and enrolment (pages, as the admin)
    app_client.cookies.clear()
    sign_in(app_client, "admin@kadai.local", ADMIN_PASSWORD)
    csrf = csrf_of(app_client)
    app_client.post(
        f"/admin/users/{student}/role", data={"role": "instructor", "csrf_token": csrf}
    ).raise_for_status()
    app_client.post(
        "/admin/enrollments",
        data={
            "course_id": "1",
            "email": "student2@kadai.local",
            "role": "instructor",
            "csrf_token": csrf,
        },
    ).raise_for_status()

    edit = entries(settings, "assignment.edit")[0]
    assert (edit.actor_id, edit.course_id, edit.subject_id) == (teacher, 1, str(quiz))
    before, after = json.loads(edit.before_json), json.loads(edit.after_json)
    assert (before["late_policy"], after["late_policy"]) == ("accept", "fixed")
    assert (before["late_penalty"], after["late_penalty"]) == (0.0, 20)
    granted = entries(settings, "override.set")[0]
    assert granted.before_json is None
    assert json.loads(granted.after_json) == {
        "user_id": student,
        "due_at": None,
        "extra_attempts": 2,
        "reason": "illness",
    }
    removed = entries(settings, "override.delete")[0]
    assert json.loads(removed.before_json)["reason"] == "illness" and removed.after_json is None
    regrade = entries(settings, "submission.regrade")[0]
    assert json.loads(regrade.before_json) == {"status": "graded", "score": 4}
    assert json.loads(regrade.after_json)["status"] == "queued"
    role = entries(settings, "user.role")[0]
    assert role.actor_id == admin
    assert (json.loads(role.before_json)["role"], json.loads(role.after_json)["role"]) == (
        "student",
        "instructor",
    )
    enrolled = entries(settings, "enrollment.set")[0]
    assert json.loads(enrolled.before_json)["role"] == "student"
    assert json.loads(enrolled.after_json)["role"] == "instructor"


def test_admins_filter_and_export_the_log_and_nobody_else_reads_it(app_client, settings):
    quiz = quiz_id(settings)
    manage = auth(token_for(settings, "teacher@kadai.local", "manage"))
    app_client.patch(f"/api/v1/assignments/{quiz}", json={"max_attempts": 3}, headers=manage)
    app_client.put(
        f"/api/v1/assignments/{quiz}/overrides",
        json={"emails": ["student1@kadai.local"], "extra_attempts": 1, "reason": '=HYPERLINK("x")'},
        headers=manage,
    ).raise_for_status()
    admin = auth(token_for(settings, "admin@kadai.local", "manage"))
    listed = app_client.get("/api/v1/audit", params={"action": "override."}, headers=admin)
    assert listed.status_code == 200
    body = listed.json()
    assert body["total"] == 1 and body["items"][0]["action"] == "override.set"
    assert body["items"][0]["actor_email"] == "teacher@kadai.local"
    assert body["items"][0]["after"]["extra_attempts"] == 1
    everything = app_client.get("/api/v1/audit", params={"course_id": 1}, headers=admin).json()
    assert [item["action"] for item in everything["items"]] == ["override.set", "assignment.edit"]
    assert app_client.get("/api/v1/audit", headers=manage).status_code == 403

    sign_in(app_client, "admin@kadai.local", ADMIN_PASSWORD)
    page = app_client.get(
        "/admin/audit", params={"action": "assignment.edit"}, headers={"accept-language": "en"}
    )
    assert page.status_code == 200 and "assignment.edit" in page.text
    assert "override.set</code>" not in page.text
    assert "max_attempts" in page.text  # the changed field, before → after
    export = app_client.get("/admin/audit.csv", params={"actor": "teacher@kadai.local"})
    rows = list(csv.DictReader(io.StringIO(export.text.lstrip("\ufeff"))))
    assert [row["action"] for row in rows] == ["override.set", "assignment.edit"]
    assert all(not row["after"].startswith("=") for row in rows)
    nobody = app_client.get("/admin/audit.csv", params={"actor": "nobody@kadai.local"}).text
    assert len(nobody.strip().splitlines()) == 1  # the header only
    app_client.cookies.clear()
    sign_in(app_client, "teacher@kadai.local")
    assert app_client.get("/admin/audit").status_code == 403
    assert app_client.get("/admin/audit.csv").status_code == 403


def test_course_life_cycle_actions_are_recorded(app_client, settings):
    admin = auth(token_for(settings, "admin@kadai.local", "manage"))
    made = app_client.post(
        "/api/v1/courses", json={"code": "extra", "title": "Extra"}, headers=admin
    )
    assert made.status_code == 201
    app_client.patch(
        "/api/v1/courses/1", json={"title": "Renamed"}, headers=admin
    ).raise_for_status()
    copied = app_client.post(
        "/api/v1/courses/1/copy",
        json={"code": "demo-next", "title": "Next", "shift_days": 7},
        headers=admin,
    )
    assert copied.status_code == 201
    app_client.patch("/api/v1/courses/1", json={"archived": True}, headers=admin).raise_for_status()
    copy_id = copied.json()["id"]
    with database(settings) as session:
        copied_quiz = session.scalar(
            select(Assignment.id).where(
                Assignment.course_id == copy_id, Assignment.exercise_id == "true-false"
            )
        )
    deleted = app_client.delete(f"/api/v1/assignments/{copied_quiz}", headers=admin)
    assert deleted.status_code == 204
    created = app_client.post(
        f"/api/v1/courses/{copy_id}/assignments",
        json={"exercise_id": "true-false", "late_policy": "per_day", "late_penalty": 5},
        headers=admin,
    )
    assert created.status_code == 201, created.text
    actions = [e.action for e in entries(settings)]
    assert actions == [
        "course.create",
        "course.edit",
        "course.copy",
        "course.archive",
        "assignment.delete",
        "assignment.create",
    ]
    made = json.loads(entries(settings, "assignment.create")[0].after_json)
    assert (made["late_policy"], made["late_penalty"]) == ("per_day", 5)
    copy_entry = entries(settings, "course.copy")[0]
    after = json.loads(copy_entry.after_json)
    assert (after["copied_from"], after["shift_days"], after["code"]) == (1, 7, "demo-next")
    edit = entries(settings, "course.edit")[0]
    assert json.loads(edit.after_json)["title"] == "Renamed"


def test_publishing_an_exercise_version_is_recorded(app_client, settings):
    """A quiz is validated in process: no sandbox needed to publish one."""
    from grader.settings import PROJECT_ROOT
    from tests.backend.test_staff_and_admin import upload, zipped

    folder = PROJECT_ROOT / "exercises" / "true-false"
    with database(settings) as session:
        before = session.scalar(select(Exercise.current_version).where(Exercise.id == "true-false"))
    sign_in(app_client, "admin@kadai.local", ADMIN_PASSWORD)
    page = upload(
        app_client,
        zipped(folder, edit={"statement.en.md": lambda d: d + b"\nOne more sentence.\n"}),
    )
    token = page.text.split('name="token" value="')[1].split('"')[0]
    published = app_client.post(
        "/admin/exercises/confirm",
        data={"token": token, "csrf_token": csrf_of(app_client, "/admin")},
    )
    assert published.status_code == 200 and 'data-testid="published"' in published.text
    entry = entries(settings, "exercise.publish")[0]
    assert entry.actor_id == user_id(settings, "admin@kadai.local")
    assert json.loads(entry.before_json) == {"version": before}
    assert json.loads(entry.after_json)["version"] not in (before, None)


def test_accounts_an_admin_creates_are_recorded_with_their_role(app_client, settings):
    admin = user_id(settings, "admin@kadai.local")
    sign_in(app_client, "admin@kadai.local", ADMIN_PASSWORD)
    app_client.post(
        "/admin/users",
        data={
            "email": "new.ta@kadai.local",
            "name": "New TA",
            "password": "a-long-password",
            "role": "instructor",
            "csrf_token": csrf_of(app_client, "/admin"),
        },
    ).raise_for_status()
    manage = auth(token_for(settings, "admin@kadai.local", "manage"))
    made = app_client.post(
        "/api/v1/users",
        json={
            "email": "second@kadai.local",
            "name": "",
            "password": "another-password",
            "role": "admin",
        },
        headers=manage,
    )
    assert made.status_code == 201
    created = entries(settings, "user.create")
    assert [json.loads(e.after_json)["email"] for e in created] == [
        "new.ta@kadai.local",
        "second@kadai.local",
    ]
    assert [json.loads(e.after_json)["role"] for e in created] == ["instructor", "admin"]
    assert all(e.actor_id == admin and e.before_json is None for e in created)
    assert created[1].subject_id == str(made.json()["id"])
    # Accounts the system makes (the demo's, at start-up) have no actor and are not recorded.
    assert len(created) == 2
