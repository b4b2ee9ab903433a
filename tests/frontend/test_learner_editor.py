"""The exercise page as a learner uses it, in headless Chromium against a real server and sandbox:
keyboard submission, drafts that survive refusals and Back, refusals said on the page, the size
warning, code errors shown once with their line, the quiz's remembered answers, and keyboard access
(the editor's name and how to leave it, the skip link)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from backend.app import create_app
from backend.bootstrap import prepare
from backend.models import Assignment
from backend.settings import Settings
from tests.backend.conftest import database
from tests.frontend.test_browser import browser, fill_editor, shot, sign_in  # noqa: F401
from tests.services import live_server

pytestmark = [pytest.mark.docker, pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        environment="test",
        data_dir=tmp_path / "var",
        secret_key="browser",
        admin_password="admin-password-123",
        grading_threads=1,
        submissions_per_minute=2,
    )


@pytest.fixture
def server(settings: Settings, sandbox_grader) -> Iterator[str]:
    prepare(settings, demo=True)
    with live_server(create_app(settings)) as base:
        yield base


def assignment_of(settings: Settings, exercise_id: str, **changes) -> int:  # type: ignore[no-untyped-def]
    with database(settings) as session:
        assignment = session.scalar(select(Assignment).where(Assignment.exercise_id == exercise_id))
        for key, value in changes.items():
            setattr(assignment, key, value)
        return assignment.id


def editor_text(page) -> str:  # type: ignore[no-untyped-def]
    return page.evaluate("window.kadaiEditor.state.doc.toString()")


def open_editor(page, base: str, assignment_id: int) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/assignments/{assignment_id}")
    page.locator(".cm-content").wait_for()


@pytest.mark.parametrize("keys", ["Control+Enter", "Meta+Enter"])
def test_ctrl_or_cmd_enter_submits_instead_of_adding_a_line(server, browser, settings, keys):  # noqa: F811
    page = browser.new_page()
    sign_in(page, server, "student1@kadai.local")
    assignment_id = assignment_of(settings, "normalized-dataset")
    open_editor(page, server, assignment_id)
    fill_editor(page, "x = 1\n")
    page.keyboard.press(keys)
    page.wait_for_url(re.compile(r".*/submissions/\d+$"), timeout=15_000)
    assert "x = 1" in page.locator("[data-testid=code-lines]").inner_text()


def test_a_refused_submission_keeps_the_edit_on_the_page_and_after_back(
    server,
    browser,  # noqa: F811
    settings,
):
    assignment_id = assignment_of(settings, "normalized-dataset", max_attempts=1)
    page = browser.new_page()
    sign_in(page, server, "student1@kadai.local")
    open_editor(page, server, assignment_id)
    fill_editor(page, "first = 1\n")
    page.click("button:has-text('Submit')")
    page.wait_for_url(re.compile(r".*/submissions/\d+$"))
    page.go_back()
    page.locator(".cm-content").wait_for()
    edited = "first = 1\nsecond = 2  # edited after the first attempt\n"
    fill_editor(page, edited)
    page.click("button:has-text('Submit')")
    refusal = page.locator("[data-submit-error]")
    refusal.wait_for(state="visible")
    assert "All 1 attempts are used" in refusal.inner_text()
    assert re.search(rf"/assignments/{assignment_id}$", page.url)  # still here
    assert editor_text(page) == edited  # the code is intact
    page.goto(f"{server}/courses/1")
    page.go_back()  # Back (and a reload) bring the draft, not the last submission
    page.locator(".cm-content").wait_for()
    assert editor_text(page) == edited
    assert page.locator("[data-draft-note]").is_visible()
    page.reload()
    page.locator(".cm-content").wait_for()
    assert editor_text(page) == edited
    page.click("[data-draft-discard]")  # the learner may still go back to what was submitted
    assert editor_text(page) == "first = 1\n"
    page.reload()
    page.locator(".cm-content").wait_for()
    assert editor_text(page) == "first = 1\n" and not page.locator("[data-draft-note]").is_visible()
    # Per assignment: another exercise's editor still opens on its own starter.
    open_editor(page, server, assignment_of(settings, "fix-training-loop"))
    assert "second = 2" not in editor_text(page)


def test_the_rate_limit_is_said_on_the_page_with_the_code_intact(server, browser, settings):  # noqa: F811
    assignment_id = assignment_of(settings, "normalized-dataset")
    page = browser.new_page()
    sign_in(page, server, "student2@kadai.local")
    for attempt in range(2):
        open_editor(page, server, assignment_id)
        fill_editor(page, f"attempt = {attempt}\n")
        page.keyboard.press("Control+Enter")
        page.wait_for_url(re.compile(r".*/submissions/\d+$"))
    open_editor(page, server, assignment_id)
    fill_editor(page, "attempt = 'third, too soon'\n")
    page.keyboard.press("Control+Enter")
    refusal = page.locator("[data-submit-error]")
    refusal.wait_for(state="visible")
    assert "Too many submissions" in refusal.inner_text()
    assert editor_text(page) == "attempt = 'third, too soon'\n"


def test_code_over_the_limit_is_warned_in_kb_before_anything_is_sent(
    server,
    browser,  # noqa: F811
    settings,
):
    assignment_id = assignment_of(settings, "normalized-dataset")
    page = browser.new_page()
    sign_in(page, server, "student1@kadai.local")
    open_editor(page, server, assignment_id)
    too_big = "# " + "x" * 300 * 1024 + "\n"
    fill_editor(page, too_big)
    note = page.locator("[data-size-note]")
    assert note.is_visible()
    assert "301 KB" in note.inner_text() and "256 KB" in note.inner_text()
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url) if r.method == "POST" else None)
    page.keyboard.press("Control+Enter")
    page.wait_for_timeout(500)
    assert sent == [] and re.search(rf"/assignments/{assignment_id}$", page.url)
    shot(page, "exercise-too-large")
    page.set_extra_http_headers({"Accept-Language": "ja"})
    page.context.add_cookies([{"name": "lang", "value": "ja", "url": server}])
    open_editor(page, server, assignment_id)  # the draft comes back, and the warning with it
    assert "上限の 256 KB を超えています" in page.locator("[data-size-note]").inner_text()


def test_code_that_does_not_load_is_reported_once_with_its_line_marked(
    server,
    browser,  # noqa: F811
    settings,
):
    assignment_id = assignment_of(settings, "normalized-dataset")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, server, "student1@kadai.local")
    open_editor(page, server, assignment_id)
    fill_editor(page, "import numpy as np\n\ndef broken(:\n    return 1\n")
    page.keyboard.press("Control+Enter")
    page.locator("[data-testid=score]").wait_for(timeout=120_000)
    result = page.locator(".card.result")
    assert result.inner_text().count("SyntaxError") == 1
    assert page.locator("[data-testid=code-error]").count() == 1
    assert page.locator("[data-testid=error-line-link]").inner_text() == "Line 3"
    marked = page.locator("[data-testid=error-line]")
    assert marked.get_attribute("id") == "L3" and "def broken(:" in marked.inner_text()
    assert page.locator("ol.code-lines li").count() == 4
    shot(page, "result-code-error")


def test_the_quiz_remembers_earlier_answers(server, browser, settings):  # noqa: F811
    assignment_id = assignment_of(settings, "true-false")
    page = browser.new_page()
    sign_in(page, server, "student1@kadai.local")
    page.goto(f"{server}/assignments/{assignment_id}")
    chosen = ["true", "false", "false", "true"]
    for index, answer in enumerate(chosen[:2]):
        page.check(f"input[name=q{index}][value={answer}]")
    page.reload()  # answers being chosen are a draft
    assert page.is_checked("input[name=q0][value=true]")
    assert page.is_checked("input[name=q1][value=false]")
    for index, answer in enumerate(chosen):
        page.check(f"input[name=q{index}][value={answer}]")
    page.click("button:has-text('Submit')")
    page.locator("[data-testid=score]").wait_for(timeout=60_000)
    page.goto(f"{server}/assignments/{assignment_id}")  # the last submission's answers
    for index, answer in enumerate(chosen):
        assert page.is_checked(f"input[name=q{index}][value={answer}]"), index


def test_keyboard_users_can_name_leave_and_skip_the_editor(server, browser, settings):  # noqa: F811
    page = browser.new_page()
    sign_in(page, server, "student1@kadai.local")
    open_editor(page, server, assignment_of(settings, "normalized-dataset"))
    content = page.locator(".cm-content")
    assert content.get_attribute("aria-label") == "Code editor: dataset.py"
    help_id = content.get_attribute("aria-describedby")
    assert "Esc, then Tab" in page.locator(f"#{help_id}").inner_text()
    content.click()
    page.keyboard.press("Escape")
    page.keyboard.press("Tab")  # out of the editor, to the next control
    assert page.evaluate("document.activeElement.closest('.cm-editor') === null")
    page.goto(f"{server}/courses/1")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_after_the_hard_close_the_refusal_is_said_and_the_code_stays(server, browser, settings):  # noqa: F811
    from datetime import timedelta

    from backend.models._common import utcnow

    assignment_id = assignment_of(
        settings,
        "normalized-dataset",
        due_at=utcnow() - timedelta(days=2),
        late_until=utcnow() - timedelta(hours=1),
        late_policy="per_day",
        late_penalty=10.0,
    )
    page = browser.new_page()
    sign_in(page, server, "student1@kadai.local")
    open_editor(page, server, assignment_id)
    assert page.locator("[data-testid=closed]").is_visible()
    assert "per started day late" in page.locator("[data-testid=late-policy]").inner_text()
    typed = "late = 'but written with care'\n"
    fill_editor(page, typed)
    page.keyboard.press("Control+Enter")
    refusal = page.locator("[data-submit-error]")
    refusal.wait_for(state="visible")
    assert "late deadline has passed" in refusal.inner_text()
    assert re.search(rf"/assignments/{assignment_id}$", page.url)  # still here
    assert editor_text(page) == typed
    page.context.add_cookies([{"name": "lang", "value": "ja", "url": server}])
    page.reload()
    page.locator(".cm-content").wait_for()
    assert editor_text(page) == typed  # the draft survives the reload
    page.locator(".cm-content").click()
    page.keyboard.press("Control+Enter")
    refusal.wait_for(state="visible")
    assert "締め切られました" in refusal.inner_text()
