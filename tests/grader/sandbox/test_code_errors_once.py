"""Code that does not run is reported once, at the top, with its line; the checks it failed point
there. A starter's bare ``NotImplementedError`` says which function is still to be written."""

from __future__ import annotations

import pytest

from tests.conftest import exercise

pytestmark = [pytest.mark.docker, pytest.mark.slow, pytest.mark.one_mode]


def test_a_syntax_error_is_reported_once_with_its_line(sandbox_grader):
    package = exercise("normalized-dataset")
    lines = package.solution.splitlines()
    lines[5] = lines[5] + " ("  # line 6 no longer parses
    result = sandbox_grader.grade(package, "\n".join(lines) + "\n")
    assert result.status == "graded" and result.score == 0
    assert result.code_error is not None and result.code_error.at_load
    assert result.code_error.type == "SyntaxError" and result.code_error.line == 6
    assert "SyntaxError" in result.message.en and "SyntaxError" in result.message.ja
    # Said once: each check points to the top instead of repeating it.
    assert all("SyntaxError" not in t.output.en for t in result.tests)
    assert all("did not run" in t.output.en for t in result.tests)
    view = result.student_view()
    assert view.code_error == result.code_error and view.message == result.message


def test_an_import_error_at_load_is_located(sandbox_grader):
    package = exercise("normalized-dataset")
    source = "import numpy\nimport no_such_module_kadai\n" + package.solution
    result = sandbox_grader.grade(package, source)
    assert result.code_error is not None and result.code_error.at_load
    assert result.code_error.line == 2 and result.code_error.function == "<module>"
    assert "no_such_module_kadai" in result.message.en


def test_the_starters_not_implemented_error_names_the_missing_method(sandbox_grader):
    package = exercise("normalized-dataset")
    result = sandbox_grader.grade(package, package.starter)
    assert result.score == 0
    error = result.code_error
    assert error is not None and not error.at_load
    assert error.type == "NotImplementedError"
    assert error.function == "NormalizedDataset.__init__"
    starter_lines = package.starter.splitlines()
    assert "NotImplementedError" in starter_lines[error.line - 1]
    assert "`NormalizedDataset.__init__` is not implemented yet" in result.message.en
    assert "`NormalizedDataset.__init__` がまだ実装されていません" in result.message.ja
    repeated = [t for t in result.tests if "NotImplementedError" in t.output.en]
    assert repeated == [], [t.output.en for t in repeated]
