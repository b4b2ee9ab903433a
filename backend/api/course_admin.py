"""REST endpoints for running a course: editing, archiving and copying courses, editing and
deleting assignments (due date, hard close, late policy), per-student deadline overrides, and
the audit log. Same tokens, scopes and error bodies as the rest of /api/v1."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response

from backend.api.schemas import (
    AssignmentOut,
    AssignmentPatch,
    AuditEntryOut,
    CourseCopyIn,
    CourseOut,
    CoursePatch,
    OverrideIn,
    OverrideOut,
    Page,
)
from backend.api.v1 import ERRORS, Limit, Offset, assignment_out
from backend.audit import service as audit
from backend.audit.repository import AuditFilter
from backend.courses import editing, overrides
from backend.courses import service as courses
from backend.errors import Forbidden
from backend.gradebook.service import deadline_of
from backend.models import Assignment, User
from backend.web.deps import Id, ManageUser, SessionDep

router = APIRouter(prefix="/api/v1", tags=["course administration"], responses=ERRORS)


def _staff_assignment(session, user: User, assignment_id: int) -> Assignment:  # type: ignore[no-untyped-def]
    assignment, course = courses.get_assignment(session, user, assignment_id)
    courses.require_course_staff(session, user, course.id)
    return assignment


@router.patch("/courses/{course_id}", response_model=CourseOut)
def edit_course(session: SessionDep, user: ManageUser, course_id: Id, body: CoursePatch):
    """Course staff edit the title, score policy and time zone; administrators also the code,
    and archive (``archived: true``) or restore a course."""
    course = courses.require_course_staff(session, user, course_id)
    editing.edit_course(
        session,
        user,
        course,
        code=body.code,
        title=body.title,
        score_policy=body.score_policy,
        time_zone=body.time_zone,
    )
    if body.archived is not None:
        editing.set_course_archived(session, user, course, body.archived)
    return CourseOut.model_validate(course, from_attributes=True)


@router.post("/courses/{course_id}/copy", response_model=CourseOut, status_code=201)
def copy_course(session: SessionDep, user: ManageUser, course_id: Id, body: CourseCopyIn):
    """Administrators: a new course with this one's assignments (dates moved by ``shift_days``)
    and instructors; no students, submissions or overrides."""
    course = courses.require_course_staff(session, user, course_id)
    copy = editing.copy_course(session, user, course, body.code, body.title, body.shift_days)
    return CourseOut.model_validate(copy, from_attributes=True)


@router.patch("/assignments/{assignment_id}", response_model=AssignmentOut)
def edit_assignment(
    session: SessionDep, user: ManageUser, assignment_id: Id, body: AssignmentPatch
):
    """Set the due date, hard close, late policy and attempt limit (the fields sent), or archive.
    The gradebook's late penalties follow the new policy at once; nothing is regraded."""
    assignment = _staff_assignment(session, user, assignment_id)
    sent = body.model_fields_set
    edit = editing.AssignmentEdit(
        **{name: getattr(body, name) for name in editing.EDITABLE if name in sent}
    )
    editing.edit_assignment(session, user, assignment, edit)
    if body.archived is not None:
        editing.set_assignment_archived(session, user, assignment, body.archived)
    return assignment_out(session, assignment)


@router.delete("/assignments/{assignment_id}", status_code=204)
def delete_assignment(session: SessionDep, user: ManageUser, assignment_id: Id) -> Response:
    """Only without submissions (409 otherwise: archive it with PATCH ``archived: true``)."""
    assignment = _staff_assignment(session, user, assignment_id)
    editing.delete_assignment(session, user, assignment)
    return Response(status_code=204)


def override_out(assignment: Assignment, row: overrides.OverrideRow) -> OverrideOut:
    deadline = deadline_of(assignment, row.override)
    return OverrideOut(
        assignment_id=assignment.id,
        user_id=row.student.id,
        email=row.student.email,
        name=row.student.name,
        due_at=row.override.due_at,
        extra_attempts=row.override.extra_attempts,
        reason=row.override.reason,
        effective_due_at=deadline.due_at,
        effective_late_until=deadline.late_until,
        effective_max_attempts=deadline.max_attempts,
    )


@router.get("/assignments/{assignment_id}/overrides", response_model=list[OverrideOut])
def list_overrides(session: SessionDep, user: ManageUser, assignment_id: Id):
    assignment = _staff_assignment(session, user, assignment_id)
    return [override_out(assignment, row) for row in overrides.list_overrides(session, assignment)]


@router.put("/assignments/{assignment_id}/overrides", response_model=list[OverrideOut])
def set_overrides(session: SessionDep, user: ManageUser, assignment_id: Id, body: OverrideIn):
    """Grant (or replace) the same extension and/or extra attempts to each student named; when
    one address is not a student of the course, nothing changes (422 naming it)."""
    assignment = _staff_assignment(session, user, assignment_id)
    rows = overrides.set_overrides(
        session, user, assignment, body.emails, body.due_at, body.extra_attempts, body.reason
    )
    return [override_out(assignment, row) for row in rows]


@router.delete("/assignments/{assignment_id}/overrides/{user_id}", status_code=204)
def delete_override(session: SessionDep, user: ManageUser, assignment_id: Id, user_id: Id):
    assignment = _staff_assignment(session, user, assignment_id)
    overrides.delete_override(session, user, assignment, user_id)
    return Response(status_code=204)


@router.get("/audit", response_model=Page[AuditEntryOut])
def audit_log(
    session: SessionDep,
    user: ManageUser,
    limit: Limit = 50,
    offset: Offset = 0,
    course_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
    action: Annotated[
        str | None,
        Query(
            max_length=50,
            description='e.g. "override.set", or "override." for every override action',
        ),
    ] = None,
    actor_email: Annotated[str | None, Query(max_length=320)] = None,
    since: datetime | None = None,
    until: datetime | None = None,
):
    """Administrators: the audit log, newest first."""
    if user.role != "admin":
        raise Forbidden("Administrators only.", "管理者のみが利用できます。")
    chosen = AuditFilter(
        course_id=course_id,
        action=action,
        actor_email=actor_email,
        since=courses.naive_utc(since),
        until=courses.naive_utc(until),
    )
    views, total = audit.entries(session, chosen, offset=offset, limit=limit)
    return {
        "items": [AuditEntryOut(**view.to_dict()) for view in views],
        "total": total,
        "limit": limit,
        "offset": offset,
    }
