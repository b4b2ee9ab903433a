"""The one result of a grading: the runner's verdicts, completed for tests that never got one, and
an outcome decided by how the grading ended. Pure (no processes), so every ending is unit-tested.

Who is blamed: ``infrastructure`` (which the platform retries) only when no job ever reached the
sandbox, something no submission can cause, since none has run yet. Everything the submission can
bring about (a dead, silent, lying or greedy worker; a runner killed by the memory limit it shares
with the submission; the time running out) is graded, with the tests it affected failed. A failure
of the trusted side itself after the job arrived is an ``error``, never retried and never scored.
"""

from __future__ import annotations

from dataclasses import asdict, replace
from typing import Any, Literal

from grader.artifacts import charts_from, tables_from
from grader.contract import (
    CodeError,
    GradingJob,
    GradingResult,
    GradingStatus,
    Outcome,
    TestResult,
    Text,
)
from grader.harness.output import OutputRouter

# How the grading ended: the runner reported "done"; the deadline passed; the runner was killed
# by the memory limit; the runner died otherwise; the supervisor itself failed.
Ending = Literal["done", "timeout", "memory", "crash", "supervisor"]
# pytest's exit codes for "tests ran" (1: some failed) and "nothing to run".
PYTEST_RAN = (0, 1)

NOT_RUN: dict[str, Text] = {
    "done": Text(en="This check did not run.", ja="このチェックは実行されませんでした。"),
    "timeout": Text(
        en="Time limit exceeded before this check could finish.",
        ja="制限時間を超えたため、このチェックは完了しませんでした。",
    ),
    "memory": Text(
        en="Memory limit exceeded before this check could finish.",
        ja="メモリ制限を超えたため、このチェックは完了しませんでした。",
    ),
    "crash": Text(
        en="This check did not run because the grader stopped unexpectedly; this is not your fault.",
        ja="採点プログラムが予期せず停止したため、このチェックは実行されませんでした(あなたのコードの問題ではありません)。",
    ),
}
NOT_RUN["supervisor"] = NOT_RUN["crash"]


def compose(
    *,
    job: GradingJob | None,
    collected: dict[str, dict[str, Any]],
    reported: dict[str, dict[str, Any]],
    lost: set[str],
    ending: Ending,
    pytest_exit: int | None,
    output: OutputRouter,
    grader_log: str,
    artifacts: Any = None,
) -> GradingResult:
    """``collected``: each test as the runner announced it before running any; ``reported``:
    the verdicts it sent. A collected test without a verdict fails with the reason it got none.
    ``artifacts``: the charts and tables the runner's tests attached to the whole result."""
    artifacts = artifacts if isinstance(artifacts, dict) else {}
    tests = []
    for name in [*collected, *(n for n in reported if n not in collected)]:
        data = reported.get(name) or {**collected[name], "output": asdict(NOT_RUN[ending])}
        stdout, stderr = output.test_output(name)
        tests.append(TestResult.from_dict({**data, "stdout": stdout, "stderr": stderr}))
    tests.sort(key=lambda t: t.number)
    status, outcome, message = decide(job, ending, lost, pytest_exit, bool(tests))
    tests, code_error, error_text = report_code_error_once(tests)
    if error_text is not None:
        message = (
            error_text
            if not message.en
            else Text(en=f"{error_text.en}\n\n{message.en}", ja=f"{error_text.ja}\n\n{message.ja}")
        )
    return GradingResult(
        status=status,
        outcome=outcome,
        score=sum(t.score or 0.0 for t in tests),
        max_score=sum(t.max_score for t in tests),
        execution_time=0.0,
        tests=tuple(tests),
        message=message,
        stdout=output.general.text("stdout"),
        stderr=output.general.text("stderr"),
        output_truncated=output.visible_truncated,
        held_output=output.held_output(),
        seed=job.seed if job else 0,
        exercise_id=job.exercise_id if job else "",
        exercise_version=job.exercise_version if job else "",
        grader_log=grader_log,
        code_error=code_error,
        charts=charts_from(artifacts.get("charts")),
        tables=tables_from(artifacts.get("tables")),
    )


def report_code_error_once(
    tests: list[TestResult],
) -> tuple[list[TestResult], CodeError | None, Text | None]:
    """Code that did not load fails every check with the same report, and so can one exception
    that several checks run into: that report is said once, at the top, and each check it failed
    points there. Only a report a learner may already see is lifted (one from loading, which no
    check's input shaped, or one a visible check got), so the top says nothing a hidden check
    would not."""
    failing = [t for t in tests if t.error is not None and t.status == "failed"]
    chosen = next((t for t in failing if t.error and t.error.at_load), None)
    if chosen is None:
        for test in failing:
            same = [t for t in failing if t.output == test.output]
            if test.visibility == "visible" and len(same) > 1:
                chosen = test
                break
    if chosen is None:
        return tests, None, None
    note = NOT_LOADED if chosen.error and chosen.error.at_load else SAME_ERROR
    pointed = [
        replace(t, output=note)
        if t.error is not None
        and (t.output == chosen.output or (t.error.at_load and note is NOT_LOADED))
        else t
        for t in tests
    ]
    return pointed, chosen.error, chosen.output


NOT_LOADED = Text(
    en="Not checked: your code did not run (see the error at the top).",
    ja="未チェック:コードを実行できませんでした(上部のエラーを参照)。",
)
SAME_ERROR = Text(
    en="Failed with the error shown at the top.",
    ja="上部に示したエラーで失敗しました。",
)


def decide(
    job: GradingJob | None, ending: Ending, lost: set[str], pytest_exit: int | None, tests: bool
) -> tuple[GradingStatus, Outcome, Text]:
    if job is None:
        return "error", "infrastructure", HOST_FAILED
    if ending == "supervisor":
        return "error", "crash", GRADER_FAILED
    if ending == "timeout":
        return ("graded", *summarise(lost, timed_out=True))
    if ending == "memory":
        return "graded", "memory", MEMORY
    if ending == "crash":
        return "error", "crash", RUNNER_FAILED
    if not tests or pytest_exit not in PYTEST_RAN:
        return "error", "crash", EXERCISE_BROKEN
    return ("graded", *summarise(lost, timed_out=False))


def summarise(lost: set[str], timed_out: bool) -> tuple[Outcome, Text]:
    if timed_out or "timeout" in lost:
        return "timeout", Text(
            en="Time limit exceeded: some checks could not finish.",
            ja="制限時間を超えたため、一部のチェックが完了しませんでした。",
        )
    if "memory" in lost:
        return "memory", MEMORY
    if lost & {"exited", "crash", "malformed"}:
        return "crash", Text(
            en="Your program stopped unexpectedly during grading.",
            ja="採点中にプログラムが予期せず終了しました。",
        )
    return "ok", Text(en="", ja="")


MEMORY = Text(
    en="Memory limit exceeded: your program was stopped.",
    ja="メモリ制限を超えたため、プログラムが停止されました。",
)
HOST_FAILED = Text(
    en="The sandbox failed before the grading began; this is not your fault.",
    ja="採点の開始前にサンドボックスが失敗しました(あなたのコードの問題ではありません)。",
)
GRADER_FAILED = Text(
    en="The grader failed unexpectedly; this is not your fault. Your instructor can see the details.",
    ja="採点プログラムが予期せず失敗しました(あなたのコードの問題ではありません)。詳細は教員が確認できます。",
)
RUNNER_FAILED = Text(
    en="The grader's test runner stopped unexpectedly; this is not your fault.",
    ja="採点プログラムが予期せず停止しました(あなたのコードの問題ではありません)。",
)
EXERCISE_BROKEN = Text(
    en="The hidden tests could not be collected or run; the exercise needs fixing.",
    ja="非公開テストを読み込めないか実行できませんでした。課題の修正が必要です。",
)
