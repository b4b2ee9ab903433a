"""Download headers: a Content-Disposition any file name survives (RFC 6266 / RFC 5987)."""

from __future__ import annotations

import re
from urllib.parse import quote


def attachment(filename: str) -> str:
    """``filename*`` carries the exact UTF-8 name; ``filename`` a safe ASCII stand-in for old
    clients. Quotes, backslashes and control characters never reach the header."""
    fallback = re.sub(r"[^A-Za-z0-9._-]+", "_", filename).strip("_") or "download"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
