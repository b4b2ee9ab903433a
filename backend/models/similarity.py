"""Similarity runs over one assignment's counted submissions (copydetect), and their pairs."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base
from backend.models._common import utcnow


class RunState(StrEnum):
    queued = "queued"  # waiting for its time (``run_after``) and a worker
    running = "running"
    done = "done"
    failed = "failed"


class SimilarityRun(Base):
    __tablename__ = "similarity_runs"
    __table_args__ = (Index("ix_similarity_runs_state", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"))
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    state: Mapped[str] = mapped_column(String(10), default=RunState.queued)
    # Not before this time: "now" for a run started by hand, the due date for a scheduled one.
    run_after: Mapped[datetime] = mapped_column(default=utcnow)
    # A worker that claimed the run holds it until then; a crashed one leaves it to the next.
    claimed_until: Mapped[datetime | None]
    compared: Mapped[int] = mapped_column(default=0)  # how many submissions took part
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


class SimilarityPair(Base):
    """Two submissions' overlap: ``similarity`` is the larger share of either's code found in
    the other; ``matches_json`` the matching fragments as [start, end) character offsets."""

    __tablename__ = "similarity_pairs"
    __table_args__ = (Index("ix_similarity_pairs_run_id", "run_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("similarity_runs.id", ondelete="CASCADE"))
    first_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"))
    second_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"))
    similarity: Mapped[float]
    first_share: Mapped[float]
    second_share: Mapped[float]
    tokens: Mapped[int]
    matches_json: Mapped[str] = mapped_column(Text)
