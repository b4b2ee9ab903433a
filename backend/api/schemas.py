"""Request and response bodies of the REST API."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

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


class TextOut(BaseModel):
    en: str
    ja: str


class SeriesOut(BaseModel):
    name: TextOut
    points: list[tuple[float, float | None]] = Field(
        description="(x, y) pairs in order; y is null where the series has no value (a gap)"
    )
    role: Literal["learner", "reference", "other"] = Field(
        description="the learner's own values, the reference's (drawn dashed), or other"
    )


class MarkerOut(BaseModel):
    x: float
    label: TextOut


class ChartOut(BaseModel):
    """A line or bar chart as data (grader/artifacts.py's ``Chart``)."""

    title: TextOut
    kind: Literal["line", "bar"]
    x_label: TextOut
    y_label: TextOut
    series: list[SeriesOut] = Field(description="at most 6, each at most 1000 points")
    markers: list[MarkerOut] = Field(description='labelled x positions, such as "stopped here"')


class TableOut(BaseModel):
    """A table as data (grader/artifacts.py's ``Table``)."""

    title: TextOut
    header: list[TextOut]
    rows: list[list[str]] = Field(description="at most 100 rows of at most 12 cells")
    highlight: list[int] = Field(description="0-based indexes of the rows to look at")


class Artifacts(BaseModel):
    # The rest of the result passes through as stored (see grader/contract.py's GradingResult);
    # only what a client draws from is described field by field.
    model_config = ConfigDict(extra="allow")

    charts: list[ChartOut] = Field(default_factory=list, description="at most 4")
    tables: list[TableOut] = Field(default_factory=list, description="at most 4")


class TestResultOut(Artifacts):
    """One test's verdict; a test the caller may not see yet is ``withheld``, without its charts
    and tables."""

    __test__ = False  # not a pytest test class, despite the name


class ResultOut(Artifacts):
    """The grading result as the caller may see it; its own charts and tables are about the whole
    submission."""

    tests: list[TestResultOut] = Field(default_factory=list)


class SubmissionOut(BaseModel):
    id: int
    assignment_id: int
    attempt: int
    status: str
    score: float | None
    max_score: float | None
    score_override: float | None = Field(
        default=None, description="staff's override after a regrade request; counts instead"
    )
    late: bool
    created_at: UtcDatetime
    finished_at: UtcDatetime | None
    result: ResultOut | None = Field(
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
