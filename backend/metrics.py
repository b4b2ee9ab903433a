"""Prometheus metrics: queue depth, grading duration per exercise, sandbox failures."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from backend.models import Submission

REGISTRY = CollectorRegistry()
GRADING_SECONDS = Histogram(
    "kadai_grading_seconds",
    "Wall time of one grading, by exercise",
    ["exercise"],
    buckets=(0.5, 1, 2, 3, 5, 8, 13, 21, 34, 60, 120, 300),
    registry=REGISTRY,
)
GRADINGS = Counter(
    "kadai_gradings_total",
    "Finished gradings by exercise and status",
    ["exercise", "status"],
    registry=REGISTRY,
)
SANDBOX_FAILURES = Counter(
    "kadai_sandbox_failures_total",
    "Gradings that ended in an infrastructure error",
    ["outcome"],
    registry=REGISTRY,
)
QUEUE_DEPTH = Gauge(
    "kadai_queue_depth", "Submissions by state (queued, running)", ["status"], registry=REGISTRY
)


def observe(exercise: str, status: str, outcome: str, seconds: float) -> None:
    GRADING_SECONDS.labels(exercise).observe(seconds)
    GRADINGS.labels(exercise, status).inc()
    if status == "error":
        SANDBOX_FAILURES.labels(outcome).inc()


def render(sessions: sessionmaker[Session]) -> bytes:
    with sessions() as session:
        counts = dict(
            session.execute(
                select(Submission.status, func.count()).group_by(Submission.status)
            ).all()
        )
    for status in ("queued", "running"):
        QUEUE_DEPTH.labels(status).set(counts.get(status, 0))
    return generate_latest(REGISTRY)
