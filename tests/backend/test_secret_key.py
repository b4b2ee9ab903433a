"""The key that signs sessions: never a public value; generated and kept private by default."""

from __future__ import annotations

import secrets
import stat

import pytest
from pydantic import ValidationError

from backend.app import create_app
from backend.settings import Settings
from tests.backend.browser_http import client, sign_in, signed_cookie
from tests.backend.served import kadai_serve

# What every install signed with before (a public string in settings.py).
OLD_PUBLIC_SECRET = "kadai-development-secret-change-me"
URLSAFE = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


@pytest.mark.slow
def test_a_default_install_generates_a_private_secret_and_keeps_it(tmp_path):
    data = tmp_path / "var"
    key_file = (data / "secret_key").resolve()
    with kadai_serve(data) as served, client(served.base) as http:  # `make up`: no secret set
        forged = signed_cookie(OLD_PUBLIC_SECRET, {"user_id": 1})
        admin = http.get("/admin", headers={"Cookie": f"kadai_session={forged}"})
        assert admin.status_code == 303 and admin.headers["location"] == "/login?next=%2Fadmin"
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        generated = key_file.read_text().strip()
        assert len(generated) >= 43 and set(generated) <= URLSAFE  # >= 32 random bytes
        assert f"Session secret: generated now and kept in {key_file}" in served.output()
        assert sign_in(http, "student1@kadai.local").status_code == 303
        cookie = http.cookies["kadai_session"]
    generated = key_file.read_text().strip()
    with kadai_serve(data) as served, client(served.base) as http:  # restarted
        assert key_file.read_text().strip() == generated
        assert f"Session secret: kept in {key_file}" in served.output()
        http.cookies.set("kadai_session", cookie)
        assert http.get("/").status_code == 200  # sessions outlive a restart


def test_a_configured_secret_is_used_and_nothing_is_written(tmp_path):
    settings = Settings(environment="test", data_dir=tmp_path / "var", secret_key="s" * 8)
    app = create_app(settings)
    assert app.state.signing_key.value == "s" * 8 and app.state.signing_key.path is None
    assert not (tmp_path / "var" / "secret_key").exists()


@pytest.mark.parametrize(
    "weak",
    [
        "",
        "x" * 64,
        OLD_PUBLIC_SECRET,
        "short-but-random-9f8a",
        "ab" * 32,
        "password1234567890password1234567890",
    ],
)
def test_production_refuses_a_missing_or_guessable_secret(weak, production_env):
    with pytest.raises(ValidationError, match="KADAI_SECRET_KEY"):
        Settings(environment="production", secret_key=weak or None)


def test_production_accepts_32_random_bytes_and_checks_the_webhook_secret_too(production_env):
    for strong in (secrets.token_urlsafe(32), secrets.token_hex(32)):
        assert Settings(environment="production", secret_key=strong).secure_cookies
    key = secrets.token_urlsafe(32)
    with pytest.raises(ValidationError, match="KADAI_WEBHOOK_SECRET"):
        Settings(
            environment="production",
            secret_key=key,
            webhook_url="https://lms.example/hook",
            webhook_secret="shh",
        )
    Settings(
        environment="production",
        secret_key=key,
        webhook_url="https://lms.example/hook",
        webhook_secret=secrets.token_hex(32),
    )
    Settings(environment="production", secret_key=key)  # no webhook: no webhook secret needed
