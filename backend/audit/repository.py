"""Every query about audit entries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from backend.models import AuditEntry, User


@dataclass(frozen=True)
class AuditFilter:
    """What an admin narrows the log to; every field is optional."""

    course_id: int | None = None
    action: str | None = None  # an exact action, or a prefix ending in "." ("override.")
    actor_email: str | None = None
    subject_type: str | None = None
    since: datetime | None = None  # naive UTC, inclusive
    until: datetime | None = None  # naive UTC, exclusive


class AuditRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, entry: AuditEntry) -> None:
        self.session.add(entry)
        self.session.flush()

    def _filtered(self, query: Select, chosen: AuditFilter) -> Select:
        if chosen.course_id is not None:
            query = query.where(AuditEntry.course_id == chosen.course_id)
        if chosen.action:
            if chosen.action.endswith("."):
                query = query.where(AuditEntry.action.startswith(chosen.action, autoescape=True))
            else:
                query = query.where(AuditEntry.action == chosen.action)
        if chosen.subject_type:
            query = query.where(AuditEntry.subject_type == chosen.subject_type)
        if chosen.actor_email:
            query = query.where(User.email == chosen.actor_email.strip().lower())
        if chosen.since is not None:
            query = query.where(AuditEntry.at >= chosen.since)
        if chosen.until is not None:
            query = query.where(AuditEntry.at < chosen.until)
        return query

    def find(
        self, chosen: AuditFilter, offset: int = 0, limit: int | None = None
    ) -> list[tuple[AuditEntry, User | None]]:
        """Newest first, each with its actor (None once the account is gone)."""
        query = select(AuditEntry, User).outerjoin(User, User.id == AuditEntry.actor_id)
        query = self._filtered(query, chosen)
        query = query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).offset(offset)
        return [(entry, actor) for entry, actor in self.session.execute(query.limit(limit))]

    def count(self, chosen: AuditFilter) -> int:
        query = select(func.count(AuditEntry.id)).outerjoin(User, User.id == AuditEntry.actor_id)
        return self.session.scalar(self._filtered(query, chosen)) or 0

    def actions(self) -> list[str]:
        query = select(AuditEntry.action).distinct().order_by(AuditEntry.action)
        return list(self.session.scalars(query))
