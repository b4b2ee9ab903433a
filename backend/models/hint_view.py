"""A hint a learner has been shown: one row per learner, assignment and test, the first time the
learner's own result page or API response carried it (staff count these per student)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base
from backend.models._common import utcnow


class HintView(Base):
    __tablename__ = "hint_views"
    __table_args__ = (UniqueConstraint("user_id", "assignment_id", "test"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"))
    # The hint's test (a test function's name, or a quiz's statement-N).
    test: Mapped[str] = mapped_column(String(200))
    # The submission whose result first showed it.
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"))
    shown_at: Mapped[datetime] = mapped_column(default=utcnow)
