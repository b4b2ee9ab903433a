"""Removing sandbox containers that outlived their owner (a worker killed mid-grading).

A grading worker removes its own sandbox when the job ends. A worker that is SIGKILLed, or whose
host loses power, cannot: its container keeps running, holding memory and CPU. Every sandbox
carries a label with the wall-clock time after which no owner can still be waiting for it (start
+ start-up allowance + time limit + grace); any container past that time is an orphan, whoever
started it, so any worker on the same Docker host may remove it. So is one that ended more than
``ENDED_GRACE_S`` ago: its owner has read it, or never will.
"""

from __future__ import annotations

import os
import socket
import time
from datetime import datetime
from typing import Any

ROLE_LABEL = "kadai.role"
ROLE_SANDBOX = "sandbox"
EXPIRES_LABEL = "kadai.expires-at"
# Which process started a sandbox ("host:pid"), for whoever reads `docker ps`; never a reason to
# keep one (an owner that died leaves its label behind).
OWNER_LABEL = "kadai.owner"
# A container from before the expiry label (or with a damaged one) is given this long from creation.
UNLABELLED_LIFETIME_S = 3600.0
# An owner reads an ended sandbox's result within seconds; one ended longer ago is left over (a
# reusable sandbox that retired while idle, or whose owner died), whatever its label says.
ENDED_GRACE_S = 120.0


def expiry_labels(expires_at: float) -> dict[str, str]:
    return {
        ROLE_LABEL: ROLE_SANDBOX,
        EXPIRES_LABEL: str(int(expires_at) + 1),
        OWNER_LABEL: this_owner(),
    }


def this_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _stamp(text: str) -> float | None:
    try:
        # Docker gives nanoseconds and a Z; fromisoformat wants at most microseconds.
        return datetime.fromisoformat(text[:26].rstrip("Z") + "+00:00").timestamp()
    except ValueError:
        return None


def ended_long_ago(container: Any, now: float) -> bool:
    if container.status != "exited":
        return False
    finished = _stamp(container.attrs.get("State", {}).get("FinishedAt", ""))
    return finished is not None and finished > 0 and finished + ENDED_GRACE_S < now


def expires_at(container: Any) -> float:
    """When this sandbox's owner has certainly stopped waiting for it (epoch seconds)."""
    label = (container.labels or {}).get(EXPIRES_LABEL, "")
    try:
        return float(label)
    except ValueError:
        created = _stamp(container.attrs.get("Created", ""))
        return 0.0 if created is None else created + UNLABELLED_LIFETIME_S


def reap_expired(client: Any, now: float | None = None, owner: str | None = None) -> list[str]:
    """Removes every expired sandbox container on this Docker host (only ``owner``'s, when given:
    see ``this_owner``); returns their short ids."""
    import docker.errors

    now = time.time() if now is None else now
    removed = []
    labels = [f"{ROLE_LABEL}={ROLE_SANDBOX}"] + ([f"{OWNER_LABEL}={owner}"] if owner else [])
    containers = client.containers.list(all=True, filters={"label": labels})
    for container in containers:
        if expires_at(container) > now and not ended_long_ago(container, now):
            continue
        try:
            container.remove(force=True)
        except docker.errors.NotFound:
            continue  # its owner, or another reaper, got there first
        removed.append(container.short_id)
    return removed
