"""Building the gradebook from submissions, by the course's score policy (best or latest).

It reads only the columns it shows (never a submission's code or result), one page of students
at a time for the browser. Late penalties are computed here, as the book is read, from the
assignment's current policy and the student's deadline override (:func:`counted_score`): changing
a policy or granting an extension changes the book at once, without regrading anything.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.courses.repository import CourseRepository
from backend.exercises.repository import ExerciseRepository
from backend.gradebook.deadlines import (
    Deadline,
    Extension,
    LatePolicy,
    Policy,
    days_late,
    effective_deadline,
    penalty_fraction,
)
from backend.models import Assignment, Course, DeadlineOverride, Submission, User
from backend.submissions import hints
from backend.submissions.repository import SubmissionRepository

PAGE_SIZE = 100


class Attempt(Protocol):
    """What the gradebook needs of a submission (a narrow row, not the whole model)."""

    id: int
    attempt: int
    status: str
    score: float | None
    score_override: float | None
    late: bool
    created_at: datetime


@dataclass(frozen=True)
class Counted:
    """A score as the gradebook counts it: the raw (or staff-set) score less the late penalty."""

    raw: float | None
    penalty: float
    score: float | None
    days_late: int
    overridden: bool = False  # staff set the score (a regrade); ``raw`` is still the grader's


def policy_of(assignment: Assignment) -> Policy:
    try:
        kind = LatePolicy(assignment.late_policy)
    except ValueError:  # an unknown stored value counts as the default, never as a crash
        kind = LatePolicy.accept
    return Policy(kind, float(assignment.late_penalty or 0.0))


def deadline_of(assignment: Assignment, override: DeadlineOverride | None = None) -> Deadline:
    """The student's deadline: the assignment's, with their override (if any) applied."""
    extension = None
    if override is not None:
        extension = Extension(override.due_at, override.extra_attempts or 0)
    return effective_deadline(
        assignment.due_at, assignment.late_until, assignment.max_attempts, extension
    )


def counted_score(
    raw: float | None,
    submitted_at: datetime,
    deadline: Deadline,
    policy: Policy,
    override: float | None = None,
) -> Counted:
    """The one place the score that counts is computed.

    ``override`` is a score staff set on the submission (a regrade request's answer): it replaces
    ``raw`` before the penalty, since the work was late all the same (backend/gradebook/deadlines.py
    says why). Penalties are rounded to 4 decimals so that 0.1 × 3 shows as 0.3.
    """
    base = override if override is not None else raw
    days = days_late(submitted_at, deadline.due_at)
    if base is None:
        return Counted(raw, 0.0, None, days, override is not None)
    penalty = round(base * penalty_fraction(submitted_at, deadline, policy), 4)
    return Counted(raw, penalty, round(base - penalty, 4), days, override is not None)


@dataclass(frozen=True)
class Cell:
    score: float | None  # the score that counts (after any late penalty)
    max_score: float
    attempts: int
    late: bool
    submission_id: int | None
    submitted_at: datetime | None = None  # the counted attempt's, naive UTC
    hints: int = 0  # how many hints the student has been shown on this assignment
    raw_score: float | None = None  # the grader's score of the counted attempt
    penalty: float = 0.0
    days_late: int = 0
    extended: bool = False  # the student has a deadline override on this assignment
    original: float | None = None  # the graded score, when staff overrode it
    staff_score: float | None = None  # the score staff set (a regrade request's answer)


@dataclass(frozen=True)
class Row:
    student: User
    cells: list[Cell]

    @property
    def total(self) -> float:
        return sum(c.score or 0.0 for c in self.cells)


@dataclass(frozen=True)
class Gradebook:
    course: Course
    assignments: list[Assignment]
    titles: list[str]
    points: list[float] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    total_students: int = 0
    offset: int = 0
    limit: int | None = None

    @property
    def pages(self) -> int:
        return max(1, -(-self.total_students // self.limit)) if self.limit else 1

    @property
    def max_total(self) -> float:
        return sum(c.max_score for c in self.rows[0].cells) if self.rows else 0.0


def effective_score(attempt: Attempt) -> float | None:
    """An attempt's score before any late penalty: a staff override if set, else the graded one."""
    override = getattr(attempt, "score_override", None)
    return override if override is not None else attempt.score


def counting(
    submissions: Sequence[Attempt], policy: str, counted: dict[int, Counted] | None = None
) -> Attempt | None:
    """The attempt that counts: the latest graded, or the best by the score that counts (after
    staff overrides, and late penalties when ``counted`` gives them by submission id), the
    earliest of equals."""
    graded = [s for s in submissions if s.status == "graded" and effective_score(s) is not None]
    if not graded:
        return None
    if policy == "latest":
        return max(graded, key=lambda s: s.attempt)

    def score(s: Attempt) -> float:
        found = counted.get(s.id) if counted else None
        return found.score if found is not None and found.score is not None else effective_score(s)  # type: ignore[return-value]

    return max(graded, key=lambda s: (score(s), -s.attempt))


def cell_for(
    attempts: Sequence[Attempt],
    assignment: Assignment,
    score_policy: str,
    max_score: float,
    override: DeadlineOverride | None = None,
    hints_shown: int = 0,
) -> Cell:
    deadline, policy = deadline_of(assignment, override), policy_of(assignment)
    counted = {
        a.id: counted_score(
            a.score, a.created_at, deadline, policy, getattr(a, "score_override", None)
        )
        for a in attempts
    }
    chosen = counting(attempts, score_policy, counted)
    result = counted[chosen.id] if chosen else None
    return Cell(
        score=result.score if result else None,
        max_score=max_score,
        attempts=len(attempts),
        late=bool(result and result.days_late > 0),
        submission_id=chosen.id if chosen else None,
        submitted_at=chosen.created_at if chosen else None,
        hints=hints_shown,
        raw_score=result.raw if result else None,
        penalty=result.penalty if result else 0.0,
        days_late=result.days_late if result else 0,
        extended=deadline.extended,
        original=chosen.score if chosen and result and result.overridden else None,
        staff_score=getattr(chosen, "score_override", None) if chosen else None,
    )


def build(
    session: Session, course: Course, lang: str = "en", offset: int = 0, limit: int | None = None
) -> Gradebook:
    """Students ``offset`` to ``offset + limit`` (all when ``limit`` is None), by name."""
    courses = CourseRepository(session)
    exercises = ExerciseRepository(session)
    assignments = courses.assignments(course.id)
    students = courses.members(course.id, "student", offset=offset, limit=limit)
    by_key: dict[tuple[int, int], list[Attempt]] = {}
    rows_found = SubmissionRepository(session).gradebook_attempts(
        [a.id for a in assignments], None if limit is None else [s.id for s in students]
    )
    for row in rows_found:
        by_key.setdefault((row.user_id, row.assignment_id), []).append(row)
    hints_shown = hints.counts(session, [a.id for a in assignments])
    overrides = {
        (o.user_id, o.assignment_id): o
        for o in courses.overrides(
            [a.id for a in assignments], None if limit is None else [s.id for s in students]
        )
    }
    titles, points = [], []
    for assignment in assignments:
        exercise = exercises.get(assignment.exercise_id)
        titles.append(exercise.title_ja if lang == "ja" else exercise.title_en)  # type: ignore[union-attr]
        points.append(exercise.points)  # type: ignore[union-attr]
    rows = []
    for student in students:
        cells = []
        for assignment, max_score in zip(assignments, points, strict=True):
            key = (student.id, assignment.id)
            cells.append(
                cell_for(
                    by_key.get(key, []),
                    assignment,
                    course.score_policy,
                    max_score,
                    overrides.get(key),
                    hints_shown.get(key, 0),
                )
            )
        rows.append(Row(student=student, cells=cells))
    return Gradebook(
        course=course,
        assignments=assignments,
        titles=titles,
        points=points,
        rows=rows,
        total_students=courses.count_members(course.id, "student"),
        offset=offset,
        limit=limit,
    )


def to_json(book: Gradebook) -> dict:
    return {
        "course": {
            "id": book.course.id,
            "code": book.course.code,
            "score_policy": book.course.score_policy,
        },
        "assignments": [
            {"id": a.id, "exercise_id": a.exercise_id, "title": t}
            for a, t in zip(book.assignments, book.titles, strict=True)
        ],
        "total_students": book.total_students,
        "offset": book.offset,
        "students": [
            {
                "email": row.student.email,
                "name": row.student.name,
                "total": row.total,
                "cells": [
                    {
                        "assignment_id": a.id,
                        "score": c.score,
                        "raw_score": c.raw_score,
                        "late_penalty": c.penalty,
                        "days_late": c.days_late,
                        "extended": c.extended,
                        "max_score": c.max_score,
                        "attempts": c.attempts,
                        "late": c.late,
                        "submission_id": c.submission_id,
                        "hints_shown": c.hints,
                        "original_score": c.original,
                    }
                    for a, c in zip(book.assignments, row.cells, strict=True)
                ],
            }
            for row in book.rows
        ],
    }


@dataclass(frozen=True)
class FailureRate:
    name: str
    title_en: str
    title_ja: str
    failed: int
    total: int

    @property
    def percent(self) -> float:
        return 100.0 * self.failed / self.total if self.total else 0.0


def failure_rates(session: Session, assignment: Assignment) -> list[FailureRate]:
    """Per hidden test, how many students' latest graded attempt failed it (most failed first)."""
    latest: dict[int, tuple[int, str]] = {}
    for user_id, attempt, result_json in SubmissionRepository(session).graded_results(
        assignment.id
    ):
        previous = latest.get(user_id)
        if previous is None or attempt > previous[0]:
            latest[user_id] = (attempt, result_json)
    counts: dict[str, list] = {}
    for _attempt, result_json in latest.values():
        for test in json.loads(result_json or "{}").get("tests", []):
            entry = counts.setdefault(test["name"], [test["title"], 0, 0])
            entry[1] += test["status"] == "failed"
            entry[2] += 1
    rates = [
        FailureRate(name, title.get("en", name), title.get("ja", name), failed, total)
        for name, (title, failed, total) in counts.items()
    ]
    return sorted(rates, key=lambda r: (-r.percent, r.name))


@dataclass(frozen=True)
class Progress:
    """How far a regrade of one assignment has got: submissions still waiting or grading."""

    total: int
    pending: int

    @property
    def done(self) -> int:
        return self.total - self.pending


def grading_progress(session: Session, assignment: Assignment) -> Progress:
    query = (
        select(Submission.status, func.count())
        .where(Submission.assignment_id == assignment.id)
        .group_by(Submission.status)
    )
    counts = dict(session.execute(query).tuples().all())
    pending = counts.get("queued", 0) + counts.get("running", 0)
    return Progress(total=sum(counts.values()), pending=pending)
