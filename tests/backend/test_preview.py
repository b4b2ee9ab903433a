"""``kadai exercise preview``: the real exercise page, behind the ordinary sign-in, with the
solution in the editor; the author's package is left as it was."""

from __future__ import annotations

import html

from fastapi.testclient import TestClient

from backend.app import create_app
from backend.exercises.preview import prepare_preview
from grader.exercise import load_exercise
from grader.settings import PROJECT_ROOT, GraderSettings
from tests.backend.conftest import sign_in

FOLDER = PROJECT_ROOT / "exercises" / "normalized-dataset"


def editor_text(page: str) -> str:
    textarea = page.split("<textarea", 1)[1].split(">", 1)[1].split("</textarea>", 1)[0]
    return html.unescape(textarea)


def test_the_preview_shows_the_exercise_page_with_the_solution(tmp_path, monkeypatch):
    monkeypatch.setenv("KADAI_DATABASE_URL", "postgresql://not-the-preview-database/x")
    package = load_exercise(FOLDER)
    preview = prepare_preview(FOLDER, tmp_path / "preview", GraderSettings())
    assert preview.settings.sqlalchemy_url.startswith("sqlite:///" + str(tmp_path))
    with TestClient(create_app(preview.settings)) as client:
        unsigned = client.get(preview.path, follow_redirects=False)
        assert unsigned.status_code in (302, 303, 307) and "/login" in unsigned.headers["location"]
        sign_in(client, preview.email, preview.password)
        page = client.get(preview.path)
    assert page.status_code == 200
    assert editor_text(page.text).strip() == package.solution.strip()
    assert package.meta.title.en in page.text or package.meta.title.ja in page.text
    assert load_exercise(FOLDER).version == package.version  # the package itself is unchanged


def test_a_broken_package_is_reported_before_anything_is_served(tmp_path, capsys):
    from backend.cli import main as kadai

    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "exercise.toml").write_text('id = "broken"\n')
    assert kadai(["exercise", "preview", str(tmp_path / "broken")]) == 1
    assert "statement.en.md: file is missing" in capsys.readouterr().err
