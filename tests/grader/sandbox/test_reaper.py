"""Sandboxes orphaned by a killed worker are removed once their owner can no longer be waiting."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from grader.cli import main
from grader.contract import Limits
from grader.sandbox.docker_sandbox import (
    DockerSandboxFactory,
    SandboxProfile,
    docker_client,
)
from grader.sandbox.image import image_tag
from grader.sandbox.reaper import (
    EXPIRES_LABEL,
    expires_at,
    expiry_labels,
    reap_expired,
    this_owner,
)
from grader.settings import GraderSettings

pytestmark = pytest.mark.docker


@pytest.fixture
def docker(sandbox_grader, grader_settings: GraderSettings) -> Iterator[Any]:
    client = docker_client(grader_settings)
    made: list[Any] = []

    def create(labels: dict[str, str], command: tuple[str, ...] = ("sleep", "300")) -> Any:
        # Created, not started: the reaper must also find sandboxes that never ran.
        container = client.containers.create(
            image_tag(grader_settings), list(command), labels=labels, network_mode="none"
        )
        made.append(container)
        return container

    client.create_sandbox_like = create
    yield client
    for container in made:
        try:
            container.remove(force=True)
        except Exception:  # noqa: BLE001 - removed by the reaper under test, as intended
            pass
    client.close()


def alive(client: Any, container: Any) -> bool:
    return any(c.id == container.id for c in client.containers.list(all=True))


def test_only_expired_sandboxes_are_removed(docker):
    now = time.time()
    orphan = docker.create_sandbox_like(expiry_labels(now - 5))
    busy = docker.create_sandbox_like(expiry_labels(now + 600))
    unlabelled_new = docker.create_sandbox_like({"kadai.role": "sandbox"})
    stranger = docker.create_sandbox_like({EXPIRES_LABEL: str(int(now - 5))})

    removed = reap_expired(docker, now=now)

    assert orphan.short_id in removed and not alive(docker, orphan)
    assert alive(docker, busy) and alive(docker, unlabelled_new) and alive(docker, stranger)
    # A sandbox from before the label existed is given an hour from its creation.
    unlabelled_new.reload()
    assert now + 3500 < expires_at(unlabelled_new) < now + 3700


def test_a_sandbox_that_ended_long_ago_is_removed_whatever_its_label(docker):
    ended = docker.create_sandbox_like(expiry_labels(time.time() + 3600), ("true",))
    ended.start()
    ended.wait(timeout=30)
    waiting = docker.create_sandbox_like(expiry_labels(time.time() + 3600))

    # Just ended: its owner may still be reading it. (Only this process's sandboxes are looked
    # at: another test process may be grading on the same Docker host.)
    assert reap_expired(docker, owner=this_owner()) == []
    removed = reap_expired(docker, now=time.time() + 300, owner=this_owner())

    assert ended.short_id in removed and not alive(docker, ended)
    assert alive(docker, waiting)


def test_a_worker_reaps_before_starting_a_sandbox_and_labels_its_own(docker, grader_settings):
    orphan = docker.create_sandbox_like(expiry_labels(time.time() - 1))
    factory = DockerSandboxFactory(grader_settings, client=docker)
    profile = SandboxProfile(image_tag(grader_settings), Limits(time_s=10), ())
    sandbox = factory.start(profile)
    try:
        assert not alive(docker, orphan)
        own_expiry = float(sandbox.container.labels[EXPIRES_LABEL])
        # Start-up allowance + time limit + the host's hard-kill grace + margin, from now.
        assert time.time() + 10 + grader_settings.startup_allowance_s < own_expiry
        assert own_expiry < time.time() + 10 + grader_settings.startup_allowance_s + 200
        assert sandbox.container.short_id not in reap_expired(docker)  # a running grading
    finally:
        sandbox.discard()


def test_reap_command_reports_what_it_removed(docker, capsys):
    orphan = docker.create_sandbox_like(expiry_labels(time.time() - 1))
    assert main(["sandbox", "reap"]) == 0
    assert orphan.short_id in capsys.readouterr().out
    assert not alive(docker, orphan)
