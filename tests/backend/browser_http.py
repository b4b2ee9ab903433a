"""A browser-like HTTP client for live-server tests: cookies kept, redirects not followed."""

from __future__ import annotations

import base64
import json

import httpx2
import itsdangerous

from backend.bootstrap import DEMO_PASSWORD


def client(base: str) -> httpx2.Client:
    return httpx2.Client(base_url=base, follow_redirects=False, timeout=60)


def csrf(http: httpx2.Client, path: str = "/login") -> str:
    page = http.get(path).text
    marker = 'name="csrf_token" value="'
    return page.split(marker)[1].split('"')[0]


def sign_in(
    http: httpx2.Client, email: str, password: str = DEMO_PASSWORD, **headers: str
) -> httpx2.Response:
    token = csrf(http)
    return http.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token},
        headers=headers,
    )


def signed_cookie(secret: str, data: dict) -> str:
    """A session cookie as Starlette's SessionMiddleware signs one with ``secret``."""
    payload = base64.b64encode(json.dumps(data).encode())
    return itsdangerous.TimestampSigner(secret).sign(payload).decode()
