"""The administrators' audit log page: filters, paging, and the CSV export of what is shown."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from backend.audit import service as audit
from backend.audit.repository import AuditFilter, AuditRepository
from backend.courses.repository import CourseRepository
from backend.errors import Invalid
from backend.web.deps import AdminUser, SessionDep
from backend.web.downloads import attachment
from backend.web.templating import render

router = APIRouter(prefix="/admin", include_in_schema=False)
PAGE_SIZE = 100
CSV_LIMIT = 100_000


def _day(value: str, name_en: str, name_ja: str) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise Invalid(
            f"{name_en} must be a date such as 2026-12-24.",
            f"{name_ja}は 2026-12-24 のような日付で入力してください。",
        ) from None


def _filter(
    course_id: str, action: str, actor: str, since: str, until: str
) -> tuple[AuditFilter, dict[str, str]]:
    """The filter from the query string (days in UTC, ``until`` inclusive) and its echo."""
    course = int(course_id) if course_id.strip().isdigit() else None
    first = _day(since, "From", "開始日")
    last = _day(until, "To", "終了日")
    chosen = AuditFilter(
        course_id=course,
        action=action.strip() or None,
        actor_email=actor.strip() or None,
        since=datetime.combine(first, datetime.min.time()) if first else None,
        until=datetime.combine(last + timedelta(days=1), datetime.min.time()) if last else None,
    )
    echo = {
        "course_id": course_id,
        "action": action,
        "actor": actor,
        "since": since,
        "until": until,
    }
    return chosen, echo


Text = Annotated[str, Query(max_length=320)]


@router.get("/audit")
def audit_page(
    request: Request,
    session: SessionDep,
    user: AdminUser,
    course_id: Text = "",
    action: Text = "",
    actor: Text = "",
    since: Text = "",
    until: Text = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    chosen, echo = _filter(course_id, action, actor, since, until)
    views, total = audit.entries(session, chosen, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    return render(
        request,
        "audit.html",
        user=user,
        views=views,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        echo=echo,
        courses=CourseRepository(session).all(),
        actions=AuditRepository(session).actions(),
        query=urlencode({k: v for k, v in echo.items() if v}),
    )


@router.get("/audit.csv")
def audit_csv(
    session: SessionDep,
    user: AdminUser,
    course_id: Text = "",
    action: Text = "",
    actor: Text = "",
    since: Text = "",
    until: Text = "",
) -> Response:
    chosen, _echo = _filter(course_id, action, actor, since, until)
    views, _total = audit.entries(session, chosen, limit=CSV_LIMIT)
    return Response(
        audit.to_csv(views),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": attachment("audit-log.csv")},
    )
