"""Exercises and their published versions (a package's content hash)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base
from backend.models._common import utcnow


class Exercise(Base):
    __tablename__ = "exercises"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    title_ja: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(10))
    points: Mapped[float]
    current_version: Mapped[str] = mapped_column(String(32))


class ExerciseVersion(Base):
    __tablename__ = "exercise_versions"
    __table_args__ = (UniqueConstraint("exercise_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exercise_id: Mapped[str] = mapped_column(ForeignKey("exercises.id", ondelete="CASCADE"))
    version: Mapped[str] = mapped_column(String(32))
    # Where the package's files are kept, so an old version can still be shown or regraded.
    package_path: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
