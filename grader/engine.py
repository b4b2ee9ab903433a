"""The grading engine: one call from a package and a submission to a ``GradingResult``.

This is the small interface the web application and the workers use; they never see containers.
"""

from __future__ import annotations

import hashlib
from typing import Protocol

from grader.contract import GradingJob, GradingResult
from grader.exercise import ExercisePackage
from grader.quiz import InvalidSubmission, grade_quiz
from grader.sandbox.docker_sandbox import DockerSandboxFactory, SandboxProfile
from grader.sandbox.image import image_tag
from grader.sandbox.pool import SandboxPool
from grader.settings import GraderSettings

MAX_SUBMISSION_BYTES = 256 * 1024


class SandboxRunner(Protocol):
    def grade(self, job: GradingJob, image: str, max_score: float) -> GradingResult: ...

    def close(self) -> None: ...


def grading_seed(exercise_seed: int, source: str) -> int:
    """The seed of one grading: the exercise's own seed mixed with the submission's source.

    With the exercise's seed alone every grading drew the same inputs, so the Expected lines of
    one submission's feedback were the answers for the next: a file returning those numbers
    passed. The same file still gets the same seed (a regrade reproduces, a variant's score is
    exact), while a file that hard-codes an earlier grading's numbers is graded on other inputs.
    """
    digest = hashlib.sha256(f"{exercise_seed}\0{source}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFF_FFFF


def build_job(package: ExercisePackage, source: str, job_id: str = "") -> GradingJob:
    digest = hashlib.sha256(source.encode()).hexdigest()[:16]
    return GradingJob(
        job_id=job_id or f"{package.id}-{digest}",
        exercise_id=package.id,
        exercise_version=package.version,
        submission_filename=package.meta.submission_file,
        submission_source=source,
        run_as=package.meta.run_as,
        tests=dict(package.tests),
        limits=package.limits,
        frameworks=tuple(package.meta.frameworks),
        seed=grading_seed(package.meta.seed, source),
    )


def check_size(source: str) -> None:
    size = len(source.encode())
    if size > MAX_SUBMISSION_BYTES:
        raise InvalidSubmission(
            f"The submission is {size} bytes; the limit is {MAX_SUBMISSION_BYTES}.",
            f"提出物が大きすぎます({size} バイト、上限 {MAX_SUBMISSION_BYTES} バイト)。",
        )


def sandbox_runner(settings: GraderSettings) -> SandboxRunner:
    factory = DockerSandboxFactory(settings)
    if settings.warm_sandboxes:
        return SandboxPool(factory)
    return factory


class Grader:
    """Grades submissions: quizzes in process, code in a sandbox container. With
    ``warm_sandboxes`` a pool has sandboxes ready before jobs arrive; in the ``reuse`` mode one
    sandbox grades job after job, otherwise each container grades once."""

    def __init__(self, settings: GraderSettings, sandbox: SandboxRunner | None = None) -> None:
        self.settings = settings
        self.sandbox = sandbox or sandbox_runner(settings)

    def close(self) -> None:
        self.sandbox.close()

    def __enter__(self) -> Grader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def prewarm(self, packages: list[ExercisePackage]) -> None:
        """Has a sandbox ready for each code exercise's profile (in the background), so even the
        first grading of the day is warm; a no-op without a pool."""
        prewarm = getattr(self.sandbox, "prewarm", None)
        if prewarm is None:
            return
        image = image_tag(self.settings)
        prewarm(
            SandboxProfile(image, p.limits, tuple(p.meta.frameworks))
            for p in packages
            if p.meta.kind != "quiz"
        )

    def grade(self, package: ExercisePackage, source: str, job_id: str = "") -> GradingResult:
        """Raises ``InvalidSubmission`` for input that cannot be graded; otherwise a result."""
        check_size(source)
        if package.meta.kind == "quiz":
            return grade_quiz(package, source)
        job = build_job(package, source, job_id)
        return self.sandbox.grade(job, image_tag(self.settings), package.meta.points)


# The grader's public interface for the web platform, which imports only this module and
# grader.contract (tests/backend/test_grader_boundary.py holds it to that).
from grader.exercise import PackageError as PackageError  # noqa: E402
from grader.exercise import load_catalog as load_catalog  # noqa: E402
from grader.exercise import load_exercise as load_exercise  # noqa: E402
from grader.notebook import NotebookError as NotebookError  # noqa: E402
from grader.notebook import NotebookSource as NotebookSource  # noqa: E402
from grader.notebook import annotate_traceback as annotate_traceback  # noqa: E402
from grader.notebook import from_submission as from_submission  # noqa: E402
from grader.notebook import is_notebook_name as is_notebook_name  # noqa: E402
from grader.notebook import parse_extracted as parse_extracted  # noqa: E402
from grader.notebook import starter_notebook as starter_notebook  # noqa: E402
from grader.quiz import parse_answers as parse_answers  # noqa: E402


def __getattr__(name: str) -> object:
    # grader.validation and grader.cli import this module, so they load on first use (and
    # grader.authoring with them).
    if name in ("CaseOutcome", "validate_package"):
        from grader import validation

        return getattr(validation, name)
    if name in ("unfilled_todos", "read_export_manifest"):
        from grader import authoring

        return getattr(authoring, name)
    if name == "command_parser":
        from grader import cli

        return cli.parser
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
