"""The first grading of the day is warm: when grading starts, a sandbox is made ready for each
exercise of the open assignments (the demo course's), and only for those."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from backend.bootstrap import prepare
from backend.db import make_engine, make_session_factory
from backend.models import Assignment
from backend.submissions.threads import GradingThreads
from grader.engine import Grader, load_exercise
from grader.sandbox.docker_sandbox import SandboxProfile
from grader.sandbox.image import image_tag
from grader.settings import PROJECT_ROOT

pytestmark = [pytest.mark.docker, pytest.mark.slow]


def test_grading_threads_start_with_a_sandbox_ready_per_open_exercise(settings, sandbox_available):
    settings = settings.model_copy(
        update={"grader": settings.grader.model_copy(update={"prewarm_sandboxes": True})}
    )
    prepare(settings, demo=True)
    sessions = make_session_factory(make_engine(settings.sqlalchemy_url))
    long_past = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=60)
    with sessions() as session:
        # An assignment long past its due date needs no ready sandbox.
        session.execute(
            update(Assignment)
            .where(Assignment.exercise_id == "dual-framework-model")
            .values(due_at=long_past)
        )
        session.commit()
    threads = GradingThreads(sessions, lambda: Grader(settings.grader), 1)
    threads.start()
    try:
        assert threads.grader is not None
        pool = threads.grader.sandbox
        pool.settle()
        image = image_tag(settings.grader)

        def ready(exercise_id: str) -> int:
            package = load_exercise(PROJECT_ROOT / "exercises" / exercise_id)
            profile = SandboxProfile(image, package.limits, tuple(package.meta.frameworks))
            return pool.ready_count(profile)

        assert ready("normalized-dataset") >= 1
        assert ready("early-stopping-checkpoint") >= 1
        assert ready("dual-framework-model") == 0
    finally:
        threads.stop()
