"""Many clients at once against a live server: they wait their turn, nothing deadlocks or 5xxs.

The full load test found it: 100 pollers sharing one instructor token queued on that token's row
lock while holding connections, until every thread of the pool waited and requests failed with
pool timeouts. These tests hold on both databases.
"""

from __future__ import annotations

import asyncio
import json
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from backend.app import create_app
from backend.bootstrap import prepare
from backend.models import ApiToken, Submission
from backend.web.concurrency import ConcurrencyLimit
from tests.backend.conftest import database, token_for
from tests.backend.test_pages import assignment_id
from tests.services import live_server

QUIZ = '{"answers": [true, true, false, true]}'
SIMULTANEOUS_SUBMITS = 16  # one student, all at once; below the per-user rate limit (20 a minute)


def call(base: str, path: str, token: str, body: dict | None = None) -> int:
    request = urllib.request.Request(
        base + path,
        data=json.dumps(body).encode() if body is not None else None,
        method="POST" if body is not None else "GET",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.mark.slow
def test_a_crowd_sharing_one_token_and_a_double_submit_all_get_answers(settings):
    prepare(settings, demo=True)
    teacher = token_for(settings, "teacher@kadai.local", "read,grades")
    student = token_for(settings, "student1@kadai.local", "read,submit")
    quiz = assignment_id(settings, "true-false")
    began = time.monotonic()
    with live_server(create_app(settings)) as base, ThreadPoolExecutor(130) as pool:
        reads = [
            pool.submit(call, base, path, teacher)
            for _ in range(3)
            for path in ["/api/v1/courses/1/gradebook"] * 60 + ["/api/v1/courses"] * 60
        ]
        submits = [
            pool.submit(
                call, base, f"/api/v1/assignments/{quiz}/submissions", student, {"code": QUIZ}
            )
            for _ in range(SIMULTANEOUS_SUBMITS)
        ]
        read_statuses = [future.result() for future in reads]
        submit_statuses = [future.result() for future in submits]
    assert read_statuses == [200] * len(reads)
    assert submit_statuses == [202] * SIMULTANEOUS_SUBMITS
    assert time.monotonic() - began < 120
    with database(settings) as session:
        attempts = session.scalars(select(Submission.attempt).order_by(Submission.attempt)).all()
        assert attempts == list(range(1, SIMULTANEOUS_SUBMITS + 1))
        used = session.scalars(select(ApiToken.last_used_at)).all()
        assert sum(stamp is not None for stamp in used) == 2  # recorded, once a minute at most


def crowd(limited: ConcurrencyLimit, path: str, size: int) -> None:
    async def everyone() -> None:
        scope = {"type": "http", "path": path}
        await asyncio.gather(*(limited(scope, None, None) for _ in range(size)))

    asyncio.run(everyone())


class Room:
    """An ASGI app that counts how many requests are inside it at once."""

    def __init__(self) -> None:
        self.inside = self.peak = self.served = 0

    async def __call__(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        self.inside += 1
        self.peak = max(self.peak, self.inside)
        await asyncio.sleep(0.01)
        self.inside -= 1
        self.served += 1


def test_the_limit_admits_at_most_n_and_lets_everyone_through_in_the_end():
    room = Room()
    limited = ConcurrencyLimit(room, limit=5)
    crowd(limited, "/api/v1/courses", 50)
    assert (room.peak, room.served) == (5, 50)
    crowd(limited, "/api/v1/courses", 50)  # a new event loop (a restarted app) gets its own gate
    assert (room.peak, room.served) == (5, 100)


def test_health_checks_never_wait_behind_the_crowd():
    room = Room()
    crowd(ConcurrencyLimit(room, limit=1), "/healthz", 10)
    assert room.peak == 10
