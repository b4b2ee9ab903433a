"""Grade passback (AGS) as durable jobs.

A stored grading (``lifecycle.store_result``) calls ``score_changed`` in its own transaction: for
each platform the student came from, the row of (platform, assignment, student) takes the score
that counts now (the course's best/latest policy) and becomes ``pending``; a job is queued with
the grading transitions' jobs, so it leaves when that transaction commits. ``deliver`` sends one
row: it claims it (so two runners never send it at once), finds or creates the line item once,
and posts the score with a cached access token. A failure is kept with the platform's answer and
tried again after a growing delay, up to ``max_tries``; then the row is ``failed`` until staff
resend it. Each row is its own job: one failure never stops another's send.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from backend.background import PollingThread
from backend.courses.repository import CourseRepository
from backend.db import transaction
from backend.exercises.repository import ExerciseRepository
from backend.gradebook.service import cell_for
from backend.lti import platform_client
from backend.lti.repository import LtiRepository
from backend.models import (
    Assignment,
    LtiAccount,
    LtiContext,
    LtiLineItem,
    LtiPlatform,
    LtiScoreSend,
    Submission,
)
from backend.models._common import utcnow
from backend.models.lti_score_send import SendStatus
from backend.submissions import lifecycle
from backend.submissions.repository import SubmissionRepository

log = logging.getLogger("kadai.lti.passback")
SCORE_SCOPES = [
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
]
# A claimed row is someone's for this long; a runner that died leaves it to the next poll.
CLAIM_S = 120


def backoff_s(tries: int, base_s: float) -> float:
    """Delay before try ``tries + 1``: base, 2x, 4x ... at most an hour."""
    return min(base_s * 2 ** max(tries - 1, 0), 3600.0)


def scores_changed(
    session: Session, assignment_ids: Iterable[int], user_ids: Iterable[int] | None = None
) -> None:
    """The score that counts may have moved without a grading — a late policy, a deadline, an
    override or the course's best/latest policy changed: each learner's (all, for None) goes
    through ``score_changed`` once, by their latest graded submission; unchanged ones send
    nothing."""
    query = (
        select(func.max(Submission.id))
        .where(
            Submission.assignment_id.in_(list(assignment_ids)),
            Submission.status == "graded",
        )
        .group_by(Submission.assignment_id, Submission.user_id)
    )
    if user_ids is not None:
        query = query.where(Submission.user_id.in_(list(user_ids)))
    latest = select(Submission).where(Submission.id.in_(query.scalar_subquery()))
    for submission in session.scalars(latest).all():
        score_changed(session, submission)


def score_changed(session: Session, submission: Submission) -> None:
    """Queues the passback of the student's counting score on every platform they came from."""
    if submission.status != "graded":
        return
    platforms = session.scalars(
        select(LtiAccount.platform_id)
        .join(LtiContext, LtiContext.platform_id == LtiAccount.platform_id)
        .join(Assignment, Assignment.course_id == LtiContext.course_id)
        .where(LtiAccount.user_id == submission.user_id, Assignment.id == submission.assignment_id)
        .distinct()
    ).all()
    if not platforms:
        return
    assignment = CourseRepository(session).assignment(submission.assignment_id)
    course = CourseRepository(session).get(assignment.course_id) if assignment else None
    if assignment is None or course is None:
        return
    attempts = SubmissionRepository(session).for_user_assignment(submission.user_id, assignment.id)
    exercise = ExerciseRepository(session).get(assignment.exercise_id)
    maximum = exercise.points if exercise else (submission.max_score or 0.0)
    # The score that counts, as the gradebook shows it: late penalties and extensions applied.
    override = CourseRepository(session).override(assignment.id, submission.user_id)
    cell = cell_for(attempts, assignment, course.score_policy, maximum, override)
    if cell.submission_id is None:
        return
    repository = LtiRepository(session)
    now = utcnow()
    for platform_id in platforms:
        given, most = float(cell.score or 0.0), float(maximum)
        row = repository.score_send(platform_id, assignment.id, submission.user_id)
        if row is None:
            row = LtiScoreSend(
                platform_id=platform_id, assignment_id=assignment.id, user_id=submission.user_id
            )
            session.add(row)
        elif row.state == SendStatus.sent and (row.score_given, row.score_maximum) == (given, most):
            # The platform already has this score: a worse attempt under "best" changes nothing.
            continue
        row.score_given = given
        row.score_maximum = most
        row.graded_at = _change_time(row, now)
        row.state = SendStatus.pending
        row.tries = 0
        row.next_try_at = now
        row.updated_at = now
        session.flush()
        lifecycle.queue_passback(session, row.id)


def _change_time(row: LtiScoreSend, now: datetime) -> datetime:
    """The AGS timestamp: when the score that counts changed, never before the last one sent for
    this student and line item (Moodle answers 409, Canvas 400, to a timestamp going back)."""
    if row.graded_at is None:
        return now
    return max(now, row.graded_at + timedelta(milliseconds=1))


def resend(session: Session, send: LtiScoreSend) -> None:
    """Staff's resend: pending again, with its tries counted afresh."""
    send.state = SendStatus.pending
    send.graded_at = _change_time(send, utcnow())
    send.tries = 0
    send.next_try_at = utcnow()
    send.updated_at = utcnow()
    lifecycle.queue_passback(session, send.id)


def _claim(sessions: sessionmaker[Session], send_id: int) -> bool:
    now = utcnow()
    with transaction(sessions) as session:
        result = session.execute(
            update(LtiScoreSend)
            .where(
                LtiScoreSend.id == send_id,
                LtiScoreSend.state == SendStatus.pending,
                LtiScoreSend.next_try_at <= now,
            )
            .values(next_try_at=now + timedelta(seconds=CLAIM_S), tries=LtiScoreSend.tries + 1)
        )
    return result.rowcount == 1


def _line_item_url(session: Session, platform: LtiPlatform, send: LtiScoreSend, token: str) -> str:
    """The assignment's line item: the one the launch named, the one found or made before, one
    the platform already has for this assignment, or a new one (made once: the platform's row is
    locked meanwhile, so two senders never both create it)."""
    repository = LtiRepository(session)
    link = repository.link_of_assignment(platform.id, send.assignment_id)
    if link is not None and link.lineitem_url:
        return link.lineitem_url
    known = repository.line_item(platform.id, send.assignment_id)
    if known is not None:
        return known.url
    session.execute(select(LtiPlatform.id).where(LtiPlatform.id == platform.id).with_for_update())
    known = repository.line_item(platform.id, send.assignment_id)
    if known is not None:
        return known.url
    assignment = CourseRepository(session).assignment(send.assignment_id)
    assert assignment is not None
    context = next(
        (
            c
            for c in repository.contexts_of_course(assignment.course_id)
            if c.platform_id == platform.id and c.lineitems_url
        ),
        None,
    )
    if context is None:
        raise platform_client.PlatformError(
            "no line items endpoint: no launch from this course carried the AGS claim"
        )
    resource_id = str(assignment.id)
    platform_client.require_platform_url(platform, context.lineitems_url)
    found = platform_client.find_line_items(token, context.lineitems_url, resource_id)
    if found and found[0].get("id"):
        url = str(found[0]["id"])
    else:
        exercise = ExerciseRepository(session).get(assignment.exercise_id)
        item = {
            "label": exercise.title_en if exercise else assignment.exercise_id,
            "scoreMaximum": send.score_maximum,
            "resourceId": resource_id,
            "tag": "kadai",
        }
        url = str(platform_client.create_line_item(token, context.lineitems_url, item)["id"])
    repository.add(LtiLineItem(platform_id=platform.id, assignment_id=assignment.id, url=url))
    return url


def deliver(
    sessions: sessionmaker[Session], send_id: int, base_delay_s: float, max_tries: int
) -> str:
    """Sends one row if it is due and unclaimed: "sent", "retry", "failed" or "skipped"."""
    if not _claim(sessions, send_id):
        return "skipped"
    with transaction(sessions) as session:
        send = session.get(LtiScoreSend, send_id)
        assert send is not None
        version = (send.score_given, send.graded_at, send.updated_at)
        platform = LtiRepository(session).platform(send.platform_id)
        sub = LtiRepository(session).sub_of(send.platform_id, send.user_id)
        tries = send.tries
    try:
        # Each step commits what it learnt (the token, the line item) before the next may fail.
        with transaction(sessions) as session:
            platform = session.get(LtiPlatform, send.platform_id)
            if platform is None or sub is None:
                raise platform_client.PlatformError("the student has no account on this platform")
            token = platform_client.access_token(session, platform, SCORE_SCOPES)
        with transaction(sessions) as session:
            url = _line_item_url(session, platform, send, token)
        platform_client.require_platform_url(platform, url)
        platform_client.post_score(
            token,
            url,
            {
                "userId": sub,
                "scoreGiven": send.score_given,
                "scoreMaximum": send.score_maximum,
                "activityProgress": "Completed",
                "gradingProgress": "FullyGraded",
                "timestamp": send.graded_at.isoformat(timespec="milliseconds") + "Z",
            },
        )
    except platform_client.PlatformError as exc:
        return _failed(sessions, send_id, str(exc), tries, base_delay_s, max_tries)
    except Exception as exc:
        # Anything else (a platform's odd answer, a database conflict) is a failed try too:
        # staff see it, and the tries end, rather than a row left pending with no reason.
        log.exception("lti score send %s crashed", send_id)
        error = f"{exc.__class__.__name__}: {exc}"
        return _failed(sessions, send_id, error, tries, base_delay_s, max_tries)
    with transaction(sessions) as session:
        row = session.get(LtiScoreSend, send_id)
        assert row is not None
        if (row.score_given, row.graded_at, row.updated_at) != version:
            # A newer score arrived meanwhile: its own job sends it.
            row.next_try_at = utcnow()
            return "retry"
        row.state = SendStatus.sent
        row.sent_at = utcnow()
        row.last_error = None
    log.info(
        "lti score sent",
        extra={"send_id": send_id, "platform": platform.issuer if platform else None},
    )
    return "sent"


def _failed(
    sessions: sessionmaker[Session],
    send_id: int,
    error: str,
    tries: int,
    base_delay_s: float,
    max_tries: int,
) -> str:
    log.warning("lti score send %s failed (try %d): %s", send_id, tries, error)
    with transaction(sessions) as session:
        row = session.get(LtiScoreSend, send_id)
        if row is None:
            return "failed"
        row.last_error = error[:2000]
        if tries >= max_tries:
            row.state = SendStatus.failed
            return "failed"
        delay = backoff_s(tries, base_delay_s)
        row.next_try_at = utcnow() + timedelta(seconds=delay)
        lifecycle.queue_passback(session, send_id, delay)
    return "retry"


def deliver_due(
    sessions: sessionmaker[Session], base_delay_s: float, max_tries: int
) -> dict[str, int]:
    """Every row due now, each on its own (one platform down never holds back another)."""
    with transaction(sessions) as session:
        due = list(LtiRepository(session).due_sends(utcnow()))
    outcomes: dict[str, int] = {}
    for send_id in due:
        try:
            outcome = deliver(sessions, send_id, base_delay_s, max_tries)
        except Exception:
            log.exception("lti score send %s crashed", send_id)
            outcome = "crashed"
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


class PassbackRunner(PollingThread):
    """The embedded queue's passback thread: sends due rows, woken by each queued job, and polls
    so that rows queued before a restart, or retries, are sent when due."""

    name = "kadai-lti-passback"

    def __init__(
        self,
        sessions: sessionmaker[Session],
        base_delay_s: float,
        max_tries: int,
        poll_s: float = 2.0,
    ) -> None:
        super().__init__(poll_s)
        self.sessions = sessions
        self.base_delay_s = base_delay_s
        self.max_tries = max_tries

    def do_round(self) -> None:
        deliver_due(self.sessions, self.base_delay_s, self.max_tries)
