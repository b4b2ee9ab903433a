"""``kadai exercise preview``: the real exercise page of one package, served locally, with its
solution in the editor.

Nothing in the app changes for a preview: it is an ordinary app over a throw-away data folder
(its own SQLite database and session secret) in which the package is published as a copy whose
starter holds the solution (the page opens the editor on the starter), assigned in a one-exercise
course to a preview student with a random password. The author signs in on the ordinary sign-in
page; no route is added and no check is skipped, so the production app stays as it is. Submitting
from the preview grades in the sandbox like any submission.
"""

from __future__ import annotations

import secrets
import shutil
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from backend.auth.service import create_user
from backend.bootstrap import migrate
from backend.courses import service as courses
from backend.db import make_engine, make_session_factory, transaction
from backend.exercises.service import publish
from backend.models._common import utcnow
from backend.settings import Settings
from grader.engine import ExercisePackage, GraderSettings, load_exercise

PREVIEW_EMAIL = "preview@kadai.local"
PREVIEW_COURSE = "preview"


@dataclass(frozen=True)
class Preview:
    settings: Settings
    package: ExercisePackage
    assignment_id: int
    email: str
    password: str

    @property
    def path(self) -> str:
        return f"/assignments/{self.assignment_id}"


def preview_settings(data_dir: Path, grader: GraderSettings) -> Settings:
    """Settings of the preview app: everything in ``data_dir``, whatever KADAI_* says about the
    real platform's database, secret, queue or webhook (arguments win over the environment)."""
    return Settings(
        environment="development",
        data_dir=data_dir,
        database_url=None,
        secret_key=None,
        admin_password=secrets.token_urlsafe(16),
        queue_backend="embedded",
        grading_threads=1,
        webhook_url=None,
        trusted_proxies=[],
        lti_frame_ancestors=[],
        grader=grader.model_copy(update={"exercises_dir": data_dir / "source"}),
    )


def with_solution_as_starter(package: ExercisePackage, folder: Path) -> ExercisePackage:
    """A copy of ``package`` under ``folder/<id>`` whose starter is its solution."""
    copy = folder / package.id
    shutil.copytree(package.root, copy, ignore=shutil.ignore_patterns("__pycache__"))
    suffix = Path(package.meta.submission_file).suffix
    (copy / f"starter{suffix}").write_text(package.solution, encoding="utf-8")
    return load_exercise(copy)


def prepare_preview(package_dir: Path, data_dir: Path, grader: GraderSettings) -> Preview:
    """Set up ``data_dir`` (empty or new) for previewing the package in ``package_dir``.
    Raises ``PackageError`` for a package that does not load."""
    package = load_exercise(package_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    settings = preview_settings(data_dir, grader)
    shown = with_solution_as_starter(package, settings.grader.exercises_dir)
    migrate(settings.sqlalchemy_url)
    engine = make_engine(settings.sqlalchemy_url)
    password = secrets.token_urlsafe(12)
    try:
        with transaction(make_session_factory(engine)) as session:
            publish(session, shown, data_dir / "exercises")
            course = courses.create_course(
                session, PREVIEW_COURSE, f"Preview: {package.meta.title.en}", time_zone="UTC"
            )
            student = create_user(session, PREVIEW_EMAIL, "Preview", password, "student")
            courses.enroll(session, course, student)
            assignment = courses.add_assignment(
                session, course, package.id, due_at=utcnow() + timedelta(days=7)
            )
            session.flush()
            assignment_id = assignment.id
    finally:
        engine.dispose()
    return Preview(settings, package, assignment_id, PREVIEW_EMAIL, password)
