"""Scale-out with real processes: Redis, PostgreSQL, Celery workers (`kadai worker`), faults."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from backend.app import create_app
from backend.bootstrap import prepare
from backend.celery_app import make_celery, worker_queues
from backend.models import Submission
from backend.queue import CeleryQueue
from backend.settings import Settings
from backend.submissions.lifecycle import Job
from grader.settings import PROJECT_ROOT
from tests.backend.conftest import ADMIN_PASSWORD, database, token_for
from tests.backend.test_api import auth, wait_graded
from tests.services import create_database, redis_server

KADAI = Path(sys.executable).parent / "kadai"
pytestmark = pytest.mark.slow


@pytest.fixture
def broker() -> Iterator:
    with redis_server() as server:
        yield server


@pytest.fixture
def cluster_settings(tmp_path, postgres, broker) -> Settings:
    return Settings(
        environment="test",
        data_dir=tmp_path / "var",
        database_url=create_database(postgres),
        secret_key="scale",
        admin_password=ADMIN_PASSWORD,
        queue_backend="celery",
        broker_url=broker.url,
        stuck_after_s=3,
        sweep_interval_s=0.5,
    )


def env_for(settings: Settings) -> dict[str, str]:
    return {
        **os.environ,
        "KADAI_DATABASE_URL": settings.sqlalchemy_url,
        "KADAI_DATA_DIR": str(settings.data_dir),
        "KADAI_BROKER_URL": settings.broker_url,
        "KADAI_QUEUE_BACKEND": "celery",
        "KADAI_STUCK_AFTER_S": str(settings.stuck_after_s),
    }


def start_worker(settings: Settings, name: str) -> subprocess.Popen:
    return subprocess.Popen(
        [str(KADAI), "worker", "--concurrency", "1", "--name", f"{name}@test"],
        env=env_for(settings),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def stop(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(10)


def assignment_of(client, headers, exercise_id):
    items = client.get("/api/v1/courses/1/assignments", headers=headers).json()["items"]
    return next(a for a in items if a["exercise_id"] == exercise_id)


def submit(client, headers, exercise_id, code):
    assignment = assignment_of(client, headers, exercise_id)
    response = client.post(
        f"/api/v1/assignments/{assignment['id']}/submissions", json={"code": code}, headers=headers
    )
    assert response.status_code == 202, response.text
    return response.json()["id"]


QUIZ = '{"answers": [true, true, false, true]}'


def test_only_gpu_workers_take_the_gpu_queue(broker):
    assert worker_queues(Settings(worker_gpus=0)) == ["cpu"]
    assert worker_queues(Settings(worker_gpus=2)) == ["cpu", "gpu"]
    queue = CeleryQueue(make_celery(Settings(broker_url=broker.url)))
    queue.enqueue(Job(7, "gpu"))
    queue.enqueue(Job(8, "cpu"))
    queue.enqueue(Job(9, "gpu-opt"))  # no GPU workers declared: any cpu worker grades it
    client = redis.Redis.from_url(broker.url)
    assert (client.llen("gpu"), client.llen("cpu")) == (1, 2)
    with_gpus = Settings(broker_url=broker.url, optional_gpu_queue="gpu")
    CeleryQueue(make_celery(with_gpus), with_gpus.optional_gpu_queue).enqueue(Job(10, "gpu-opt"))
    assert (client.llen("gpu"), client.llen("cpu")) == (2, 2)


def test_celery_workers_grade_what_the_api_accepts(cluster_settings):
    prepare(cluster_settings, demo=True)
    worker = start_worker(cluster_settings, "w1")
    try:
        with TestClient(create_app(cluster_settings)) as client:
            assert client.get("/readyz").json()["checks"] == {"database": "ok", "broker": "ok"}
            headers = auth(token_for(cluster_settings, "student1@kadai.local", "read,submit"))
            done = wait_graded(client, headers, submit(client, headers, "true-false", QUIZ))
            assert (done["status"], done["score"]) == ("graded", 4)
            assert "kadai_queue_depth" in client.get("/metrics").text
    finally:
        stop(worker)


def test_restarting_redis_and_the_api_during_a_burst_loses_nothing(cluster_settings, broker):
    prepare(cluster_settings, demo=True)
    worker = start_worker(cluster_settings, "w1")
    ids = []
    try:
        with TestClient(create_app(cluster_settings)) as client:
            headers = auth(token_for(cluster_settings, "student1@kadai.local", "read,submit"))
            for index in range(12):
                if index == 4:
                    broker.restart()  # queued messages in Redis are lost with it
                ids.append(submit(client, headers, "true-false", QUIZ))
        with TestClient(create_app(cluster_settings)) as client:  # the API restarted
            for submission_id in ids:
                done = wait_graded(client, headers, submission_id, timeout=90)
                assert done["status"] == "graded"
    finally:
        stop(worker)
    with database(cluster_settings) as session:
        rows = session.scalars(select(Submission).where(Submission.id.in_(ids))).all()
        assert len(rows) == len(ids) == len({r.attempt for r in rows})
        assert all(r.status == "graded" and r.score == 4 for r in rows)
        assert session.scalar(select(func.count()).select_from(Submission)) == len(ids)


@pytest.mark.docker
def test_a_worker_killed_mid_grading_still_ends_graded_exactly_once(
    cluster_settings, sandbox_grader
):

    # Longer than one grading, so the sweep only ever rescues the killed one.
    cluster_settings = cluster_settings.model_copy(update={"stuck_after_s": 20})
    prepare(cluster_settings, demo=True)
    worker = start_worker(cluster_settings, "victim")
    replacement = None
    solution = (PROJECT_ROOT / "exercises/fix-training-loop/solution.py").read_text()
    try:
        with TestClient(create_app(cluster_settings)) as client:
            headers = auth(token_for(cluster_settings, "student2@kadai.local", "read,submit"))
            submission_id = submit(client, headers, "fix-training-loop", solution)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                status = client.get(f"/api/v1/submissions/{submission_id}", headers=headers)
                if status.json()["status"] == "running":
                    break
                time.sleep(0.1)
            assert status.json()["status"] == "running"
            stop(worker)  # SIGKILL to the worker and its pool process, mid-grading
            replacement = start_worker(cluster_settings, "replacement")
            done = wait_graded(client, headers, submission_id, timeout=180)
            assert (done["status"], done["score"]) == ("graded", 10)
    finally:
        stop(worker)
        if replacement:
            stop(replacement)
        remove_sandboxes_of_dead_owners()  # the killed worker's orphaned sandbox
    with database(cluster_settings) as session:
        row = session.get(Submission, submission_id)
        assert row.grading_tries >= 2 and row.lease is None
        assert session.scalar(select(func.count()).select_from(Submission)) == 1


def test_the_sweep_sends_a_stuck_gpu_grading_back_to_the_gpu_queue(
    cluster_settings, broker, tmp_path
):
    import shutil

    from backend.auth.repository import UserRepository
    from backend.exercises.service import publish
    from backend.submissions.service import create_submission
    from grader.exercise import load_exercise
    from tests.backend.test_pages import assignment_id

    prepare(cluster_settings, demo=True)
    needs_gpu = tmp_path / "normalized-dataset"
    shutil.copytree(PROJECT_ROOT / "exercises/normalized-dataset", needs_gpu)
    toml = needs_gpu / "exercise.toml"
    toml.write_text(toml.read_text().replace("[limits]\n", '[limits]\ngpu = "required"\n'))
    with database(cluster_settings) as session:
        publish(session, load_exercise(needs_gpu), cluster_settings.data_dir / "exercises")
        student = UserRepository(session).by_email("student1@kadai.local")
        assignment = assignment_id(cluster_settings, "normalized-dataset")
        submission = create_submission(session, student, assignment, "x = 1", 256 * 1024)
        submission.status = "running"  # its worker died long ago
        submission.started_at = submission.created_at = submission.created_at.replace(year=2000)
    client = redis.Redis.from_url(broker.url)
    with TestClient(create_app(cluster_settings)):  # the API's sweep runs every 0.5 s
        deadline = time.monotonic() + 20
        while client.llen("gpu") == 0 and time.monotonic() < deadline:
            time.sleep(0.2)
    assert (client.llen("gpu"), client.llen("cpu")) == (1, 0)


def remove_sandboxes_of_dead_owners() -> None:
    """Sandboxes whose owner process on this host has died; another test process's live
    sandboxes stay (it may be grading on the same Docker host)."""
    import docker

    from grader.sandbox.reaper import OWNER_LABEL, ROLE_LABEL, ROLE_SANDBOX

    client_docker = docker.from_env()
    host = socket.gethostname()
    for container in client_docker.containers.list(
        all=True, filters={"label": f"{ROLE_LABEL}={ROLE_SANDBOX}"}
    ):
        owner_host, _, pid = (container.labels or {}).get(OWNER_LABEL, "").rpartition(":")
        if owner_host == host and pid.isdigit() and not os.path.exists(f"/proc/{pid}"):
            container.remove(force=True)
    client_docker.close()
