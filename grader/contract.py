"""The versioned contract between whoever asks for a grading and the sandbox: job in, result out.

This module is copied into the sandbox image and must stay stdlib-only. Everything that crosses
the container boundary is one of these frozen dataclasses, serialised as JSON.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

CONTRACT_VERSION = 1

GradingStatus = Literal["graded", "error"]
# Why a grading ended the way it did; "ok" means every test ran to its verdict.
Outcome = Literal["ok", "timeout", "memory", "crash", "output_limit", "infrastructure", "rejected"]
# "withheld" appears only in a student view, for a test whose details are not shown yet.
TestStatus = Literal["passed", "failed", "withheld"]
Visibility = Literal["visible", "after_due_date", "hidden"]
VISIBILITIES: tuple[Visibility, ...] = ("visible", "after_due_date", "hidden")


@dataclass(frozen=True)
class Text:
    """A message in both UI languages."""

    en: str
    ja: str

    @classmethod
    def of(cls, data: Any) -> Text:
        if isinstance(data, Text):
            return data
        if isinstance(data, str):
            return cls(en=data, ja=data)
        return cls(en=str(data.get("en", "")), ja=str(data.get("ja", data.get("en", ""))))


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
        data["limits"] = Limits(**data.get("limits", {}))
        data["frameworks"] = tuple(data.get("frameworks", ()))
        return cls(**data)


@dataclass(frozen=True)
class TestResult:
    """One hidden test's verdict, close to a Gradescope ``tests[]`` entry."""

    __test__ = False  # not a pytest test class, despite the name

    name: str
    title: Text
    score: float | None
    max_score: float
    status: TestStatus
    output: Text
    visibility: Visibility = "visible"
    number: int = 0

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TestResult:
        return cls(**{**data, "title": Text.of(data["title"]), "output": Text.of(data["output"])})


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
    contract_version: int = CONTRACT_VERSION

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, **kwargs)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GradingResult:
        tests = tuple(TestResult.from_dict(t) for t in data.get("tests", ()))
        return cls(**{**data, "tests": tests, "message": Text.of(data.get("message", ""))})

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
        """What a student may see: withheld tests keep their points in the total, not their details."""

        def shown(test: TestResult) -> TestResult:
            visible = test.visibility == "visible" or (
                test.visibility == "after_due_date" and after_due_date
            )
            if visible:
                return test
            hidden = Text(en="Hidden test.", ja="非公開のテストです。")
            return replace(
                test,
                name=f"hidden-{test.number}",
                title=hidden,
                output=Text("", ""),
                status="withheld",
                score=None,
            )

        return replace(self, tests=tuple(shown(t) for t in self.tests), grader_log="")
