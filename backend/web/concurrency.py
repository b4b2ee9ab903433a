"""A cap on requests inside the application at once; the others wait, in order, at the door.

Sync endpoints and dependencies run on AnyIO's thread pool (40 threads), and a request can hold a
database connection between two of its thread hops. With more requests inside than threads, the
threads can all end up waiting for connections (or row locks) held by requests that are waiting
for a thread: nothing moves until the pool times out with 500s. Admitting at most as many requests
as there are threads means a request inside always gets its thread. Waiting outside costs only a
coroutine, and a client sees latency, never an error.
"""

from __future__ import annotations

import asyncio
from typing import Any

Scope = dict[str, Any]
# Cheap and needed most under load: a health check must not queue behind the work it reports on.
UNLIMITED_PATHS = ("/healthz", "/static/")


class ConcurrencyLimit:
    """Pure ASGI middleware admitting at most ``limit`` HTTP requests at a time."""

    def __init__(self, app: Any, limit: int) -> None:
        self.app = app
        self.limit = limit
        self._gates: dict[asyncio.AbstractEventLoop, asyncio.Semaphore] = {}

    def _gate(self) -> asyncio.Semaphore:
        # One per event loop: a semaphore is bound to the loop it first waits on, and a test
        # client runs each app start on a loop of its own.
        loop = asyncio.get_running_loop()
        gate = self._gates.get(loop)
        if gate is None:
            self._gates = {k: v for k, v in self._gates.items() if not k.is_closed()}
            gate = self._gates[loop] = asyncio.Semaphore(self.limit)
        return gate

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"].startswith(UNLIMITED_PATHS):
            await self.app(scope, receive, send)
            return
        async with self._gate():
            await self.app(scope, receive, send)
