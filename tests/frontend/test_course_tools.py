"""Running a course in a real browser: the regrade-request round trip between a learner and staff.

Graded submissions are stored as a grading leaves them (no sandbox needed: what is tested is
what happens after the grade). Set KADAI_UPDATE_SCREENSHOTS=1 to refresh docs/screenshots.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from backend.app import create_app
from backend.bootstrap import prepare
from backend.models import Assignment, Exercise, Submission, User
from backend.settings import Settings
from tests.backend.conftest import database
from tests.frontend.test_browser import CHROMIUM, shot, sign_in
from tests.services import live_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    settings = Settings(
        environment="test",
        data_dir=tmp_path / "var",
        secret_key="browser",
        admin_password="admin-password-123",
        grading_threads=0,
    )
    prepare(settings, demo=True)
    return settings


@pytest.fixture
def server(settings: Settings) -> Iterator[str]:
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


def new_page(browser, refused: list[str]):  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1280, "height": 900})

    def watch(message) -> None:  # type: ignore[no-untyped-def]
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            refused.append(f"{page.url}: {message.text[:120]}")

    page.on("console", watch)
    return page


def store_graded(
    settings: Settings, email: str, exercise_id: str, code: str, score: float, **fields
) -> int:
    with database(settings) as session:
        assignment = session.scalar(select(Assignment).where(Assignment.exercise_id == exercise_id))
        user = session.scalar(select(User).where(User.email == email))
        exercise = session.get(Exercise, exercise_id)
        count = session.scalars(
            select(Submission.id).where(
                Submission.user_id == user.id, Submission.assignment_id == assignment.id
            )
        ).all()
        submission = Submission(
            assignment_id=assignment.id,
            user_id=user.id,
            attempt=len(count) + 1,
            code=code,
            status="graded",
            score=score,
            max_score=exercise.points,
            exercise_version=exercise.current_version,
            **fields,
        )
        session.add(submission)
        session.flush()
        return submission.id


def test_regrade_request_round_trip(server, settings, browser):
    submission_id = store_graded(
        settings, "student1@kadai.local", "true-false", "[true, false, true, true]", 1.0
    )
    refused: list[str] = []
    learner = new_page(browser, refused)
    sign_in(learner, server, "student1@kadai.local")
    learner.goto(f"{server}/submissions/{submission_id}")
    learner.fill("#review-message", "I think statement 2 is <i>ambiguous</i>.")
    learner.click("[data-testid=ask-review]")
    learner.wait_for_selector("[data-testid=review-waiting]")
    assert "<i>ambiguous</i>" in learner.inner_text("[data-testid=review-item]")

    staff = new_page(browser, refused)
    sign_in(staff, server, "teacher@kadai.local")
    staff.goto(f"{server}/courses/1")
    staff.click("[data-testid=regrade-queue-link]")
    item = staff.locator("[data-testid=queue-item]")
    assert item.count() == 1 and "Student1" in item.inner_text()
    item.locator("textarea[name=answer]").fill("Agreed: it was ambiguous. Full marks.")
    item.locator("input[name=score]").fill("4")
    item.locator("input[name=reason]").fill("ambiguous statement 2")
    item.locator("[data-testid=answer-review]").click()
    staff.wait_for_selector("[data-testid=queue-empty]")
    staff.goto(f"{server}/courses/1/gradebook")
    assert staff.locator(f"a[href='/submissions/{submission_id}']").inner_text() == "4"
    assert "1" in staff.inner_text("[data-testid=original-score]")

    learner.goto(f"{server}/submissions/{submission_id}")
    assert "Agreed: it was ambiguous." in learner.inner_text("[data-testid=review-answer]")
    assert learner.inner_text("[data-testid=override-score]") == "4"
    assert learner.inner_text("[data-testid=original-score]") == "1"
    assert "ambiguous statement 2" in learner.inner_text("[data-testid=override-reason]")
    assert refused == []


def test_analytics_and_similarity_pages_draw_under_the_csp(server, settings, browser):
    from tests.backend.test_analytics import seed
    from tests.backend.test_similarity import add_corpus

    analytics_id = seed(settings)
    similarity_id, _counted = add_corpus(settings)
    refused: list[str] = []
    staff = new_page(browser, refused)
    sign_in(staff, server, "teacher@kadai.local")

    staff.goto(f"{server}/courses/1")
    staff.click(f"a[href='/assignments/{analytics_id}/analytics']")
    staff.wait_for_selector(".chart-area:not([hidden]) canvas")
    drawn = staff.locator(".chart-area:not([hidden])")
    assert drawn.count() == 4  # every chart drawn by the script, none left to its table
    assert staff.locator("[data-testid=chart-table]").count() == 4
    shot(staff, "analytics")

    staff.goto(f"{server}/assignments/{similarity_id}/similarity")
    staff.click("[data-testid=similarity-run]")
    # The page reloads itself while the run waits or runs.
    staff.wait_for_selector("[data-testid=pair-row]", timeout=120_000)
    first = staff.locator("[data-testid=pair-row]").first
    assert first.locator("[data-testid=pair-percent]").inner_text() == "100%"
    shot(staff, "similarity")
    first.locator("[data-testid=pair-link]").click()
    staff.wait_for_selector("mark.match")
    assert staff.locator("[data-testid=side]").count() == 2
    assert staff.locator("[data-testid=side] mark.match").count() >= 2
    shot(staff, "similarity-pair")
    assert refused == []


def test_no_serious_accessibility_violation_on_the_new_pages(server, settings, browser):
    from tests.backend.test_analytics import seed
    from tests.backend.test_similarity import add_corpus
    from tests.frontend.test_accessibility import axe_source, open_as, serious_violations

    source = axe_source()
    analytics_id = seed(settings)
    similarity_id, _counted = add_corpus(settings)
    asked = store_graded(settings, "student1@kadai.local", "true-false", "[true]", 1.0)
    waiting = store_graded(settings, "student2@kadai.local", "true-false", "[false]", 2.0)
    refused: list[str] = []
    learner = new_page(browser, refused)
    sign_in(learner, server, "student1@kadai.local")
    learner.goto(f"{server}/submissions/{asked}")
    learner.fill("#review-message", "Please check statement 1.")
    learner.click("[data-testid=ask-review]")
    other = new_page(browser, refused)
    sign_in(other, server, "student2@kadai.local")
    other.goto(f"{server}/submissions/{waiting}")
    other.fill("#review-message", "And mine, please.")
    other.click("[data-testid=ask-review]")
    staff = new_page(browser, refused)
    sign_in(staff, server, "teacher@kadai.local")
    staff.goto(f"{server}/courses/1/regrade-requests")
    first = staff.locator("[data-testid=queue-item]").first
    first.locator("textarea[name=answer]").fill("Checked: the score stands.")
    first.locator("[data-testid=answer-review]").click()
    staff.goto(f"{server}/assignments/{similarity_id}/similarity")
    staff.click("[data-testid=similarity-run]")
    staff.wait_for_selector("[data-testid=pair-link]", timeout=120_000)
    pair = staff.locator("[data-testid=pair-link]").first.get_attribute("href")
    with database(settings) as session:
        student1 = session.scalar(select(User).where(User.email == "student1@kadai.local")).id
    found: dict[str, list[str]] = {}
    for lang in ("en", "ja"):
        for email, paths in {
            "student1@kadai.local": [f"/submissions/{asked}"],
            "student2@kadai.local": [f"/submissions/{waiting}"],
            "teacher@kadai.local": [
                "/courses/1",
                "/courses/1/regrade-requests",
                "/courses/1/regrade-requests?show=all",
                f"/assignments/{analytics_id}/analytics",
                f"/assignments/{similarity_id}/similarity",
                pair,
                f"/courses/1/students/{student1}",
                f"/submissions/{asked}",
            ],
        }.items():
            page = open_as(browser, server, email, lang)
            for path in paths:
                page.goto(f"{server}{path}")
                page.wait_for_load_state("networkidle")
                if problems := serious_violations(page, source):
                    found[f"{lang} {email} {path}"] = problems
            page.context.close()
    assert found == {}, "\n".join(f"{where}: {what}" for where, what in found.items())
    assert refused == []
