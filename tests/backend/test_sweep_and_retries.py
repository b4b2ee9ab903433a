"""Gradings that keep failing for infrastructure reasons, and submissions stuck by a lost worker:
retried a bounded number of times, then an `error` that says why. On both databases."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from backend.auth.repository import UserRepository
from backend.db import make_engine, make_session_factory, transaction
from backend.models import Submission
from backend.models._common import utcnow
from backend.submissions import grading
from backend.submissions.lifecycle import claim, sweep
from backend.submissions.service import create_submission
from grader.engine import Grader
from grader.settings import PROJECT_ROOT, GraderSettings
from tests.backend.test_pages import assignment_id

SOLUTION = (PROJECT_ROOT / "exercises/fix-training-loop/solution.py").read_text()


@pytest.fixture
def sessions(settings, prepare_demo) -> Iterator[sessionmaker[Session]]:
    prepare_demo(settings)
    engine = make_engine(settings.sqlalchemy_url)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def submission_id(settings, sessions) -> int:
    with transaction(sessions) as session:
        student = UserRepository(session).by_email("student1@kadai.local")
        assignment = assignment_id(settings, "fix-training-loop")
        return create_submission(session, student, assignment, SOLUTION, 256 * 1024).id


def row(sessions, submission_id: int) -> Submission:  # type: ignore[no-untyped-def]
    with transaction(sessions) as session:
        return session.get(Submission, submission_id)


def stuck(sessions, submission_id: int, tries: int, minutes_ago: float) -> None:  # type: ignore[no-untyped-def]
    """What a worker that died mid-grading leaves behind."""
    with transaction(sessions) as session:
        submission = session.get(Submission, submission_id)
        submission.status = "running"
        submission.lease = "lease-of-a-dead-worker"
        submission.grading_tries = tries
        submission.started_at = utcnow() - timedelta(minutes=minutes_ago)


def test_an_unreachable_docker_is_retried_then_ends_as_an_error_saying_why(
    sessions, submission_id, tmp_path
):
    no_docker = GraderSettings(docker_host=f"unix://{tmp_path}/no-docker.sock")
    outcomes = []
    with Grader(no_docker) as grader:
        for _ in range(3):
            lease = claim(sessions, submission_id, take_over_running=False)
            assert lease, "a retried grading goes back to the queue, where it can be claimed"
            outcomes.append(grading.run(sessions, grader.grade, submission_id, lease, 3))
    assert outcomes == ["retry", "retry", "stored"]
    final = row(sessions, submission_id)
    assert (final.status, final.score, final.grading_tries, final.lease) == ("error", 0, 3, None)
    assert "Docker daemon" in final.result_json
    assert claim(sessions, submission_id, take_over_running=True) is None  # finished


def test_the_sweep_requeues_a_grading_whose_worker_died(sessions, submission_id):
    stuck(sessions, submission_id, tries=1, minutes_ago=30)
    report = sweep(sessions, stuck_after_s=60, max_tries=3)
    assert (report.requeued, report.given_up) == ([submission_id], [])
    again = row(sessions, submission_id)
    assert (again.status, again.lease) == ("queued", None)
    # Requeued counts as dispatched now: the next sweep leaves it to the queue.
    assert sweep(sessions, stuck_after_s=60, max_tries=3).requeued == []


def test_the_sweep_gives_up_after_max_tries_with_the_reason(sessions, submission_id):
    stuck(sessions, submission_id, tries=3, minutes_ago=30)
    report = sweep(sessions, stuck_after_s=60, max_tries=3)
    assert (report.requeued, report.given_up) == ([], [submission_id])
    ended = row(sessions, submission_id)
    assert (ended.status, ended.score) == ("error", 0)
    assert "Grading gave up after 3 tries" in ended.result_json


def test_a_grading_still_within_its_time_is_left_alone(sessions, submission_id):
    stuck(sessions, submission_id, tries=1, minutes_ago=0.1)
    report = sweep(sessions, stuck_after_s=60, max_tries=3)
    assert (report.requeued, report.given_up) == ([], [])
    assert row(sessions, submission_id).status == "running"


def test_two_sweeps_at_once_never_both_take_a_submission(settings, sessions, submission_id):
    if not settings.database_url:
        pytest.skip("SQLite has no row locks: its writers take turns on the whole file")
    stuck(sessions, submission_id, tries=1, minutes_ago=30)
    # In a thread: a sweep that waited for the lock instead of skipping the row would never
    # return while the other sweep holds it; the pool is shut down only after that one ends.
    pool = ThreadPoolExecutor(1)
    try:
        with transaction(sessions) as other_sweep:
            other_sweep.execute(
                select(Submission).where(Submission.id == submission_id).with_for_update()
            ).all()
            concurrent = pool.submit(sweep, sessions, 60, 3)
            assert concurrent.result(timeout=10).requeued == []
    finally:
        pool.shutdown(wait=True)
    assert sweep(sessions, stuck_after_s=60, max_tries=3).requeued == [submission_id]
