"""Error pages are real pages that keep the signed-in header; sign-in returns to the page that was
asked for, and only to a page of this site; a past due date is said before and after submitting."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from backend.models import Assignment
from backend.models._common import utcnow
from tests.backend.conftest import ADMIN_PASSWORD, DEMO_PASSWORD, csrf_of, database, sign_in


def post_sign_in(client, form_html: str, next_path: str):
    """The sign-in form of ``form_html`` posted for the demo student, with ``next`` set."""
    csrf = form_html.split('name="csrf_token" value="')[1].split('"')[0]
    return client.post(
        "/login",
        data={
            "email": "student1@kadai.local",
            "password": DEMO_PASSWORD,
            "csrf_token": csrf,
            "next": next_path,
        },
        follow_redirects=False,
    )


def has_signed_in_header(html: str, name: str) -> bool:
    header = html.split("<header", 1)[1].split("</header>", 1)[0]
    return name in header and 'action="/logout"' in header


@pytest.mark.parametrize(
    ("path", "status", "text"),
    [
        ("/courses/1/gradebook", 403, "instructors may do this."),
        ("/admin", 403, "Administrators only."),
        ("/submissions/999999", 404, "No such submission"),
        ("/no/such/page", 404, "This page does not exist."),
        ("/assignments/abc", 404, "This page does not exist."),
        ("/courses/0", 404, "This page does not exist."),
    ],
)
def test_error_pages_keep_the_signed_in_header(app_client, path, status, text):
    sign_in(app_client, "student1@kadai.local")
    page = app_client.get(path)
    assert page.status_code == status
    assert page.headers["content-type"].startswith("text/html")
    assert has_signed_in_header(page.text, "Student1"), page.text[:300]
    assert text in page.text
    assert 'class="skip-link"' in page.text


def test_a_malformed_form_is_a_page_with_the_header_not_bare_text(app_client):
    sign_in(app_client, "admin@kadai.local", ADMIN_PASSWORD)
    page = app_client.post(
        "/assignments/1/submissions",
        content=b"junk",
        headers={"content-type": "multipart/form-data", "x-csrf-token": csrf_of(app_client)},
    )
    assert page.status_code == 400 and page.headers["content-type"].startswith("text/html")
    assert has_signed_in_header(page.text, "Admin") and 'href="/admin"' in page.text


def test_an_unknown_url_signed_out_is_a_page_too(app_client):
    page = app_client.get("/nothing-here", headers={"accept-language": "ja"})
    assert page.status_code == 404 and "このページは存在しません。" in page.text
    assert "<html" in page.text


def test_sign_in_returns_to_the_page_asked_for(app_client):
    asked = app_client.get("/assignments/3?tab=1", follow_redirects=False)
    assert asked.status_code == 303
    assert asked.headers["location"] == "/login?next=%2Fassignments%2F3%3Ftab%3D1"
    form = app_client.get(asked.headers["location"])
    assert 'name="next" value="/assignments/3?tab=1"' in form.text
    signed_in = post_sign_in(app_client, form.text, "/assignments/3?tab=1")
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/assignments/3?tab=1"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "/%5Cevil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "/\tevil",
        "http:/evil.example",
    ],
)
def test_sign_in_never_returns_to_another_site(app_client, target):
    form = app_client.get("/login", params={"next": target})
    login_form = form.text.split('action="/login"')[1].split("</form>")[0]
    assert 'name="next"' not in login_form or 'value="/%5Cevil.example"' in login_form
    signed_in = post_sign_in(app_client, form.text, target)
    assert signed_in.status_code == 303
    # A percent-encoded backslash stays a path of this site; everything else goes home.
    assert signed_in.headers["location"] in ("/", "/%5Cevil.example")


def test_an_oversized_form_post_gets_one_bilingual_page_in_kb(app_client):
    sign_in(app_client, "student1@kadai.local")
    page = app_client.post(
        "/assignments/1/submissions",
        data={"csrf_token": csrf_of(app_client), "code": "x" * (2 * 1024 * 1024)},
    )
    assert page.status_code == 413 and page.headers["content-type"].startswith("text/html")
    assert "KB" in page.text and "bytes" not in page.text
    assert "リクエストがこのページの上限" in page.text and "The request is larger" in page.text


def test_code_over_the_code_limit_is_told_in_kb_on_every_path(app_client):
    sign_in(app_client, "student1@kadai.local")
    code = "x" * (300 * 1024)
    form = app_client.post(
        "/assignments/1/submissions", data={"csrf_token": csrf_of(app_client), "code": code}
    )
    assert form.status_code == 413 and form.headers["content-type"].startswith("text/html")
    assert "Your code is 300 KB, larger than the 256 KB limit." in form.text
    assert has_signed_in_header(form.text, "Student1")
    api = app_client.post(
        "/assignments/1/submissions",
        json={"code": code},
        headers={"x-csrf-token": csrf_of(app_client), "accept": "application/json"},
    )
    error = api.json()["error"]
    assert (
        api.status_code == 413 and "256 KB" in error["message"] and "256 KB" in error["message_ja"]
    )


def test_a_past_due_assignment_warns_before_and_the_result_says_late(app_client, settings):
    with database(settings) as session:
        assignment = session.scalar(
            select(Assignment).where(Assignment.exercise_id == "normalized-dataset")
        )
        assignment.due_at = utcnow() - timedelta(hours=1)
        assignment_id = assignment.id
    sign_in(app_client, "student1@kadai.local")
    page = app_client.get(f"/assignments/{assignment_id}")
    assert 'data-testid="past-due"' in page.text and "marked late" in page.text
    sent = app_client.post(
        f"/assignments/{assignment_id}/submissions",
        json={"code": "x = 1\n"},
        headers={"x-csrf-token": csrf_of(app_client), "accept": "application/json"},
    )
    assert sent.status_code == 201, sent.text
    result = app_client.get(sent.json()["url"])
    assert 'data-testid="late"' in result.text and "after the due date" in result.text
    on_time = app_client.get("/assignments/1")
    assert 'data-testid="past-due"' not in on_time.text
