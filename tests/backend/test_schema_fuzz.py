"""Schemathesis (its CLI) against the served OpenAPI schema of a live server: no 5xx, and every
response conforms to the schema."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from backend.app import create_app
from tests.backend.conftest import token_for
from tests.services import live_server

SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
pytestmark = pytest.mark.slow


def test_api_conforms_to_its_schema(settings, prepare_demo):
    if settings.database_url:
        pytest.skip("fuzzed once, on the embedded database")
    prepare_demo(settings)
    token = token_for(settings, "teacher@kadai.local", "read,submit,grades,manage")
    with live_server(create_app(settings)) as base:
        run = subprocess.run(
            [
                str(SCHEMATHESIS),
                "run",
                f"{base}/api/v1/openapi.json",
                "--url",
                base,
                "-H",
                f"Authorization: Bearer {token}",
                "--checks",
                "not_a_server_error,response_schema_conformance,status_code_conformance",
                "--max-examples",
                "40",
                "--generation-deterministic",
                "--no-color",
            ],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    assert run.returncode == 0, run.stdout[-6000:]
