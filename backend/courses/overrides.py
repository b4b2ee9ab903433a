"""Per-student deadline overrides: extensions of the due date and extra attempts, granted by
course staff to one student or a group at once, with a reason only staff see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from backend.audit.service import record_change, snapshot
from backend.auth.repository import UserRepository
from backend.auth.security import normalize_email
from backend.courses.repository import CourseRepository
from backend.courses.service import naive_utc
from backend.errors import Invalid, NotFound
from backend.gradebook.deadlines import Deadline, Policy
from backend.gradebook.service import deadline_of, policy_of
from backend.lti import passback
from backend.models import Assignment, DeadlineOverride, User

OVERRIDE_FIELDS = ("user_id", "due_at", "extra_attempts", "reason")
MAX_REASON = 2000
MAX_GROUP = 1000


def deadline_for(session: Session, assignment: Assignment, user_id: int) -> tuple[Deadline, Policy]:
    """A student's effective deadline on ``assignment`` and the late policy that applies."""
    override = CourseRepository(session).override(assignment.id, user_id)
    return deadline_of(assignment, override), policy_of(assignment)


@dataclass(frozen=True)
class OverrideRow:
    override: DeadlineOverride
    student: User


def list_overrides(session: Session, assignment: Assignment) -> list[OverrideRow]:
    return [
        OverrideRow(o, u)
        for o, u in CourseRepository(session).overrides_with_students(assignment.id)
    ]


def _students(session: Session, assignment: Assignment, emails: list[str]) -> list[User]:
    """The enrolled students with these addresses; every address that is not one is named."""
    wanted = list(dict.fromkeys(normalize_email(e) for e in emails if e.strip()))
    if not wanted:
        raise Invalid("Name at least one student.", "学生を 1 人以上指定してください。")
    if len(wanted) > MAX_GROUP:
        raise Invalid(
            f"At most {MAX_GROUP} students at once.",
            f"一度に指定できるのは {MAX_GROUP} 人までです。",
        )
    users, courses, unknown = [], CourseRepository(session), []
    for email in wanted:
        user = UserRepository(session).by_email(email)
        enrollment = courses.enrollment(assignment.course_id, user.id) if user else None
        if user is None or enrollment is None or enrollment.role != "student":
            unknown.append(email)
        else:
            users.append(user)
    if unknown:
        listed = ", ".join(unknown[:10]) + (" …" if len(unknown) > 10 else "")
        raise Invalid(
            f"Not students of this course: {listed}. Nothing was changed.",
            f"このコースの学生ではありません: {listed}。何も変更していません。",
        )
    return users


def set_overrides(
    session: Session,
    actor: User,
    assignment: Assignment,
    emails: list[str],
    due_at: datetime | None,
    extra_attempts: int = 0,
    reason: str = "",
) -> list[OverrideRow]:
    """Grant (or replace) the same override to each student named; all or none are changed."""
    due_at = naive_utc(due_at)
    if due_at is None and extra_attempts == 0:
        raise Invalid(
            "Give a later due date, extra attempts, or both.",
            "延長後の締め切りか追加の提出回数(または両方)を指定してください。",
        )
    if extra_attempts < 0 or extra_attempts > 1000:
        raise Invalid(
            "Extra attempts must be between 0 and 1000.",
            "追加の提出回数は 0 から 1000 の間で指定してください。",
        )
    if due_at is not None and assignment.due_at is not None and due_at <= assignment.due_at:
        raise Invalid(
            "An extension's due date must be later than the assignment's.",
            "延長後の締め切りは課題の締め切りより後にしてください。",
        )
    if len(reason) > MAX_REASON:
        raise Invalid(
            f"The reason is longer than {MAX_REASON} characters.",
            f"理由は {MAX_REASON} 文字以内にしてください。",
        )
    repository = CourseRepository(session)
    rows = []
    for student in _students(session, assignment, emails):
        override = repository.override(assignment.id, student.id)
        before = snapshot(override, OVERRIDE_FIELDS) if override else None
        if override is None:
            override = DeadlineOverride(assignment_id=assignment.id, user_id=student.id)
            session.add(override)
        override.due_at = due_at
        override.extra_attempts = extra_attempts
        override.reason = reason.strip()
        override.created_by = actor.id
        session.flush()
        record_change(
            session,
            actor_id=actor.id,
            action="override.set",
            subject_type="deadline_override",
            subject_id=f"{assignment.id}:{student.id}",
            course_id=assignment.course_id,
            before=before,
            after=snapshot(override, OVERRIDE_FIELDS),
        )
        rows.append(OverrideRow(override, student))
    passback.scores_changed(session, [assignment.id], [row.student.id for row in rows])
    return rows


def delete_override(session: Session, actor: User, assignment: Assignment, user_id: int) -> None:
    repository = CourseRepository(session)
    override = repository.override(assignment.id, user_id)
    if override is None:
        raise NotFound(
            "This student has no override on this assignment.",
            "この学生にはこの課題の個別設定がありません。",
        )
    before = snapshot(override, OVERRIDE_FIELDS)
    repository.delete(override)
    record_change(
        session,
        actor_id=actor.id,
        action="override.delete",
        subject_type="deadline_override",
        subject_id=f"{assignment.id}:{user_id}",
        course_id=assignment.course_id,
        before=before,
        after=None,
    )
    passback.scores_changed(session, [assignment.id], [user_id])
