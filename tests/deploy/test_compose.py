"""docker-compose brings the scale-out stack up from locally built images and grades end to end."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import time
import urllib.request

import pytest

from grader.settings import PROJECT_ROOT
from tests.services import free_port

pytestmark = [pytest.mark.docker, pytest.mark.slow]
PROJECT = "kadaitest"


def call(base, method, path, token, body=None):  # type: ignore[no-untyped-def]
    request = urllib.request.Request(
        f"{base}{path}",
        method=method,
        data=json.dumps(body).encode() if body else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


@pytest.fixture
def stack(sandbox_grader):  # type: ignore[no-untyped-def]
    port = free_port()
    env = {
        **os.environ,
        "KADAI_COMPOSE_PROJECT": PROJECT,
        "KADAI_PORT": str(port),
        # The stack runs in production, which refuses a guessable secret.
        "KADAI_SECRET_KEY": secrets.token_urlsafe(32),
    }
    script = PROJECT_ROOT / "scripts" / "compose.sh"
    try:
        up = subprocess.run(
            [str(script), "up"], env=env, capture_output=True, text=True, timeout=900, check=False
        )
        assert up.returncode == 0, up.stdout[-3000:] + up.stderr[-3000:]
        yield f"http://127.0.0.1:{port}", env
    finally:
        subprocess.run(
            [str(script), "down"], env=env, capture_output=True, timeout=300, check=False
        )


def test_compose_stack_grades_a_submission_end_to_end(stack):
    base, env = stack
    token = (
        subprocess.run(
            [
                "docker-compose",
                "-p",
                PROJECT,
                "exec",
                "-T",
                "api",
                "python3",
                "-m",
                "backend.cli",
                "token",
                "admin@kadai.local",
                "--scopes",
                "read,submit,grades,manage",
            ],
            env=env,
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    ready = json.loads(urllib.request.urlopen(f"{base}/readyz", timeout=10).read())
    assert ready["checks"] == {"database": "ok", "broker": "ok"}
    course = call(base, "POST", "/api/v1/courses", token, {"code": "c1", "title": "Compose"})
    assignment = call(
        base,
        "POST",
        f"/api/v1/courses/{course['id']}/assignments",
        token,
        {"exercise_id": "normalized-dataset"},
    )
    solution = (PROJECT_ROOT / "exercises/normalized-dataset/solution.py").read_text()
    created = call(
        base,
        "POST",
        f"/api/v1/assignments/{assignment['id']}/submissions",
        token,
        {"code": solution},
    )
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        done = call(base, "GET", f"/api/v1/submissions/{created['id']}", token)
        if done["status"] in ("graded", "error"):
            break
        time.sleep(1)
    assert (done["status"], done["score"]) == ("graded", 10), done
    metrics = urllib.request.urlopen(f"{base}/metrics", timeout=10).read().decode()
    assert "kadai_queue_depth" in metrics
