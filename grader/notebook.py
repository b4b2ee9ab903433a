"""Jupyter notebooks in and out, on the host side only (never copied into the sandbox).

In: a learner's ``.ipynb`` becomes one Python file, its code cells in order, each under a
``# %% [cell N]`` line (N counts every cell, Markdown too, as the learner scrolls). IPython commands
(``%matplotlib inline``, ``!pip install …``, ``%%bash`` cells) are not Python; each becomes a
``pass  # kadai: not run: …`` line with the same indentation, so the file still parses and the
learner is told what was skipped. The extracted text carries its own map: a line of it is "cell N,
line M" by the nearest header above, so code edited after extraction (in the browser's editor) maps
back the same way.

Out: an exercise's statement and starter as a notebook to open in Jupyter or Colab.
"""

from __future__ import annotations

import io
import json
import re
import tokenize
import warnings
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import nbformat

from grader.contract import Text
from grader.quiz import InvalidSubmission

CELL_HEADER = re.compile(r"^# %% \[cell (\d+)\]$")
NOT_RUN = "# kadai: not run: "
# Cell magics whose body is Python: the magic line is dropped and the body runs once.
PYTHON_BODY_CELL_MAGICS = {"time", "timeit", "capture", "prun"}
# Line magics followed by a Python statement: the statement runs once, untimed.
PYTHON_STATEMENT_LINE_MAGICS = {"time", "timeit", "prun"}
TIMED = "  # kadai: run once here, without %"
PREAMBLE = "# Extracted by Kadai from {name}: its code cells in order; Markdown cells are left out."
# More cells than any exercise needs; a bound keeps reading a crafted notebook cheap.
MAX_CELLS = 1000


class NotebookError(InvalidSubmission):
    """A notebook that cannot be read; the text says what to fix, in both languages."""


@dataclass(frozen=True)
class CellSpan:
    """Lines ``first_line``…``first_line + lines - 1`` of the extracted file are cell ``cell``."""

    cell: int
    first_line: int
    lines: int


@dataclass(frozen=True)
class NotebookSource:
    """A notebook as the Python file that is graded, with the way back to its cells."""

    filename: str
    source: str
    cells: tuple[CellSpan, ...]
    notes: tuple[Text, ...] = field(default=())

    @cached_property
    def _starts(self) -> list[int]:
        return [span.first_line for span in self.cells]  # ascending: headers are in file order

    def locate(self, line: int) -> tuple[int, int] | None:
        """``(cell, line in that cell)`` of a line of ``source`` (1-based), or None outside cells."""
        index = bisect_right(self._starts, line) - 1
        if index < 0:
            return None
        span = self.cells[index]
        if line < span.first_line + span.lines:
            return span.cell, line - span.first_line + 1
        return None

    def error_places(self, result: Any) -> list[dict[str, Any]]:
        """Where each error of ``result`` (a ``GradingResult``: the whole result's, then each
        test's) is in the notebook: ``{"test", "line", "cell", "cell_line"}``."""
        errors = [("", result.code_error)] + [(t.name, t.error) for t in result.tests]
        return [
            {"test": name, "line": error.line, "cell": where[0], "cell_line": where[1]}
            for name, error in errors
            if error and error.line and (where := self.locate(error.line))
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "filename": self.filename,
            "cells": [[s.cell, s.first_line, s.lines] for s in self.cells],
            "notes": [{"en": n.en, "ja": n.ja} for n in self.notes],
        }


_TRACE_LINE = re.compile(r'(File "[^"\n]*", line (\d+))')


def annotate_traceback(text: str, notebook: NotebookSource, lang: str = "en") -> str:
    """``text`` with "[cell N, line M]" after each traceback line of the extracted file."""

    def mark(match: re.Match[str]) -> str:
        where = notebook.locate(int(match.group(2)))
        if where is None:
            return match.group(1)
        if lang == "ja":
            return f"{match.group(1)} [セル {where[0]} の {where[1]} 行目]"
        return f"{match.group(1)} [cell {where[0]}, line {where[1]}]"

    return _TRACE_LINE.sub(mark, text)


def is_notebook_name(filename: str | None) -> bool:
    return bool(filename) and str(filename).lower().endswith(".ipynb")


def _not_run_note(cell: int, line: int, command: str) -> Text:
    shown = command if len(command) <= 80 else command[:77] + "…"
    extra_en = extra_ja = ""
    if re.match(r"[!%]\s*(pip|conda)\b", command):
        extra_en = " The grader already has the packages this exercise needs."
        extra_ja = "採点環境には、この演習に必要なパッケージがすでに入っています。"
    return Text(
        en=f"Cell {cell}, line {line}: `{shown}` is an IPython command, not Python, so it was "
        f"not run.{extra_en}",
        ja=f"セル {cell} の {line} 行目: `{shown}` は Python ではなく IPython のコマンドなので、"
        f"実行していません。{extra_ja}",
    )


def _timed_note(cell: int, line: int, magic: str) -> Text:
    return Text(
        en=f"Cell {cell}, line {line}: `%{magic}` was removed; the code under it runs once.",
        ja=f"セル {cell} の {line} 行目: `%{magic}` を外し、その下のコードを 1 回だけ実行します。",
    )


def _logical_starts(lines: list[str]) -> set[int] | None:
    """Indexes of the lines that begin a logical line of Python (not inside brackets, a string or
    a backslash continuation), or None when the cell cannot be tokenized."""
    starts: set[int] = set()
    depth, expect_start = 0, True
    skipped = (tokenize.NL, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER)
    try:
        for token in tokenize.generate_tokens(io.StringIO("\n".join(lines) + "\n").readline):
            if token.type in skipped:
                continue
            if token.type == tokenize.NEWLINE:
                expect_start = True
                continue
            if expect_start and depth == 0:
                starts.add(token.start[0] - 1)
            expect_start = False
            if token.type == tokenize.OP and token.string in "([{":
                depth += 1
            elif token.type == tokenize.OP and token.string in ")]}":
                depth = max(0, depth - 1)
    except (tokenize.TokenError, SyntaxError):
        return None
    return starts


def _compiles(lines: list[str]) -> bool:
    try:
        compile("\n".join(lines) + "\n", "<cell>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def _neutralise_cell(lines: list[str]) -> list[str]:
    """The cell's lines with IPython commands made inert; as many lines as it had.

    Only a line that begins a logical line can be a command: ``% 3)`` inside brackets or a
    line of a triple-quoted string starting with ``!`` is Python, and a cell that compiles as
    it is has no command at all."""
    if not any(text.lstrip()[:1] in ("%", "!") for text in lines) or _compiles(lines):
        return list(lines)
    first = next((i for i, text in enumerate(lines) if text.strip()), None)
    if first is not None and lines[first].lstrip().startswith("%%"):
        magic = lines[first].strip()[2:].split(maxsplit=1)
        name = magic[0] if magic else ""
        out = list(lines)
        out[first] = f"pass  {NOT_RUN}{lines[first].strip()}"
        if name not in PYTHON_BODY_CELL_MAGICS:  # %%bash, %%writefile…: the body is not Python
            out[first + 1 :] = [f"# {text}" if text else "#" for text in lines[first + 1 :]]
        return out
    starts = _logical_starts(lines)
    out, continued = [], False
    for index, text in enumerate(lines):
        stripped = text.lstrip()
        indent = text[: len(text) - len(stripped)]
        command = starts is None or index in starts
        if continued:  # the rest of a magic that ended its line with a backslash
            out.append(f"{indent}# {stripped}")
        elif command and stripped.startswith("%") and not stripped.startswith("%%"):
            parts = stripped[1:].split(maxsplit=1)
            timed = parts and parts[0] in PYTHON_STATEMENT_LINE_MAGICS and len(parts) == 2
            if timed and not stripped.endswith("\\"):
                out.append(f"{indent}{parts[1]}{TIMED}{parts[0]}")
            else:
                out.append(f"{indent}pass  {NOT_RUN}{stripped}")
        elif command and stripped.startswith("!"):
            out.append(f"{indent}pass  {NOT_RUN}{stripped}")
        else:
            out.append(text)
            continue
        continued = stripped.endswith("\\")
    return out


def _read(text: str) -> Any:
    try:
        data = json.loads(text)
    except ValueError as exc:
        at = (
            f"line {exc.lineno}, column {exc.colno}: {exc.msg}"
            if isinstance(exc, json.JSONDecodeError)
            else _first_line(exc)
        )
        at_ja = (
            f"{exc.lineno} 行 {exc.colno} 列目: {exc.msg}"
            if isinstance(exc, json.JSONDecodeError)
            else at
        )
        raise NotebookError(
            f"The notebook could not be read: it is not valid JSON ({at}). It may be cut short "
            "or edited by hand; save it again from Jupyter or Colab (File → Download → .ipynb) "
            "and upload that file.",
            f"ノートブックを読み取れませんでした。正しい JSON ではありません({at_ja})。"
            "途中で切れているか、手で編集された可能性があります。Jupyter または Colab で"
            "保存し直し(ファイル → ダウンロード → .ipynb)、そのファイルをアップロードしてください。",
        ) from None
    except RecursionError:
        raise NotebookError(
            "The notebook is nested too deeply to read.",
            "ノートブックの入れ子が深すぎて読み取れません。",
        ) from None
    if not isinstance(data, dict) or "nbformat" not in data:
        raise NotebookError(
            "The file is not a Jupyter notebook: it is JSON without the notebook's `nbformat` "
            "field. Upload the .ipynb file Jupyter or Colab saved.",
            "Jupyter ノートブックの形式ではありません(JSON ですが、ノートブックの `nbformat` "
            "項目がありません)。Jupyter または Colab が保存した .ipynb ファイルを"
            "アップロードしてください。",
        )
    try:
        with warnings.catch_warnings():
            # Older notebooks lack cell ids; nbformat warns and fills them in, which is fine.
            warnings.simplefilter("ignore")
            if data["nbformat"] == 4:  # checked before nbformat walks it, which assumes a shape
                nbformat.validate(nbformat.from_dict(data))
            notebook = nbformat.reads(text, as_version=4)
            nbformat.validate(notebook)
    except nbformat.ValidationError as exc:
        raise _invalid(exc) from None
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        raise NotebookError(
            f"The file is not a valid Jupyter notebook: its structure could not be read "
            f"({type(exc).__name__}).",
            f"正しい Jupyter ノートブックではありません。構造を読み取れませんでした"
            f"({type(exc).__name__})。",
        ) from None
    return notebook


def _too_many_cells(count: int) -> NotebookError:
    return NotebookError(
        f"The notebook has {count} cells; at most {MAX_CELLS} can be graded. Merge cells or "
        "remove the ones the exercise does not need.",
        f"ノートブックのセルが {count} 個あります。採点できるのは {MAX_CELLS} 個までです。"
        "セルをまとめるか、演習に不要なセルを削除してください。",
    )


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]


def _invalid(exc: Exception) -> NotebookError:
    detail = _first_line(exc)
    return NotebookError(
        f"The file is not a valid Jupyter notebook: {detail}",
        f"正しい Jupyter ノートブックではありません: {detail}",
    )


def _language(notebook: Any) -> str:
    metadata = notebook.get("metadata", {})
    language = metadata.get("kernelspec", {}).get("language") or metadata.get(
        "language_info", {}
    ).get("name")
    return str(language or "python").lower()


def read_notebook(text: str | bytes, filename: str = "notebook.ipynb") -> NotebookSource:
    """The Python file graded for a notebook; ``NotebookError`` says why one cannot be read."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise NotebookError(
                f"The notebook is not UTF-8 text (byte {exc.start + 1}).",
                f"ノートブックが UTF-8 のテキストではありません({exc.start + 1} バイト目)。",
            ) from None
    notebook = _read(text)
    language = _language(notebook)
    if language != "python":
        raise NotebookError(
            f"This notebook's kernel runs {language}; Kadai grades Python notebooks.",
            f"このノートブックのカーネルは {language} です。Kadai が採点するのは Python の"
            "ノートブックです。",
        )
    if len(notebook.cells) > MAX_CELLS:
        raise _too_many_cells(len(notebook.cells))
    name = filename.replace("\n", " ").strip() or "notebook.ipynb"
    out = [PREAMBLE.format(name=name)]
    for number, cell in enumerate(notebook.cells, start=1):
        if cell.cell_type != "code" or not cell.source.strip():
            continue
        out += ["", f"# %% [cell {number}]"]
        out += _neutralise_cell(cell.source.rstrip("\n").split("\n"))
    if len(out) == 1:
        raise NotebookError(
            "The notebook has no code cells; write your code in a code cell and upload it again.",
            "ノートブックにコードセルがありません。コードセルにコードを書いてから、"
            "もう一度アップロードしてください。",
        )
    return parse_extracted("\n".join(out) + "\n", name)


def parse_extracted(source: str, filename: str) -> NotebookSource:
    """The cell map and notes of text ``read_notebook`` produced, possibly edited since."""
    lines = source.split("\n")
    headers = [
        (index + 1, int(match.group(1)))
        for index, text in enumerate(lines)
        if (match := CELL_HEADER.match(text))
    ]
    if len(headers) > MAX_CELLS:
        raise _too_many_cells(len(headers))
    cells = []
    for position, (line, cell) in enumerate(headers):
        end = headers[position + 1][0] - 1 if position + 1 < len(headers) else len(lines)
        while end > line and not lines[end - 1].strip():  # the blank line between cells
            end -= 1
        cells.append(CellSpan(cell=cell, first_line=line + 1, lines=end - line))
    mapped = NotebookSource(filename, source, tuple(cells))
    notes = []
    for index, text in enumerate(lines):
        if NOT_RUN not in text and TIMED not in text:
            continue
        where = mapped.locate(index + 1)
        if where is None:
            continue
        if NOT_RUN in text:
            notes.append(_not_run_note(*where, text.split(NOT_RUN, 1)[1]))
        elif TIMED in text:
            notes.append(_timed_note(*where, text.rsplit(TIMED, 1)[1]))
    return NotebookSource(filename, source, tuple(cells), tuple(notes))


def looks_extracted(source: str) -> bool:
    """Whether ``source`` is (still) text ``read_notebook`` produced: it has cell headers."""
    return any(CELL_HEADER.match(line) for line in source.split("\n"))


def from_submission(text: str, filename: str) -> NotebookSource:
    """A submission sent with a notebook's name: the notebook itself, or its extracted code."""
    if text.lstrip().startswith("{"):
        return read_notebook(text, filename)
    if looks_extracted(text):
        return parse_extracted(text, filename)
    raise NotebookError(
        f"{filename} is neither a notebook nor code extracted from one.",
        f"{filename} はノートブックでも、ノートブックから取り出したコードでもありません。",
    )


def _statement_cells(markdown: str) -> list[str]:
    """The statement split at its level-2 headings, one Markdown cell per section."""
    sections: list[list[str]] = [[]]
    for line in markdown.strip().split("\n"):
        if line.startswith("## ") and any(s.strip() for s in sections[-1]):
            sections.append([])
        sections[-1].append(line)
    return ["\n".join(s).strip() for s in sections if "\n".join(s).strip()]


HOW_TO = {
    "en": "**Your answer.** Write it in the code cell below. To grade it, upload this notebook "
    "(`.ipynb`) on the exercise's page in Kadai, or run `kadai grade --exercise {id} "
    "notebook.ipynb`. Code cells run in order as `{file}`; IPython commands such as "
    "`%matplotlib inline` or `!pip install` are skipped when grading.",
    "ja": "**解答欄** 下のコードセルに解答を書いてください。採点するには、このノートブック"
    "(`.ipynb`)を Kadai の演習ページでアップロードするか、`kadai grade --exercise {id} "
    "notebook.ipynb` を実行します。コードセルは上から順に `{file}` として実行されます。"
    "`%matplotlib inline` や `!pip install` などの IPython のコマンドは採点時には実行されません。",
}


def starter_notebook(package: Any, lang: str) -> str:
    """The exercise's statement (in ``lang``) and starter code as an nbformat 4 notebook."""
    lang = lang if lang in HOW_TO else "en"
    title = getattr(package.meta.title, lang)
    cells = [nbformat.v4.new_markdown_cell(f"# {title}")]
    statement = package.statements[lang]
    if statement.lstrip().startswith("# "):  # the statement's own title is the cell above
        statement = statement.lstrip().split("\n", 1)[1] if "\n" in statement.lstrip() else ""
    cells += [nbformat.v4.new_markdown_cell(text) for text in _statement_cells(statement)]
    how_to = HOW_TO[lang].format(id=package.id, file=package.meta.submission_file)
    cells.append(nbformat.v4.new_markdown_cell(how_to))
    cells.append(nbformat.v4.new_code_cell(package.starter.rstrip("\n")))
    notebook = nbformat.v4.new_notebook(
        cells=cells,
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
            "kadai": {"exercise": package.id, "version": package.version, "lang": lang},
        },
    )
    nbformat.validate(notebook)
    return json.dumps(notebook, ensure_ascii=False, indent=1) + "\n"
