"""An exercise given in a course, with its due date, late policy and attempt limit; and the
per-student deadline overrides (extensions, extra attempts) staff grant on it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base
from backend.models._common import utcnow


class Assignment(Base):
    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    exercise_id: Mapped[str] = mapped_column(ForeignKey("exercises.id"))
    due_at: Mapped[datetime | None]
    # The hard close ("late until"): nothing is accepted after it. None: late work is accepted
    # for ever (unless the policy is "reject").
    late_until: Mapped[datetime | None]
    # What late work costs (backend/gradebook/deadlines.py): "accept" (no penalty, flagged late),
    # "per_day" (late_penalty percent per started day), "fixed" (late_penalty percent once),
    # "reject" (nothing accepted after the due date).
    late_policy: Mapped[str] = mapped_column(String(10), default="accept")
    late_penalty: Mapped[float] = mapped_column(default=0.0, server_default="0")
    max_attempts: Mapped[int | None]
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Archived: hidden from learners and closed to submissions, its submissions kept.
    archived_at: Mapped[datetime | None]


class DeadlineOverride(Base):
    """One student's exception on one assignment: a later due date and/or extra attempts."""

    __tablename__ = "deadline_overrides"
    __table_args__ = (UniqueConstraint("assignment_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # The student's own due date (None: the assignment's); the hard close moves with it.
    due_at: Mapped[datetime | None]
    extra_attempts: Mapped[int] = mapped_column(default=0)
    # Why (an accommodation, an illness): shown to staff only, never to the learner.
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
