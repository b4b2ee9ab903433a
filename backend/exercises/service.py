"""Publishing exercise packages and reading them back by version.

A published version is a copy of the package under ``data_dir/exercises/<id>/<version>/<id>``
(the innermost folder keeps the package's own name), so a submission can always be shown and
regraded with the tests it was graded against.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sqlalchemy.orm import Session

from backend.errors import NotFound
from backend.exercises.repository import ExerciseRepository
from backend.models import Exercise, ExerciseVersion
from grader.engine import Grader
from grader.exercise import ExercisePackage, PackageError, load_catalog, load_exercise
from grader.validation import CaseOutcome, validate_package


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
    session: Session, grader: Grader, root: Path, store: Path, with_variants: bool = False
) -> AddReport:
    """Load, validate in the sandbox, and publish only if the solution passes and the starter not."""
    try:
        package = load_exercise(root)
    except PackageError as exc:
        return AddReport(None, [str(p) for p in exc.problems], [], False)
    outcomes = validate_package(grader, package, with_variants=with_variants)
    if not all(case.ok for case in outcomes):
        return AddReport(package, [], outcomes, False)
    publish(session, package, store)
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
