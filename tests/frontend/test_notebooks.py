"""Notebooks in the browser, in headless Chromium against a real server and sandbox: a learner opens
the chapter's answer to 問題3 saved from Colab, sees its code in the editor with what will not
run, submits it and gets full marks; a notebook with an error is shown at its cell and line; a
broken notebook is refused on the page and the editor keeps the code."""

from __future__ import annotations

import re

import pytest

from grader.settings import PROJECT_ROOT
from tests.frontend.test_browser import browser, sign_in  # noqa: F401
from tests.frontend.test_learner_editor import (  # noqa: F401
    assignment_of,
    editor_text,
    open_editor,
    server,
    settings,
)

pytestmark = [pytest.mark.docker, pytest.mark.browser, pytest.mark.slow]
NOTEBOOKS = PROJECT_ROOT / "tests" / "fixtures" / "notebooks"


def open_notebook(page, name: str) -> None:  # type: ignore[no-untyped-def]
    page.locator("[data-open-file]").set_input_files(str(NOTEBOOKS / name))
    page.locator("[data-file-status]").wait_for(state="visible")


def submit_and_wait(page) -> str:  # type: ignore[no-untyped-def]
    page.get_by_role("button", name="Submit").click()
    page.wait_for_url(re.compile(r".*/submissions/\d+$"), timeout=15_000)
    page.locator("[data-testid=score]").wait_for(timeout=240_000)
    return page.locator("[data-testid=score]").inner_text()


def test_the_chapters_answer_as_a_notebook_gets_full_marks_in_the_browser(
    server,  # noqa: F811
    browser,  # noqa: F811
    settings,  # noqa: F811
):
    page = browser.new_page()
    sign_in(page, server, "student1@kadai.local")
    open_editor(page, server, assignment_of(settings, "normalized-dataset"))
    open_notebook(page, "chapter_answer_normalized_dataset.ipynb")
    code = editor_text(page)
    assert "# %% [cell 7]\nclass NormalizedDataset(Dataset):" in code
    notes = page.locator("[data-file-notes]").inner_text()
    assert "%matplotlib inline" in notes and "!pip install torch" in notes
    assert submit_and_wait(page) == "10 / 10"
    assert "chapter_answer_normalized_dataset.ipynb" in page.inner_text(
        "[data-testid=notebook-source]"
    )


def test_an_error_in_a_notebook_is_shown_at_its_cell_and_line(
    server,  # noqa: F811
    browser,  # noqa: F811
    settings,  # noqa: F811
):
    page = browser.new_page()
    sign_in(page, server, "student1@kadai.local")
    open_editor(page, server, assignment_of(settings, "normalized-dataset"))
    open_notebook(page, "name_error_in_cell_9.ipynb")
    assert submit_and_wait(page) == "0 / 10"
    where = page.locator("[data-testid=notebook-error-at]")
    assert "cell 9, line 5" in where.inner_text()
    where.locator("a").click()  # to the line of the extracted code
    assert "NormalizedDataset(data, label)" in page.locator("[data-testid=error-line]").inner_text()


def test_a_broken_notebook_is_refused_and_the_editor_keeps_the_code(
    server,  # noqa: F811
    browser,  # noqa: F811
    settings,  # noqa: F811
):
    page = browser.new_page()
    sign_in(page, server, "student1@kadai.local")
    open_editor(page, server, assignment_of(settings, "normalized-dataset"))
    before = editor_text(page)
    open_notebook(page, "truncated.ipynb")
    status = page.locator("[data-file-status]")
    assert "not valid JSON" in status.inner_text()
    assert "error-box" in (status.get_attribute("class") or "")
    assert editor_text(page) == before
