"""Notebooks through the web platform: a learner's .ipynb through the API (JSON with a filename,
or a multipart upload) and the browser's extract step, graded as its code cells with the errors
shown as "cell N, line M"; and each code exercise's starter as a notebook to download."""

from __future__ import annotations

import json

import nbformat
import pytest

from grader.settings import PROJECT_ROOT
from tests.backend.conftest import csrf_of, database, sign_in, token_for
from tests.backend.test_api import auth, wait_graded
from tests.backend.test_pages import assignment_id

NOTEBOOKS = PROJECT_ROOT / "tests" / "fixtures" / "notebooks"
CHAPTER = NOTEBOOKS / "chapter_answer_normalized_dataset.ipynb"


def attempts_of(settings, assignment: int) -> int:
    from sqlalchemy import func, select

    from backend.models import Submission

    with database(settings) as session:
        return session.scalar(
            select(func.count(Submission.id)).where(Submission.assignment_id == assignment)
        )


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_each_code_exercise_offers_its_starter_as_a_notebook(app_client, settings, lang):
    sign_in(app_client, "student1@kadai.local")
    app_client.cookies.set("lang", lang)
    assignment = assignment_id(settings, "early-stopping-checkpoint")
    page = app_client.get(f"/assignments/{assignment}").text
    assert f'href="/assignments/{assignment}/starter.ipynb"' in page
    response = app_client.get(f"/assignments/{assignment}/starter.ipynb")
    assert response.status_code == 200
    assert f"early-stopping-checkpoint.{lang}.ipynb" in response.headers["content-disposition"]
    notebook = nbformat.reads(response.text, as_version=nbformat.NO_CONVERT)
    nbformat.validate(notebook)
    assert notebook.metadata.kernelspec.language == "python"
    assert notebook.cells[-1].cell_type == "code"
    assert "class EarlyStoppingWithCheckpoint" in notebook.cells[-1].source
    prose = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    assert ("検証損失" in prose) == (lang == "ja")
    assert ("validation loss" in prose) == (lang == "en")


def test_a_quiz_has_no_starter_notebook(app_client, settings):
    sign_in(app_client, "student1@kadai.local")
    quiz = assignment_id(settings, "true-false")
    assert "starter.ipynb" not in app_client.get(f"/assignments/{quiz}").text
    assert app_client.get(f"/assignments/{quiz}/starter.ipynb").status_code == 422


def test_the_browser_extracts_a_notebooks_code_and_says_what_it_will_not_run(app_client, settings):
    sign_in(app_client, "student1@kadai.local")
    app_client.cookies.set("lang", "ja")
    assignment = assignment_id(settings, "normalized-dataset")
    csrf = csrf_of(app_client, f"/assignments/{assignment}")
    response = app_client.post(
        f"/assignments/{assignment}/notebook",
        json={"code": CHAPTER.read_text(), "filename": "work.ipynb"},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["filename"] == "work.ipynb"
    assert "# %% [cell 7]\nclass NormalizedDataset(Dataset):" in body["code"]
    assert any("`%matplotlib inline`" in note and "セル 2" in note for note in body["notes"])
    assert attempts_of(settings, assignment) == 0  # extracting is no submission


def test_a_broken_notebook_is_refused_in_both_languages_and_costs_no_attempt(app_client, settings):
    token = token_for(settings, "student1@kadai.local", "read,submit")
    assignment = assignment_id(settings, "normalized-dataset")
    truncated = (NOTEBOOKS / "truncated.ipynb").read_text()
    response = app_client.post(
        f"/api/v1/assignments/{assignment}/submissions",
        json={"code": truncated, "filename": "work.ipynb"},
        headers=auth(token),
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert "not valid JSON (line" in error["message"]
    assert "正しい JSON ではありません" in error["message_ja"]
    upload = app_client.post(
        f"/api/v1/assignments/{assignment}/submissions",
        files={"code": ("work.ipynb", truncated.encode(), "application/x-ipynb+json")},
        headers=auth(token),
    )
    assert upload.status_code == 422 and "not valid JSON" in upload.json()["error"]["message"]
    assert attempts_of(settings, assignment) == 0


def test_a_notebook_is_stored_as_its_code_with_the_cell_map(app_client, settings):
    token = token_for(settings, "student1@kadai.local", "read,submit")
    assignment = assignment_id(settings, "normalized-dataset")
    response = app_client.post(
        f"/api/v1/assignments/{assignment}/submissions",
        files={"code": ("work.ipynb", CHAPTER.read_bytes(), "application/x-ipynb+json")},
        headers=auth(token),
    )
    assert response.status_code == 202, response.text
    notebook = response.json()["notebook"]
    assert notebook["filename"] == "work.ipynb"
    assert [cell for cell, _first, _lines in notebook["cells"]] == [2, 3, 5, 7, 9]
    assert len(notebook["notes"]) == 2
    from backend.models import Submission

    with database(settings) as session:
        stored = session.get(Submission, response.json()["id"])
        assert stored.code.startswith("# Extracted by Kadai from work.ipynb")
        assert json.loads(stored.notebook_json)["filename"] == "work.ipynb"


@pytest.mark.docker
@pytest.mark.slow
def test_the_chapters_answer_as_a_notebook_gets_full_marks_through_the_api(
    app_client, settings, sandbox_grader
):
    headers = auth(token_for(settings, "student1@kadai.local", "read,submit"))
    assignment = assignment_id(settings, "normalized-dataset")
    response = app_client.post(
        f"/api/v1/assignments/{assignment}/submissions",
        json={"code": CHAPTER.read_text(), "filename": "work.ipynb"},
        headers=headers,
    )
    assert response.status_code == 202, response.text
    done = wait_graded(app_client, headers, response.json()["id"], timeout=300)
    assert (done["status"], done["score"], done["max_score"]) == ("graded", 10, 10)
    assert done["notebook"]["errors"] == []


@pytest.mark.docker
@pytest.mark.slow
def test_an_error_in_an_uploaded_notebook_is_shown_at_its_cell_and_line(
    app_client, settings, sandbox_grader
):
    headers = auth(token_for(settings, "student1@kadai.local", "read,submit"))
    assignment = assignment_id(settings, "normalized-dataset")
    notebook = NOTEBOOKS / "attribute_error_in_cell_7.ipynb"
    response = app_client.post(
        f"/api/v1/assignments/{assignment}/submissions",
        files={"code": (notebook.name, notebook.read_bytes(), "application/x-ipynb+json")},
        headers=headers,
    )
    assert response.status_code == 202, response.text
    done = wait_graded(app_client, headers, response.json()["id"], timeout=300)
    assert done["score"] == 0
    first = done["notebook"]["errors"][0]
    assert (first["test"], first["cell"], first["cell_line"]) == ("", 7, 24)
    sign_in(app_client, "student1@kadai.local")
    page = app_client.get(f"/submissions/{done['id']}").text
    assert "In your notebook: cell 7, line 24" in page
    assert "line 38 [cell 7, line 24]" in page  # the traceback too
    assert 'data-testid="notebook-notes"' in page
