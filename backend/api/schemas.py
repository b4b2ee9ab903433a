"""Request and response bodies of the REST API."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, Field

# Stored as naive UTC; sent as RFC 3339 with the offset, as the schema's date-time promises.
UtcDatetime = Annotated[
    datetime, AfterValidator(lambda d: d.replace(tzinfo=UTC) if d.tzinfo is None else d)
]

Item = TypeVar("Item")


class Page(BaseModel, Generic[Item]):
    items: list[Item]
    total: int
    limit: int
    offset: int


class CourseOut(BaseModel):
    id: int
    code: str
    title: str
    score_policy: str
    time_zone: str


class AssignmentOut(BaseModel):
    id: int
    course_id: int
    exercise_id: str
    title_en: str
    title_ja: str
    points: float
    due_at: UtcDatetime | None
    late_policy: str
    max_attempts: int | None


class SubmissionIn(BaseModel):
    code: str = Field(
        description="the source file, a Jupyter notebook's JSON, or the quiz's answers"
    )
    filename: str | None = Field(
        default=None,
        max_length=255,
        description="the file's name; one ending in .ipynb marks `code` as a Jupyter notebook, "
        "whose code cells are graded in order",
        examples=["work.ipynb"],
    )


class SubmissionOut(BaseModel):
    id: int
    assignment_id: int
    attempt: int
    status: str
    score: float | None
    max_score: float | None
    late: bool
    created_at: UtcDatetime
    finished_at: UtcDatetime | None
    result: dict[str, Any] | None = Field(
        default=None, description="the grading result as the caller may see it"
    )
    notebook: dict[str, Any] | None = Field(
        default=None,
        description="for code sent as a notebook: its filename, cells ([cell, first line, "
        "lines] of the graded file), notes on what was not run, and errors (each error's "
        "line of the graded file with its cell and line in the cell)",
    )
    hints: list[dict[str, Any]] = Field(
        default_factory=list,
        description="hints unlocked for tests this result failed: test, title, hint, failures",
    )


class ErrorBody(BaseModel):
    code: str
    message: str
    message_ja: str


class ErrorOut(BaseModel):
    error: ErrorBody


class MemberOut(BaseModel):
    user_id: int
    email: str
    name: str
    role: str


class EnrollmentIn(BaseModel):
    email: str
    role: str = "student"


class UserIn(BaseModel):
    email: str
    name: str
    password: str = Field(min_length=8)
    role: str = "student"


class UserOut(BaseModel):
    id: int
    email: str
    name: str
    role: str


class CourseIn(BaseModel):
    code: str = Field(min_length=1, max_length=64)
    title: str = Field(min_length=1, max_length=200)
    score_policy: str = "best"
    time_zone: str = Field(default="UTC", max_length=64, examples=["Asia/Tokyo"])


class AssignmentIn(BaseModel):
    exercise_id: str
    due_at: datetime | None = None
    late_policy: str = "accept"
    max_attempts: int | None = Field(default=None, ge=1)


class SessionsEnded(BaseModel):
    ended: int = Field(description="how many browser sessions were ended")
