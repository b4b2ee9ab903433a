"""Start-up: migrations are the schema, settings refuse unsafe defaults, nothing accepted is lost."""

from __future__ import annotations

import time

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import select

from backend.app import create_app
from backend.bootstrap import DEMO_EXERCISES, migrate, prepare
from backend.db import Base, make_engine
from backend.models import Assignment, Submission, User
from backend.settings import Settings
from tests.backend.conftest import database


def test_migrations_build_exactly_the_models_schema(settings):
    url = settings.sqlalchemy_url
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    migrate(url)
    engine = make_engine(url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert differences == []


def test_production_refuses_a_missing_secret(production_env):
    with pytest.raises(ValidationError, match="KADAI_SECRET_KEY"):
        Settings(environment="production")


def test_prepare_is_idempotent_and_prints_a_generated_admin_password_once(tmp_path):
    settings = Settings(environment="test", data_dir=tmp_path / "var", secret_key="s")
    first = prepare(settings, demo=True)
    assert first and len(first) >= 12
    assert prepare(settings, demo=True) is None
    with database(settings) as session:
        assert session.scalar(select(User).where(User.email == "admin@kadai.local")).role == "admin"
        assert len(session.scalars(select(Assignment)).all()) == len(DEMO_EXERCISES) == 11


def test_interrupted_gradings_are_graded_after_a_restart(settings):
    prepare(settings, demo=True)
    with database(settings) as session:
        quiz = session.scalar(select(Assignment).where(Assignment.exercise_id == "true-false"))
        student = session.scalar(select(User).where(User.email == "student1@kadai.local"))
        from backend.exercises.repository import ExerciseRepository

        version = ExerciseRepository(session).get("true-false").current_version
        for attempt, status in ((1, "running"), (2, "queued")):
            session.add(
                Submission(
                    assignment_id=quiz.id,
                    user_id=student.id,
                    attempt=attempt,
                    code='{"answers": [true, true, false, true]}',
                    status=status,
                    exercise_version=version,
                )
            )
    with TestClient(create_app(settings)):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with database(settings) as session:
                statuses = [s.status for s in session.scalars(select(Submission))]
            if statuses == ["graded", "graded"]:
                break
            time.sleep(0.2)
    assert statuses == ["graded", "graded"]


@pytest.mark.slow
def test_serve_says_which_email_signs_in_as_admin(tmp_path):
    from tests.backend.served import kadai_serve

    with kadai_serve(tmp_path / "var") as served:  # KADAI_ADMIN_PASSWORD is set
        output = served.output()
    assert "Admin: sign in as admin@kadai.local with KADAI_ADMIN_PASSWORD" in output
    assert "admin-password-123" not in output  # the password itself is never printed
