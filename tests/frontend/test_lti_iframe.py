"""LTI 1.3 inside the LMS's iframe, in a real browser: a course page of the platform peer
(http://localhost:P1) frames Kadai (http://127.0.0.1:P2), another site. With third-party cookies
allowed the learner works and submits inside the frame and the platform receives the score on the
assignment's line item; with them blocked the frame offers a new window, where the learner
continues signed in.

Chromium takes a Secure cookie from http://127.0.0.1 (a potentially trustworthy origin), so no
certificate is needed. Third-party cookies follow the profile's own setting (the "Block
third-party cookies" switch: ``profile.cookie_controls_mode``, 0 allows, 1 blocks); Playwright's
default off-the-record context blocks them, so both tests use a profile of their own.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest
import requests

from backend.app import create_app
from backend.bootstrap import prepare
from backend.courses import service as courses
from backend.lti import service
from backend.models import LtiContext
from backend.settings import Settings
from tests.backend.conftest import database
from tests.backend.lti.conftest import ScoreFromCode, wait_for
from tests.backend.lti.platform_peer import CONTEXT_ID, DEPLOYMENT, LEARNER, Launch, platform_peer
from tests.services import live_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture
def lms(tmp_path: Path) -> Iterator[SimpleNamespace]:
    """Kadai on 127.0.0.1 (grading by ScoreFromCode: no Docker), the platform on localhost,
    registered with each other; the LMS course already linked to a Kadai course with two
    assignments (as Deep Linking leaves it)."""
    settings = Settings(
        environment="test",
        data_dir=tmp_path / "var",
        secret_key="browser-lti",
        admin_password="admin-password-123",
        grading_threads=1,
        lti_passback_retry_s=0.2,
    )
    prepare(settings, demo=True)
    app = create_app(settings, grader_factory=ScoreFromCode)
    with live_server(app) as kadai, platform_peer(kadai, host="localhost") as peer:
        with database(settings) as session:
            platform = service.register_platform(session, **peer.registration_values())
            course = courses.create_course(session, "lti-dl101", "Deep Learning 101")
            session.add(
                LtiContext(
                    platform_id=platform.id,
                    context_id=CONTEXT_ID,
                    course_id=course.id,
                    deployment_id=DEPLOYMENT,
                )
            )
            week1 = courses.add_assignment(session, course, "true-false").id
            week2 = courses.add_assignment(session, course, "fix-training-loop").id
        peer.trust_tool_keys(requests.get(f"{kadai}/lti/jwks.json", timeout=10).json())
        yield SimpleNamespace(kadai=kadai, peer=peer, settings=settings, week1=week1, week2=week2)


def browser_profile(playwright, directory: Path, third_party_cookies: bool):  # type: ignore[no-untyped-def]
    (directory / "Default").mkdir(parents=True)
    preferences = {"profile": {"cookie_controls_mode": 0 if third_party_cookies else 1}}
    (directory / "Default" / "Preferences").write_text(json.dumps(preferences))
    return playwright.chromium.launch_persistent_context(
        str(directory),
        executable_path=CHROMIUM,
        args=ARGS,
        viewport={"width": 1400, "height": 1000},
    )


def course_page_launching(lms: SimpleNamespace, name: str, sub: str) -> str:
    """The LMS's page framing the launch of week 2's link for learner ``sub``."""
    spec = Launch(
        sub=sub,
        roles=[LEARNER],
        name="Aiko Sato",
        resource_link_id="link-week2",
        custom={"kadai_assignment_id": str(lms.week2)},
    )
    login = f"{lms.kadai}/lti/login?{urlencode(lms.peer.login_initiation(name, spec))}"
    lms.peer.framed_pages[name] = login
    return f"{lms.peer.base}/course-page/{name}"


def submit_code(page, scope, code: str) -> str:  # type: ignore[no-untyped-def]
    """Types ``code`` into the editor (``scope``: the page or the frame) and submits it."""
    scope.locator(".cm-content").click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(code)
    scope.locator("button:has-text('Submit')").click()
    score = scope.locator("[data-testid=score]")
    score.wait_for(timeout=120_000)
    return score.inner_text()


def the_score_on_week2(lms: SimpleNamespace, sub: str) -> dict:
    """The score the platform took for ``sub``, checked to be on week 2's line item."""
    sent = wait_for(lambda: [(i, s) for i, s in lms.peer.scores if s["userId"] == sub], 60)
    assert isinstance(sent, list) and len(sent) == 1
    item, score = sent[0]
    assert lms.peer.line_items[item]["resourceId"] == str(lms.week2)
    assert all(i["resourceId"] != str(lms.week1) for i in lms.peer.line_items.values())
    return score


def test_a_learner_works_and_submits_inside_the_lms_iframe(lms, tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = browser_profile(playwright, tmp_path / "profile", third_party_cookies=True)
        page = context.pages[0]  # the window the profile opens with
        page.goto(course_page_launching(lms, "framed", "lms-learner-1"))
        frame = page.frame_locator("iframe")
        frame.locator(".cm-content").wait_for(timeout=60_000)  # the assignment, in the frame
        assert page.url.startswith(lms.peer.base)  # the LMS's page stayed where it was
        framed = next(f for f in page.frames if f.url.startswith(lms.kadai))
        assert framed.url == f"{lms.kadai}/assignments/{lms.week2}"
        assert len(context.pages) == 1  # no window of its own
        cookie = next(c for c in context.cookies(lms.kadai) if c["name"] == "kadai_session")
        assert cookie["sameSite"] == "None" and cookie["secure"]
        assert submit_code(page, frame, "score = 7.5") == "7.5 / 10"
        score = the_score_on_week2(lms, "lms-learner-1")
        assert score["scoreGiven"] == 7.5 and score["scoreMaximum"] == 10
        context.close()


def test_with_third_party_cookies_blocked_the_learner_continues_in_a_new_window(lms, tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = browser_profile(playwright, tmp_path / "profile", third_party_cookies=False)
        page = context.pages[0]  # the window the profile opens with
        page.goto(course_page_launching(lms, "blocked", "lms-learner-2"))
        frame = page.frame_locator("iframe")
        fallback = frame.locator("[data-testid=lti-cookies-blocked]")
        fallback.wait_for(timeout=60_000)
        text = fallback.inner_text()
        assert "third-party cookies" in text and "サードパーティ Cookie" in text  # both languages
        with context.expect_page() as opened:
            frame.locator("[data-testid=lti-open-window]").click()
        window = opened.value
        window.locator("[data-testid=lti-continue-form] button").click()  # "Continue as …"
        window.wait_for_url(f"{lms.kadai}/assignments/{lms.week2}", timeout=60_000)
        assert submit_code(window, window, "score = 6") == "6 / 10"
        score = the_score_on_week2(lms, "lms-learner-2")
        assert score["scoreGiven"] == 6
        context.close()
