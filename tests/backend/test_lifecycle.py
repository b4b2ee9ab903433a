"""The submission lifecycle: grading jobs leave only with their request's commit (a rollback drops
them), each submission is routed to its queue once, at acceptance, and no module but
``lifecycle.py`` changes a submission's status or lease. On both databases."""

from __future__ import annotations

import ast
import shutil
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from backend.app import create_app
from backend.auth.repository import UserRepository
from backend.bootstrap import prepare
from backend.db import make_engine, make_session_factory, transaction
from backend.exercises.service import publish
from backend.models import Submission
from backend.queue import EmbeddedQueue
from backend.submissions import lifecycle
from backend.submissions.service import create_submission, regrade_submission
from grader.engine import load_exercise
from grader.settings import PROJECT_ROOT
from tests.backend.conftest import database, token_for
from tests.backend.test_api import auth, quiz_assignment

QUIZ = '{"answers": [true, true, false, true]}'


class Recorder:
    """Records each job with whether its row was already committed (seen by another session)."""

    def __init__(self, settings) -> None:  # type: ignore[no-untyped-def]
        self.settings = settings
        self.jobs: list[tuple[lifecycle.Job, bool]] = []

    def enqueue(self, job: lifecycle.Job) -> None:
        with database(self.settings) as other:
            committed = other.get(Submission, job.submission_id) is not None
        self.jobs.append((job, committed))


@pytest.fixture
def sent(settings, monkeypatch) -> Recorder:
    """What the app's queue is handed (the grading threads are still woken and grade)."""
    recorder = Recorder(settings)
    wake = EmbeddedQueue.enqueue

    def record(queue: EmbeddedQueue, job: lifecycle.Job) -> None:
        recorder.enqueue(job)
        wake(queue, job)

    monkeypatch.setattr(EmbeddedQueue, "enqueue", record)
    prepare(settings, demo=True)
    return recorder


def count_submissions(settings) -> int:  # type: ignore[no-untyped-def]
    with database(settings) as session:
        return session.scalar(select(func.count()).select_from(Submission))


def test_a_submission_is_sent_to_grading_only_after_its_request_commits(settings, sent):
    headers = auth(token_for(settings, "student1@kadai.local", "read,submit"))
    with TestClient(create_app(settings)) as client:
        _, assignment = quiz_assignment(client, headers)
        response = client.post(
            f"/api/v1/assignments/{assignment['id']}/submissions",
            json={"code": QUIZ},
            headers=headers,
        )
    assert response.status_code == 202, response.text
    assert sent.jobs == [(lifecycle.Job(response.json()["id"], "cpu"), True)]


def test_a_request_that_fails_after_accepting_grades_nothing_and_keeps_nothing(
    settings, sent, monkeypatch
):
    import backend.api.v1

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the response could not be built")

    # Fails after create_submission queued its job, inside the same request.
    monkeypatch.setattr(backend.api.v1, "submission_out", broken)
    headers = auth(token_for(settings, "student1@kadai.local", "read,submit"))
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        _, assignment = quiz_assignment(client, headers)
        response = client.post(
            f"/api/v1/assignments/{assignment['id']}/submissions",
            json={"code": QUIZ},
            headers=headers,
        )
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal_error"
    assert sent.jobs == []
    assert count_submissions(settings) == 0


@pytest.fixture
def sessions(settings, prepare_demo) -> Iterator:  # type: ignore[type-arg]
    prepare_demo(settings)
    engine = make_engine(settings.sqlalchemy_url)
    yield make_session_factory(engine)
    engine.dispose()


def test_a_rolled_back_unit_of_work_sends_nothing_and_a_later_commit_only_its_own(
    settings, sessions
):
    recorder = Recorder(settings)
    lifecycle.send_jobs_after_commit(sessions, recorder)
    from tests.backend.test_pages import assignment_id

    quiz = assignment_id(settings, "true-false")
    with pytest.raises(RuntimeError), transaction(sessions) as session:
        student = UserRepository(session).by_email("student1@kadai.local")
        create_submission(session, student, quiz, QUIZ, 256 * 1024)
        assert len(lifecycle.queued_jobs(session)) == 1
        raise RuntimeError("the request failed")
    with transaction(sessions) as session:
        student = UserRepository(session).by_email("student1@kadai.local")
        kept = create_submission(session, student, quiz, QUIZ, 256 * 1024)
    assert recorder.jobs == [(lifecycle.Job(kept.id, "cpu"), True)]
    assert kept.attempt == 1  # the rolled-back one took no attempt


def test_the_queue_is_chosen_at_acceptance_and_kept_by_requeues_until_a_regrade(
    settings, sessions, tmp_path
):
    from tests.backend.test_pages import assignment_id

    recorder = Recorder(settings)
    lifecycle.send_jobs_after_commit(sessions, recorder)
    gpu_copy = tmp_path / "normalized-dataset"
    shutil.copytree(PROJECT_ROOT / "exercises/normalized-dataset", gpu_copy)
    toml = gpu_copy / "exercise.toml"
    toml.write_text(toml.read_text().replace("[limits]\n", '[limits]\ngpu = "required"\n'))
    with transaction(sessions) as session:
        publish(session, load_exercise(gpu_copy), settings.data_dir / "exercises")
        student = UserRepository(session).by_email("student1@kadai.local")
        assignment = assignment_id(settings, "normalized-dataset")
        submission_id = create_submission(session, student, assignment, "x = 1", 256 * 1024).id
    with transaction(sessions) as session:
        row = session.get(Submission, submission_id)
        assert row.queue == "gpu"
        row.created_at = row.created_at.replace(year=2000)  # stuck: never picked up
    assert lifecycle.sweep(sessions, stuck_after_s=60, max_tries=3).requeued == [submission_id]
    # The exercise's current version goes back to the one without a GPU; a regrade routes again.
    with transaction(sessions) as session:
        original = load_exercise(PROJECT_ROOT / "exercises/normalized-dataset")
        publish(session, original, settings.data_dir / "exercises")
        teacher = UserRepository(session).by_email("teacher@kadai.local")
        regrade_submission(session, teacher, submission_id)
    assert [(job.queue, committed) for job, committed in recorder.jobs] == [
        ("gpu", True),  # accepted
        ("gpu", True),  # requeued by the sweep
        ("cpu", True),  # regraded against the new version
    ]


TRANSITION_FIELDS = {"status", "lease", "grading_tries", "queue"}


def transition_writes(path) -> list[str]:  # type: ignore[no-untyped-def]
    """Assignments to a transition field, and ``update(Submission)`` statements, in ``path``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        targets = node.targets if isinstance(node, ast.Assign) else []
        if isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        found += [
            f"line {node.lineno}: .{target.attr} ="
            for target in targets
            if isinstance(target, ast.Attribute) and target.attr in TRANSITION_FIELDS
        ]
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "update"
            and any(isinstance(arg, ast.Name) and arg.id == "Submission" for arg in node.args)
        ):
            found.append(f"line {node.lineno}: update(Submission)")
    return found


def test_only_the_lifecycle_module_changes_a_submissions_status_or_lease():
    backend = PROJECT_ROOT / "backend"
    writers = {
        f"{path.relative_to(PROJECT_ROOT)} {write}"
        for path in backend.rglob("*.py")
        if path != backend / "submissions" / "lifecycle.py"
        for write in transition_writes(path)
    }
    assert writers == set()
    assert transition_writes(backend / "submissions" / "lifecycle.py")  # the check sees them


def test_an_exercise_that_runs_on_a_gpu_where_there_is_one_is_routed_by_the_deployment():
    """``gpu = "optional"`` is neither queue by itself: CeleryQueue sends it where the deployment
    says (tests/backend/test_scale_out.py sends it to a real Redis both ways)."""
    optional = load_exercise(PROJECT_ROOT / "exercises/device-and-amp")
    assert optional.meta.limits.gpu == "optional"
    assert lifecycle.queue_for(optional) == "gpu-opt"
    assert lifecycle.queue_for(load_exercise(PROJECT_ROOT / "exercises/custom-module")) == "cpu"
