"""The author's side of a package: scaffolding a new one, finding the scaffold's unfilled
``TODO(author)`` markers, and exporting a package as the zip the admin upload accepts.

Export format (version ``EXPORT_FORMAT``): the package's files under ``<id>/`` (exactly what the
admin upload page and ``kadai exercise add`` unpack), plus ``kadai-export.toml`` at the zip's top
level, outside the package folder: the upload ignores it, so the package's version, a hash of its
own files, stays the same after the round trip. It records the format, the id and that version,
so an imported zip can be checked against what was exported. Entries are written in a fixed order
with a fixed date, so one package version always exports to the same bytes.
"""

from __future__ import annotations

import json
import re
import shutil
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path

from grader import scaffold
from grader.exercise import ID_PATTERN, ExercisePackage

TODO_MARKER = scaffold.TODO
EXPORT_FORMAT = 1
EXPORT_MANIFEST = "kadai-export.toml"
FRAMEWORKS = ("torch", "tensorflow")
# 1980-01-01, the earliest date a zip entry can hold: the archive does not depend on mtimes.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
TEXT_SUFFIXES = {".py", ".md", ".toml", ".json", ".txt", ".csv", ".ini", ".cfg", ".yaml", ".yml"}


class AuthoringError(Exception):
    """A request that cannot be carried out; the message says why, and nothing was written."""


def check_new_id(exercise_id: str) -> None:
    if not re.fullmatch(ID_PATTERN, exercise_id):
        raise AuthoringError(
            f"{exercise_id!r} is not a valid exercise id: use 2 to 63 lower-case letters, digits "
            "and hyphens, starting with a letter or digit (e.g. autograd-basics)"
        )


def new_package(
    exercises_dir: Path, exercise_id: str, kind: str, frameworks: list[str] | None = None
) -> Path:
    """Write a scaffold for ``exercise_id`` under ``exercises_dir``; returns its folder.

    Refuses (``AuthoringError``, nothing written) a bad id, an unknown kind or framework,
    frameworks for a quiz, and a folder that already exists."""
    check_new_id(exercise_id)
    if kind not in ("code", "quiz"):
        raise AuthoringError(f"unknown kind {kind!r}: use code or quiz")
    unknown = [f for f in frameworks or [] if f not in FRAMEWORKS]
    if unknown:
        raise AuthoringError(f"unknown framework(s) {', '.join(unknown)}: use torch, tensorflow")
    if kind == "quiz" and frameworks:
        raise AuthoringError("a quiz runs no code: --frameworks applies to code exercises only")
    root = Path(exercises_dir) / exercise_id
    if root.exists() or root.is_symlink():
        raise AuthoringError(f"{root} already exists: choose another id or remove it first")
    if kind == "code" and frameworks is None:
        frameworks = ["torch"]
    listed = json.dumps(sorted(set(frameworks or []), key=FRAMEWORKS.index))
    templates = scaffold.CODE_FILES if kind == "code" else scaffold.QUIZ_FILES
    staging = root.with_name(f".{exercise_id}.new")
    staging.mkdir(parents=True)
    try:
        for name, template in templates.items():
            path = staging / name
            path.parent.mkdir(parents=True, exist_ok=True)
            text = template.replace("{id}", exercise_id).replace("{frameworks}", listed)
            path.write_text(text, encoding="utf-8")
        staging.rename(root)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return root


@dataclass(frozen=True)
class Todo:
    file: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.text}"


def unfilled_todos(root: Path) -> list[Todo]:
    """Every line of the package's text files that still holds the scaffold's marker."""
    found = []
    for path in sorted(p for p in Path(root).rglob("*") if p.is_file()):
        if "__pycache__" in path.parts or path.suffix not in TEXT_SUFFIXES:
            continue
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            continue  # the package check reports unreadable files
        name = path.relative_to(root).as_posix()
        found += [
            Todo(name, number, line.strip()[:120])
            for number, line in enumerate(lines, start=1)
            if TODO_MARKER in line
        ]
    return found


def package_files(root: Path) -> list[Path]:
    """The files that make up a package (and its version), in a fixed order."""
    return sorted(
        (p for p in Path(root).rglob("*") if p.is_file() and "__pycache__" not in p.parts),
        key=lambda p: p.relative_to(root).as_posix(),
    )


def export_package(package: ExercisePackage, target: Path) -> Path:
    """Write ``package`` as an upload zip to ``target``; returns ``target``."""
    manifest = (
        "# Written by `kadai exercise export`; the upload ignores this file.\n"
        f"format = {EXPORT_FORMAT}\n"
        f'id = "{package.id}"\n'
        f'version = "{package.version}"\n'
    )
    target = Path(target)
    partial = target.with_name(target.name + ".partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.comment = f"kadai exercise {package.id} version {package.version}".encode()
        _write(archive, EXPORT_MANIFEST, manifest.encode())
        for path in package_files(package.root):
            name = f"{package.id}/{path.relative_to(package.root).as_posix()}"
            _write(archive, name, path.read_bytes())
    partial.replace(target)
    return target


def _write(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    archive.writestr(info, data)


@dataclass(frozen=True)
class ExportManifest:
    format: int
    id: str
    version: str


def read_export_manifest(zip_path: Path) -> ExportManifest | None:
    """The manifest of a zip written by ``export_package``; None for any other zip."""
    try:
        with zipfile.ZipFile(zip_path) as archive:
            raw = archive.read(EXPORT_MANIFEST)
        data = tomllib.loads(raw.decode())
        return ExportManifest(int(data["format"]), str(data["id"]), str(data["version"]))
    except (KeyError, ValueError, TypeError, zipfile.BadZipFile, OSError, tomllib.TOMLDecodeError):
        return None
