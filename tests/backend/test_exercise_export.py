"""An exercise exported with ``kadai exercise export`` comes back through the two import paths,
``kadai exercise add`` and the admin upload page, as the same version with the same files; a
scaffold with unfilled TODO(author) markers is refused by both. (A quiz grades in process, so
these need no sandbox.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from backend.cli import main as kadai
from backend.models import AuditEntry, Exercise, ExerciseVersion
from backend.settings import Settings
from grader.authoring import export_package, new_package
from grader.exercise import load_exercise
from tests.backend.conftest import ADMIN_PASSWORD, database, sign_in
from tests.backend.test_staff_and_admin import upload
from tests.grader.test_authoring import fill_todos

pytestmark = pytest.mark.parametrize("settings", ["sqlite"], indirect=True)


def files_of(root):
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


@pytest.fixture
def exported(tmp_path):
    root = new_package(tmp_path / "authoring", "shared-quiz", "quiz")
    fill_todos(root)
    package = load_exercise(root)
    return package, export_package(package, tmp_path / "shared-quiz.zip")


def published(settings, exercise_id):
    with database(settings) as session:
        current = session.scalar(select(Exercise.current_version).where(Exercise.id == exercise_id))
        path = session.scalar(
            select(ExerciseVersion.package_path).where(
                ExerciseVersion.exercise_id == exercise_id, ExerciseVersion.version == current
            )
        )
    return current, path


def test_kadai_exercise_add_imports_an_export_as_the_same_version(
    settings, exported, monkeypatch, capsys
):
    package, archive = exported
    monkeypatch.setenv("KADAI_DATA_DIR", str(settings.data_dir))
    monkeypatch.delenv("KADAI_DATABASE_URL", raising=False)
    assert kadai(["exercise", "add", str(archive)]) == 0
    out = capsys.readouterr().out
    assert f"exported shared-quiz version {package.version}" in out
    assert f"published shared-quiz version {package.version}" in out
    version, path = published(Settings(data_dir=settings.data_dir), "shared-quiz")
    assert version == package.version
    assert files_of(Path(path)) == files_of(package.root)
    # Audited like an upload, by nobody: the server's own command line has no signed-in actor.
    entry = publications(settings, "shared-quiz")[0]
    assert entry.actor_id is None and entry.before_json is None
    assert json.loads(entry.after_json) == {"version": package.version}


def publications(settings, exercise_id):
    with database(settings) as session:
        query = select(AuditEntry).where(
            AuditEntry.action == "exercise.publish", AuditEntry.subject_id == exercise_id
        )
        return list(session.scalars(query))


def test_the_admin_upload_page_imports_an_export_as_the_same_version(
    app_client, settings, exported
):
    package, archive = exported
    sign_in(app_client, "admin@kadai.local", ADMIN_PASSWORD)
    page = upload(app_client, archive.read_bytes())
    assert page.status_code == 200 and 'data-testid="published"' in page.text
    version, path = published(settings, "shared-quiz")
    assert version == package.version
    assert files_of(Path(path)) == files_of(package.root)


def test_an_unfilled_scaffold_is_refused_by_the_upload(app_client, settings, tmp_path):
    draft = load_exercise(new_package(tmp_path, "draft-quiz", "quiz"))
    sign_in(app_client, "admin@kadai.local", ADMIN_PASSWORD)
    page = upload(app_client, export_package(draft, tmp_path / "draft.zip").read_bytes())
    assert page.status_code == 422 and "TODO(author) left" in page.text
    assert published(settings, "draft-quiz") == (None, None)
