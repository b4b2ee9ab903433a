"""Similarity runs: staff start one for an assignment (now, or scheduled for its due date); a
worker makes it in the background over the learners' counted submissions, with the exercise's
starter and solution ignored as boilerplate, and keeps the most similar pairs.

A run is a row that leaves ``queued`` when it is due and claimed (``execute``): a job is queued
with the transaction that made it (``lifecycle.queue_similarity``), and the runner thread of
each app process polls for due runs, so a scheduled run, or one whose job was lost, is made too.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session, aliased, sessionmaker

from backend.background import PollingThread
from backend.courses.repository import CourseRepository
from backend.courses.service import get_assignment, require_course_staff
from backend.db import transaction
from backend.errors import Conflict, Invalid, NotFound
from backend.exercises.service import package_for
from backend.gradebook.service import counting
from backend.models import Assignment, SimilarityPair, SimilarityRun, Submission, User
from backend.models._common import utcnow
from backend.models.similarity import RunState
from backend.similarity import detect
from backend.submissions import lifecycle
from backend.submissions.repository import SubmissionRepository

log = logging.getLogger("kadai.similarity")
# A claimed run is its worker's for this long; one that died leaves it to the next poll.
CLAIM_S = 900
WAITING = (RunState.queued, RunState.running)


def start(
    session: Session, staff: User, assignment_id: int, after_due: bool = False
) -> SimilarityRun:
    """A run of ``assignment_id``: now, or (``after_due``) once its due date has passed."""
    assignment, course = get_assignment(session, staff, assignment_id)
    require_course_staff(session, staff, course.id)
    if package_for(session, assignment.exercise_id).meta.kind != "code":
        raise Invalid(
            "Only code exercises are compared; a quiz's answers are not.",
            "比較できるのはコードの演習だけです。クイズの回答は比較しません。",
        )
    waiting = session.scalar(
        select(SimilarityRun.id).where(
            SimilarityRun.assignment_id == assignment.id, SimilarityRun.state.in_(WAITING)
        )
    )
    if waiting is not None:
        raise Conflict(
            "A similarity run of this assignment is already waiting or running.",
            "この課題の類似度チェックはすでに待機中か実行中です。",
        )
    now = utcnow()
    run_after = now
    if after_due:
        if assignment.due_at is None:
            raise Invalid(
                "This assignment has no due date to run after.",
                "この課題には締め切りがないため、締め切り後の実行は予約できません。",
            )
        run_after = max(now, assignment.due_at)
    run = SimilarityRun(assignment_id=assignment.id, requested_by=staff.id, run_after=run_after)
    session.add(run)
    session.flush()
    lifecycle.queue_similarity(session, run.id, (run_after - now).total_seconds())
    return run


def counted_codes(session: Session, assignment: Assignment) -> dict[int, str]:
    """Each enrolled learner's counted submission (the course's best/latest policy), by id."""
    course = CourseRepository(session).get(assignment.course_id)
    assert course is not None
    learners = {u.id for u in CourseRepository(session).members(course.id, "student")}
    by_user: dict[int, list] = {}
    for row in SubmissionRepository(session).gradebook_attempts([assignment.id]):
        if row.user_id in learners:
            by_user.setdefault(row.user_id, []).append(row)
    chosen = [counting(rows, course.score_policy) for rows in by_user.values()]
    ids = [c.id for c in chosen if c is not None]
    if not ids:
        return {}
    query = select(Submission.id, Submission.code).where(Submission.id.in_(ids))
    return dict(session.execute(query).tuples().all())


def _claim(sessions: sessionmaker[Session], run_id: int) -> bool:
    now = utcnow()
    with transaction(sessions) as session:
        result = session.execute(
            update(SimilarityRun)
            .where(
                SimilarityRun.id == run_id,
                SimilarityRun.state.in_(WAITING),
                SimilarityRun.run_after <= now,
                or_(SimilarityRun.claimed_until.is_(None), SimilarityRun.claimed_until < now),
            )
            .values(state=RunState.running, claimed_until=now + timedelta(seconds=CLAIM_S))
        )
    return result.rowcount == 1


def execute(sessions: sessionmaker[Session], run_id: int) -> str:
    """Makes one run if it is due and nobody holds it: "done", "failed" or "skipped"."""
    if not _claim(sessions, run_id):
        return "skipped"
    try:
        with transaction(sessions) as session:
            run = session.get(SimilarityRun, run_id)
            assignment = CourseRepository(session).assignment(run.assignment_id)  # type: ignore[union-attr]
            assert assignment is not None
            package = package_for(session, assignment.exercise_id)
            codes = counted_codes(session, assignment)
        # Outside any transaction: comparing a large class takes a while.
        pairs = detect.compare(codes, [package.starter, package.solution])
    except Exception as exc:
        log.exception("similarity run %s failed", run_id)
        with transaction(sessions) as session:
            run = session.get(SimilarityRun, run_id)
            if run is not None:
                run.state = RunState.failed
                run.error = f"{exc.__class__.__name__}: {exc}"[:2000]
                run.claimed_until = None
                run.finished_at = utcnow()
        return "failed"
    with transaction(sessions) as session:
        run = session.get(SimilarityRun, run_id)
        if run is None:
            return "skipped"
        session.execute(delete(SimilarityPair).where(SimilarityPair.run_id == run_id))
        for pair in pairs:
            session.add(
                SimilarityPair(
                    run_id=run_id,
                    first_id=pair.first,
                    second_id=pair.second,
                    similarity=pair.similarity,
                    first_share=pair.first_share,
                    second_share=pair.second_share,
                    tokens=pair.tokens,
                    matches_json=json.dumps(
                        {"first": pair.first_spans, "second": pair.second_spans}
                    ),
                )
            )
        run.state = RunState.done
        run.compared = len(codes)
        run.claimed_until = None
        run.finished_at = utcnow()
    log.info("similarity run %s compared %d submissions", run_id, len(codes))
    return "done"


def run_due(sessions: sessionmaker[Session]) -> dict[str, int]:
    """Every run due now (scheduled ones whose time came, jobs lost by a broker)."""
    now = utcnow()
    with transaction(sessions) as session:
        due = session.scalars(
            select(SimilarityRun.id)
            .where(
                SimilarityRun.state.in_(WAITING),
                SimilarityRun.run_after <= now,
                or_(SimilarityRun.claimed_until.is_(None), SimilarityRun.claimed_until < now),
            )
            .order_by(SimilarityRun.id)
        ).all()
    outcomes: dict[str, int] = {}
    for run_id in due:
        outcome = execute(sessions, run_id)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


class SimilarityRunner(PollingThread):
    """An app process's similarity thread: makes due runs, woken by each queued job, and polls
    for scheduled runs whose time has come (with Celery, for runs whose job was lost)."""

    name = "kadai-similarity"

    def __init__(self, sessions: sessionmaker[Session], poll_s: float = 30.0) -> None:
        super().__init__(poll_s)
        self.sessions = sessions

    def do_round(self) -> None:
        run_due(self.sessions)


# Reading runs for pages and the API.


def runs(session: Session, staff: User, assignment_id: int) -> list[SimilarityRun]:
    _assignment, course = get_assignment(session, staff, assignment_id)
    require_course_staff(session, staff, course.id)
    query = (
        select(SimilarityRun)
        .where(SimilarityRun.assignment_id == assignment_id)
        .order_by(SimilarityRun.id.desc())
    )
    return list(session.scalars(query))


def get_run(session: Session, staff: User, run_id: int) -> SimilarityRun:
    run = session.get(SimilarityRun, run_id)
    if run is None:
        raise NotFound("No such similarity run.", "その類似度チェックはありません。")
    _assignment, course = get_assignment(session, staff, run.assignment_id)
    require_course_staff(session, staff, course.id)
    return run


@dataclass(frozen=True)
class RankedPair:
    pair: SimilarityPair
    first: User
    second: User
    first_attempt: int
    second_attempt: int

    @property
    def percent(self) -> float:
        return 100.0 * self.pair.similarity


def ranked(session: Session, run: SimilarityRun, limit: int = detect.KEEP_PAIRS) -> list:
    first_sub, second_sub = aliased(Submission), aliased(Submission)
    first_user, second_user = aliased(User), aliased(User)
    query = (
        select(SimilarityPair, first_user, second_user, first_sub.attempt, second_sub.attempt)
        .join(first_sub, first_sub.id == SimilarityPair.first_id)
        .join(second_sub, second_sub.id == SimilarityPair.second_id)
        .join(first_user, first_user.id == first_sub.user_id)
        .join(second_user, second_user.id == second_sub.user_id)
        .where(SimilarityPair.run_id == run.id)
        .order_by(SimilarityPair.similarity.desc(), SimilarityPair.tokens.desc(), SimilarityPair.id)
        .limit(limit)
    )
    return [RankedPair(*row) for row in session.execute(query).tuples()]


@dataclass(frozen=True)
class Side:
    submission: Submission
    learner: User
    share: float
    pieces: list[tuple[str, bool]]


def pair_view(session: Session, staff: User, pair_id: int) -> tuple[SimilarityPair, Side, Side]:
    pair = session.get(SimilarityPair, pair_id)
    if pair is None:
        raise NotFound("No such pair.", "その組み合わせはありません。")
    get_run(session, staff, pair.run_id)
    spans = json.loads(pair.matches_json)
    sides = []
    for submission_id, share, key in (
        (pair.first_id, pair.first_share, "first"),
        (pair.second_id, pair.second_share, "second"),
    ):
        submission = session.get(Submission, submission_id)
        learner = session.get(User, submission.user_id)  # type: ignore[union-attr]
        pieces = detect.fragments(submission.code, spans[key])  # type: ignore[union-attr]
        sides.append(Side(submission, learner, share, pieces))  # type: ignore[arg-type]
    return pair, sides[0], sides[1]


def run_out(run: SimilarityRun, pairs: list[RankedPair] | None = None) -> dict:
    """The API's view of a run and, once done, its ranked pairs."""
    return {
        "id": run.id,
        "assignment_id": run.assignment_id,
        "state": run.state,
        "run_after": run.run_after,
        "compared": run.compared,
        "error": run.error,
        "created_at": run.created_at,
        "finished_at": run.finished_at,
        "pairs": [
            {
                "id": p.pair.id,
                "similarity": p.pair.similarity,
                "tokens": p.pair.tokens,
                "first": {"submission_id": p.pair.first_id, "email": p.first.email},
                "second": {"submission_id": p.pair.second_id, "email": p.second.email},
            }
            for p in pairs or []
        ],
    }
