"""Publishing exercise packages and reading them back by version.

A published version is a copy of the package under ``data_dir/exercises/<id>/<version>/<id>``
(the innermost folder keeps the package's own name), so a submission can always be shown and
regraded with the tests it was graded against.
"""

from __future__ import annotations

import difflib
import shutil
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sqlalchemy.orm import Session

from backend.audit.service import record_change
from backend.courses.repository import CourseRepository
from backend.errors import NotFound
from backend.exercises.repository import ExerciseRepository
from backend.models import Course, Exercise, ExerciseVersion, User
from grader.engine import (
    CaseOutcome,
    ExercisePackage,
    Grader,
    PackageError,
    load_catalog,
    load_exercise,
    unfilled_todos,
    validate_package,
)


def publish(session: Session, package: ExercisePackage, store: Path) -> ExerciseVersion:
    """Record (and copy) this package version and make it current; idempotent per version."""
    repository = ExerciseRepository(session)
    target = store / package.id / package.version / package.id
    if not target.exists():
        staging = target.parent.with_name(target.parent.name + ".tmp")
        shutil.rmtree(staging, ignore_errors=True)
        shutil.copytree(
            package.root, staging / package.id, ignore=shutil.ignore_patterns("__pycache__")
        )
        staging.rename(target.parent)
    exercise = repository.get(package.id)
    if exercise is None:
        exercise = Exercise(id=package.id)
        session.add(exercise)
    exercise.title_ja = package.meta.title.ja
    exercise.title_en = package.meta.title.en
    exercise.kind = package.meta.kind
    exercise.points = package.meta.points
    exercise.current_version = package.version
    version = repository.version(package.id, package.version)
    if version is None:
        version = ExerciseVersion(
            exercise_id=package.id, version=package.version, package_path=str(target)
        )
        repository.add(version)
    session.flush()
    return version


@dataclass(frozen=True)
class AddReport:
    package: ExercisePackage | None
    problems: list[str]
    outcomes: list[CaseOutcome]
    published: bool


def add_package(
    session: Session,
    grader: Grader,
    root: Path,
    store: Path,
    with_variants: bool = False,
    *,
    actor: User | None = None,
) -> AddReport:
    """Load, validate in the sandbox, and publish only if the solution passes and the starter not.
    A publication is audited: by ``actor`` (an admin's upload) or by nobody (``kadai exercise
    add`` on the server's own command line)."""
    try:
        package = load_exercise(root)
    except PackageError as exc:
        return AddReport(None, [str(p) for p in exc.problems], [], False)
    except RecursionError:  # the grader's TOML reading gives up on absurd nesting
        return AddReport(None, ["a TOML file is nested too deeply"], [], False)
    todos = unfilled_todos(package.root)
    if todos:  # a scaffold from `kadai exercise new` not yet written
        return AddReport(package, [*(f"{todo}: TODO(author) left" for todo in todos)], [], False)
    outcomes = validate_package(grader, package, with_variants=with_variants)
    if not all(case.ok for case in outcomes):
        return AddReport(package, [], outcomes, False)
    previous = ExerciseRepository(session).get(package.id)
    before = {"version": previous.current_version} if previous else None
    publish(session, package, store)
    record_change(
        session,
        actor_id=actor.id if actor else None,
        action="exercise.publish",
        subject_type="exercise",
        subject_id=package.id,
        course_id=None,
        before=before,
        after={"version": package.version},
    )
    return AddReport(package, [], outcomes, True)


def sync_catalog(session: Session, exercises_dir: Path, store: Path) -> list[str]:
    """Publish every package in the exercises folder (new versions only); returns their ids."""
    return [publish(session, p, store).exercise_id for p in load_catalog(exercises_dir).values()]


@lru_cache(maxsize=64)
def _load(path: str) -> ExercisePackage:
    # A published version's folder never changes, so its parsed package can be cached.
    return load_exercise(Path(path))


def package_for(session: Session, exercise_id: str, version: str | None = None) -> ExercisePackage:
    repository = ExerciseRepository(session)
    exercise = repository.get(exercise_id)
    if exercise is None:
        raise NotFound(f"No exercise {exercise_id!r}.", f"課題 {exercise_id!r} はありません。")
    row = repository.version(exercise_id, version or exercise.current_version)
    if row is None:
        raise NotFound("That exercise version is not stored.", "その版の課題は保存されていません。")
    return _load(row.package_path)


MAX_DIFF_LINES = 2000


@dataclass(frozen=True)
class Replacement:
    """What publishing an upload would change for an exercise that is already published."""

    exercise_id: str
    current_version: str
    new_version: str
    courses: list[Course]
    tests_diff: list[str]


def replacement_for(session: Session, root: Path) -> Replacement | None:
    """None when the upload is a new exercise, unchanged, or not loadable (validation says why)."""
    try:
        package = load_exercise(root)
    except (PackageError, RecursionError):
        return None
    exercise = ExerciseRepository(session).get(package.id)
    if exercise is None or exercise.current_version == package.version:
        return None
    current = package_for(session, package.id)
    return Replacement(
        exercise_id=package.id,
        current_version=exercise.current_version,
        new_version=package.version,
        courses=CourseRepository(session).using_exercise(package.id),
        tests_diff=tests_diff(current.root, package.root),
    )


def tests_diff(old_root: Path, new_root: Path) -> list[str]:
    """A unified diff of the two packages' tests/ folders (at most MAX_DIFF_LINES lines)."""
    lines: list[str] = []
    names = sorted(
        {p.relative_to(old_root).as_posix() for p in (old_root / "tests").rglob("*") if p.is_file()}
        | {
            p.relative_to(new_root).as_posix()
            for p in (new_root / "tests").rglob("*")
            if p.is_file()
        }
    )
    for name in names:
        if "__pycache__" in name:
            continue
        old, new = _lines(old_root / name), _lines(new_root / name)
        lines += difflib.unified_diff(old, new, f"current/{name}", f"upload/{name}", lineterm="")
        if len(lines) > MAX_DIFF_LINES:
            return [*lines[:MAX_DIFF_LINES], "… (diff cut)"]
    return lines


def _lines(path: Path) -> list[str]:
    if not path.is_file():
        return []
    return path.read_text(errors="replace").splitlines()
