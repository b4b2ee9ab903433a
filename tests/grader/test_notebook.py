"""Notebooks in and out: a learner's .ipynb becomes the graded file with its way back to the
cells; an exercise's starter becomes a notebook Jupyter and Colab open."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from grader.cli import main
from grader.exercise import load_exercise
from grader.notebook import (
    NotebookError,
    annotate_traceback,
    parse_extracted,
    read_notebook,
    starter_notebook,
)
from grader.settings import PROJECT_ROOT

NOTEBOOKS = PROJECT_ROOT / "tests" / "fixtures" / "notebooks"
CHAPTER = NOTEBOOKS / "chapter_answer_normalized_dataset.ipynb"
KADAI = Path(sys.executable).parent / "kadai"


def notebook_of(*cells: tuple[str, str]) -> str:
    made = {"code": nbformat.v4.new_code_cell, "markdown": nbformat.v4.new_markdown_cell}
    return nbformat.writes(nbformat.v4.new_notebook(cells=[made[k](s) for k, s in cells]))


def test_code_cells_run_in_order_and_magics_are_neutralised_with_a_note():
    extracted = read_notebook(CHAPTER.read_text(), "work.ipynb")
    compile(extracted.source, "dataset.py", "exec")  # the extracted file is plain Python
    assert "%matplotlib" not in extracted.source.replace("not run: %matplotlib", "")
    assert [span.cell for span in extracted.cells] == [2, 3, 5, 7, 9]
    lines = extracted.source.split("\n")
    assert lines.index("class NormalizedDataset(Dataset):") + 1 == extracted.cells[3].first_line
    assert [note.en.split(":")[0] for note in extracted.notes] == [
        "Cell 2, line 1",
        "Cell 3, line 1",
    ]
    assert "%matplotlib inline" in extracted.notes[0].en and "セル 2" in extracted.notes[0].ja
    assert "already has the packages" in extracted.notes[1].en


def test_magics_inside_blocks_keep_the_block_valid_and_python_body_cell_magics_run():
    text = notebook_of(
        ("code", "for i in range(2):\n    !echo hi\n    x = i"),
        ("code", "%%time\ny = 1"),
        ("code", "%%bash\necho not python\nls -l"),
        ("code", "%time z = 2"),
        ("code", "files = 1\n%ls \\\n  -l\nw = 3"),
    )
    extracted = read_notebook(text, "n.ipynb")
    namespace: dict = {}
    exec(compile(extracted.source, "n.py", "exec"), namespace)
    assert (namespace["x"], namespace["y"], namespace["z"], namespace["w"]) == (1, 1, 2, 3)
    assert "# echo not python" in extracted.source
    assert len(extracted.notes) == 5
    assert extracted.notes[3].en.startswith("Cell 4, line 1: `%time` was removed")


def test_an_error_line_maps_back_to_its_cell_and_line():
    extracted = read_notebook(CHAPTER.read_text(), "work.ipynb")
    line = extracted.source.split("\n").index("        return self.data[idx], self.labels[idx]")
    assert extracted.locate(line + 1) == (7, 24)
    assert extracted.locate(1) is None  # the preamble is no cell
    trace = f'File "/sandbox/student/dataset.py", line {line + 1}, in __getitem__'
    assert "line 38 [cell 7, line 24]" in annotate_traceback(trace, extracted)
    assert "[セル 7 の 24 行目]" in annotate_traceback(trace, extracted, "ja")


def test_extracted_code_edited_afterwards_still_maps_by_its_headers():
    extracted = read_notebook(CHAPTER.read_text(), "work.ipynb")
    edited = extracted.source.replace("import numpy as np\n", "import numpy as np\nimport math\n")
    again = parse_extracted(edited, "work.ipynb")
    line = edited.split("\n").index("class NormalizedDataset(Dataset):") + 1
    assert again.locate(line) == (7, 1)
    assert again.notes == extracted.notes


@pytest.mark.parametrize(
    ("text", "english", "japanese"),
    [
        (CHAPTER.read_text()[:1000], "not valid JSON (line", "正しい JSON ではありません"),
        (
            '{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": 3}',
            "not a valid Jupyter notebook",
            "正しい Jupyter ノートブックではありません",
        ),
        ('{"cells": []}', "without the notebook's `nbformat`", "`nbformat` 項目がありません"),
        (notebook_of(("markdown", "# only prose")), "no code cells", "コードセルがありません"),
        (b"\xff\xfe{}", "not UTF-8", "UTF-8"),
    ],
)
def test_a_broken_notebook_gets_a_clear_bilingual_error(text, english, japanese):
    with pytest.raises(NotebookError) as raised:
        read_notebook(text, "work.ipynb")
    assert english in raised.value.text.en and japanese in raised.value.text.ja


def test_a_notebook_of_another_language_is_refused():
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("x <- 1")],
        metadata={"kernelspec": {"name": "ir", "display_name": "R", "language": "R"}},
    )
    with pytest.raises(NotebookError, match="runs r; Kadai grades Python"):
        read_notebook(nbformat.writes(notebook))


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_starter_notebook_is_valid_with_the_statement_in_the_pages_language(lang):
    package = load_exercise(PROJECT_ROOT / "exercises" / "fix-training-loop")
    notebook = nbformat.reads(starter_notebook(package, lang), as_version=nbformat.NO_CONVERT)
    nbformat.validate(notebook)
    assert notebook.nbformat == 4
    assert notebook.metadata.kernelspec.language == "python"
    kinds = [cell.cell_type for cell in notebook.cells]
    assert kinds[-1] == "code" and kinds.count("code") == 1 and kinds.count("markdown") >= 3
    assert notebook.cells[-1].source == package.starter.rstrip("\n")
    prose = "\n".join(cell.source for cell in notebook.cells[:-1])
    title = getattr(package.meta.title, lang)
    assert notebook.cells[0].source == f"# {title}"
    assert ("解答欄" in prose) == (lang == "ja") and ("Your answer" in prose) == (lang == "en")
    # Every line of the statement but its title is in the Markdown cells.
    body = package.statements[lang].strip().split("\n")[1:]
    assert all(line in prose for line in body if line.strip())
    # It goes back in: the starter cell is the graded code, unchanged.
    extracted = read_notebook(starter_notebook(package, lang), "starter.ipynb")
    assert package.starter.rstrip("\n") in extracted.source


def test_grade_refuses_a_broken_notebook_with_the_reason(capsys):
    truncated = NOTEBOOKS / "truncated.ipynb"
    assert main(["grade", "--exercise", "normalized-dataset", str(truncated), "--lang", "ja"]) == 2
    assert "正しい JSON ではありません" in capsys.readouterr().err


def kadai_grade(notebook: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(KADAI), "grade", "--exercise", "normalized-dataset", str(notebook), *extra],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.docker
@pytest.mark.slow
def test_the_chapters_answer_to_question_3_as_a_notebook_gets_full_marks(sandbox_grader):
    completed = kadai_grade(CHAPTER, "--json")
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout)
    assert result["score"] == result["max_score"] == 10
    notes = [note["en"] for note in result["notebook"]["notes"]]
    assert any("`%matplotlib inline`" in n for n in notes)
    assert any("`!pip install torch`" in n for n in notes)
    assert result["notebook"]["errors"] == []


@pytest.mark.docker
@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "cell", "line"),
    [("name_error_in_cell_9", 9, 5), ("attribute_error_in_cell_7", 7, 24)],
)
def test_an_error_in_a_notebook_names_its_cell_and_line(sandbox_grader, name, cell, line):
    completed = kadai_grade(NOTEBOOKS / f"{name}.ipynb", "--json")
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout)
    assert result["score"] == 0
    first = result["notebook"]["errors"][0]
    assert (first["test"], first["cell"], first["cell_line"]) == ("", cell, line)
    text = kadai_grade(NOTEBOOKS / f"{name}.ipynb").stdout
    assert f"error at cell {cell}, line {line} of {name}.ipynb" in text


@pytest.mark.parametrize(
    "code",
    [
        "x = (10\n     % 3)",
        'text = ("loss: %.3f"\n    % 0.5)',
        "a, b = 1, 2\nif (a\n    != b):\n    c = 1",
        'doc = """\n!not a shell command\n%not a magic\n"""',
    ],
)
def test_python_that_looks_like_a_command_on_a_continued_line_is_kept(code):
    extracted = read_notebook(notebook_of(("code", code)), "n.ipynb")
    assert code in extracted.source and extracted.notes == ()
    compile(extracted.source, "n.py", "exec")


def test_a_command_beside_python_on_continued_lines_is_still_neutralised():
    code = 'x = (10\n     % 3)\n!pip install torch\ns = """\n!kept\n"""'
    extracted = read_notebook(notebook_of(("code", code)), "n.ipynb")
    namespace: dict = {}
    exec(compile(extracted.source, "n.py", "exec"), namespace)
    assert namespace["x"] == 1 and namespace["s"] == "\n!kept\n"
    assert [note.en.split(":")[0] for note in extracted.notes] == ["Cell 1, line 3"]


def test_a_timed_statement_continued_by_a_backslash_is_not_run_and_the_file_still_parses():
    extracted = read_notebook(notebook_of(("code", "%time y = 1 + \\\n    2\nz = 3")), "n.ipynb")
    namespace: dict = {}
    exec(compile(extracted.source, "n.py", "exec"), namespace)
    assert namespace["z"] == 3 and "y" not in namespace


def test_a_crafted_text_of_many_cell_headers_is_refused_quickly():
    import time

    began = time.monotonic()
    with pytest.raises(NotebookError, match="at most 1000"):
        parse_extracted("# %% [cell 1]\n" * 18_000, "x.ipynb")
    mapped = parse_extracted("# %% [cell 1]\npass\n" * 1000, "x.ipynb")
    assert mapped.locate(2 * 1000) == (1, 1) and mapped.locate(1) is None
    assert time.monotonic() - began < 2
