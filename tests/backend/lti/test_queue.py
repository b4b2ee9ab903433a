"""Score sends ride the grading queue: in the Celery mode each is its own task on the cpu queue,
delayed by its backoff; the worker knows the task."""

from __future__ import annotations

from backend.celery_app import make_celery
from backend.queue import PASSBACK_TASK, CeleryQueue
from backend.settings import Settings
from backend.submissions.lifecycle import PassbackJob


class Recorder:
    def __init__(self) -> None:
        self.sent: list[tuple[str, dict]] = []

    def send_task(self, name: str, **options: object) -> None:
        self.sent.append((name, options))


def test_a_passback_job_is_a_celery_task_of_its_own():
    app = Recorder()
    CeleryQueue(app).enqueue(PassbackJob(7, 2.5))  # type: ignore[arg-type]
    CeleryQueue(app).enqueue(PassbackJob(8))  # type: ignore[arg-type]
    assert app.sent == [
        (PASSBACK_TASK, {"args": [7], "queue": "cpu", "countdown": 2.5, "retry": False}),
        (PASSBACK_TASK, {"args": [8], "queue": "cpu", "countdown": None, "retry": False}),
    ]


def test_the_worker_registers_the_passback_task(tmp_path):
    settings = Settings(environment="test", data_dir=tmp_path, queue_backend="celery")
    assert PASSBACK_TASK in make_celery(settings).tasks
