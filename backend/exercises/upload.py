"""Unpacking an uploaded exercise package (zip) safely: size-bounded, no links, no escaping paths."""

from __future__ import annotations

import io
import tomllib
import zipfile
from pathlib import Path, PurePosixPath

from backend.errors import Invalid, PayloadTooLarge

MAX_FILES = 500
MAX_UNPACKED_BYTES = 64 * 1024 * 1024


def unpack(data: bytes, workdir: Path) -> Path:
    """Extract into ``workdir/<id>`` and return that folder (the id read from exercise.toml)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
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
    try:
        exercise_id = str(tomllib.loads(archive.read(manifests[0]).decode())["id"])
    except (KeyError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise Invalid(f"exercise.toml: {exc}", f"exercise.toml を読めません: {exc}") from None
    if not exercise_id.replace("-", "").isalnum():
        raise Invalid("exercise.toml: id: invalid", "exercise.toml: id が不正です。")
    root = workdir / exercise_id
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
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(archive.read(member))
    return root
