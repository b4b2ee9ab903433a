"""Charts and tables that hidden tests attach to their verdict, or to the whole result.

Runs in the trusted test runner only. The board lives in this process's memory and reaches the
supervisor over the runner's own control channel, so nothing the submission's process does (what
it prints, writes, or patches in its own copy of this module) can add to it. What a test puts on
it is the test's responsibility: build artifacts from values this side computed or checked, never
from a string the submission returned.

A test attaches *before* its checks: a failing check ends the test, and a failure is where a
curve teaches most. An artifact meant for the whole result is shown to everyone who sees the
result, so one attached while a test that is not ``visible`` runs stays on that test instead,
under its visibility.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from grader.artifacts import MAX_CHARTS, MAX_TABLES, Chart, Table
from grader.contract import Visibility


class Board:
    """What the tests of one grading attached: per test (by node id) and for the whole result."""

    def __init__(self) -> None:
        self.current: str | None = None
        self.visibility: Visibility = "hidden"
        self.tests: dict[str, dict[str, list[Any]]] = {}
        self.result: dict[str, list[Any]] = {"charts": [], "tables": []}
        self.log: list[str] = []

    def begin(self, test: str, visibility: Visibility) -> None:
        self.current, self.visibility = test, visibility

    def end(self) -> None:
        self.current, self.visibility = None, "hidden"

    def add(self, kind: str, artifact: Chart | Table, whole_result: bool) -> None:
        expected = Chart if kind == "charts" else Table
        if not isinstance(artifact, expected):
            raise TypeError(f"attach_{kind[:-1]} takes a {expected.__name__}, not {artifact!r}")
        if whole_result and (self.current is None or self.visibility == "visible"):
            target = self.result
        elif self.current is not None:
            if whole_result:
                self.log.append(
                    f"{self.current}: a {kind[:-1]} for the whole result stays on this "
                    f"{self.visibility} test"
                )
            target = self.tests.setdefault(self.current, {"charts": [], "tables": []})
        else:
            self.log.append(f"a {kind[:-1]} attached outside any test was dropped")
            return
        limit = MAX_CHARTS if kind == "charts" else MAX_TABLES
        if len(target[kind]) >= limit:
            self.log.append(f"{self.current or 'result'}: more than {limit} {kind}; extra dropped")
            return
        target[kind].append(artifact)

    def for_test(self, test: str) -> tuple[tuple[Chart, ...], tuple[Table, ...]]:
        held = self.tests.get(test, {"charts": [], "tables": []})
        return tuple(held["charts"]), tuple(held["tables"])

    def for_result(self) -> dict[str, list[dict[str, Any]]]:
        """The whole result's artifacts, serialised for the control channel."""
        return {kind: [asdict(a) for a in items] for kind, items in self.result.items()}


_board = Board()


def board() -> Board:
    """The board of the grading this runner process serves (one grading per process)."""
    return _board


def reset() -> Board:
    """A fresh board, for a runner process that serves a new grading (and for tests)."""
    global _board
    _board = Board()
    return _board


def attach_chart(chart: Chart, *, whole_result: bool = False) -> None:
    """Shows ``chart`` with the verdict of the test now running (or on the whole result)."""
    _board.add("charts", chart, whole_result)


def attach_table(table: Table, *, whole_result: bool = False) -> None:
    """Shows ``table`` with the verdict of the test now running (or on the whole result)."""
    _board.add("tables", table, whole_result)
