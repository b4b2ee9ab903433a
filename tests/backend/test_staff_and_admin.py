"""Instructor and admin features: regrading, failure rates, exercise upload, management API, webhook."""

from __future__ import annotations

import io
import json
import threading
import time
import zipfile
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import ClassVar

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from backend.app import create_app
from backend.bootstrap import prepare
from backend.models import Submission
from backend.webhooks import SIGNATURE_HEADER, sign
from grader.settings import PROJECT_ROOT
from tests.backend.conftest import ADMIN_PASSWORD, csrf_of, database, sign_in, token_for
from tests.backend.test_api import auth, quiz_assignment, wait_graded

ANSWERS = {
    "right": '{"answers": [true, true, false, true]}',
    "one_wrong": '{"answers": [true, true, true, true]}',
}


def submit_quiz(client, settings, email, answers):
    headers = auth(token_for(settings, email, "read,submit"))
    _, quiz = quiz_assignment(client, headers)
    created = client.post(
        f"/api/v1/assignments/{quiz['id']}/submissions", json={"code": answers}, headers=headers
    ).json()
    return quiz, wait_graded(client, headers, created["id"]), headers


def test_failure_rates_show_which_check_students_fail(app_client, settings):
    quiz, _, _ = submit_quiz(app_client, settings, "student1@kadai.local", ANSWERS["one_wrong"])
    submit_quiz(app_client, settings, "student2@kadai.local", ANSWERS["right"])
    sign_in(app_client, "teacher@kadai.local")
    page = app_client.get(f"/assignments/{quiz['id']}/stats")
    assert page.status_code == 200
    first = page.text.index('data-testid="rate"')
    assert "1 / 2 (50%)" in page.text[first : first + 80]  # statement 3, failed by one of two


def test_regrade_runs_again_and_only_staff_may(app_client, settings):
    _, done, headers = submit_quiz(app_client, settings, "student1@kadai.local", ANSWERS["right"])
    sign_in(app_client, "student1@kadai.local")
    denied = app_client.post(
        f"/submissions/{done['id']}/regrade", data={"csrf_token": csrf_of(app_client)}
    )
    assert denied.status_code == 403
    app_client.cookies.clear()
    sign_in(app_client, "teacher@kadai.local")
    app_client.post(
        f"/submissions/{done['id']}/regrade",
        data={"csrf_token": csrf_of(app_client)},
        follow_redirects=False,
    )
    again = wait_graded(app_client, headers, done["id"])
    assert again["score"] == 4 and again["finished_at"] != done["finished_at"]
    with database(settings) as session:
        assert (
            session.scalar(select(Submission.grading_tries).where(Submission.id == done["id"])) == 1
        )


def test_management_api(app_client, settings):
    admin = auth(token_for(settings, "admin@kadai.local", "read,manage"))
    created = app_client.post(
        "/api/v1/users",
        json={"email": "new@kadai.local", "name": "New", "password": "password-123"},
        headers=admin,
    )
    assert created.status_code == 201
    enrolled = app_client.post(
        "/api/v1/courses/1/enrollments", json={"email": "new@kadai.local"}, headers=admin
    )
    assert enrolled.status_code == 201 and enrolled.json()["role"] == "student"
    members = app_client.get("/api/v1/courses/1/enrollments", headers=admin).json()
    assert "new@kadai.local" in [m["email"] for m in members["items"]]
    teacher = auth(token_for(settings, "teacher@kadai.local", "manage"))
    assert (
        app_client.post(
            "/api/v1/users",
            json={"email": "x@kadai.local", "name": "x", "password": "password-123"},
            headers=teacher,
        ).status_code
        == 403
    )
    duplicate = app_client.post(
        "/api/v1/users",
        json={"email": "new@kadai.local", "name": "N", "password": "password-123"},
        headers=admin,
    )
    assert duplicate.status_code == 409


def test_admin_pages_are_for_admins(app_client):
    sign_in(app_client, "teacher@kadai.local")
    assert app_client.get("/admin").status_code == 403
    app_client.cookies.clear()
    sign_in(app_client, "admin@kadai.local", ADMIN_PASSWORD)
    assert "normalized-dataset" in app_client.get("/admin").text


def zipped(folder, rename=None, edit=None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                data = path.read_bytes()
                name = path.relative_to(folder).as_posix()
                if edit and name in edit:
                    data = edit[name](data)
                archive.writestr(f"{rename or folder.name}/{name}", data)
    return buffer.getvalue()


def upload(client, data):
    return client.post(
        "/admin/exercises",
        data={"csrf_token": csrf_of(client, "/admin")},
        files={"package": ("package.zip", data, "application/zip")},
    )


def test_upload_reports_package_problems_with_file_and_key(app_client):
    sign_in(app_client, "admin@kadai.local", ADMIN_PASSWORD)
    folder = PROJECT_ROOT / "exercises" / "normalized-dataset"
    broken = zipped(
        folder, edit={"exercise.toml": lambda d: d.replace(b"points = 10", b"points = 0")}
    )
    response = upload(app_client, broken)
    assert response.status_code == 422
    assert "exercise.toml: points:" in response.text
    assert upload(app_client, b"not a zip").status_code == 422


def confirmed(client, page):  # type: ignore[no-untyped-def]
    """Replacing a published exercise asks first (see test_upload.py): confirm it."""
    assert 'data-testid="confirm"' in page.text, page.text[:500]
    token = page.text.split('name="token" value="')[1].split('"')[0]
    return client.post(
        "/admin/exercises/confirm", data={"token": token, "csrf_token": csrf_of(client, "/admin")}
    )


@pytest.mark.docker
def test_upload_validates_in_the_sandbox_and_publishes_a_new_version(app_client, sandbox_grader):
    sign_in(app_client, "admin@kadai.local", ADMIN_PASSWORD)
    folder = PROJECT_ROOT / "exercises" / "normalized-dataset"
    before = app_client.get("/admin").text
    starter_passes = zipped(
        folder, edit={"starter.py": lambda _d: (folder / "solution.py").read_bytes()}
    )
    rejected = confirmed(app_client, upload(app_client, starter_passes))
    assert rejected.status_code == 422 and 'data-testid="rejected"' in rejected.text
    edited = zipped(folder, edit={"statement.en.md": lambda d: d + b"\nUpdated.\n"})
    published = confirmed(app_client, upload(app_client, edited))
    assert published.status_code == 200 and 'data-testid="published"' in published.text
    assert app_client.get("/admin").text != before


class Catcher(BaseHTTPRequestHandler):
    received: ClassVar[list] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Catcher.received.append((dict(self.headers), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_graded_submissions_fire_a_signed_webhook(settings):
    listener = HTTPServer(("127.0.0.1", 0), Catcher)
    threading.Thread(target=listener.serve_forever, daemon=True).start()
    hooked = settings.model_copy(
        update={
            "webhook_url": f"http://127.0.0.1:{listener.server_port}/hook",
            "webhook_secret": "shh",
        }
    )
    prepare(hooked, demo=True)
    Catcher.received.clear()
    with TestClient(create_app(hooked)) as client:
        submit_quiz(client, hooked, "student1@kadai.local", ANSWERS["right"])
        deadline = time.monotonic() + 15
        while not Catcher.received and time.monotonic() < deadline:
            time.sleep(0.1)
    listener.shutdown()
    headers, body = Catcher.received[0]
    assert headers[SIGNATURE_HEADER] == sign("shh", body)
    event = json.loads(body)
    assert event["event"] == "submission.graded"
    assert (event["data"]["score"], event["data"]["user_email"]) == (4, "student1@kadai.local")


def test_instructor_drills_down_into_one_student(app_client, settings):
    submit_quiz(app_client, settings, "student1@kadai.local", ANSWERS["right"])
    sign_in(app_client, "teacher@kadai.local")
    book = app_client.get("/courses/1/gradebook").text
    link = book.split('href="/courses/1/students/')[1].split('"')[0]
    page = app_client.get(f"/courses/1/students/{link}")
    assert page.status_code == 200 and "<h2>Exercise 1:" in page.text  # titles, not ids
    assert app_client.get("/courses/1/students/9999").status_code == 404


def test_a_user_creates_uses_and_revokes_a_token_in_the_browser(app_client):
    sign_in(app_client, "student1@kadai.local")
    page = app_client.post(
        "/account/tokens",
        data={"name": "lms", "scopes": ["read", "submit"], "csrf_token": csrf_of(app_client)},
    )
    secret = page.text.split('data-testid="secret">')[1].split("<")[0]
    assert app_client.get("/api/v1/courses", headers=auth(secret)).status_code == 200
    token_id = page.text.split("/account/tokens/")[1].split("/revoke")[0]
    app_client.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": csrf_of(app_client)})
    assert app_client.get("/api/v1/courses", headers=auth(secret)).status_code == 401
    assert secret not in app_client.get("/account/tokens").text


def test_admin_changes_a_role_but_not_their_own(app_client, settings):
    from backend.auth.repository import UserRepository

    sign_in(app_client, "admin@kadai.local", ADMIN_PASSWORD)
    with database(settings) as session:
        student = UserRepository(session).by_email("student2@kadai.local").id
        admin = UserRepository(session).by_email("admin@kadai.local").id
    csrf = csrf_of(app_client, "/admin")
    app_client.post(f"/admin/users/{student}/role", data={"role": "instructor", "csrf_token": csrf})
    with database(settings) as session:
        assert UserRepository(session).get(student).role == "instructor"
    refused = app_client.post(
        f"/admin/users/{admin}/role", data={"role": "student", "csrf_token": csrf}
    )
    assert refused.status_code == 409


def test_sign_in_is_rate_limited(app_client):
    page = app_client.get("/login")
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    codes = [
        app_client.post(
            "/login",
            data={"email": "student1@kadai.local", "password": "wrong", "csrf_token": csrf},
        ).status_code
        for _ in range(12)
    ]
    assert codes[:10] == [401] * 10 and codes[-1] == 429
