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


def test_instructors_enrol_students_but_only_admins_grant_the_instructor_role(app_client, settings):
    from backend.auth.service import create_user
    from tests.backend.conftest import database, token_for

    with database(settings) as session:
        create_user(session, "newbie@kadai.local", "Newbie", "kadai-demo", "student")
        create_user(session, "second@kadai.local", "Second", "kadai-demo", "instructor")
    teacher = {"Authorization": f"Bearer {token_for(settings, TEACHER, 'manage')}"}
    admin = {"Authorization": f"Bearer {token_for(settings, ADMIN, 'manage')}"}
    enrol = "/api/v1/courses/1/enrollments"
    as_student = app_client.post(enrol, json={"email": "newbie@kadai.local"}, headers=teacher)
    assert as_student.status_code == 201 and as_student.json()["role"] == "student"
    promoted = {"email": "newbie@kadai.local", "role": "instructor"}
    assert app_client.post(enrol, json=promoted, headers=teacher).status_code == 403
    colleague = {"email": "second@kadai.local", "role": "instructor"}
    assert app_client.post(enrol, json=colleague, headers=admin).status_code == 201
    demoted = {"email": "second@kadai.local", "role": "student"}
    assert app_client.post(enrol, json=demoted, headers=teacher).status_code == 403
    roles = {m["email"]: m["role"] for m in app_client.get(enrol, headers=admin).json()["items"]}
    assert roles["newbie@kadai.local"] == "student" and roles["second@kadai.local"] == "instructor"


def test_an_address_that_cannot_be_enrolled_is_not_named_or_told_apart(app_client, settings):
    from backend.models import User
    from tests.backend.conftest import database, token_for

    with database(settings) as session:
        session.add(User(email="gone@kadai.local", name="Gone", password_hash="!", active=False))
    teacher = {"Authorization": f"Bearer {token_for(settings, TEACHER, 'manage')}"}
    answers = [
        app_client.post("/api/v1/courses/1/enrollments", json={"email": email}, headers=teacher)
        for email in ("nobody@kadai.local", "gone@kadai.local")
    ]
    assert [a.status_code for a in answers] == [404, 404]
    assert answers[0].json() == answers[1].json()
    assert "nobody" not in answers[0].text


def test_token_scopes_follow_the_role(app_client):
    from tests.backend.conftest import csrf_of

    sign_in(app_client, STUDENT)
    page = app_client.get("/account/tokens").text
    assert 'value="read"' in page and 'value="submit"' in page
    assert 'value="grades"' not in page and 'value="manage"' not in page
    refused = app_client.post(
        "/account/tokens",
        data={"name": "x", "scopes": ["read", "grades"], "csrf_token": csrf_of(app_client)},
    )
    assert refused.status_code == 403 and 'data-testid="secret"' not in refused.text
    app_client.cookies.clear()
    sign_in(app_client, TEACHER)
    page = app_client.get("/account/tokens").text
    assert all(f'value="{scope}"' in page for scope in ("read", "submit", "grades", "manage"))


def test_the_cli_help_explains_every_scope(capsys):
    from backend.cli import parser

    with pytest.raises(SystemExit):
        parser().parse_args(["token", "--help"])
    help_text = capsys.readouterr().out
    assert "manage" in help_text and "enrol" in help_text and "Students may hold" in help_text
