"""Uploaded packages waiting for an administrator: unpacked under ``uploads/staged/<token>/``.

Replacing a published exercise needs a second, confirming request (after the change to its tests
has been shown); the package waits here in between, and is gone once published or refused.
"""

from __future__ import annotations

import re
import secrets
import shutil
import time
from pathlib import Path

from backend.errors import NotFound
from backend.exercises.upload import unpack

STAGED = "staged"
KEPT_S = 24 * 3600
TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


def stage(data: bytes, uploads: Path) -> tuple[str, Path]:
    """Unpack an upload; returns its token and the package folder. Old leftovers are removed."""
    sweep(uploads)
    token = secrets.token_urlsafe(16)
    folder = uploads / STAGED / token
    folder.mkdir(parents=True)
    try:
        return token, unpack(data, folder)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def staged_package(uploads: Path, token: str) -> Path:
    folder = uploads / STAGED / token
    valid = TOKEN.fullmatch(token) is not None and folder.is_dir()
    children = [p for p in folder.iterdir() if p.is_dir()] if valid else []
    if len(children) != 1:
        raise NotFound(
            "That upload is no longer waiting; upload the package again.",
            "そのアップロードはもう残っていません。もう一度アップロードしてください。",
        )
    return children[0]


def discard(uploads: Path, token: str) -> None:
    if TOKEN.fullmatch(token):
        shutil.rmtree(uploads / STAGED / token, ignore_errors=True)


def sweep(uploads: Path, kept_s: float = KEPT_S) -> None:
    staged = uploads / STAGED
    if not staged.is_dir():
        return
    cutoff = time.time() - kept_s
    for folder in staged.iterdir():
        if folder.stat().st_mtime < cutoff:
            shutil.rmtree(folder, ignore_errors=True)
