"""The warm pool: each job gets a sandbox started before it arrived, used once, never a stale one."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from grader.engine import build_job
from grader.exercise import ExercisePackage
from grader.sandbox.docker_sandbox import DockerSandboxFactory, SandboxProfile, docker_client
from grader.sandbox.image import image_tag
from grader.sandbox.pool import WarmSandboxPool
from grader.settings import GraderSettings

pytestmark = pytest.mark.docker


@pytest.fixture
def pool(sandbox_grader, grader_settings: GraderSettings) -> Iterator[WarmSandboxPool]:
    warm = WarmSandboxPool(DockerSandboxFactory(grader_settings))
    yield warm
    warm.close()


def grade(pool: WarmSandboxPool, probe: ExercisePackage, source: str | None = None):  # type: ignore[no-untyped-def]
    job = build_job(probe, probe.solution if source is None else source)
    return pool.grade(job, image_tag(pool.factory.settings), probe.meta.points)


def waiting_container(pool: WarmSandboxPool, probe: ExercisePackage):  # type: ignore[no-untyped-def]
    profile = SandboxProfile(
        image_tag(pool.factory.settings), probe.limits, tuple(probe.meta.frameworks)
    )
    return pool._ready[profile].container


def exists(pool: WarmSandboxPool, container) -> bool:  # type: ignore[no-untyped-def]
    return any(c.id == container.id for c in pool.factory.client.containers.list(all=True))


def test_the_next_grading_uses_the_sandbox_started_for_it(pool, probe):
    first = grade(pool, probe)
    assert first.score == probe.meta.points
    waiting = waiting_container(pool, probe)
    assert pool.waiting_container_ids() == {waiting.id} and exists(pool, waiting)

    second = grade(pool, probe)

    assert second.score == probe.meta.points
    assert not exists(pool, waiting)  # used once, then removed
    assert waiting_container(pool, probe).id != waiting.id


def test_a_wrong_submission_in_a_warm_sandbox_still_scores_what_it_earns(pool, probe):
    grade(pool, probe)
    wrong = grade(pool, probe, probe.starter)
    assert wrong.status == "graded" and wrong.score < probe.meta.points


def test_a_waiting_sandbox_removed_behind_the_pools_back_costs_only_a_cold_start(pool, probe):
    grade(pool, probe)
    waiting_container(pool, probe).remove(force=True)  # a daemon restart, an admin, a reaper
    again = grade(pool, probe)
    assert (again.status, again.score) == ("graded", probe.meta.points)


def test_an_idle_sandbox_is_replaced_before_reapers_may_take_it(
    grader_settings, probe, sandbox_grader
):
    pool = WarmSandboxPool(DockerSandboxFactory(grader_settings), max_idle_s=0.5)
    try:
        grade(pool, probe)
        stale = waiting_container(pool, probe)
        time.sleep(1)
        assert grade(pool, probe).score == probe.meta.points
        assert not exists(pool, stale)
    finally:
        pool.close()


def test_closing_removes_the_waiting_sandboxes(grader_settings, probe, sandbox_grader):
    pool = WarmSandboxPool(DockerSandboxFactory(grader_settings))
    grade(pool, probe)
    waiting = waiting_container(pool, probe)
    pool.close()
    client = docker_client(grader_settings)
    try:
        assert not any(c.id == waiting.id for c in client.containers.list(all=True))
    finally:
        client.close()
