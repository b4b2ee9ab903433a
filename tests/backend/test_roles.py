"""Every page and API route, tried as each role: who gets in and who is turned away."""

from __future__ import annotations

import pytest

from tests.backend.conftest import ADMIN_PASSWORD, sign_in, token_any_scope

STUDENT, TEACHER, ADMIN, OUTSIDER = (
    "student1@kadai.local",
    "teacher@kadai.local",
    "admin@kadai.local",
    "outsider@kadai.local",
)
ROLES = [None, STUDENT, OUTSIDER, TEACHER, ADMIN]

# (path, roles that may GET it); everyone else gets 303 (anonymous page) or 401/403/404.
PAGES = [
    ("/", {STUDENT, OUTSIDER, TEACHER, ADMIN}),
    ("/courses/1", {STUDENT, TEACHER, ADMIN}),
    ("/assignments/1", {STUDENT, TEACHER, ADMIN}),
    ("/courses/1/gradebook", {TEACHER, ADMIN}),
    ("/courses/1/gradebook.csv", {TEACHER, ADMIN}),
    ("/assignments/1/stats", {TEACHER, ADMIN}),
    ("/admin", {ADMIN}),
    ("/account/tokens", {STUDENT, OUTSIDER, TEACHER, ADMIN}),
]
API = [
    ("/api/v1/courses", "read", {STUDENT, OUTSIDER, TEACHER, ADMIN}),
    ("/api/v1/courses/1/assignments", "read", {STUDENT, TEACHER, ADMIN}),
    ("/api/v1/courses/1/gradebook", "grades", {TEACHER, ADMIN}),
    ("/api/v1/courses/1/gradebook.csv", "grades", {TEACHER, ADMIN}),
    ("/api/v1/courses/1/enrollments", "manage", {TEACHER, ADMIN}),
]


@pytest.fixture
def outsider(app_client, settings):
    from backend.auth.service import create_user
    from tests.backend.conftest import database

    with database(settings) as session:
        create_user(session, OUTSIDER, "Outsider", "kadai-demo", "student")
    return app_client


def password(email):
    return ADMIN_PASSWORD if email == ADMIN else "kadai-demo"


@pytest.mark.parametrize(("path", "allowed"), PAGES, ids=[p for p, _ in PAGES])
def test_pages_by_role(outsider, path, allowed):
    client = outsider
    for role in ROLES:
        client.cookies.clear()
        if role:
            sign_in(client, role, password(role))
        status = client.get(path, follow_redirects=False).status_code
        if role in allowed:
            assert status == 200, (path, role, status)
        elif role is None:
            assert status == 303, (path, role, status)
        else:
            assert status in (403, 404), (path, role, status)


@pytest.mark.parametrize(("path", "scope", "allowed"), API, ids=[p for p, _, _ in API])
def test_api_by_role(outsider, settings, path, scope, allowed):
    assert outsider.get(path).status_code == 401
    for role in ROLES[1:]:
        # Stored directly: students cannot be issued grades/manage tokens (see test_scopes_*),
        # and one they held from before still gets nothing.
        token = token_any_scope(settings, role, scope)
        status = outsider.get(path, headers={"Authorization": f"Bearer {token}"}).status_code
        assert status == (200 if role in allowed else 403), (path, role, status)
