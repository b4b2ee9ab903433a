"""The pages under their Content-Security-Policy in a real browser: nothing refused, and what
needs script (the editor, Swagger UI, the gradebook, the language switch) still works.

No grading happens here, so no sandbox is needed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from backend.app import create_app
from backend.bootstrap import DEMO_PASSWORD, prepare
from backend.settings import Settings
from tests.frontend.test_browser import CHROMIUM
from tests.services import live_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]
ADMIN_PASSWORD = "admin-password-123"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    settings = Settings(
        environment="test",
        data_dir=tmp_path / "var",
        secret_key="browser",
        admin_password=ADMIN_PASSWORD,
        grading_threads=0,
    )
    prepare(settings, demo=True)
    with live_server(create_app(settings)) as base:
        yield base


@pytest.fixture
def page(server):  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        tab = chromium.new_page(viewport={"width": 1280, "height": 900})
        tab.refused = []  # type: ignore[attr-defined]

        def watch(message) -> None:  # type: ignore[no-untyped-def]
            if "Content Security Policy" in message.text or "Refused to" in message.text:
                tab.refused.append(f"{tab.url}: {message.text[:120]}")  # type: ignore[attr-defined]

        tab.on("console", watch)
        yield tab
        chromium.close()


def sign_in(page, base: str, email: str, password: str = DEMO_PASSWORD) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_pages_work_and_nothing_is_refused_by_the_policy(server, page):
    sign_in(page, server, "teacher@kadai.local")
    page.goto(f"{server}/courses/1")
    page.click("text=Exercise 3")
    page.locator(".cm-content").wait_for()  # CodeMirror mounted under the policy
    assert page.locator(".cm-lineNumbers").count() == 1
    page.goto(f"{server}/courses/1")
    page.click("text=Exercise 1")
    assert page.locator("input[name=q0]").count() == 2
    page.goto(f"{server}/courses/1/gradebook")
    page.click("th[data-sort='0']")  # the sort script runs
    page.goto(f"{server}/assignments/1/stats")
    page.goto(f"{server}/account/tokens")
    page.click("[data-testid=language]")
    page.wait_for_url(f"{server}/account/tokens")
    assert "API トークン" in page.content()
    page.goto(f"{server}/api/docs")
    page.locator(".swagger-ui .opblock").first.wait_for()
    assert page.locator(".swagger-ui .opblock").count() > 5
    assert page.refused == [], page.refused  # type: ignore[attr-defined]


def test_the_admin_pages_under_the_policy(server, page):
    sign_in(page, server, "admin@kadai.local", ADMIN_PASSWORD)
    page.goto(f"{server}/admin")
    assert page.locator("text=normalized-dataset").count() >= 1
    assert page.refused == []  # type: ignore[attr-defined]
