"""Building the gradebook from submissions, by the course's score policy (best or latest).

It reads only the columns it shows (never a submission's code or result), one page of students
at a time for the browser.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.courses.repository import CourseRepository
from backend.exercises.repository import ExerciseRepository
from backend.models import Assignment, Course, Submission, User
from backend.submissions import hints
from backend.submissions.repository import SubmissionRepository

PAGE_SIZE = 100
# OWASP's rule against CSV (formula) injection: a spreadsheet runs a cell starting with these.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


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
class Cell:
    score: float | None
    max_score: float
    attempts: int
    late: bool
    submission_id: int | None
    submitted_at: datetime | None = None  # the counted attempt's, naive UTC
    hints: int = 0  # how many hints the student has been shown on this assignment
    original: float | None = None  # the graded score, when staff overrode it


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
    """The score that counts for one attempt: a staff override if set, else the graded score."""
    override = getattr(attempt, "score_override", None)
    return override if override is not None else attempt.score


def counting(submissions: Sequence[Attempt], policy: str) -> Attempt | None:
    graded = [s for s in submissions if s.status == "graded" and effective_score(s) is not None]
    if not graded:
        return None
    if policy == "latest":
        return max(graded, key=lambda s: s.attempt)
    return max(graded, key=lambda s: (effective_score(s), -s.attempt))


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
    titles, points = [], []
    for assignment in assignments:
        exercise = exercises.get(assignment.exercise_id)
        titles.append(exercise.title_ja if lang == "ja" else exercise.title_en)  # type: ignore[union-attr]
        points.append(exercise.points)  # type: ignore[union-attr]
    rows = []
    for student in students:
        cells = []
        for assignment, max_score in zip(assignments, points, strict=True):
            mine = by_key.get((student.id, assignment.id), [])
            chosen = counting(mine, course.score_policy)
            cells.append(
                Cell(
                    score=effective_score(chosen) if chosen else None,
                    max_score=max_score,
                    attempts=len(mine),
                    late=bool(chosen and chosen.late),
                    submission_id=chosen.id if chosen else None,
                    submitted_at=chosen.created_at if chosen else None,
                    hints=hints_shown.get((student.id, assignment.id), 0),
                    original=chosen.score if chosen and chosen.score_override is not None else None,
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


def csv_safe(value: object) -> object:
    """A text cell a spreadsheet shows as text: a leading formula character is quoted away."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(book: Gradebook) -> str:
    """The gradebook for a spreadsheet: titled columns with their maximum points, times on the
    course's clock, and a byte order mark so that Excel reads the UTF-8 (Japanese names) right."""
    zone = ZoneInfo(book.course.time_zone or "UTC")
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    header = ["email", "name"]
    for title, points in zip(book.titles, book.points, strict=True):
        header += [
            f"{title} (max {points:g}) score",
            f"{title} attempts",
            f"{title} late",
            f"{title} submitted ({zone.key})",
        ]
    header.append(f"total (max {sum(book.points):g})")
    writer.writerow([csv_safe(cell) for cell in header])
    for row in book.rows:
        values: list[object] = [csv_safe(row.student.email), csv_safe(row.student.name)]
        for cell in row.cells:
            values += [
                "" if cell.score is None else f"{cell.score:g}",
                cell.attempts,
                "yes" if cell.late else "",
                local_text(cell.submitted_at, zone),
            ]
        writer.writerow([*values, f"{row.total:g}"])
    return out.getvalue()


def local_text(moment: datetime | None, zone: ZoneInfo) -> str:
    if moment is None:
        return ""
    return moment.replace(tzinfo=UTC).astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")


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
