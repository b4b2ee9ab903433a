"""Grade passback as durable jobs: one row per student and assignment on a platform, holding the
score to send and how the sending went."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base
from backend.models._common import utcnow


class SendStatus(StrEnum):
    pending = "pending"
    sent = "sent"
    failed = "failed"  # gave up after the last try; staff can resend


class LtiScoreSend(Base):
    __tablename__ = "lti_score_sends"
    __table_args__ = (
        UniqueConstraint("platform_id", "assignment_id", "user_id"),
        Index("ix_lti_score_sends_state", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id", ondelete="CASCADE"))
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    score_given: Mapped[float]
    score_maximum: Mapped[float]
    # The AGS timestamp: when the score that counts last changed (or staff resent it), rising per
    # row, since a platform refuses a score older than the last one it took.
    graded_at: Mapped[datetime]
    # Not "status": that word is the submission lifecycle's (tests/backend/test_lifecycle.py).
    state: Mapped[str] = mapped_column(String(10), default=SendStatus.pending)
    tries: Mapped[int] = mapped_column(default=0)
    next_try_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The platform's answer to the last failed try (status and body), for staff.
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
