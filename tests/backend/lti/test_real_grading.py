"""The whole path with the real sandbox: Deep Linking picks the probe exercise, a student launched
from the LMS submits its solution, the sandbox grades it, and the platform receives 2 / 2."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from backend.app import create_app
from backend.bootstrap import prepare
from backend.lti import service
from backend.settings import Settings
from grader.settings import GraderSettings
from tests.backend.conftest import csrf_of, database
from tests.backend.lti.conftest import TOOL, wait_for
from tests.backend.lti.platform_peer import platform_peer
from tests.backend.lti.test_passback import deep_link, student_launch
from tests.conftest import FIXTURES

pytestmark = [pytest.mark.docker, pytest.mark.slow]


@pytest.fixture
def sandboxed(tmp_path, sandbox_available) -> Iterator[tuple[TestClient, Settings]]:  # type: ignore[no-untyped-def]
    settings = Settings(
        environment="test",
        data_dir=tmp_path / "var",
        secret_key="lti-sandbox",
        admin_password="admin-password-123",
        grading_threads=1,
        grader=GraderSettings(exercises_dir=FIXTURES / "exercises"),
    )
    prepare(settings)
    with TestClient(create_app(settings), base_url=TOOL) as client:
        yield client, settings


def test_a_sandbox_graded_solution_reaches_the_lms(sandboxed):
    kadai, settings = sandboxed
    with platform_peer(TOOL) as peer:
        with database(settings) as session:
            service.register_platform(session, **peer.registration_values())
        peer.trust_tool_keys(kadai.get("/lti/jwks.json").json())
        items = deep_link(kadai, peer, ["probe"])
        assignment = int(items[0]["custom"]["kadai_assignment_id"])
        student_launch(kadai, peer, "stu-sandbox", items[0])
        code = (FIXTURES / "exercises" / "probe" / "solution.py").read_text()
        path = f"/assignments/{assignment}"
        answer = kadai.post(
            f"{path}/submissions",
            data={"code": code, "csrf_token": csrf_of(kadai, path)},
            follow_redirects=False,
        )
        assert answer.status_code == 303, answer.text
        wait_for(lambda: peer.scores, timeout=300)
        _, score = peer.scores[0]
        assert score["userId"] == "stu-sandbox"
        assert (score["scoreGiven"], score["scoreMaximum"]) == (2.0, 2.0)
