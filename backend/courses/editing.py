"""A course's life cycle after creation: editing, archiving and copying courses (to run one again
next term), and editing, archiving and deleting assignments. Every change is audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from backend.audit.service import record_change, snapshot
from backend.courses.repository import CourseRepository
from backend.courses.service import (
    ASSIGNMENT_FIELDS,
    check_schedule,
    check_time_zone,
    naive_utc,
)
from backend.errors import Conflict, Forbidden, Invalid
from backend.lti import passback
from backend.models import Assignment, Course, User
from backend.models._common import utcnow
from backend.models.user import Role

COURSE_FIELDS = ("code", "title", "score_policy", "time_zone", "archived_at")
# Copying with a date shift: at most ten years either way (a typo, not a term, beyond that).
MAX_SHIFT_DAYS = 3650

# A field left out of an edit keeps its value; None is a value (no due date, no limit).
UNSET: Any = object()


def _audit(
    session: Session,
    actor: User,
    action: str,
    subject: Course | Assignment,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    if isinstance(subject, Course):
        subject_type, course_id = "course", subject.id
    else:
        subject_type, course_id = "assignment", subject.course_id
    record_change(
        session,
        actor_id=actor.id,
        action=action,
        subject_type=subject_type,
        subject_id=subject.id,
        course_id=course_id,
        before=before,
        after=after,
    )


def _require_admin(actor: User) -> None:
    if actor.role != Role.admin:
        raise Forbidden("Administrators only.", "管理者のみが利用できます。")


def edit_course(
    session: Session,
    actor: User,
    course: Course,
    *,
    code: str | None = None,
    title: str | None = None,
    score_policy: str | None = None,
    time_zone: str | None = None,
) -> Course:
    """Course staff edit the title, score policy and time zone; only admins change the code."""
    before = snapshot(course, COURSE_FIELDS)
    if code is not None and code != course.code:
        _require_admin(actor)
        code = code.strip()
        if not code or len(code) > 64:
            raise Invalid(
                "A course code is 1 to 64 characters.", "コースのコードは 1〜64 文字です。"
            )
        if CourseRepository(session).by_code(code):
            raise Conflict(f"Course {code} exists.", f"コース {code} は既にあります。")
        course.code = code
    if title is not None:
        title = title.strip()
        if not title or len(title) > 200:
            raise Invalid("A title is 1 to 200 characters.", "タイトルは 1〜200 文字です。")
        course.title = title
    if score_policy is not None:
        if score_policy not in ("best", "latest"):
            raise Invalid(
                "score_policy must be best or latest.", "score_policy は best か latest です。"
            )
        course.score_policy = score_policy
    if time_zone is not None:
        course.time_zone = check_time_zone(time_zone)
    after = snapshot(course, COURSE_FIELDS)
    if after != before:
        session.flush()
        _audit(session, actor, "course.edit", course, before, after)
        if after.get("score_policy") != before.get("score_policy"):
            assignments = CourseRepository(session).assignments(course.id)
            passback.scores_changed(session, [a.id for a in assignments])
    return course


def set_course_archived(session: Session, actor: User, course: Course, archived: bool) -> Course:
    """Archive (a past term: hidden from learners, closed to submissions) or restore a course."""
    _require_admin(actor)
    if (course.archived_at is not None) == archived:
        return course
    before = snapshot(course, COURSE_FIELDS)
    course.archived_at = utcnow() if archived else None
    session.flush()
    action = "course.archive" if archived else "course.restore"
    _audit(session, actor, action, course, before, snapshot(course, COURSE_FIELDS))
    return course


def _shifted(moment: datetime | None, shift: timedelta) -> datetime | None:
    return None if moment is None else moment + shift


def copy_course(
    session: Session, actor: User, course: Course, code: str, title: str, shift_days: int
) -> Course:
    """A new course with this one's settings and (unarchived) assignments, their dates moved by
    ``shift_days``; no students, submissions or overrides come along. Instructors are kept, so
    the copy is ready for the same staff next term."""
    from backend.courses.service import create_course, enroll

    _require_admin(actor)
    if abs(shift_days) > MAX_SHIFT_DAYS:
        raise Invalid(
            f"Shift the dates by at most {MAX_SHIFT_DAYS} days.",
            f"日付をずらせるのは {MAX_SHIFT_DAYS} 日までです。",
        )
    copy = create_course(
        session, code.strip(), title.strip(), course.score_policy, course.time_zone
    )
    shift = timedelta(days=shift_days)
    repository = CourseRepository(session)
    copied = []
    for old in repository.assignments(course.id):
        if old.archived_at is not None:
            continue
        new = Assignment(
            course_id=copy.id,
            exercise_id=old.exercise_id,
            due_at=_shifted(old.due_at, shift),
            late_until=_shifted(old.late_until, shift),
            late_policy=old.late_policy,
            late_penalty=old.late_penalty,
            max_attempts=old.max_attempts,
            position=old.position,
        )
        repository.add(new)
        copied.append(new.id)
    for instructor in repository.members(course.id, "instructor"):
        enroll(session, copy, instructor, "instructor")
    _audit(
        session,
        actor,
        "course.copy",
        copy,
        None,
        {
            **snapshot(copy, COURSE_FIELDS),
            "copied_from": course.id,
            "shift_days": shift_days,
            "assignments": copied,
        },
    )
    return copy


# What an assignment edit may set (the exercise is fixed: a new one is a new assignment).
EDITABLE = ("due_at", "late_until", "late_policy", "late_penalty", "max_attempts")


@dataclass
class AssignmentEdit:
    """The fields an edit sets; ``UNSET`` ones keep their value."""

    due_at: Any = UNSET
    late_until: Any = UNSET
    late_policy: Any = UNSET
    late_penalty: Any = UNSET
    max_attempts: Any = UNSET


def edit_assignment(
    session: Session, actor: User, assignment: Assignment, edit: AssignmentEdit
) -> Assignment:
    """Change the schedule and late policy: scores are recomputed as the gradebook is read."""
    values = snapshot(assignment, EDITABLE)
    for name in EDITABLE:
        given = getattr(edit, name)
        if given is not UNSET:
            values[name] = naive_utc(given) if name in ("due_at", "late_until") else given
    if values["late_penalty"] is None:
        values["late_penalty"] = 0.0
    check_schedule(
        values["due_at"],
        values["late_until"],
        values["late_policy"],
        float(values["late_penalty"]),
        values["max_attempts"],
    )
    before = snapshot(assignment, ASSIGNMENT_FIELDS)
    for name, value in values.items():
        setattr(assignment, name, value)
    after = snapshot(assignment, ASSIGNMENT_FIELDS)
    if after != before:
        session.flush()
        _audit(session, actor, "assignment.edit", assignment, before, after)
        passback.scores_changed(session, [assignment.id])  # an LMS gets the score that counts
    return assignment


def set_assignment_archived(
    session: Session, actor: User, assignment: Assignment, archived: bool
) -> Assignment:
    if (assignment.archived_at is not None) == archived:
        return assignment
    before = snapshot(assignment, ASSIGNMENT_FIELDS)
    assignment.archived_at = utcnow() if archived else None
    session.flush()
    action = "assignment.archive" if archived else "assignment.restore"
    _audit(session, actor, action, assignment, before, snapshot(assignment, ASSIGNMENT_FIELDS))
    return assignment


def delete_assignment(session: Session, actor: User, assignment: Assignment) -> None:
    """Only an assignment nobody has submitted to; one with submissions is archived instead."""
    repository = CourseRepository(session)
    count = repository.submission_count(assignment.id)
    if count:
        raise Conflict(
            f"This assignment has {count} submissions and cannot be deleted; archive it instead "
            "(it is then hidden from learners and its submissions are kept).",
            f"この課題には {count} 件の提出があるため削除できません。代わりにアーカイブして"
            "ください(学生には表示されなくなり、提出は保持されます)。",
        )
    before = snapshot(assignment, ASSIGNMENT_FIELDS)
    _audit(session, actor, "assignment.delete", assignment, before, None)
    repository.delete(assignment)
