"""Unpacking an uploaded exercise package (zip) safely: size-bounded, no links, no escaping paths,
and every damaged or contradictory archive refused with a clear error instead of a crash."""

from __future__ import annotations

import io
import tomllib
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from backend.errors import Invalid, PayloadTooLarge

MAX_FILES = 500
MAX_UNPACKED_BYTES = 64 * 1024 * 1024
# Read before anything else is trusted: a manifest is a few hundred bytes; a 40 MB one took
# 89 s and 500 MB to parse.
MAX_MANIFEST_BYTES = 64 * 1024
CHUNK = 1024 * 1024
# What a damaged member raises while it is read: a bad CRC (a false declared size), truncated or
# corrupt deflate data, an unsupported method, an encrypted member.
DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError)


def _damaged(path: object) -> Invalid:
    return Invalid(
        f"{path}: the zip file is damaged; create it again.",
        f"{path}: zip ファイルが壊れています。作り直してください。",
    )


def unpack(data: bytes, workdir: Path) -> Path:
    """Extract into ``workdir/<id>`` and return that folder (the id read from exercise.toml)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise Invalid(
            "The upload is not a zip file.", "アップロードされたファイルが zip ではありません。"
        ) from None
    members = [m for m in archive.infolist() if not m.is_dir()]
    if len(members) > MAX_FILES:
        raise Invalid(f"More than {MAX_FILES} files.", f"ファイル数が {MAX_FILES} を超えています。")
    if sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
        raise PayloadTooLarge(
            "The unpacked package is too large.", "展開後のサイズが大きすぎます。"
        )
    manifests = [m for m in members if PurePosixPath(m.filename).name == "exercise.toml"]
    if len(manifests) != 1:
        raise Invalid(
            "The zip must hold exactly one exercise.toml.",
            "zip には exercise.toml が 1 つだけ必要です。",
        )
    prefix = PurePosixPath(manifests[0].filename).parent
    root = workdir / _exercise_id(archive, manifests[0])
    planned = _plan(members, prefix)
    budget = MAX_UNPACKED_BYTES
    for member, relative in planned:
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        budget -= _extract(archive, member, target, budget)
    return root


def _exercise_id(archive: zipfile.ZipFile, manifest: zipfile.ZipInfo) -> str:
    if manifest.file_size > MAX_MANIFEST_BYTES:
        raise PayloadTooLarge(
            f"exercise.toml is larger than {MAX_MANIFEST_BYTES // 1024} KiB.",
            f"exercise.toml が {MAX_MANIFEST_BYTES // 1024} KiB を超えています。",
        )
    try:
        with archive.open(manifest) as source:
            raw = source.read(MAX_MANIFEST_BYTES + 1)
    except DAMAGED:
        raise _damaged(manifest.filename) from None
    if len(raw) > MAX_MANIFEST_BYTES:  # its declared size lied
        raise _damaged(manifest.filename)
    try:
        meta = tomllib.loads(raw.decode())
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise Invalid(f"exercise.toml: {exc}", f"exercise.toml を読めません: {exc}") from None
    except RecursionError:
        raise Invalid(
            "exercise.toml: nested too deeply.", "exercise.toml: 入れ子が深すぎます。"
        ) from None
    exercise_id = meta.get("id")
    if not isinstance(exercise_id, str) or not exercise_id.replace("-", "").isalnum():
        raise Invalid("exercise.toml: id: invalid", "exercise.toml: id が不正です。")
    if not exercise_id.isascii() or len(exercise_id) > 64:
        raise Invalid("exercise.toml: id: invalid", "exercise.toml: id が不正です。")
    return exercise_id


def _plan(
    members: list[zipfile.ZipInfo], prefix: PurePosixPath
) -> list[tuple[zipfile.ZipInfo, PurePosixPath]]:
    """Every member's place in the package, checked before a single byte is written."""
    planned: list[tuple[zipfile.ZipInfo, PurePosixPath]] = []
    for member in members:
        path = PurePosixPath(member.filename)
        if member.external_attr >> 16 & 0o170000 == 0o120000:
            raise Invalid(f"{path}: links are not allowed.", f"{path}: リンクは使えません。")
        try:
            relative = path.relative_to(prefix)
        except ValueError:
            continue  # outside the package folder: ignored
        if path.is_absolute() or ".." in relative.parts:
            raise Invalid(f"{path}: unsafe path.", f"{path}: 不正なパスです。")
        planned.append((member, relative))
    files = [relative for _, relative in planned]
    seen = set(files)
    if len(seen) != len(files):
        duplicate = next(f for f in files if files.count(f) > 1)
        raise Invalid(
            f"{duplicate}: appears twice in the zip.", f"{duplicate}: zip に 2 回含まれています。"
        )
    for relative in files:
        clash = next((parent for parent in relative.parents if parent in seen), None)
        if clash is not None:
            raise Invalid(
                f"{clash} is both a file and a folder in the zip.",
                f"{clash} が zip の中でファイルとフォルダの両方になっています。",
            )
    return planned


def _extract(archive: zipfile.ZipFile, member: zipfile.ZipInfo, target: Path, budget: int) -> int:
    """Copy one member in chunks, counting what is really written (not what the zip declares)."""
    written = 0
    try:
        with archive.open(member) as source, target.open("wb") as out:
            while chunk := source.read(CHUNK):
                written += len(chunk)
                if written > budget:
                    raise PayloadTooLarge(
                        "The unpacked package is too large.", "展開後のサイズが大きすぎます。"
                    )
                out.write(chunk)
    except DAMAGED:
        raise _damaged(member.filename) from None
    return written
