"""Malformed input is a 4xx in the standard error shape, never a 500: absurd nesting, bodies of
the wrong shape, text that is not text, damaged or contradictory exercise packages."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from backend.app import create_app
from grader.settings import PROJECT_ROOT
from tests.backend.conftest import ADMIN_PASSWORD, csrf_of, sign_in, token_for
from tests.backend.test_pages import assignment_id
from tests.backend.test_staff_and_admin import zipped

JSON = {"Accept": "application/json"}


@pytest.fixture
def client(settings, prepare_demo) -> Iterator[TestClient]:
    """Server errors come back as responses (a 500 is a failed assertion, not an exception)."""
    prepare_demo(settings)
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client


def refused(response, status: int = 422) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == status, (response.status_code, response.text[:300])
    assert set(response.json()["error"]) == {"code", "message", "message_ja"}


API_BODIES = {
    "quiz nested": ("true-false", b'{"code": "' + b"[" * 100_000 + b'"}'),
    "lone surrogate": ("normalized-dataset", b'{"code": "\\ud800"}'),
    "a list": ("normalized-dataset", b"[1, 2]"),
    "cut off": ("normalized-dataset", b"{"),
    "nested": ("normalized-dataset", b"[" * 100_000),
}


@pytest.mark.parametrize("case", API_BODIES, ids=list(API_BODIES))
def test_malformed_submissions_through_the_api(client, settings, case):
    exercise, body = API_BODIES[case]
    token = token_for(settings, "student1@kadai.local", "submit")
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    path = f"/api/v1/assignments/{assignment_id(settings, exercise)}/submissions"
    refused(client.post(path, content=body, headers=headers))


BROWSER_BODIES = {
    "quiz nested, form": ("true-false", None),
    "a list": ("normalized-dataset", b"[1, 2]"),
    "cut off": ("normalized-dataset", b"{"),
    "nested": ("normalized-dataset", b"[" * 100_000),
    "lone surrogate": ("normalized-dataset", b'{"code": "\\ud800"}'),
    "code not text": ("normalized-dataset", b'{"code": 7}'),
}


@pytest.mark.parametrize("case", BROWSER_BODIES, ids=list(BROWSER_BODIES))
def test_malformed_submissions_from_the_browser(client, settings, case):
    exercise, body = BROWSER_BODIES[case]
    sign_in(client, "student1@kadai.local")
    token = csrf_of(client)
    path = f"/assignments/{assignment_id(settings, exercise)}/submissions"
    if body is None:
        response = client.post(
            path, data={"code": "[" * 100_000, "csrf_token": token}, headers=JSON
        )
    else:
        headers = {**JSON, "Content-Type": "application/json", "X-CSRF-Token": token}
        response = client.post(path, content=body, headers=headers)
    refused(response)


def package(edit=None, extra: dict[str, bytes] | None = None) -> bytes:  # type: ignore[no-untyped-def]
    data = zipped(PROJECT_ROOT / "exercises" / "normalized-dataset", edit=edit)
    if extra:
        buffer = io.BytesIO(data)
        with zipfile.ZipFile(buffer, "a") as archive:
            for name, content in extra.items():
                archive.writestr(name, content)
        data = buffer.getvalue()
    return data


def with_wrong_size_and_crc(data: bytes, member: str) -> bytes:
    """The member's declared size and CRC (local header and central directory) are false."""
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(member)
    real = struct.pack("<III", info.CRC, info.compress_size, info.file_size)
    forged = struct.pack("<III", zlib.crc32(b"forged"), info.compress_size, info.file_size // 2)
    assert data.count(real) == 2
    return data.replace(real, forged)


def upload(client, data: bytes):  # type: ignore[no-untyped-def]
    return client.post(
        "/admin/exercises",
        data={"csrf_token": csrf_of(client, "/admin")},
        files={"package": ("package.zip", data, "application/zip")},
        headers=JSON,
    )


TEST_FILE = "normalized-dataset/tests/test_dataset.py"
NESTED = b'id = "normalized-dataset"\nx = ' + b"[" * 5000 + b"]" * 5000 + b"\n"
PACKAGES = {
    "false size and crc": lambda: with_wrong_size_and_crc(package(), TEST_FILE),
    "nested toml": lambda: package(edit={"exercise.toml": lambda _d: NESTED}),
    "file and folder": lambda: package(
        extra={"normalized-dataset/tests/a": b"x", "normalized-dataset/tests/a/b": b"y"}
    ),
    "id not a string": lambda: package(edit={"exercise.toml": lambda _d: b"id = {a = 1}\n"}),
}


@pytest.mark.parametrize("case", PACKAGES, ids=list(PACKAGES))
def test_damaged_or_contradictory_packages_are_refused(client, case):
    sign_in(client, "admin@kadai.local", ADMIN_PASSWORD)
    refused(upload(client, PACKAGES[case]()))
