"""The pytest plugin of the trusted test runner: markers, fixtures, and one verdict per hidden test.

Markers: ``points(n)``, ``visibility("visible"|"after_due_date"|"hidden")`` and
``title(en=..., ja=...)``. Fixtures: ``submission`` (the loaded submission, see ``client``),
``rng`` (a numpy generator seeded per test), ``grading`` (seed and the student's working directory).
Charts and tables a test attaches (``grader.harness.attach``) go with its verdict.

Tests run visible → after_due_date → hidden (stable within each group; numbers keep the collection
order), the submission is loaded before the first test, and each test's beginning and end are
announced, so the supervisor can hold what the submission prints at the visibility of the test
it was printed during (see ``output``).
"""

from __future__ import annotations

import ast
import re
import traceback
import zlib
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import pytest

from grader.contract import VISIBILITIES, CodeError, TestResult, Text, Visibility
from grader.harness import attach
from grader.harness.client import Submission, SubmissionError, WorkerLost
from grader.harness.feedback import Failed


@dataclass(frozen=True)
class GradingInfo:
    """What a hidden test may know of the grading; ``source`` is the job's own copy of the
    submission (trusted), not anything the submission's process reports."""

    seed: int
    student_dir: str
    time_s: float
    memory_mb: int
    source: str = ""


def lost_message(lost: WorkerLost, info: GradingInfo) -> Text:
    if lost.reason == "timeout":
        return Text(
            en=f"Time limit exceeded: the grading's {info.time_s:g} s ran out before your code "
            "answered (an endless loop, or far too much work?).",
            ja=f"制限時間({info.time_s:g} 秒)を超えました。無限ループや重すぎる処理がないか確認してください。",
        )
    if lost.reason == "memory":
        return Text(
            en=f"Memory limit exceeded: your program used more than {info.memory_mb} MB and was "
            "stopped.",
            ja=f"メモリ制限({info.memory_mb} MB)を超えたため、プログラムが停止されました。",
        )
    detail = f" ({lost.detail})" if lost.detail else ""
    if lost.reason == "malformed":
        return Text(
            en=f"Your program answered something the grader cannot read{detail}, and was stopped. "
            "Does it change how the grading process works?",
            ja=f"プログラムの応答を採点側で読み取れなかったため、停止しました{detail}。"
            "採点用のプロセスの動作を変更していないか確認してください。",
        )
    return Text(
        en=f"Your program stopped before answering{detail}. Does it call exit() or crash?",
        ja=f"プログラムが応答前に終了しました{detail}。exit() の呼び出しやクラッシュがないか確認してください。",
    )


# A frame line of a Python traceback; the worker sends only the submission's own frames, and a
# SyntaxError's report has the same line without the function.
_FRAME = re.compile(r'File "[^"\n]*", line (\d+)(?:, in ([^\n]+))?')


def locate(error: SubmissionError, source: str = "") -> CodeError:
    """Where in the submission ``error`` arose: the innermost frame of its traceback (text the
    submission's process wrote, so the line is kept within the trusted ``source``), and the
    qualified name of the function there (``Model.forward``), read from ``source`` when it parses."""
    frames = _FRAME.findall(error.info.get("traceback", ""))
    line, function = (int(frames[-1][0]), frames[-1][1].strip()) if frames else (0, "")
    lines = source.count("\n") + 1 if source else 0
    if lines and not 0 < line <= lines:
        line = 0
    if line and function not in ("", "<module>"):
        function = qualified_name(source, line) or function
    return CodeError(
        type=error.info.get("type", "Error"),
        line=line,
        function=function,
        at_load=error.at_load,
    )


def qualified_name(source: str, line: int) -> str:
    """The dotted name of the innermost function of ``source`` holding ``line``, or ``""``."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return ""
    best = ""

    def visit(node: ast.AST, prefix: str) -> None:
        nonlocal best
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{prefix}{child.name}"
                end = child.end_lineno or child.lineno
                if child.lineno <= line <= end:
                    if not isinstance(child, ast.ClassDef):
                        best = name
                    visit(child, f"{name}.")

    try:
        visit(tree, "")
    except RecursionError:
        return ""
    return best


def error_message(error: SubmissionError, where: CodeError | None = None) -> Text:
    kind, message = error.info.get("type", "Error"), error.info.get("message", "")
    trace = error.info.get("traceback", "").strip()
    # The traceback ends with the exception's own line, which the message says already.
    last = trace.rpartition("\n")[2].strip()
    if last.split(":", 1)[0].strip() == kind:
        trace = trace.rpartition("\n")[0].rstrip()
    tail = f"\n\n{trace}" if trace else ""
    if error.info.get("missing"):
        name = error.info["missing"]
        return Text(
            en=f"Your code does not define `{name}`.{tail}",
            ja=f"`{name}` が定義されていません。{tail}",
        )
    function = where.function if where else ""
    if kind == "NotImplementedError" and not message.strip() and function not in ("", "<module>"):
        # The starter's placeholder: say which part is still to be written.
        at = f" (line {where.line})" if where and where.line else ""
        at_ja = f"({where.line} 行目)" if where and where.line else ""
        return Text(
            en=f"`{function}` is not implemented yet: it still raises NotImplementedError{at}. "
            f"Replace the `raise NotImplementedError` with your code.{tail}",
            ja=f"`{function}` がまだ実装されていません{at_ja}。"
            f"`raise NotImplementedError` をあなたのコードに置き換えてください。{tail}",
        )
    return Text(
        en=f"Your code raised {kind}: {message}{tail}",
        ja=f"コードの実行中に {kind} が発生しました: {message}{tail}",
    )


class KadaiPlugin:
    """Collects one ``TestResult`` per hidden test, in collection order."""

    def __init__(self, submission: Submission, info: GradingInfo) -> None:
        self._submission = submission
        self.info = info
        self.results: dict[str, TestResult] = {}
        self.numbers: dict[str, int] = {}
        self.log: list[str] = []
        self.lost_reasons: set[str] = set()
        self.board = attach.reset()
        self.on_result: Callable[[dict[str, Any]], None] = lambda result: None
        self.on_collected: Callable[[list[dict[str, Any]]], None] = lambda tests: None
        self.on_begin: Callable[[str, Visibility], None] = lambda name, visibility: None
        self.on_end: Callable[[str], None] = lambda name: None

    def pytest_configure(self, config: pytest.Config) -> None:
        config.addinivalue_line("markers", "points(n): points this test is worth")
        config.addinivalue_line("markers", "visibility(v): visible, after_due_date or hidden")
        config.addinivalue_line("markers", "title(en, ja): the check's name for learners")

    @pytest.fixture(scope="session")
    def submission(self) -> Submission:
        return self._submission

    @pytest.fixture(scope="session")
    def grading(self) -> GradingInfo:
        return self.info

    @pytest.fixture
    def rng(self, request: pytest.FixtureRequest) -> Any:
        import numpy as np

        return np.random.default_rng([self.info.seed, zlib.crc32(request.node.name.encode())])

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        self.numbers = {item.nodeid: number for number, item in enumerate(items, start=1)}
        for item in items:
            if _marker_arg(item, "visibility", "visible") not in VISIBILITIES:
                self.log.append(f"{item.nodeid}: unknown visibility, using hidden")
        rank = {visibility: rank for rank, visibility in enumerate(VISIBILITIES)}
        items.sort(key=lambda item: rank[self.visibility(item)])
        not_run = Text(en="This check did not run.", ja="このチェックは実行されませんでした。")
        self.on_collected([asdict(self.result(item, False, not_run)) for item in items])

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtestloop(self, session: pytest.Session) -> Any:
        # Loaded before any test begins: what the module prints when imported is shown as output
        # outside tests, whatever the visibility of the first test.
        if session.items and not session.testsfailed:
            try:
                self._submission.preload()
            except WorkerLost as lost:
                self.lost_reasons.add(lost.reason)
            except Exception:  # noqa: BLE001 — the first test meets the same problem and says so
                self.log.append(f"loading the submission:\n{traceback.format_exc()}")
        yield

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item, nextitem: pytest.Item | None) -> Any:
        self.on_begin(item.nodeid, self.visibility(item))
        self.board.begin(item.nodeid, self.visibility(item))
        yield
        self.board.end()
        self.on_end(item.nodeid)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[Any]) -> Any:
        outcome = yield
        report = outcome.get_result()
        done = report.when == "call" or (report.when == "setup" and not report.passed)
        if not done or item.nodeid in self.results:
            return
        try:
            passed = report.passed
            output, error = Text(en="", ja=""), None
            if not passed:
                output, error = self.explain(item, call.excinfo), self.code_error(call.excinfo)
            self.results[item.nodeid] = self.result(item, passed, output, error)
            self.on_result(asdict(self.results[item.nodeid]))
        except Exception:  # noqa: BLE001 — the test keeps its "did not run" verdict
            self.log.append(f"reporting {item.nodeid}:\n{traceback.format_exc()}")

    def explain(self, item: pytest.Item, excinfo: Any) -> Text:
        error = excinfo.value if excinfo else None
        if isinstance(error, Failed):
            return error.text
        if isinstance(error, SubmissionError):
            return error_message(error, locate(error, self.info.source))
        if isinstance(error, WorkerLost):
            self.lost_reasons.add(error.reason)
            return lost_message(error, self.info)
        if excinfo is not None and excinfo.typename == "Skipped":
            return Text(en="This check did not run.", ja="このチェックは実行されませんでした。")
        detail = "".join(traceback.format_exception(excinfo.value)) if excinfo else "no exception"
        self.log.append(f"internal error in {item.nodeid}:\n{detail[-20000:]}")
        return Text(
            en="This check could not run because of a problem in the grader, not in your code. "
            "Your instructor can see the details.",
            ja="採点側の問題でこのチェックを実行できませんでした(あなたのコードの問題ではありません)。",
        )

    def code_error(self, excinfo: Any) -> CodeError | None:
        error = excinfo.value if excinfo else None
        return locate(error, self.info.source) if isinstance(error, SubmissionError) else None

    def visibility(self, item: pytest.Item) -> Visibility:
        visibility = _marker_arg(item, "visibility", "visible")
        return visibility if visibility in VISIBILITIES else "hidden"

    def result(
        self, item: pytest.Item, passed: bool, output: Text, error: CodeError | None = None
    ) -> TestResult:
        points = float(_marker_arg(item, "points", 1))
        title_marker = item.get_closest_marker("title")
        title = Text.of(title_marker.kwargs) if title_marker else Text.of(item.name)
        charts, tables = self.board.for_test(item.nodeid)
        return TestResult(
            name=item.nodeid,
            title=title,
            score=points if passed else 0.0,
            max_score=points,
            status="passed" if passed else "failed",
            output=output,
            visibility=self.visibility(item),
            number=self.numbers.get(item.nodeid, 0),
            error=error,
            charts=charts,
            tables=tables,
        )


def _marker_arg(item: pytest.Item, name: str, default: Any) -> Any:
    marker = item.get_closest_marker(name)
    return marker.args[0] if marker and marker.args else default
