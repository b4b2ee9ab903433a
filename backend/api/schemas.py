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
    archived_at: UtcDatetime | None = None


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
    late_until: UtcDatetime | None = None
    late_penalty: float = 0.0
    archived: bool = False


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


LATE_POLICY_HELP = (
    "accept: late work accepted without penalty (flagged late); per_day: late_penalty percent "
    "of the score per started 24 hours after the due date; fixed: late_penalty percent once; "
    "reject: nothing accepted after the due date"
)


class AssignmentIn(BaseModel):
    exercise_id: str
    due_at: datetime | None = None
    late_policy: Literal["accept", "per_day", "fixed", "reject"] = Field(
        default="accept", description=LATE_POLICY_HELP
    )
    max_attempts: int | None = Field(default=None, ge=1)
    late_until: datetime | None = Field(
        default=None, description="the hard close: nothing is accepted after it"
    )
    late_penalty: float = Field(default=0.0, ge=0, le=100, description="percent, see late_policy")


class SessionsEnded(BaseModel):
    ended: int = Field(description="how many browser sessions were ended")


class AssignmentPatch(BaseModel):
    """Only the fields sent change; null clears a due date, hard close or attempt limit.
    Scores are recomputed as the gradebook is read: nothing is regraded."""

    due_at: datetime | None = None
    late_until: datetime | None = None
    late_policy: Literal["accept", "per_day", "fixed", "reject"] | None = Field(
        default=None, description=LATE_POLICY_HELP
    )
    late_penalty: float | None = Field(default=None, ge=0, le=100)
    max_attempts: int | None = Field(default=None, ge=1)
    archived: bool | None = Field(
        default=None, description="archived: hidden from learners, closed to submissions"
    )


class CoursePatch(BaseModel):
    """Only the fields sent change; ``code`` and ``archived`` are for administrators."""

    code: str | None = Field(default=None, min_length=1, max_length=64)
    title: str | None = Field(default=None, min_length=1, max_length=200)
    score_policy: Literal["best", "latest"] | None = None
    time_zone: str | None = Field(default=None, max_length=64, examples=["Asia/Tokyo"])
    archived: bool | None = None


class CourseCopyIn(BaseModel):
    code: str = Field(min_length=1, max_length=64)
    title: str = Field(min_length=1, max_length=200)
    shift_days: int = Field(
        default=0,
        ge=-3650,
        le=3650,
        description="every due date and hard close moves by this many days",
    )


class OverrideIn(BaseModel):
    emails: list[str] = Field(
        min_length=1, max_length=1000, description="the students (one or a group) it applies to"
    )
    due_at: datetime | None = Field(
        default=None, description="the students' own due date, later than the assignment's"
    )
    extra_attempts: int = Field(default=0, ge=0, le=1000)
    reason: str = Field(
        default="", max_length=2000, description="e.g. an accommodation; shown to staff only"
    )


class OverrideOut(BaseModel):
    assignment_id: int
    user_id: int
    email: str
    name: str
    due_at: UtcDatetime | None
    extra_attempts: int
    reason: str
    effective_due_at: UtcDatetime | None
    effective_late_until: UtcDatetime | None
    effective_max_attempts: int | None


class AuditEntryOut(BaseModel):
    id: int
    at: UtcDatetime
    actor_id: int | None
    actor_email: str | None
    action: str
    subject_type: str
    subject_id: str
    course_id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
