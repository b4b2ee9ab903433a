"""The versioned contract between whoever asks for a grading and the sandbox: job in, result out.

This module is copied into the sandbox image and must stay stdlib-only. Everything that crosses
the container boundary is one of these frozen dataclasses, serialised as JSON.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any, Literal

from grader.artifacts import MAX_CHARTS, MAX_TABLES, Chart, Table, charts_from, tables_from

# 2: tests carry the output printed while they ran; output held back at a stricter visibility;
# (still 2: optional fields) where the submission's own error arose, reported once; charts and
# tables on a test or on the whole result (grader/artifacts.py).
# Results stored under version 1 still load: every field added since has a default.
CONTRACT_VERSION = 2

GradingStatus = Literal["graded", "error"]
# Why a grading ended the way it did; "ok" means every test ran to its verdict.
Outcome = Literal["ok", "timeout", "memory", "crash", "output_limit", "infrastructure", "rejected"]
# "withheld" appears only in a student view, for a test whose details are not shown yet.
TestStatus = Literal["passed", "failed", "withheld"]
Visibility = Literal["visible", "after_due_date", "hidden"]
VISIBILITIES: tuple[Visibility, ...] = ("visible", "after_due_date", "hidden")

# Caps on what a learner can be shown; the submission chooses exception names, messages and
# output, so every such string is bounded here, where the trusted side builds the result.
TEST_OUTPUT_CHARS = 4000
TITLE_CHARS = 300
NAME_CHARS = 500
STUDENT_VIEW_BYTES = 256 * 1024
# The whole result as the sandbox prints it; the host reads it back from a log of 8 MB, where
# escaping can make it several times larger.
RESULT_FRAME_BYTES = 1024 * 1024

# Framing between the host and a sandbox's supervisor: a job on stdin after its header line, the
# result on stdout between markers that carry the job's nonce, and (``reuse`` mode) whether the
# sandbox is clean and waits for another job or retires.
JOB_HEADER = "KADAI-JOB"
RESULT_BEGIN = "KADAI-RESULT"
RESULT_END = "KADAI-END"
READY = "KADAI-READY"
RETIRE = "KADAI-RETIRE"

# Lone surrogates cannot be encoded as UTF-8, and NUL cannot be stored in a PostgreSQL text column.
_UNSAFE_CHARS = re.compile("[\x00\ud800-\udfff]")


def clean(text: Any) -> str:
    """``text`` as a string that survives UTF-8 and any database: unsafe characters become U+FFFD."""
    # str.__str__ turns a str subclass into a plain str without calling any of its methods.
    text = str.__str__(text) if isinstance(text, str) else str(text)
    return _UNSAFE_CHARS.sub("\ufffd", text)


def clip(text: str, limit: int) -> str:
    """At most ``limit`` characters; a cut text says how much it lost. ``clip(clip(t)) == clip(t)``."""
    if len(text) <= limit:
        return text
    note = f"\n[… {len(text)} characters, cut]"
    keep = max(0, limit - len(note))
    return (text[:keep] + note)[:limit]


def _fields(cls: type, data: dict[str, Any]) -> dict[str, Any]:
    """Only the keys ``cls`` knows: a result written by a newer contract still loads."""
    known = {f.name for f in fields(cls)}
    return {k: v for k, v in data.items() if k in known}


@dataclass(frozen=True)
class Text:
    """A message in both UI languages."""

    en: str
    ja: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "en", clean(self.en))
        object.__setattr__(self, "ja", clean(self.ja))

    @classmethod
    def of(cls, data: Any) -> Text:
        if isinstance(data, Text):
            return data
        if isinstance(data, str):
            return cls(en=data, ja=data)
        if not isinstance(data, dict):
            return cls(en=clean(data), ja=clean(data))
        return cls(en=clean(data.get("en", "")), ja=clean(data.get("ja", data.get("en", ""))))

    def clipped(self, limit: int) -> Text:
        return Text(en=clip(self.en, limit), ja=clip(self.ja, limit))


@dataclass(frozen=True)
class Limits:
    """Resource limits for one grading; defaults are the safe ones used when an exercise is silent."""

    time_s: float = 60.0
    memory_mb: int = 2048
    cpus: float = 1.0
    pids: int = 256
    disk_mb: int = 64
    output_bytes: int = 65536
    gpu: Literal["none", "optional", "required"] = "none"


@dataclass(frozen=True)
class GradingJob:
    """Everything the sandbox needs to grade one submission; no secret ever goes in here."""

    job_id: str
    exercise_id: str
    exercise_version: str
    submission_filename: str
    submission_source: str
    run_as: Literal["module", "script"]
    tests: dict[str, str]
    limits: Limits = field(default_factory=Limits)
    frameworks: tuple[str, ...] = ()
    seed: int = 0
    contract_version: int = CONTRACT_VERSION

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> GradingJob:
        data = json.loads(text)
        if int(data.get("contract_version", 1)) > CONTRACT_VERSION:
            raise ValueError(f"job of contract {data['contract_version']} > {CONTRACT_VERSION}")
        data["limits"] = Limits(**data.get("limits", {}))
        data["frameworks"] = tuple(data.get("frameworks", ()))
        return cls(**data)


@dataclass(frozen=True)
class CodeError:
    """Where an exception of the submission's own code arose: its type, the line of the
    submission (1-based; 0 when unknown), the function it was in (``<module>`` while loading),
    and whether the submission failed while loading, so no check could look at it."""

    type: str
    line: int = 0
    function: str = ""
    at_load: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "type", clip(clean(self.type), 200))
        object.__setattr__(self, "function", clip(clean(self.function), 200))
        line = self.line if isinstance(self.line, int) and not isinstance(self.line, bool) else 0
        object.__setattr__(self, "line", max(0, min(line, 10_000_000)))
        object.__setattr__(self, "at_load", self.at_load is True)

    @classmethod
    def from_dict(cls, data: Any) -> CodeError | None:
        if not isinstance(data, dict):
            return None
        return cls(**_fields(cls, data))


def _keep_artifacts(owner: Any) -> None:
    """At most ``MAX_CHARTS`` charts and ``MAX_TABLES`` tables, each of its own type."""
    charts = owner.charts if isinstance(owner.charts, (list, tuple)) else ()
    tables = owner.tables if isinstance(owner.tables, (list, tuple)) else ()
    charts = tuple(c for c in charts if isinstance(c, Chart))[:MAX_CHARTS]
    object.__setattr__(owner, "charts", charts)
    object.__setattr__(
        owner, "tables", tuple(t for t in tables if isinstance(t, Table))[:MAX_TABLES]
    )


@dataclass(frozen=True)
class TestResult:
    """One hidden test's verdict, close to a Gradescope ``tests[]`` entry, with what the submission
    printed while the test ran (shown under the test's own visibility)."""

    __test__ = False  # not a pytest test class, despite the name

    name: str
    title: Text
    score: float | None
    max_score: float
    status: TestStatus
    output: Text
    visibility: Visibility = "visible"
    number: int = 0
    stdout: str = ""
    stderr: str = ""
    # Set when the test failed because the submission's code raised (see ``CodeError``).
    error: CodeError | None = None
    # Shown under the test's visibility, like its message.
    charts: tuple[Chart, ...] = ()
    tables: tuple[Table, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", clip(clean(self.name), NAME_CHARS))
        object.__setattr__(self, "title", Text.of(self.title).clipped(TITLE_CHARS))
        object.__setattr__(self, "output", Text.of(self.output).clipped(TEST_OUTPUT_CHARS))
        object.__setattr__(self, "stdout", clean(self.stdout))
        object.__setattr__(self, "stderr", clean(self.stderr))
        _keep_artifacts(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TestResult:
        return cls(
            **{
                **_fields(cls, data),
                "title": Text.of(data["title"]),
                "output": Text.of(data["output"]),
                "error": CodeError.from_dict(data.get("error")),
                "charts": charts_from(data.get("charts")),
                "tables": tables_from(data.get("tables")),
            }
        )

    def is_shown(self, *, after_due_date: bool) -> bool:
        return self.visibility == "visible" or (
            self.visibility == "after_due_date" and after_due_date
        )


@dataclass(frozen=True)
class HeldOutput:
    """What the submission printed outside any test once a stricter test had begun: the worker
    outlives tests and could print later what a hidden test gave it, so this keeps that
    visibility."""

    visibility: Visibility
    stdout: str = ""
    stderr: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "stdout", clean(self.stdout))
        object.__setattr__(self, "stderr", clean(self.stderr))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> HeldOutput:
        return cls(**_fields(cls, data))


@dataclass(frozen=True)
class GradingResult:
    """One grading's outcome, close to Gradescope's ``results.json``."""

    status: GradingStatus
    outcome: Outcome
    score: float
    max_score: float
    execution_time: float
    tests: tuple[TestResult, ...] = ()
    message: Text = field(default_factory=lambda: Text("", ""))
    stdout: str = ""
    stderr: str = ""
    output_truncated: bool = False
    seed: int = 0
    exercise_id: str = ""
    exercise_version: str = ""
    grader_log: str = ""
    # Output printed outside tests after a test that is not visible began (see ``HeldOutput``).
    held_output: tuple[HeldOutput, ...] = ()
    # The error of the submission's code that ``message`` reports once for the tests it failed:
    # code that did not load, or the same exception in several checks.
    code_error: CodeError | None = None
    # About the whole submission, shown to everyone who sees the result.
    charts: tuple[Chart, ...] = ()
    tables: tuple[Table, ...] = ()
    contract_version: int = CONTRACT_VERSION

    def __post_init__(self) -> None:
        for name in ("stdout", "stderr", "grader_log", "exercise_id", "exercise_version"):
            object.__setattr__(self, name, clean(getattr(self, name)))
        _keep_artifacts(self)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, **kwargs)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GradingResult:
        """Reads results of every contract version so far; fields added later take defaults."""
        return cls(
            **{
                **_fields(cls, data),
                "tests": tuple(TestResult.from_dict(t) for t in data.get("tests", ())),
                "held_output": tuple(HeldOutput.from_dict(h) for h in data.get("held_output", ())),
                "message": Text.of(data.get("message", "")),
                "code_error": CodeError.from_dict(data.get("code_error")),
                "charts": charts_from(data.get("charts")),
                "tables": tables_from(data.get("tables")),
            }
        )

    @classmethod
    def failure(
        cls,
        *,
        status: GradingStatus,
        outcome: Outcome,
        message: Text,
        max_score: float,
        execution_time: float = 0.0,
        **extra: Any,
    ) -> GradingResult:
        """A zero-score result for a grading that produced no test verdicts."""
        return cls(
            status=status,
            outcome=outcome,
            score=0.0,
            max_score=max_score,
            execution_time=execution_time,
            message=message,
            **extra,
        )

    def student_view(self, *, after_due_date: bool = False) -> GradingResult:
        """What a student may see: withheld tests keep their points in the total, not their details
        nor what the submission printed while they ran; at most ``STUDENT_VIEW_BYTES``."""

        def shown(test: TestResult) -> TestResult:
            if test.is_shown(after_due_date=after_due_date):
                return test
            hidden = Text(en="Hidden test.", ja="非公開のテストです。")
            return replace(
                test,
                name=f"hidden-{test.number}",
                title=hidden,
                output=Text("", ""),
                status="withheld",
                score=None,
                stdout="",
                stderr="",
                error=None,
                charts=(),
                tables=(),
            )

        opened = tuple(
            held
            for held in self.held_output
            if held.visibility == "visible"
            or (held.visibility == "after_due_date" and after_due_date)
        )
        view = replace(
            self, tests=tuple(shown(t) for t in self.tests), held_output=opened, grader_log=""
        )
        return fit(view, STUDENT_VIEW_BYTES)


def _size(result: GradingResult) -> int:
    return len(result.to_json().encode("utf-8", "replace"))


def _json_bytes(text: str) -> int:
    return len(json.dumps(text, ensure_ascii=False).encode("utf-8", "replace"))


def fit(result: GradingResult, max_bytes: int) -> GradingResult:
    """``result`` with texts cut until its JSON takes at most ``max_bytes`` (as long as cutting
    texts can get it there: titles and names are capped already).

    The strictest texts are cut first (the grader log, then hidden, then after-due-date output
    and messages), so how much of what a learner sees survives says nothing about what they
    may not see; within one visibility, the longest first.
    """
    for _ in range(4):
        excess = _size(result) - max_bytes
        if excess <= 0:
            return result
        result = _cut(result, excess)
    return _drop_artifacts(result, max_bytes)


def _drop_artifacts(result: GradingResult, max_bytes: int) -> GradingResult:
    """Charts and tables go, the strictest tests' first, while the result is still too large:
    they are illustrations, and the verdicts and messages must survive."""
    rank = {visibility: rank for rank, visibility in enumerate(VISIBILITIES)}
    order = sorted(range(len(result.tests)), key=lambda i: -rank[result.tests[i].visibility])
    tests = list(result.tests)
    for index in order:
        if _size(result) <= max_bytes:
            return result
        if tests[index].charts or tests[index].tables:
            tests[index] = replace(tests[index], charts=(), tables=())
            result = replace(result, tests=tuple(tests))
    if _size(result) > max_bytes:
        result = replace(result, charts=(), tables=())
    return result


def _cut(result: GradingResult, excess: int) -> GradingResult:
    rank = {visibility: rank for rank, visibility in enumerate(VISIBILITIES)}
    data = result.to_dict()
    slots: list[tuple[int, dict[str, Any], str]] = [(len(VISIBILITIES), data, "grader_log")]
    slots += [(0, data, "stdout"), (0, data, "stderr")]
    slots += [(0, data["message"], "en"), (0, data["message"], "ja")]
    for held in data["held_output"]:
        slots += [(rank[held["visibility"]], held, key) for key in ("stdout", "stderr")]
    for test in data["tests"]:
        level = rank[test["visibility"]]
        slots += [(level, test, "stdout"), (level, test, "stderr")]
        slots += [(level, test["output"], "en"), (level, test["output"], "ja")]
    slots.sort(key=lambda slot: (-slot[0], -len(slot[1][slot[2]])))
    for _, owner, key in slots:
        text = owner[key]
        if excess <= 0:
            break
        if len(text) <= 64:
            continue
        # A character takes at least one byte of JSON: cutting ``excess`` characters (and room
        # for the note) from a long enough text is enough.
        owner[key] = clip(text, max(64, len(text) - excess - 64))
        excess -= _json_bytes(text) - _json_bytes(owner[key])
    return GradingResult.from_dict(data)
