"""Building the gradebook from submissions, by the course's score policy (best or latest)."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from backend.courses.repository import CourseRepository
from backend.exercises.repository import ExerciseRepository
from backend.models import Assignment, Course, Submission, User
from backend.submissions.repository import SubmissionRepository


@dataclass(frozen=True)
class Cell:
    score: float | None
    max_score: float
    attempts: int
    late: bool
    submission_id: int | None


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
    rows: list[Row] = field(default_factory=list)

    @property
    def max_total(self) -> float:
        return sum(c.max_score for c in self.rows[0].cells) if self.rows else 0.0


def counting(submissions: list[Submission], policy: str) -> Submission | None:
    graded = [s for s in submissions if s.status == "graded" and s.score is not None]
    if not graded:
        return None
    if policy == "latest":
        return max(graded, key=lambda s: s.attempt)
    return max(graded, key=lambda s: (s.score, -s.attempt))


def build(session: Session, course: Course, lang: str = "en") -> Gradebook:
    courses = CourseRepository(session)
    exercises = ExerciseRepository(session)
    assignments = courses.assignments(course.id)
    students = courses.members(course.id, "student")
    by_key: dict[tuple[int, int], list[Submission]] = {}
    for submission in SubmissionRepository(session).for_assignments([a.id for a in assignments]):
        by_key.setdefault((submission.user_id, submission.assignment_id), []).append(submission)
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
                    score=chosen.score if chosen else None,
                    max_score=max_score,
                    attempts=len(mine),
                    late=bool(chosen and chosen.late),
                    submission_id=chosen.id if chosen else None,
                )
            )
        rows.append(Row(student=student, cells=cells))
    return Gradebook(course=course, assignments=assignments, titles=titles, rows=rows)


def to_csv(book: Gradebook) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    header = ["email", "name"]
    for assignment in book.assignments:
        header += [
            f"{assignment.exercise_id} score",
            f"{assignment.exercise_id} attempts",
            f"{assignment.exercise_id} late",
        ]
    writer.writerow([*header, "total"])
    for row in book.rows:
        values: list[object] = [row.student.email, row.student.name]
        for cell in row.cells:
            values += [
                "" if cell.score is None else f"{cell.score:g}",
                cell.attempts,
                "yes" if cell.late else "",
            ]
        writer.writerow([*values, f"{row.total:g}"])
    return out.getvalue()


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
    latest: dict[int, Submission] = {}
    for submission in SubmissionRepository(session).for_assignments([assignment.id]):
        if submission.status == "graded" and submission.result_json:
            previous = latest.get(submission.user_id)
            if previous is None or submission.attempt > previous.attempt:
                latest[submission.user_id] = submission
    counts: dict[str, list] = {}
    for submission in latest.values():
        for test in json.loads(submission.result_json or "{}").get("tests", []):
            entry = counts.setdefault(test["name"], [test["title"], 0, 0])
            entry[1] += test["status"] == "failed"
            entry[2] += 1
    rates = [
        FailureRate(name, title.get("en", name), title.get("ja", name), failed, total)
        for name, (title, failed, total) in counts.items()
    ]
    return sorted(rates, key=lambda r: (-r.percent, r.name))
