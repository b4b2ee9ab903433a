"""Hints that unlock: a test's hint (from the exercise package) is shown with a learner's result
once the learner has failed that test ``hints_after`` times on the assignment, counting this
attempt and every earlier graded one. The first time a learner's own result shows a hint is
recorded, so staff can see how many hints each student was shown."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.models import HintView, Submission
from backend.models.submission import SubmissionStatus
from grader.contract import GradingResult, Text
from grader.engine import ExercisePackage


@dataclass(frozen=True)
class ShownHint:
    test: str
    title: Text
    text: Text
    failures: int

    def to_dict(self) -> dict:
        return {
            "test": self.test,
            "title": {"en": self.title.en, "ja": self.title.ja},
            "hint": {"en": self.text.en, "ja": self.text.ja},
            "failures": self.failures,
        }


def _failed_tests(result_json: str | None) -> set[str]:
    if not result_json:
        return set()
    try:
        tests = json.loads(result_json).get("tests", ())
    except (ValueError, AttributeError):
        return set()
    return {t.get("name", "") for t in tests if isinstance(t, dict) and t.get("status") == "failed"}


def unlocked_hints(
    session: Session, submission: Submission, package: ExercisePackage, shown: GradingResult
) -> list[ShownHint]:
    """The hints for the tests ``shown`` (the result as the viewer sees it) has failed, once the
    submission's author has failed each that often; withheld tests get none."""
    if not package.hints or submission.status != SubmissionStatus.graded:
        return []
    failed_now = [t for t in shown.tests if t.status == "failed"]
    if not failed_now:
        return []
    earlier = session.scalars(
        select(Submission.result_json).where(
            Submission.user_id == submission.user_id,
            Submission.assignment_id == submission.assignment_id,
            Submission.attempt <= submission.attempt,
            Submission.status == SubmissionStatus.graded,
        )
    )
    failures: Counter[str] = Counter()
    for result_json in earlier:
        for hint in package.hints:
            if any(hint.matches(name) for name in _failed_tests(result_json)):
                failures[hint.test] += 1
    found = []
    for test in failed_now:
        hint = next((h for h in package.hints if h.matches(test.name)), None)
        if hint and failures[hint.test] >= package.hints_after:
            if all(shown_hint.test != hint.test for shown_hint in found):
                found.append(
                    ShownHint(
                        hint.test, test.title, Text(en=hint.en, ja=hint.ja), failures[hint.test]
                    )
                )
    return found


def record_shown(session: Session, submission: Submission, hints: list[ShownHint]) -> None:
    """Notes the hints the author has now been shown (once per test; later views change nothing)."""
    for hint in hints:
        exists = session.scalar(
            select(HintView.id).where(
                HintView.user_id == submission.user_id,
                HintView.assignment_id == submission.assignment_id,
                HintView.test == hint.test,
            )
        )
        if exists is not None:
            continue
        try:
            with session.begin_nested():  # a second tab recording the same hint at once
                session.add(
                    HintView(
                        user_id=submission.user_id,
                        assignment_id=submission.assignment_id,
                        test=hint.test,
                        submission_id=submission.id,
                    )
                )
        except IntegrityError:
            continue


def shown_for_viewer(
    session: Session,
    submission: Submission,
    package: ExercisePackage,
    shown: GradingResult | None,
    viewer_id: int,
) -> list[ShownHint]:
    """The hints on a result page or API response; recorded when the author is the viewer."""
    if shown is None:
        return []
    hints = unlocked_hints(session, submission, package, shown)
    if hints and viewer_id == submission.user_id:
        record_shown(session, submission, hints)
    return hints


def counts(session: Session, assignment_ids: list[int]) -> dict[tuple[int, int], int]:
    """How many hints each (student, assignment) has been shown."""
    if not assignment_ids:
        return {}
    query = (
        select(HintView.user_id, HintView.assignment_id, func.count(HintView.id))
        .where(HintView.assignment_id.in_(assignment_ids))
        .group_by(HintView.user_id, HintView.assignment_id)
    )
    return {(user, assignment): n for user, assignment, n in session.execute(query)}


def shown_tests(session: Session, user_id: int, assignment_id: int) -> list[str]:
    query = (
        select(HintView.test)
        .where(HintView.user_id == user_id, HintView.assignment_id == assignment_id)
        .order_by(HintView.shown_at, HintView.id)
    )
    return list(session.scalars(query))
