"""Start-up steps shared by ``kadai serve`` and the tests: migrate, publish exercises, first admin, demo."""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

from alembic.config import Config
from sqlalchemy.orm import Session, sessionmaker

from alembic import command
from backend.auth.repository import UserRepository
from backend.auth.security import use_hash_profile
from backend.auth.service import create_user
from backend.courses import service as courses
from backend.courses.repository import CourseRepository
from backend.db import make_engine, make_session_factory, transaction
from backend.exercises.service import sync_catalog
from backend.models._common import utcnow
from backend.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
DEMO_PASSWORD = "kadai-demo"
DEMO_EXERCISES = [
    "true-false",
    "fix-training-loop",
    "normalized-dataset",
    "dual-framework-model",
    "early-stopping-checkpoint",
    # The rest of the chapter, written with the authoring kit.
    "autograd-basics",
    "custom-module",
    "losses-and-optimizers",
    "keras-functional",
    "keras-callbacks",
    "device-and-amp",
]


def migrate(database_url: str) -> None:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "alembic"))
    config.attributes["database_url"] = database_url
    config.attributes["configure_logger"] = False
    command.upgrade(config, "head")


def ensure_admin(session: Session, settings: Settings) -> str | None:
    """Create the first admin once; returns a generated password to print, if one was made."""
    if UserRepository(session).by_email(settings.admin_email):
        return None
    password = settings.admin_password or secrets.token_urlsafe(12)
    create_user(session, settings.admin_email, "Administrator", password, "admin")
    return None if settings.admin_password else password


def ensure_demo(session: Session) -> None:
    """A demo course with every exercise, an instructor and two students (password kadai-demo)."""
    if CourseRepository(session).by_code("demo"):
        return
    course = courses.create_course(
        session, "demo", "PyTorch と TensorFlow 実践", time_zone="Asia/Tokyo"
    )
    teacher = create_user(
        session, "teacher@kadai.local", "Demo Teacher", DEMO_PASSWORD, "instructor"
    )
    courses.enroll(session, course, teacher, "instructor")
    for name in ("student1", "student2"):
        student = create_user(
            session, f"{name}@kadai.local", name.title(), DEMO_PASSWORD, "student"
        )
        courses.enroll(session, course, student)
    for offset, exercise_id in enumerate(DEMO_EXERCISES):
        courses.add_assignment(
            session, course, exercise_id, due_at=utcnow() + timedelta(days=7 + offset)
        )


def prepare(settings: Settings, demo: bool = False) -> str | None:
    """Everything ``kadai serve`` does before it listens; returns a generated admin password."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    use_hash_profile(settings.password_hash_profile)
    migrate(settings.sqlalchemy_url)
    engine = make_engine(settings.sqlalchemy_url)
    sessions: sessionmaker[Session] = make_session_factory(engine)
    try:
        with transaction(sessions) as session:
            sync_catalog(session, settings.grader.exercises_dir, settings.data_dir / "exercises")
            password = ensure_admin(session, settings)
            if demo:
                ensure_demo(session)
    finally:
        engine.dispose()
    return password
