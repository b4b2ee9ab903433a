"""Similarity runs on a real corpus (tests/fixtures/similarity): disguised copies rank above
independent correct solutions; runs are made in the background, scheduled ones when due; the
side-by-side view marks the matching fragments and escapes everything."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, update

from backend.celery_app import make_celery
from backend.courses import service as courses
from backend.courses.repository import CourseRepository
from backend.db import make_engine, make_session_factory
from backend.models import Assignment, Exercise, SimilarityRun, Submission, User
from backend.models._common import utcnow
from backend.queue import SIMILARITY_TASK, CeleryQueue
from backend.settings import Settings
from backend.similarity import service as similarity
from backend.submissions.lifecycle import SimilarityJob
from tests.backend.conftest import database, sign_in, token_for

CORPUS = (
    Path(__file__).resolve().parents[1] / "fixtures" / "similarity" / "early-stopping-checkpoint"
)
EXERCISE = "early-stopping-checkpoint"
COPIES = {"independent_a", "copy_renamed", "copy_reordered"}
HOSTILE = "\n# </pre><script>alert('x')</script>\n"


def add_corpus(settings) -> tuple[int, dict[int, str]]:
    """One learner per corpus file, its counted submission that file (graded 10 / 10); the
    renamed copy's learner also has an earlier, worse attempt (the starter), which never counts.
    Returns the assignment's id and each counted submission's file."""
    files = sorted(CORPUS.glob("*.py"))
    counted = {}
    with database(settings) as session:
        course = CourseRepository(session).by_code("demo")
        assignment = session.scalar(select(Assignment).where(Assignment.exercise_id == EXERCISE))
        exercise = session.get(Exercise, EXERCISE)
        for index, path in enumerate(files):
            user = User(email=f"{path.stem}@kadai.local", name=path.stem, password_hash="!")
            session.add(user)
            session.flush()
            courses.enroll(session, course, user)
            attempts = [(path.read_text() + (HOSTILE if path.stem == "copy_reordered" else ""), 10)]
            if path.stem == "copy_renamed":
                starter = (CORPUS.parents[3] / "exercises" / EXERCISE / "starter.py").read_text()
                attempts.insert(0, (starter, 0))
            for number, (code, score) in enumerate(attempts, start=1):
                submission = Submission(
                    assignment_id=assignment.id,
                    user_id=user.id,
                    attempt=number,
                    code=code,
                    status="graded",
                    score=score,
                    max_score=10,
                    exercise_version=exercise.current_version,
                )
                session.add(submission)
                session.flush()
            counted[submission.id] = path.stem
            assert index == len(counted) - 1
        return assignment.id, counted


def wait_done(client, headers, run_id: int, timeout_s: float = 120) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        body = client.get(f"/api/v1/similarity-runs/{run_id}?limit=500", headers=headers).json()
        if body["state"] in ("done", "failed"):
            return body
        time.sleep(0.3)
    raise AssertionError(f"run {run_id} not made in {timeout_s}s")


def test_disguised_copies_rank_above_independent_solutions(app_client, settings):
    assignment_id, counted = add_corpus(settings)
    staff = {"Authorization": f"Bearer {token_for(settings, 'teacher@kadai.local', 'grades')}"}
    started = app_client.post(
        f"/api/v1/assignments/{assignment_id}/similarity-runs", json={}, headers=staff
    )
    assert started.status_code == 202, started.text
    run = wait_done(app_client, staff, started.json()["id"])  # made by the background runner
    assert run["state"] == "done", run["error"]
    assert run["compared"] == len(counted) == 7  # counted submissions only, one per learner
    ranked = [
        ({counted[p["first"]["submission_id"]], counted[p["second"]["submission_id"]]}, p)
        for p in run["pairs"]
    ]
    copies = [p for names, p in ranked if names <= COPIES]
    independent = [p for names, p in ranked if not names <= COPIES]
    assert len(copies) == 3 and ranked[:3] == [(n, p) for n, p in ranked if n <= COPIES]
    lowest_copy = min(p["similarity"] for p in copies)
    highest_other = max((p["similarity"] for p in independent), default=0.0)
    assert lowest_copy > 0.9 and highest_other < 0.5, (lowest_copy, highest_other)
    # The starter's SimpleNet and __init__, in every file, are ignored: no pair of independent
    # solutions shares even half its code.
    assert lowest_copy - highest_other > 0.5

    sign_in(app_client, "teacher@kadai.local")
    page = app_client.get(f"/assignments/{assignment_id}/similarity").text
    assert page.count('data-testid="pair-row"') == len(run["pairs"])
    first_link = page.split('href="/similarity/pairs/')[1].split('"')[0]
    assert int(first_link) == run["pairs"][0]["id"]
    hostile_pair = next(p["id"] for names, p in ranked if "copy_reordered" in names)
    view = app_client.get(f"/similarity/pairs/{hostile_pair}").text
    assert '<mark class="match"' in view
    assert "&lt;/pre&gt;&lt;script&gt;alert(" in view and "<script>alert(" not in view
    top = app_client.get(f"/similarity/pairs/{run['pairs'][0]['id']}").text
    assert top.count('data-testid="match"') >= 2  # both sides marked


def test_a_run_scheduled_after_the_due_date_waits_for_it(app_client, settings):
    assignment_id, _counted = add_corpus(settings)
    sign_in(app_client, "teacher@kadai.local")
    csrf = app_client.get("/").text.split('name="csrf-token" content="')[1].split('"')[0]
    response = app_client.post(
        f"/assignments/{assignment_id}/similarity",
        data={"when": "after_due", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert response.status_code == 303
    again = app_client.post(
        f"/assignments/{assignment_id}/similarity", data={"when": "now", "csrf_token": csrf}
    )
    assert again.status_code == 409  # one waiting run per assignment
    engine = make_engine(settings.sqlalchemy_url)
    sessions = make_session_factory(engine)
    try:
        assert similarity.run_due(sessions) == {}  # due in a week: nothing to make yet
        with database(settings) as session:
            run = session.scalars(select(SimilarityRun)).one()
            due = session.get(Assignment, assignment_id).due_at
            assert (run.state, run.run_after) == ("queued", due)
            # The due date passes.
            session.execute(update(SimilarityRun).values(run_after=utcnow() - timedelta(seconds=1)))
        assert similarity.run_due(sessions) == {"done": 1}
        assert similarity.run_due(sessions) == {}  # made once
    finally:
        engine.dispose()
    page = app_client.get(f"/assignments/{assignment_id}/similarity").text
    assert 'data-testid="pair-row"' in page


def test_only_course_staff_run_it_and_only_on_code(app_client, settings):
    with database(settings) as session:
        quiz = session.scalar(select(Assignment).where(Assignment.exercise_id == "true-false"))
        code = session.scalar(select(Assignment).where(Assignment.exercise_id == EXERCISE))
        quiz_id, code_id = quiz.id, code.id
    staff = {"Authorization": f"Bearer {token_for(settings, 'teacher@kadai.local', 'grades')}"}
    learner = {"Authorization": f"Bearer {token_for(settings, 'student1@kadai.local', 'read')}"}
    url = "/api/v1/assignments/{}/similarity-runs"
    assert app_client.post(url.format(quiz_id), json={}, headers=staff).status_code == 422
    assert app_client.post(url.format(code_id), json={}, headers=learner).status_code == 403
    sign_in(app_client, "student1@kadai.local")
    assert app_client.get(f"/assignments/{code_id}/similarity").status_code == 403


class Recorder:
    def __init__(self) -> None:
        self.sent: list[tuple[str, dict]] = []

    def send_task(self, name: str, **options: object) -> None:
        self.sent.append((name, options))


def test_with_celery_a_run_is_a_worker_task_and_a_far_schedule_is_left_to_the_poll(tmp_path):
    app = Recorder()
    CeleryQueue(app).enqueue(SimilarityJob(3))  # type: ignore[arg-type]
    CeleryQueue(app).enqueue(SimilarityJob(4, delay_s=7 * 86400))  # type: ignore[arg-type]
    assert app.sent == [
        (SIMILARITY_TASK, {"args": [3], "queue": "cpu", "countdown": None, "retry": False})
    ]
    settings = Settings(environment="test", data_dir=tmp_path, queue_backend="celery")
    assert SIMILARITY_TASK in make_celery(settings).tasks


def test_a_celery_workers_task_makes_the_run(settings, prepare_demo):
    prepare_demo(settings)
    assignment_id, counted = add_corpus(settings)
    with database(settings) as session:
        teacher = session.scalar(select(User).where(User.email == "teacher@kadai.local"))
        run_id = similarity.start(session, teacher, assignment_id).id
    worker = make_celery(settings.model_copy(update={"queue_backend": "celery"}))
    # The task's body, as a worker process runs it (no broker needed to call it here).
    assert worker.tasks[SIMILARITY_TASK](run_id) == "done"
    assert worker.tasks[SIMILARITY_TASK](run_id) == "skipped"  # a redelivery makes nothing twice
    with database(settings) as session:
        run = session.get(SimilarityRun, run_id)
        assert (run.state, run.compared) == ("done", len(counted))
