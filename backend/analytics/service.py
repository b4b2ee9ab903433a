"""Course analytics from the stored submissions: per assignment, the score distribution, attempts
and time until full marks, per-test failure rates over time and the most common failing
messages; per student, a timeline of attempts.

Each is built as the result page's charts and tables (grader.artifacts), so the page draws them
with the same script and the same table fallback (the CSV and JSON: ``export.py``).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.courses.repository import CourseRepository
from backend.courses.service import get_assignment, require_course_staff
from backend.exercises.repository import ExerciseRepository
from backend.gradebook.service import cell_for, effective_score
from backend.models import Assignment, Course, DeadlineOverride, Submission, User
from grader.contract import Chart, Table, Text

TOP_MESSAGES = 10
MAX_TESTS_OVER_TIME = 6  # a chart's series limit
MESSAGE_CHARS = 200


@dataclass(frozen=True)
class Attempt:
    id: int
    user_id: int
    attempt: int
    status: str
    score: float | None
    score_override: float | None
    created_at: datetime
    result_json: str | None


@dataclass(frozen=True)
class LearnerLine:
    """One learner's row of the CSV."""

    learner: User
    attempts: int
    first_at: datetime | None
    counted: float | None
    full_at_attempt: int | None
    hours_to_full: float | None


@dataclass
class Panel:
    """What _artifacts.html draws: charts, each with its table, and plain tables."""

    charts: list[Chart] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)


@dataclass(frozen=True)
class AssignmentAnalytics:
    assignment: Assignment
    max_score: float
    learners: list[LearnerLine]
    panel: Panel
    messages: list[FailingMessage] = field(default_factory=list)

    @property
    def submitted(self) -> int:
        return sum(1 for line in self.learners if line.attempts)


def _series(name: Text, points: tuple, role: str = "other") -> dict:
    return {"name": name, "points": points, "role": role}


def _chart(**fields: object) -> Chart:
    """A result's chart (grader.contract), its series given as data: cleaned and capped there."""
    chart = Chart.from_dict(fields)
    assert chart is not None
    return chart


def _attempts(session: Session, assignment: Assignment, user_ids: set[int]) -> list[Attempt]:
    query = (
        select(
            Submission.id,
            Submission.user_id,
            Submission.attempt,
            Submission.status,
            Submission.score,
            Submission.score_override,
            Submission.created_at,
            Submission.result_json,
        )
        .where(Submission.assignment_id == assignment.id)
        .order_by(Submission.created_at, Submission.id)
    )
    return [Attempt(*row) for row in session.execute(query) if row.user_id in user_ids]


def _is_full(attempt: Attempt, max_score: float) -> bool:
    score = effective_score(attempt)  # type: ignore[arg-type]
    return attempt.status == "graded" and score is not None and score >= max_score > 0


def _failed_tests(attempt: Attempt) -> list[dict]:
    if attempt.status != "graded" or not attempt.result_json:
        return []
    tests = json.loads(attempt.result_json).get("tests", [])
    return [t for t in tests if isinstance(t, dict) and t.get("status") == "failed"]


def _first_line(text: object) -> str:
    lines = str(text or "").splitlines()
    return next((line.strip() for line in lines if line.strip()), "")[:MESSAGE_CHARS]


def _message(test: dict) -> tuple[str, str]:
    """A failed test's first line of feedback, in English and Japanese."""
    output = test.get("output") or {}
    if not isinstance(output, dict):
        output = {"en": output}
    en = _first_line(output.get("en")) or "(no message)"
    return en, _first_line(output.get("ja")) or en


def learner_lines(
    course: Course,
    assignment: Assignment,
    students: list[User],
    attempts: list[Attempt],
    max_score: float,
    overrides: dict[int, DeadlineOverride] | None = None,
) -> list[LearnerLine]:
    """Per learner: attempts, and the score that counts as the gradebook counts it (policy, staff
    override, late penalty; ``overrides`` by user id are their deadline overrides)."""
    by_user: dict[int, list[Attempt]] = {}
    for attempt in attempts:
        by_user.setdefault(attempt.user_id, []).append(attempt)
    lines = []
    for student in students:
        mine = sorted(by_user.get(student.id, []), key=lambda a: a.attempt)
        cell = cell_for(
            mine,  # type: ignore[arg-type]
            assignment,
            course.score_policy,
            max_score,
            (overrides or {}).get(student.id),
        )
        full = next((a for a in mine if _is_full(a, max_score)), None)
        first_at = mine[0].created_at if mine else None
        hours = (full.created_at - first_at).total_seconds() / 3600 if full and first_at else None
        lines.append(
            LearnerLine(
                learner=student,
                attempts=len(mine),
                first_at=first_at,
                counted=cell.score,
                full_at_attempt=full.attempt if full else None,
                hours_to_full=hours,
            )
        )
    return lines


def _score_chart(lines: list[LearnerLine], max_score: float) -> Chart:
    bins = Counter(
        min(100, int(10 * (line.counted / max_score)) * 10) if max_score else 0
        for line in lines
        if line.counted is not None
    )
    return _chart(
        title=Text(
            en="Score distribution (the score that counts)", ja="得点の分布(採点対象の得点)"
        ),
        kind="bar",
        x_label=Text(en="score, % of the maximum (from)", ja="得点(満点に対する %、以上)"),
        y_label=Text(en="learners", ja="学生数"),
        series=(
            _series(
                name=Text(en="learners", ja="学生数"),
                points=tuple((float(b), float(bins.get(b, 0))) for b in range(0, 101, 10)),
                role="learner",
            ),
        ),
    )


def _attempts_chart(lines: list[LearnerLine]) -> Chart:
    reached = Counter(line.full_at_attempt for line in lines if line.full_at_attempt)
    top = max(reached, default=1)
    return _chart(
        title=Text(en="Attempts until full marks", ja="満点までの提出回数"),
        kind="bar",
        x_label=Text(en="attempt that first had full marks", ja="初めて満点になった提出の回数"),
        y_label=Text(en="learners", ja="学生数"),
        series=(
            _series(
                name=Text(en="learners", ja="学生数"),
                points=tuple((float(n), float(reached.get(n, 0))) for n in range(1, top + 1)),
                role="learner",
            ),
        ),
    )


def _time_chart(lines: list[LearnerLine]) -> Chart:
    hours = sorted(line.hours_to_full for line in lines if line.hours_to_full is not None)
    return _chart(
        title=Text(
            en="Time from the first attempt to full marks",
            ja="最初の提出から満点までの時間",
        ),
        kind="line",
        x_label=Text(en="hours since the learner's first attempt", ja="最初の提出からの時間(時間)"),
        y_label=Text(en="learners with full marks", ja="満点に達した学生数"),
        series=(
            _series(
                name=Text(en="learners with full marks by then", ja="その時点までに満点の学生数"),
                points=tuple((round(h, 2), float(n)) for n, h in enumerate(hours, start=1)),
                role="learner",
            ),
        ),
    )


def _failures_over_time(attempts: list[Attempt]) -> Chart:
    """Per day since the first submission, the share of that day's graded attempts failing each
    test (the tests failed most overall)."""
    graded = [a for a in attempts if a.status == "graded" and a.result_json]
    start = min((a.created_at for a in graded), default=None)
    per_day: dict[int, int] = Counter()
    failed: dict[str, Counter] = {}
    titles: dict[str, Text] = {}
    for attempt in graded:
        day = (attempt.created_at - start).days  # type: ignore[operator]
        per_day[day] += 1
        for test in _failed_tests(attempt):
            name = str(test.get("name", "?"))
            failed.setdefault(name, Counter())[day] += 1
            titles.setdefault(name, Text.of(test.get("title") or name))
    worst = sorted(failed, key=lambda n: (-sum(failed[n].values()), n))[:MAX_TESTS_OVER_TIME]
    days = sorted(per_day)
    return _chart(
        title=Text(en="Failure rate per test over time", ja="テストごとの不合格率の推移"),
        kind="line",
        x_label=Text(en="day (since the first submission)", ja="日(最初の提出から)"),
        y_label=Text(en="% of the day's graded attempts", ja="その日の採点済み提出に対する %"),
        series=tuple(
            _series(
                name=titles[name],
                points=tuple(
                    (float(d), round(100.0 * failed[name].get(d, 0) / per_day[d], 1)) for d in days
                ),
            )
            for name in worst
        ),
    )


@dataclass(frozen=True)
class FailingMessage:
    message: Text  # a failed test's first line of feedback
    test: str
    title: Text
    times: int


def common_messages(attempts: list[Attempt]) -> list[FailingMessage]:
    """The failed tests' messages, most frequent first."""
    counts: Counter = Counter()
    titles: dict[str, Text] = {}
    for attempt in attempts:
        for test in _failed_tests(attempt):
            name = str(test.get("name", "?"))
            titles.setdefault(name, Text.of(test.get("title") or name))
            counts[(*_message(test), name)] += 1
    return [
        FailingMessage(Text(en=en, ja=ja), name, titles[name], times)
        for (en, ja, name), times in counts.most_common(TOP_MESSAGES)
    ]


def _messages_table(messages: list[FailingMessage], lang: str) -> Table:
    def pick(text: Text) -> str:
        return text.ja if lang == "ja" else text.en

    return Table(
        title=Text(en="Most common failing messages", ja="よく出る不合格のメッセージ"),
        header=(
            Text(en="message", ja="メッセージ"),
            Text(en="test", ja="テスト"),
            Text(en="times", ja="回数"),
        ),
        rows=tuple((pick(m.message), pick(m.title), str(m.times)) for m in messages),
    )


def for_assignment(
    session: Session, course: Course, assignment: Assignment, max_score: float, lang: str = "en"
) -> AssignmentAnalytics:
    students = CourseRepository(session).members(course.id, "student")
    attempts = _attempts(session, assignment, {s.id for s in students})
    overrides = {
        row.user_id: row
        for row in CourseRepository(session).overrides([assignment.id], [s.id for s in students])
    }
    lines = learner_lines(course, assignment, students, attempts, max_score, overrides)
    messages = common_messages(attempts)
    panel = Panel(
        charts=[
            _score_chart(lines, max_score),
            _attempts_chart(lines),
            _time_chart(lines),
            _failures_over_time(attempts),
        ],
        tables=[_messages_table(messages, lang)],
    )
    return AssignmentAnalytics(assignment, max_score, lines, panel, messages)


def for_assignment_id(
    session: Session, staff: User, assignment_id: int, lang: str = "en"
) -> tuple[Assignment, Course, AssignmentAnalytics]:
    """An assignment's analytics, for its course's staff only."""
    assignment, course = get_assignment(session, staff, assignment_id)
    require_course_staff(session, staff, course.id)
    exercise = ExerciseRepository(session).get(assignment.exercise_id)
    points = exercise.points if exercise else 0.0
    return assignment, course, for_assignment(session, course, assignment, points, lang)


def student_timeline(
    course: Course, rows: list[tuple[Assignment, list[Submission]]], titles: dict[str, Text]
) -> Panel:
    """One learner's attempts over time: per assignment, each graded attempt's score that counts
    (% of its maximum) at the hours since the learner's first attempt in the course."""
    stamps = [s.created_at for _a, attempts in rows for s in attempts]
    start = min(stamps, default=None)
    series = []
    for assignment, attempts in rows:
        points = tuple(
            (
                round((s.created_at - start).total_seconds() / 3600, 2),  # type: ignore[operator]
                round(100.0 * (effective_score(s) or 0.0) / s.max_score, 1)  # type: ignore[arg-type]
                if s.status == "graded" and s.max_score
                else None,
            )
            for s in attempts
        )
        if points:
            series.append(_series(name=titles[assignment.exercise_id], points=points))
    if not series:
        return Panel()
    chart = _chart(
        title=Text(en="Timeline of attempts", ja="提出の推移"),
        kind="line",
        x_label=Text(en="hours since the first attempt", ja="最初の提出からの時間(時間)"),
        y_label=Text(en="score, % of the maximum", ja="得点(満点に対する %)"),
        series=tuple(series[:MAX_TESTS_OVER_TIME]),
    )
    return Panel(charts=[chart])
