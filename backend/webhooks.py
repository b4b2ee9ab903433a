"""The grading webhook: an HMAC-SHA256-signed POST to the LMS when a submission is graded."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

log = logging.getLogger("kadai.webhooks")
SIGNATURE_HEADER = "X-Kadai-Signature"


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def deliver(url: str, secret: str, event: str, payload: dict[str, Any], tries: int = 3) -> bool:
    """POST the event; retried with back-off. Returns whether a 2xx answer came back."""
    body = json.dumps({"event": event, "data": payload}, ensure_ascii=False).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Kadai-Event": event,
        SIGNATURE_HEADER: sign(secret, body),
    }
    for attempt in range(tries):
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                if 200 <= response.status < 300:
                    return True
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            log.warning("webhook %s attempt %d failed: %s", url, attempt + 1, exc)
        time.sleep(0.5 * 2**attempt)
    return False


def graded_notifier(url: str | None, secret: str) -> Callable[[dict], None] | None:
    """What to call with each graded event: the signed POST, or None when no webhook is set."""
    if not url:
        return None

    def notify(event: dict) -> None:
        deliver(url, secret, "submission.graded", event)

    return notify
