"""Fixtures for the web platform: a migrated SQLite database with demo data, and a test client."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from backend.app import create_app
from backend.auth.repository import UserRepository
from backend.auth.service import issue_token
from backend.bootstrap import DEMO_PASSWORD, prepare
from backend.db import make_engine, make_session_factory, transaction
from backend.settings import Settings
from tests.services import create_database, postgres_server

ADMIN_PASSWORD = "admin-password-123"


@pytest.fixture(scope="session")
def postgres() -> Iterator[str]:
    with postgres_server() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Every web test runs on both databases: SQLite (embedded) and PostgreSQL (scale-out)."""
    url = None
    if request.param == "postgresql":
        url = create_database(request.getfixturevalue("postgres"))
    return Settings(
        environment="test",
        data_dir=tmp_path / "var",
        database_url=url,
        secret_key="test-secret",
        admin_password=ADMIN_PASSWORD,
        grading_threads=1,
    )


@pytest.fixture
def app_client(settings: Settings) -> Iterator[TestClient]:
    prepare(settings, demo=True)
    with TestClient(create_app(settings)) as client:
        yield client


def sign_in(client: TestClient, email: str, password: str = DEMO_PASSWORD) -> None:
    page = client.get("/login")
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def csrf_of(client: TestClient, path: str = "/") -> str:
    return client.get(path).text.split('name="csrf-token" content="')[1].split('"')[0]


def token_for(settings: Settings, email: str, scopes: str) -> str:
    with database(settings) as session:
        user = UserRepository(session).by_email(email)
        secret, _ = issue_token(session, user, "test", scopes.split(","))
    return secret


def token_any_scope(settings: Settings, email: str, scopes: str) -> str:
    """A token stored directly, as one issued before its owner lost a role would be."""
    from backend.auth.security import new_token, token_digest
    from backend.models import ApiToken

    secret = new_token()
    with database(settings) as session:
        user = UserRepository(session).by_email(email)
        session.add(
            ApiToken(
                user_id=user.id,
                name="old",
                token_hash=token_digest(secret),
                prefix=secret[:12],
                scopes=" ".join(scopes.split(",")),
            )
        )
    return secret


@contextmanager
def database(settings: Settings) -> Iterator[Session]:
    engine = make_engine(settings.sqlalchemy_url)
    try:
        with transaction(make_session_factory(engine)) as session:
            yield session
    finally:
        engine.dispose()
