"""Shared fixtures: settings, the exercise catalogue, and a grader that needs the real sandbox."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from backend.auth.security import use_hash_profile
from grader.engine import Grader
from grader.exercise import ExercisePackage, load_exercise
from grader.settings import PROJECT_ROOT, GraderSettings

FIXTURES = Path(__file__).parent / "fixtures"


def pytest_configure(config: pytest.Config) -> None:
    # Servers and workers started by tests (in process or as subprocesses) start no sandbox ahead
    # of need: most never grade, and each would cost a container. tests/backend/test_prewarm.py
    # turns it on.
    os.environ.setdefault("KADAI_PREWARM_SANDBOXES", "false")
    # argon2-cffi's profile for test suites: thousands of users are made, each default hash four
    # threads for 0.2 s. tests/backend/test_password_hashing.py covers the production profile.
    os.environ.setdefault("KADAI_PASSWORD_HASH_PROFILE", "cheapest")
    use_hash_profile(os.environ["KADAI_PASSWORD_HASH_PROFILE"])


@pytest.fixture(scope="session")
def grader_settings() -> GraderSettings:
    return GraderSettings()


@pytest.fixture(scope="session")
def sandbox_available(grader_settings: GraderSettings) -> None:
    """Docker and the sandbox image are there; tests marked ``docker`` fail (never skip) without."""
    from grader.sandbox.docker_sandbox import SandboxUnavailable, docker_client
    from grader.sandbox.image import image_exists, image_tag

    try:
        client = docker_client(grader_settings)
    except SandboxUnavailable as exc:
        pytest.fail(f"{exc} (run the fast tier alone with: pytest -m 'not docker')")
    present = image_exists(client, image_tag(grader_settings))
    client.close()
    if not present:
        pytest.fail(
            f"sandbox image {image_tag(grader_settings)} is missing: run `kadai sandbox build`"
        )


@pytest.fixture(scope="session")
def sandbox_grader(sandbox_available: None, grader_settings: GraderSettings) -> Iterator[Grader]:
    """A grader with the real sandbox, in the default (``reuse``) mode."""
    with Grader(grader_settings) as grader:
        yield grader


@pytest.fixture(scope="session")
def probe() -> ExercisePackage:
    return load_exercise(FIXTURES / "exercises" / "probe")


def exercise(name: str) -> ExercisePackage:
    return load_exercise(PROJECT_ROOT / "exercises" / name)
