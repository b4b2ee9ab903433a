"""Browser sessions end when they should: sign-out, a password or role change, an administrator.

A copied cookie is worth nothing once its session ended. Against a live uvicorn server, on both
databases; plus sign-in timing, which must not tell which addresses have accounts.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator

import pytest

from backend.app import create_app
from tests.backend.browser_http import client, csrf, sign_in, signed_cookie
from tests.backend.conftest import ADMIN_PASSWORD, token_for
from tests.services import live_server


@pytest.fixture
def base(settings, prepare_demo) -> Iterator[str]:
    prepare_demo(settings)
    with live_server(create_app(settings)) as url:
        yield url


def signed_in(base: str, email: str, password: str = "kadai-demo"):  # type: ignore[no-untyped-def]
    http = client(base)
    assert sign_in(http, email, password).status_code == 303
    assert http.get("/").status_code == 200
    return http


def replay(base: str, cookie: str) -> int:
    """What a copy of the cookie gets from the home page (200 signed in, 303 to the sign-in)."""
    with client(base) as http:
        return http.get("/", headers={"Cookie": f"kadai_session={cookie}"}).status_code


def user_id(base: str, admin, email: str) -> int:  # type: ignore[no-untyped-def]
    page = admin.get("/admin").text
    row = page.split(f"<td>{email}</td>")[1]
    return int(row.split('action="/admin/users/')[1].split("/")[0])


def test_sign_out_ends_the_session_for_every_copy_of_the_cookie(base):
    http = signed_in(base, "student1@kadai.local")
    saved = http.cookies["kadai_session"]
    assert replay(base, saved) == 200
    http.post("/logout", data={"csrf_token": csrf(http, "/")})
    assert replay(base, saved) == 303


def test_a_password_change_ends_the_other_sessions(base):
    laptop = signed_in(base, "student1@kadai.local")
    phone = signed_in(base, "student1@kadai.local")
    changed = laptop.post(
        "/account/password",
        data={"current": "kadai-demo", "new": "a-new-password", "csrf_token": csrf(laptop, "/")},
    )
    assert changed.status_code == 200 and 'data-testid="notice"' in changed.text
    assert phone.get("/").status_code == 303
    assert laptop.get("/").status_code == 200  # the browser that changed it stays signed in
    assert sign_in(client(base), "student1@kadai.local").status_code == 401
    signed_in(base, "student1@kadai.local", "a-new-password")


def test_a_role_change_and_an_administrator_end_a_users_sessions(base, settings):
    teacher = signed_in(base, "teacher@kadai.local")
    student = signed_in(base, "student2@kadai.local")
    admin = signed_in(base, "admin@kadai.local", ADMIN_PASSWORD)
    token = csrf(admin, "/admin")
    teacher_id = user_id(base, admin, "teacher@kadai.local")
    admin.post(f"/admin/users/{teacher_id}/role", data={"role": "student", "csrf_token": token})
    assert teacher.get("/").status_code == 303
    student_id = user_id(base, admin, "student2@kadai.local")
    ended = admin.post(f"/admin/users/{student_id}/sessions/end", data={"csrf_token": token})
    assert ended.status_code == 303
    assert student.get("/").status_code == 303
    assert admin.get("/").status_code == 200


def test_administrators_end_sessions_through_the_api(base, settings):
    student = signed_in(base, "student1@kadai.local")
    signed_in(base, "student1@kadai.local")
    admin = {"Authorization": f"Bearer {token_for(settings, 'admin@kadai.local', 'manage')}"}
    teacher = {"Authorization": f"Bearer {token_for(settings, 'teacher@kadai.local', 'manage')}"}
    with client(base) as api:
        members = api.get("/api/v1/courses/1/enrollments", headers=admin).json()["items"]
        target = next(m["user_id"] for m in members if m["email"] == "student1@kadai.local")
        assert api.delete(f"/api/v1/users/{target}/sessions", headers=teacher).status_code == 403
        assert student.get("/").status_code == 200
        ended = api.delete(f"/api/v1/users/{target}/sessions", headers=admin)
        assert ended.status_code == 200 and ended.json() == {"ended": 2}
    assert student.get("/").status_code == 303


def test_a_cookie_signed_with_the_key_but_naming_no_live_session_is_refused(base, settings):
    for data in ({"user_id": 1}, {"sid": "made-up"}, {"sid": ["not", "a", "string"]}):
        assert replay(base, signed_cookie(settings.secret_key, data)) == 303


def median_seconds(base: str, email: str, tries: int = 5) -> float:
    times = []
    with client(base) as http:
        token = csrf(http)
        for index in range(tries):
            form = {"email": email.format(index), "password": "wrong-password", "csrf_token": token}
            began = time.perf_counter()
            assert http.post("/login", data=form).status_code == 401
            times.append(time.perf_counter() - began)
    return statistics.median(times)


def test_an_unknown_address_takes_as_long_to_refuse_as_a_wrong_password(base):
    median_seconds(base, "warm-up-{}@kadai.local", 1)
    known = median_seconds(base, "student1@kadai.local")
    unknown = median_seconds(base, "nobody-{}@kadai.local")
    print(f"sign-in refused: wrong password {known * 1000:.0f} ms, unknown {unknown * 1000:.0f} ms")
    assert unknown > 0.5 * known
