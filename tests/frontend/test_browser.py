"""Real browser (headless Chromium via Playwright) against a real server, worker and sandbox.

Set KADAI_UPDATE_SCREENSHOTS=1 to refresh the screenshots in docs/screenshots.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from backend.app import create_app
from backend.bootstrap import DEMO_PASSWORD, prepare
from backend.settings import Settings
from grader.settings import PROJECT_ROOT
from tests.services import live_server

pytestmark = [pytest.mark.docker, pytest.mark.browser, pytest.mark.slow]
SHOTS = PROJECT_ROOT / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def server(tmp_path: Path, sandbox_grader) -> Iterator[str]:
    settings = Settings(
        environment="test",
        data_dir=tmp_path / "var",
        secret_key="browser",
        admin_password="admin-password-123",
        grading_threads=1,
    )
    prepare(settings, demo=True)
    with live_server(create_app(settings)) as base:
        yield base


@pytest.fixture
def browser():  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield chromium
        chromium.close()


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    if os.environ.get("KADAI_UPDATE_SCREENSHOTS"):
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def sign_in(page, base: str, email: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", DEMO_PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(f"{base}/")


def fill_editor(page, code: str) -> None:  # type: ignore[no-untyped-def]
    """Replace the editor's text the way a person pastes it (no per-key auto-indentation)."""
    page.locator(".cm-content").click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(code)


def test_student_solves_in_the_editor_and_the_instructor_sees_it(server, browser, tmp_path):
    solution = (PROJECT_ROOT / "exercises" / "normalized-dataset" / "solution.py").read_text()
    student = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(student, server, "student1@kadai.local")
    shot(student, "courses")
    student.click("text=PyTorch")
    student.click("text=Exercise 3")
    editor = student.locator(".cm-content")
    editor.wait_for()
    assert student.locator(".cm-lineNumbers").count() == 1
    shot(student, "exercise")
    fill_editor(student, solution)
    student.click("button:has-text('Submit')")
    score = student.locator("[data-testid=score]")
    score.wait_for(timeout=120_000)
    assert score.inner_text() == "10 / 10"
    assert student.locator(".tests li.passed").count() == 6
    shot(student, "result")
    student.click("[data-testid=language]")  # a POST form in the header
    student.goto(f"{server}/courses/1")
    assert "成績に入る点" in student.content()

    teacher = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    sign_in(teacher, server, "teacher@kadai.local")
    teacher.goto(f"{server}/courses/1/gradebook")
    row = teacher.locator("table.gradebook tbody tr", has_text="student1@kadai.local")
    assert "10" in row.inner_text()
    shot(teacher, "gradebook")
    with teacher.expect_download() as download_info:
        teacher.click("text=Export CSV")
    csv_path = tmp_path / "gradebook.csv"
    download_info.value.save_as(csv_path)
    lines = csv_path.read_text(encoding="utf-8-sig").splitlines()  # with a BOM, for Excel
    assert lines[0].startswith("email,name")
    student_line = next(line for line in lines if line.startswith("student1@kadai.local"))
    assert ",10,1," in student_line


def solve(page, server: str, title: str, exercise_id: str) -> str:  # type: ignore[no-untyped-def]
    page.goto(f"{server}/courses/1")
    page.click(f"text={title}")
    if exercise_id == "true-false":
        for index, answer in enumerate([True, True, False, True]):
            page.check(f"input[name=q{index}][value={'true' if answer else 'false'}]")
    else:
        fill_editor(page, (PROJECT_ROOT / "exercises" / exercise_id / "solution.py").read_text())
    page.click("button:has-text('Submit')")
    score = page.locator("[data-testid=score]")
    score.wait_for(timeout=180_000)
    return score.inner_text()


def test_a_student_solves_all_five_exercises_in_the_browser(server, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, server, "student2@kadai.local")
    for number, exercise_id, full in (
        (1, "true-false", "4 / 4"),
        (2, "fix-training-loop", "10 / 10"),
        (3, "normalized-dataset", "10 / 10"),
        (4, "dual-framework-model", "10 / 10"),
        (5, "early-stopping-checkpoint", "10 / 10"),
    ):
        assert solve(page, server, f"Exercise {number}:", exercise_id) == full, exercise_id
    page.goto(f"{server}/courses/1")
    shot(page, "course")
    assert page.locator("span.status.graded").count() == 5
