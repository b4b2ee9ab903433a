"""The registration page in a real browser: an administrator registers an LMS by the form and
reads the values to paste. KADAI_UPDATE_SCREENSHOTS=1 refreshes docs/screenshots/lti-registration.png."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from backend.app import create_app
from backend.bootstrap import prepare
from backend.settings import Settings
from grader.settings import PROJECT_ROOT
from tests.backend.conftest import ADMIN_PASSWORD
from tests.services import live_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CHROMIUM = "/usr/bin/chromium"


def test_an_admin_registers_moodle_and_sees_what_to_paste(tmp_path: Path):
    from playwright.sync_api import sync_playwright

    settings = Settings(
        environment="test",
        data_dir=tmp_path / "var",
        secret_key="browser",
        admin_password=ADMIN_PASSWORD,
        grading_threads=0,
    )
    prepare(settings, demo=True)
    with live_server(create_app(settings)) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{base}/login")
        page.fill("#email", settings.admin_email)
        page.fill("#password", ADMIN_PASSWORD)
        page.click("form[action='/login'] button[type=submit]")
        page.wait_for_url(f"{base}/")
        page.goto(f"{base}/admin")
        page.click("[data-testid=lti-admin-link]")
        page.fill("#p-name", "Moodle (example.edu)")
        page.fill("#p-issuer", "https://moodle.example.edu")
        page.fill("#p-client", "kN3fQ2xY8pLm")
        page.fill("#p-deploy", "1")
        page.fill("#p-auth", "https://moodle.example.edu/mod/lti/auth.php")
        page.fill("#p-token", "https://moodle.example.edu/mod/lti/token.php")
        page.fill("#p-jwks", "https://moodle.example.edu/mod/lti/certs.php")
        page.click("form[action='/admin/lti/platforms'] button[type=submit]")
        page.wait_for_url(f"{base}/admin/lti?done=registered")
        assert page.locator("[data-testid=tool-login]").inner_text() == f"{base}/lti/login"
        assert page.locator("[data-testid=tool-jwks]").inner_text() == f"{base}/lti/jwks.json"
        assert "kN3fQ2xY8pLm" in page.content()
        if os.environ.get("KADAI_UPDATE_SCREENSHOTS"):
            page.screenshot(
                path=str(PROJECT_ROOT / "docs" / "screenshots" / "lti-registration.png"),
                full_page=True,
            )
        browser.close()
