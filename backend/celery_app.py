"""Celery workers for scale-out grading: Redis broker, late acknowledgement, cpu and gpu queues.

``kadai worker`` runs one (the only thing the backend calls a worker; in-process grading is done by
grading threads). A worker that dies mid-grading has its job redelivered (``acks_late`` +
``reject_on_worker_lost``); the submission's lease makes that redelivery idempotent. The database,
not the broker, is the record of what was accepted.
"""

from __future__ import annotations

from celery import Celery
from celery.signals import worker_process_init, worker_process_shutdown

from backend.db import make_engine, make_session_factory
from backend.lti import passback
from backend.queue import GRADE_TASK, PASSBACK_TASK, SIMILARITY_TASK, CeleryQueue
from backend.settings import Settings
from backend.similarity import service as similarity
from backend.submissions import grading
from backend.submissions.threads import lifecycle, prewarm_open_exercises
from backend.webhooks import graded_notifier
from grader.engine import Grader


def make_celery(settings: Settings) -> Celery:
    app = Celery("kadai", broker=settings.broker_url)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue="cpu",
        broker_connection_retry_on_startup=True,
        broker_transport_options={"visibility_timeout": max(300, int(settings.stuck_after_s))},
        worker_hijack_root_logger=False,
    )
    state: dict = {}
    notify = graded_notifier(settings.webhook_url, settings.webhook_secret)

    @worker_process_init.connect(weak=False)
    def _fresh_connections(**_kwargs: object) -> None:
        # Each forked pool process opens its own database pool and Docker client, and has a
        # sandbox ready for each open assignment's exercise before its first task.
        state.clear()
        try:
            sessions, grader = resources()
        except Exception:  # noqa: BLE001 — the first task reports it, and is retried
            return
        if grader.settings.prewarm_sandboxes:
            prewarm_open_exercises(sessions, grader)

    @worker_process_shutdown.connect(weak=False)
    def _close_grader(**_kwargs: object) -> None:
        # Removes this process's warm sandboxes; a SIGKILLed process leaves them to the reaper.
        if "grader" in state:
            state["grader"].close()

    def resources() -> tuple:
        if not state:
            engine = make_engine(settings.sqlalchemy_url)
            state["sessions"] = make_session_factory(engine)
            # A retry (see lifecycle.store_result) goes back to the submission's queue.
            lifecycle.send_jobs_after_commit(
                state["sessions"], CeleryQueue(app, settings.optional_gpu_queue)
            )
            state["grader"] = Grader(settings.grader)
        return state["sessions"], state["grader"]

    @app.task(name=GRADE_TASK, acks_late=True, reject_on_worker_lost=True, shared=False)
    def grade_submission(submission_id: int) -> str:
        sessions, grader = resources()
        lease = lifecycle.claim(sessions, submission_id, take_over_running=True)
        if lease is None:
            return "already-finished"
        stored = grading.run(
            sessions, grader.grade, submission_id, lease, settings.max_grading_tries
        )
        if stored == "stored":
            grading.announce(sessions, submission_id, notify)
        return stored

    @app.task(name=PASSBACK_TASK, acks_late=True, shared=False)
    def send_lti_score(send_id: int) -> str:
        sessions, _grader = resources()
        return passback.deliver(
            sessions, send_id, settings.lti_passback_retry_s, settings.lti_passback_tries
        )

    @app.task(name=SIMILARITY_TASK, acks_late=True, shared=False)
    def make_similarity_run(run_id: int) -> str:
        sessions, _grader = resources()
        return similarity.execute(sessions, run_id)

    return app


def worker_queues(settings: Settings) -> list[str]:
    return ["cpu", "gpu"] if settings.worker_gpus > 0 else ["cpu"]
