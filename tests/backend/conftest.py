"""Fixtures for the web platform: a migrated SQLite database with demo data, and a test client."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from backend.app import create_app
from backend.auth.repository import UserRepository
from backend.auth.security import use_hash_profile
from backend.auth.service import issue_token
from backend.bootstrap import DEMO_PASSWORD, prepare
from backend.db import make_engine, make_session_factory, transaction
from backend.settings import Settings
from tests.services import create_database, postgres_server, recreate_database

ADMIN_PASSWORD = "admin-password-123"


@pytest.fixture
def production_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A production install's environment: without the suite's cheap password hashing, which
    production settings refuse; the suite's profile is back for the tests after this one."""
    suite_profile = os.environ.get("KADAI_PASSWORD_HASH_PROFILE", "rfc9106_low_memory")
    monkeypatch.delenv("KADAI_PASSWORD_HASH_PROFILE", raising=False)
    yield
    use_hash_profile(suite_profile)


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


class DemoTemplates:
    """A migrated database with the demo data, made once per database kind and copied for each
    test that wants one: migrating and hashing the demo passwords took most of a web test's time.
    ``prepare`` still runs on the copy (it is idempotent, and quick on a prepared database)."""

    def __init__(self, root: Path, postgres: Callable[[], str]) -> None:
        self.root = root
        self.postgres = postgres
        self.made: dict[tuple[str, ...], Settings] = {}

    def prepare_demo(self, settings: Settings) -> None:
        kind = "postgresql" if settings.database_url else "sqlite"
        key = (kind, str(settings.admin_password), str(settings.grader.exercises_dir))
        template = self.made.get(key) or self.make(key, settings)
        # The SQLite database is a file of the data folder; PostgreSQL copies its own.
        shutil.copytree(template.data_dir, settings.data_dir, dirs_exist_ok=True)
        if kind == "postgresql":
            recreate_database(settings.sqlalchemy_url, template=template.sqlalchemy_url)
        with database(settings) as session:
            # Published versions point into the template's store; each test has its own copy.
            session.execute(
                text("UPDATE exercise_versions SET package_path = replace(package_path, :a, :b)"),
                {"a": str(template.data_dir.resolve()), "b": str(settings.data_dir.resolve())},
            )
        prepare(settings, demo=True)

    def make(self, key: tuple[str, ...], settings: Settings) -> Settings:
        kind = key[0]
        url = create_database(self.postgres()) if kind == "postgresql" else None
        data_dir = self.root / f"template-{len(self.made)}"
        template = settings.model_copy(update={"data_dir": data_dir, "database_url": url})
        prepare(template, demo=True)
        self.made[key] = template
        return template


@pytest.fixture(scope="session")
def demo_templates(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> DemoTemplates:
    return DemoTemplates(
        tmp_path_factory.mktemp("demo-templates"), lambda: request.getfixturevalue("postgres")
    )


@pytest.fixture
def prepare_demo(demo_templates: DemoTemplates) -> Callable[[Settings], None]:
    """``prepare(settings, demo=True)``, from a copy of a prepared database."""
    return demo_templates.prepare_demo


@pytest.fixture
def app_client(
    settings: Settings, prepare_demo: Callable[[Settings], None]
) -> Iterator[TestClient]:
    prepare_demo(settings)
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
