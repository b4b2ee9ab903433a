"""The key that signs session cookies: KADAI_SECRET_KEY, or a random one kept in the data folder.

There is no built-in fallback: a public default would let anyone sign a session for any user.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from backend.settings import MIN_SECRET_BITS, Settings, estimated_entropy_bits

SECRET_FILE = "secret_key"


@dataclass(frozen=True)
class SigningKey:
    value: str
    # Where a generated key is kept; None when it came from KADAI_SECRET_KEY.
    path: Path | None
    generated_now: bool = False


def signing_key(settings: Settings) -> SigningKey:
    """The configured key, else the data folder's (created once, mode 0600, on first start)."""
    if settings.secret_key:
        return SigningKey(settings.secret_key, None)
    path = (settings.data_dir / SECRET_FILE).resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    created = _create_once(path)
    value = path.read_text().strip()
    if estimated_entropy_bits(value) < MIN_SECRET_BITS:
        raise RuntimeError(f"{path} does not hold a usable secret: delete it and start again")
    if path.stat().st_mode & 0o077:
        os.chmod(path, 0o600)  # copied or restored with looser permissions
    return SigningKey(value, path, created)


def _create_once(path: Path) -> bool:
    """Write a new key unless one exists; two processes starting at once agree on one key."""
    if path.exists():
        return False
    staging = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(48) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.link(staging, path)  # atomic, and fails if another process linked its key first
        return True
    except FileExistsError:
        return False
    finally:
        staging.unlink(missing_ok=True)
