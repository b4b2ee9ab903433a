"""Accessibility and layout in a real browser: axe-core on every page in both languages (no serious
or critical violation), the gradebook sorted from the keyboard, the quiz and button styling."""

from __future__ import annotations

import pytest

from backend.bootstrap import DEMO_PASSWORD
from grader.settings import PROJECT_ROOT
from tests.frontend.test_browser import browser, server  # noqa: F401 — the fixtures

pytestmark = [pytest.mark.docker, pytest.mark.browser, pytest.mark.slow]
# Nothing is left out: every page is checked whole, the code editor included.
EXCLUDED: list[str] = []
AXE = PROJECT_ROOT / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
ADMIN_PASSWORD = "admin-password-123"  # the server fixture's


def axe_source() -> str:
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run scripts/setup.sh (it installs frontend's npm packages)")
    return AXE.read_text()


def serious_violations(page, source: str) -> list[str]:  # type: ignore[no-untyped-def]
    """axe-core's serious and critical findings on the page as it is now."""
    # Evaluated through the DevTools protocol: the page's Content-Security-Policy does not apply.
    page.evaluate(source)
    found = page.evaluate(
        "async ([tags, exclude]) => (await axe.run({include: [document], exclude: exclude},"
        " {runOnly: {type: 'tag', values: tags}}))"
        ".violations.filter(v => v.impact === 'serious' || v.impact === 'critical')"
        ".map(v => v.id + ' (' + v.impact + '): ' + v.nodes.map(n => n.target.join(' ')).join(', '))",
        [WCAG, [[selector] for selector in EXCLUDED]],
    )
    return list(found)


def open_as(chromium, base: str, email: str, lang: str):  # type: ignore[no-untyped-def]
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.add_cookies([{"name": "lang", "value": lang, "url": base}])
    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", ADMIN_PASSWORD if email.startswith("admin") else DEMO_PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(f"{base}/")
    return page


def graded_quiz(page, base: str) -> str:  # type: ignore[no-untyped-def]
    """A student's graded quiz (one answer wrong): the result page's URL."""
    page.goto(f"{base}/courses/1")
    page.click("text=Exercise 1:")
    for index, answer in enumerate([True, True, True, True]):
        page.check(f"input[name=q{index}][value={'true' if answer else 'false'}]")
    page.click("form.quiz button[type=submit]")
    page.locator("[data-testid=score]").wait_for(timeout=120_000)
    return page.url


def test_no_serious_accessibility_violation_on_any_page_in_either_language(server, browser):  # noqa: F811
    source = axe_source()
    found: dict[str, list[str]] = {}
    student = open_as(browser, server, "student1@kadai.local", "en")
    result = graded_quiz(student, server).removeprefix(server)
    student.context.close()
    for lang in ("en", "ja"):
        pages = {
            "student1@kadai.local": [
                "/",
                "/courses/1",
                "/assignments/1",
                "/assignments/3",
                result,
                "/account/tokens",
                "/courses/1/gradebook",  # refused: the error page
            ],
            "teacher@kadai.local": [
                "/courses/1",
                "/courses/1/gradebook",
                "/assignments/1/stats",
                "/assignments/1/stats?regraded=1",
                "/courses/1/students/3",
                result,
            ],
            "admin@kadai.local": ["/admin", "/admin?done=user_added", "/"],
        }
        for email, paths in pages.items():
            page = open_as(browser, server, email, lang)
            for path in paths:
                page.goto(f"{server}{path}")
                page.wait_for_load_state("networkidle")
                problems = serious_violations(page, source)
                if problems:
                    found[f"{lang} {email} {path}"] = problems
            if email.startswith("teacher"):
                page.goto(f"{server}/assignments/1/stats")
                page.click("[data-testid=regrade-all]")
                page.locator("[data-testid=regrade-confirm]").wait_for()
                problems = serious_violations(page, source)
                if problems:
                    found[f"{lang} regrade confirmation"] = problems
            page.context.close()
        login = browser.new_page()
        login.context.add_cookies([{"name": "lang", "value": lang, "url": server}])
        login.goto(f"{server}/login")
        if problems := serious_violations(login, source):
            found[f"{lang} /login"] = problems
        login.close()
    assert found == {}, "\n".join(f"{where}: {what}" for where, what in found.items())


def test_the_gradebook_sorts_from_the_keyboard_and_says_how(server, browser):  # noqa: F811
    page = open_as(browser, server, "teacher@kadai.local", "en")
    page.goto(f"{server}/courses/1/gradebook")
    total = page.locator("table.gradebook th[data-sort]").last
    assert total.get_attribute("aria-sort") == "none"
    button = total.locator("button.sort")
    button.focus()
    page.keyboard.press("Enter")
    assert total.get_attribute("aria-sort") == "descending"
    page.keyboard.press("Space")
    assert total.get_attribute("aria-sort") == "ascending"
    first = page.locator("table.gradebook th[data-sort]").first
    assert first.get_attribute("aria-sort") == "none"
    icon = page.locator("[data-testid=stats-link]").first
    assert icon.locator("svg").count() == 1
    assert icon.get_attribute("aria-label").startswith("Which checks fail most: Exercise 1")
    page.context.close()


def test_quiz_questions_sit_inside_their_boxes_and_buttons_use_the_page_font(server, browser):  # noqa: F811
    page = open_as(browser, server, "student1@kadai.local", "ja")
    page.set_viewport_size({"width": 700, "height": 900})  # long questions wrap
    page.goto(f"{server}/assignments/1")
    for fieldset in page.locator("form.quiz fieldset").all():
        box = fieldset.bounding_box()
        legend = fieldset.locator("legend").bounding_box()
        assert legend["y"] >= box["y"] + 1, "the question overlaps the box's top border"
        assert legend["x"] >= box["x"] + 1
    fonts = page.evaluate(
        "[getComputedStyle(document.body).fontFamily,"
        " getComputedStyle(document.querySelector('form.quiz button')).fontFamily]"
    )
    assert fonts[0] == fonts[1]
    page.context.close()
