"""Kadai (in process, over https://testserver) and a real LTI 1.3 platform peer on loopback,
registered with each other; helpers that walk a browser through login → launch."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from types import SimpleNamespace

import pytest
import requests
from fastapi.testclient import TestClient

from backend.app import create_app
from backend.bootstrap import prepare
from backend.lti import service, token_checks
from backend.settings import Settings
from grader.contract import GradingResult
from tests.backend.conftest import database
from tests.backend.lti.platform_peer import Launch, Peer, form_fields, platform_peer

TOOL = "https://testserver"


class ScoreFromCode:
    """Stands in for the sandbox: the submitted code says its score (``score = 3.5``), so these
    tests exercise Kadai's grading threads, lifecycle and passback without Docker."""

    settings = SimpleNamespace(prewarm_sandboxes=False)

    def grade(self, package, code: str, name: str) -> GradingResult:  # type: ignore[no-untyped-def]
        score = float(code.split("=")[-1])
        return GradingResult(
            status="graded",
            outcome="ok",
            score=score,
            max_score=package.meta.points,
            execution_time=0.01,
        )

    def prewarm(self, packages) -> None:  # type: ignore[no-untyped-def]
        pass

    def close(self) -> None:
        pass


@pytest.fixture
def lti_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"lti_passback_retry_s": 0.2, "lti_passback_tries": 3})


@pytest.fixture(autouse=True)
def fresh_refetch_window() -> None:
    """Each test's platform may fetch its keys again at once (the window is per process)."""
    token_checks._refetched_at.clear()


@pytest.fixture
def kadai(lti_settings: Settings) -> Iterator[TestClient]:
    prepare(lti_settings, demo=True)
    app = create_app(lti_settings, grader_factory=ScoreFromCode)
    with TestClient(app, base_url=TOOL) as client:
        yield client


@pytest.fixture
def peer(kadai: TestClient, lti_settings: Settings) -> Iterator[Peer]:
    with platform_peer(TOOL) as platform:
        with database(lti_settings) as session:
            service.register_platform(session, **platform.registration_values())
        # The platform checks Kadai's signatures against Kadai's published key set.
        platform.trust_tool_keys(kadai.get("/lti/jwks.json").json())
        yield platform


def start_launch(kadai: TestClient, peer: Peer, hint: str, launch: Launch) -> dict[str, str]:
    """Login initiation at Kadai, then the platform's authentication answer: the form fields
    (id_token, state) the browser would post to Kadai's launch URL."""
    answer = kadai.get(
        "/lti/login", params=peer.login_initiation(hint, launch), follow_redirects=False
    )
    assert answer.status_code == 302, answer.text
    assert answer.headers["location"].startswith(f"{peer.base}/auth?")
    cookie = answer.headers["set-cookie"].lower()
    assert "samesite=none" in cookie and "secure" in cookie and "httponly" in cookie
    platform = requests.get(answer.headers["location"], timeout=10)
    assert platform.status_code == 200, platform.text
    action, fields = form_fields(platform.text)
    assert action == f"{TOOL}/lti/launch"
    return fields


def launch(kadai: TestClient, peer: Peer, hint: str, spec: Launch):  # type: ignore[no-untyped-def]
    return kadai.post(
        "/lti/launch", data=start_launch(kadai, peer, hint, spec), follow_redirects=False
    )


def continue_link(page: str) -> str:
    marker = 'data-testid="lti-open-window" href="'
    return page.split(marker)[1].split('"')[0].replace("&amp;", "&")


def enter(kadai: TestClient, peer: Peer, hint: str, spec: Launch) -> str:
    """A full launch in the LMS's frame, the browser keeping Kadai's cookie: returns where the
    cookie check sends the frame (signed in)."""
    answer = launch(kadai, peer, hint, spec)
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"].startswith("/lti/check?token=")
    checked = kadai.get(answer.headers["location"], follow_redirects=False)
    assert checked.status_code == 303, checked.text
    return checked.headers["location"]


def blocked_cookies_page(kadai: TestClient, peer: Peer, hint: str, spec: Launch):  # type: ignore[no-untyped-def]
    """A launch in a browser that drops third-party cookies: the cookie check's fallback page."""
    answer = launch(kadai, peer, hint, spec)
    assert answer.status_code == 303, answer.text
    kadai.cookies.clear()
    return kadai.get(answer.headers["location"], follow_redirects=False)


def confirm_continue(kadai: TestClient, link: str):  # type: ignore[no-untyped-def]
    """The one-time link shows "Continue as NAME"; the learner's click posts it."""
    page = kadai.get(link, follow_redirects=False)
    if page.status_code != 200:
        return page
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
    return kadai.post("/lti/continue", data=fields, follow_redirects=False)


def wait_for(condition: Callable[[], object], timeout: float = 30.0) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out")
