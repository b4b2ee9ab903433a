"""The limiters themselves: fixed memory in process, one shared count through Redis."""

from __future__ import annotations

import time

import pytest
import redis
from fastapi.testclient import TestClient

from backend.app import create_app
from backend.bootstrap import prepare
from backend.settings import Settings
from tests.services import redis_server


def test_the_memory_limiter_keeps_at_most_max_keys_and_forgets_old_windows():
    from backend.ratelimit import MemoryRateLimiter

    now = [1_000.0]
    limiter = MemoryRateLimiter(3, max_keys=100, clock=lambda: now[0])
    for index in range(1_000):
        assert limiter.allow("x" * 10_000 + str(index))
    assert len(limiter) == 100
    assert [limiter.allow("key") for _ in range(4)] == [True, True, True, False]
    now[0] += 61
    assert limiter.allow("key")  # a minute later the count has moved on
    now[0] += 600
    limiter.allow("fresh")
    assert len(limiter) == 1  # windows long past are dropped as new keys come


@pytest.mark.slow
# A Redis connection of the apps' limiters may be collected later, mid-test of another file.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_api_processes_sharing_a_broker_share_the_sign_in_count(tmp_path):
    with redis_server() as broker:
        settings = Settings(
            environment="test",
            data_dir=tmp_path / "var",
            secret_key="shared",
            admin_password="admin-password-123",
            queue_backend="celery",
            broker_url=broker.url,
        )
        prepare(settings, demo=True)
        first, second = TestClient(create_app(settings)), TestClient(create_app(settings))
        # The count slides across minute windows: start with at least 20 s of this one left, so
        # twelve requests on a slow machine all fall in it and the eleventh is refused exactly.
        elapsed = time.time() % 60
        if elapsed > 40:
            time.sleep(60.1 - elapsed)
        codes = []
        for index in range(12):
            client = (first, second)[index % 2]
            page = client.get("/login").text
            csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
            form = {"email": "student1@kadai.local", "password": "wrong", "csrf_token": csrf}
            codes.append(client.post("/login", data=form).status_code)
        assert codes[:10] == [401] * 10 and codes[10:] == [429, 429]
        store = redis.Redis.from_url(broker.url)
        keys = store.keys("kadai:ratelimit:signin:*")
        assert keys and all(store.ttl(k) > 0 for k in keys)  # Redis forgets them by itself
        store.close()
