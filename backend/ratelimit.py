"""Per-key rate limits (sign-in, submissions): bounded in this process, or shared through Redis.

Both count with a sliding-window counter: this minute's hits plus last minute's, weighted by how
much of last minute still lies within the past 60 s (rounded up, so a limit is never exceeded).
Keys are hashed to a fixed size, so a megabyte of typed e-mail costs what a short one does.
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol

import redis

from backend.settings import Settings

WINDOW_S = 60
log = logging.getLogger(__name__)


class RateLimiter(Protocol):
    def allow(self, key: str) -> bool: ...


def key_digest(key: str) -> bytes:
    return hashlib.blake2b(key.encode("utf-8", "backslashreplace"), digest_size=16).digest()


def _estimate(previous: int, current: int, elapsed: float) -> int:
    return math.ceil(previous * (1 - elapsed / WINDOW_S)) + current


class MemoryRateLimiter:
    """At most ``max_keys`` keys; when full, the least recently used key is forgotten."""

    def __init__(
        self, per_minute: int, max_keys: int = 100_000, clock: Callable[[], float] = time.time
    ) -> None:
        self.per_minute = per_minute
        self.max_keys = max_keys
        self.clock = clock
        # digest -> [window index, hits in that window, hits in the window before]
        self._counts: OrderedDict[bytes, list[int]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._counts)

    def allow(self, key: str) -> bool:
        now = self.clock()
        window, elapsed = divmod(now, WINDOW_S)
        digest = key_digest(key)
        with self._lock:
            entry = self._counts.get(digest)
            if entry is None:
                self._make_room(int(window))
                entry = self._counts[digest] = [int(window), 0, 0]
            self._counts.move_to_end(digest)
            if entry[0] != window:
                entry[2] = entry[1] if entry[0] == window - 1 else 0
                entry[0], entry[1] = int(window), 0
            if _estimate(entry[2], entry[1], elapsed) >= self.per_minute:
                return False
            entry[1] += 1
            return True

    def _make_room(self, window: int) -> None:
        # Least recently used first: those whose windows have passed are forgotten for free.
        while self._counts:
            oldest = next(iter(self._counts.values()))
            if oldest[0] < window - 1 or len(self._counts) >= self.max_keys:
                self._counts.popitem(last=False)
            else:
                break


class RedisRateLimiter:
    """Shared by every API process using the broker; keys expire on their own after two windows."""

    def __init__(self, client: redis.Redis, name: str, per_minute: int) -> None:
        self.client = client
        self.name = name
        self.per_minute = per_minute

    def allow(self, key: str) -> bool:
        window, elapsed = divmod(time.time(), WINDOW_S)
        base = f"kadai:ratelimit:{self.name}:{key_digest(key).hex()}"
        current, previous = f"{base}:{int(window)}", f"{base}:{int(window) - 1}"
        try:
            pipe = self.client.pipeline()
            pipe.incr(current).expire(current, 2 * WINDOW_S).get(previous)
            hits, _, before = pipe.execute()
            if _estimate(int(before or 0), hits - 1, elapsed) >= self.per_minute:
                self.client.decr(current)  # a refused attempt does not count
                return False
            return True
        except redis.RedisError as exc:
            # Fail open: an unreachable broker must not lock everyone out of signing in.
            log.warning("rate limiter unavailable: %s", exc.__class__.__name__)
            return True


def make_limiter(settings: Settings, name: str, per_minute: int) -> RateLimiter:
    if settings.queue_backend == "celery":
        client = redis.Redis.from_url(settings.broker_url, socket_timeout=2)
        return RedisRateLimiter(client, name, per_minute)
    return MemoryRateLimiter(per_minute, settings.rate_limit_keys)
