"""The pytest plugin of the trusted test runner: markers, fixtures, and one verdict per hidden test.

Markers: ``points(n)``, ``visibility("visible"|"after_due_date"|"hidden")`` and
``title(en=..., ja=...)``. Fixtures: ``submission`` (the loaded submission, see ``client``),
``rng`` (a numpy generator seeded per test), ``grading`` (seed and the student's working directory).
"""

from __future__ import annotations

import traceback
import zlib
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import pytest

from grader.contract import VISIBILITIES, TestResult, Text
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
    return Text(
        en=f"Your program stopped before answering{detail}. Does it call exit() or crash?",
        ja=f"プログラムが応答前に終了しました{detail}。exit() の呼び出しやクラッシュがないか確認してください。",
    )


def error_message(error: SubmissionError) -> Text:
    kind, message = error.info.get("type", "Error"), error.info.get("message", "")
    trace = error.info.get("traceback", "").strip()
    tail = f"\n\n{trace}" if trace else ""
    if error.info.get("missing"):
        name = error.info["missing"]
        return Text(
            en=f"Your code does not define `{name}`.{tail}",
            ja=f"`{name}` が定義されていません。{tail}",
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
        self.order: list[str] = []
        self.log: list[str] = []
        self.lost_reasons: set[str] = set()
        self.on_result: Callable[[dict[str, Any]], None] = lambda result: None

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

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        self.order = [item.nodeid for item in items]

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[Any]) -> Any:
        outcome = yield
        report = outcome.get_result()
        done = report.when == "call" or (report.when == "setup" and not report.passed)
        if not done or item.nodeid in self.results:
            return
        passed = report.passed
        output = Text(en="", ja="")
        if not passed:
            output = self.explain(item, call.excinfo)
        self.results[item.nodeid] = self.result(item, passed, output)
        self.on_result(asdict(self.results[item.nodeid]))

    def explain(self, item: pytest.Item, excinfo: Any) -> Text:
        error = excinfo.value if excinfo else None
        if isinstance(error, Failed):
            return error.text
        if isinstance(error, SubmissionError):
            return error_message(error)
        if isinstance(error, WorkerLost):
            self.lost_reasons.add(error.reason)
            return lost_message(error, self.info)
        if excinfo is not None and excinfo.typename == "Skipped":
            return Text(en="This check did not run.", ja="このチェックは実行されませんでした。")
        detail = "".join(traceback.format_exception(excinfo.value)) if excinfo else "no exception"
        self.log.append(f"internal error in {item.nodeid}:\n{detail}")
        return Text(
            en="This check could not run because of a problem in the grader, not in your code. "
            "Your instructor can see the details.",
            ja="採点側の問題でこのチェックを実行できませんでした(あなたのコードの問題ではありません)。",
        )

    def result(self, item: pytest.Item, passed: bool, output: Text) -> TestResult:
        points = float(_marker_arg(item, "points", 1))
        visibility = _marker_arg(item, "visibility", "visible")
        if visibility not in VISIBILITIES:
            self.log.append(f"{item.nodeid}: unknown visibility {visibility!r}, using hidden")
            visibility = "hidden"
        title_marker = item.get_closest_marker("title")
        title = Text.of(title_marker.kwargs) if title_marker else Text.of(item.name)
        return TestResult(
            name=item.nodeid,
            title=title,
            score=points if passed else 0.0,
            max_score=points,
            status="passed" if passed else "failed",
            output=output,
            visibility=visibility,
            number=self.order.index(item.nodeid) + 1 if item.nodeid in self.order else 0,
        )


def _marker_arg(item: pytest.Item, name: str, default: Any) -> Any:
    marker = item.get_closest_marker(name)
    return marker.args[0] if marker and marker.args else default
