"""Courses and who is enrolled in them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base
from backend.models._common import utcnow


class Course(Base):
    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    # Which attempt counts in the gradebook: "best" or "latest".
    score_policy: Mapped[str] = mapped_column(String(10), default="best")
    # An IANA zone ("Asia/Tokyo"): times are stored in UTC and shown, typed and exported in it.
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Archived: a past term, kept for its records; learners no longer see it or submit to it.
    archived_at: Mapped[datetime | None]


class Enrollment(Base):
    __tablename__ = "enrollments"
    __table_args__ = (UniqueConstraint("course_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # "student" or "instructor" within this course.
    role: Mapped[str] = mapped_column(String(20), default="student")
