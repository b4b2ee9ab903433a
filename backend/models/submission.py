"""A learner's attempt at an assignment and, once graded, its result."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base
from backend.models._common import utcnow


class SubmissionStatus(StrEnum):
    queued = "queued"
    running = "running"
    graded = "graded"
    error = "error"


class Submission(Base):
    __tablename__ = "submissions"
    __table_args__ = (
        UniqueConstraint("assignment_id", "user_id", "attempt"),
        Index("ix_submissions_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    attempt: Mapped[int]
    code: Mapped[str] = mapped_column(Text)
    # Set when the code was extracted from a Jupyter notebook: its file name, its cell map and the
    # notes on what was not run (grader.notebook.NotebookSource.to_dict, as JSON).
    notebook_json: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default=SubmissionStatus.queued)
    score: Mapped[float | None]
    max_score: Mapped[float | None]
    result_json: Mapped[str | None] = mapped_column(Text)
    exercise_version: Mapped[str] = mapped_column(String(32))
    late: Mapped[bool] = mapped_column(default=False)
    # A staff override of the graded score (after a regrade request): it counts instead of
    # ``score`` (gradebook.service.effective_score) and survives a regrade.
    score_override: Mapped[float | None]
    override_reason: Mapped[str | None] = mapped_column(Text)
    override_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    override_at: Mapped[datetime | None]
    # "cpu" or "gpu": chosen once, at acceptance (and again at a regrade), from the exercise.
    queue: Mapped[str] = mapped_column(String(8), default="cpu", server_default="cpu")
    grading_tries: Mapped[int] = mapped_column(default=0)
    # Who holds the grading now; a result is stored only by the current holder (exactly once).
    lease: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
