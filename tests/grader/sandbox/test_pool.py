"""The sandbox pool: jobs get sandboxes that were ready before they arrived; in the ``reuse`` mode
a clean sandbox grades again, in the ``fresh`` mode each is used once; the pool sizes itself to
the work within its memory budget and never hands out a stale or retired sandbox."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from grader.engine import build_job
from grader.exercise import ExercisePackage
from grader.sandbox.docker_sandbox import DockerSandboxFactory, SandboxProfile
from grader.sandbox.image import image_tag
from grader.sandbox.pool import SandboxPool
from grader.settings import GraderSettings

pytestmark = [pytest.mark.docker, pytest.mark.slow]
HANGS = "import time\ntime.sleep(3600)\n"


def make_pool(settings: GraderSettings, mode: str, **options) -> SandboxPool:  # type: ignore[no-untyped-def]
    changed = {"sandbox_mode": mode, **options.pop("changed", {})}
    return SandboxPool(DockerSandboxFactory(settings.model_copy(update=changed)), **options)


@pytest.fixture
def pool(sandbox_available, grader_settings, sandbox_mode) -> Iterator[SandboxPool]:
    made = make_pool(grader_settings, sandbox_mode)
    yield made
    made.close()


def profile_of(pool: SandboxPool, probe: ExercisePackage) -> SandboxProfile:
    return SandboxProfile(
        image_tag(pool.factory.settings), probe.limits, tuple(probe.meta.frameworks)
    )


def grade(pool: SandboxPool, probe: ExercisePackage, source: str | None = None):  # type: ignore[no-untyped-def]
    job = build_job(probe, probe.solution if source is None else source)
    result = pool.grade(job, image_tag(pool.factory.settings), probe.meta.points)
    pool.settle()
    return result


def exists(pool: SandboxPool, container_id: str) -> bool:
    return any(c.id == container_id for c in pool.factory.client.containers.list(all=True))


def test_the_next_grading_uses_a_sandbox_that_was_ready(pool, probe, sandbox_mode):
    assert grade(pool, probe).score == probe.meta.points
    (waiting,) = pool.waiting_container_ids()

    assert grade(pool, probe).score == probe.meta.points

    if sandbox_mode == "reuse":
        assert pool.waiting_container_ids() == {waiting}  # clean again, graded again
    else:
        assert not exists(pool, waiting)  # used once, then removed
        assert pool.waiting_container_ids() - {waiting}


def test_a_wrong_submission_in_a_ready_sandbox_still_scores_what_it_earns(pool, probe):
    grade(pool, probe)
    wrong = grade(pool, probe, probe.starter)
    assert wrong.status == "graded" and wrong.score < probe.meta.points
    assert grade(pool, probe).score == probe.meta.points


def test_a_ready_sandbox_removed_behind_the_pools_back_costs_only_a_cold_start(pool, probe):
    grade(pool, probe)
    (waiting,) = pool.waiting_container_ids()
    pool.factory.client.containers.get(waiting).remove(force=True)  # an admin, a reaper
    again = grade(pool, probe)
    assert (again.status, again.score) == ("graded", probe.meta.points)


def test_an_idle_sandbox_is_replaced_before_reapers_may_take_it(
    sandbox_available, grader_settings, probe, sandbox_mode
):
    pool = make_pool(grader_settings, sandbox_mode, max_idle_s=0.5)
    try:
        grade(pool, probe)
        (stale,) = pool.waiting_container_ids()
        time.sleep(1)
        assert grade(pool, probe).score == probe.meta.points
        assert not exists(pool, stale)
    finally:
        pool.close()


def test_prewarm_makes_even_the_first_grading_warm(pool, probe):
    pool.prewarm([profile_of(pool, probe)])
    pool.settle()
    ready = pool.waiting_container_ids()
    assert len(ready) == 1
    began = time.monotonic()
    assert grade(pool, probe).score == probe.meta.points
    assert not ready & pool.waiting_container_ids() or pool.reuse
    assert time.monotonic() - began < 60


def test_the_pool_grows_to_the_work_within_its_memory_budget(
    sandbox_available, grader_settings, probe, sandbox_mode
):
    def two_at_once(pool: SandboxPool) -> None:
        job = build_job(probe, probe.solution)
        image = image_tag(pool.factory.settings)
        threads = [
            threading.Thread(target=pool.grade, args=(job, image, probe.meta.points))
            for _ in range(2)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        pool.settle()

    roomy = make_pool(grader_settings, sandbox_mode)
    tight = make_pool(grader_settings, sandbox_mode, memory_budget_mb=probe.limits.memory_mb)
    try:
        two_at_once(roomy)
        two_at_once(tight)
        assert pool_size(roomy, probe) == 2  # as many as it just needed at once
        assert pool_size(tight, probe) == 1  # all the budget allows
    finally:
        roomy.close()
        tight.close()


def pool_size(pool: SandboxPool, probe: ExercisePackage) -> int:
    return pool.ready_count(profile_of(pool, probe))


def test_a_sandbox_retires_after_its_gradings_and_after_an_anomaly(
    sandbox_available, grader_settings, probe, sandbox_mode
):
    if sandbox_mode == "fresh":
        pytest.skip("in the fresh mode every sandbox grades once (the test above)")
    pool = make_pool(grader_settings, "reuse", changed={"gradings_per_sandbox": 2})
    try:
        grade(pool, probe)
        (first,) = pool.waiting_container_ids()
        grade(pool, probe)
        (second,) = pool.waiting_container_ids()
        assert second != first and not exists(pool, first)  # two gradings, then retired

        timed_out = grade(pool, probe, HANGS)
        assert timed_out.outcome == "timeout"
        assert not exists(pool, second)  # the sandbox that timed out is gone
        assert grade(pool, probe).score == probe.meta.points
    finally:
        pool.close()
