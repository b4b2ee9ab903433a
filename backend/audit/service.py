"""Recording and reading the audit log.

Every staff or admin action that changes grades, roles, enrolments, deadlines, overrides,
courses or exercises calls :func:`record_change` in the same session (so the same transaction) as
the change: the entry is committed with it or rolled back with it, never one without the other.

Actions are named ``<subject>.<verb>``: user.create, user.role, enrollment.set, exercise.publish,
submission.regrade, assignment.regrade, assignment.create, assignment.edit, assignment.archive,
assignment.restore, assignment.delete, override.set, override.delete, course.create, course.edit,
course.archive, course.restore, course.copy (and, from the regrade-request work,
submission.score_override).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import Session

from backend.audit.repository import AuditFilter, AuditRepository
from backend.models import AuditEntry, User


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        # Stored times are naive UTC: written with their offset, so nobody reads them as local.
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _dump(state: dict[str, Any] | None) -> str | None:
    if state is None:
        return None
    return json.dumps(state, ensure_ascii=False, sort_keys=True, default=_json_value)


def snapshot(row: object, fields: Iterable[str]) -> dict[str, Any]:
    """The named attributes of ``row``, as an entry's before or after."""
    return {name: getattr(row, name) for name in fields}


def record_change(
    session: Session,
    *,
    actor_id: int | None,
    action: str,
    subject_type: str,
    subject_id: object,
    course_id: int | None,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> AuditEntry:
    """Adds one entry to ``session``: committed (or rolled back) with the change it describes.

    ``before`` is None for a creation, ``after`` None for a deletion; values that are not JSON
    (times) are written as text, times in UTC with their offset.
    """
    entry = AuditEntry(
        actor_id=actor_id,
        action=action,
        subject_type=subject_type,
        subject_id=str(subject_id),
        course_id=course_id,
        before_json=_dump(before),
        after_json=_dump(after),
    )
    AuditRepository(session).add(entry)
    return entry


@dataclass(frozen=True)
class EntryView:
    entry: AuditEntry
    actor: User | None

    @property
    def before(self) -> dict | None:
        return json.loads(self.entry.before_json) if self.entry.before_json else None

    @property
    def after(self) -> dict | None:
        return json.loads(self.entry.after_json) if self.entry.after_json else None

    @property
    def changed(self) -> list[str]:
        """The keys whose value differs between before and after (all of them for a creation)."""
        before, after = self.before or {}, self.after or {}
        return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.entry.id,
            "at": self.entry.at.replace(tzinfo=UTC).isoformat(),
            "actor_id": self.entry.actor_id,
            "actor_email": self.actor.email if self.actor else None,
            "action": self.entry.action,
            "subject_type": self.entry.subject_type,
            "subject_id": self.entry.subject_id,
            "course_id": self.entry.course_id,
            "before": self.before,
            "after": self.after,
        }


def entries(
    session: Session, chosen: AuditFilter, offset: int = 0, limit: int | None = None
) -> tuple[list[EntryView], int]:
    """One page of matching entries (newest first) and how many match in all."""
    repository = AuditRepository(session)
    found = repository.find(chosen, offset=offset, limit=limit)
    return [EntryView(entry, actor) for entry, actor in found], repository.count(chosen)


def to_csv(views: Iterable[EntryView]) -> str:
    """The log for a spreadsheet (UTF-8 with a byte order mark, as the gradebook's)."""
    from backend.gradebook.export import csv_safe

    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(
        [
            "at (UTC)",
            "actor",
            "action",
            "subject_type",
            "subject_id",
            "course_id",
            "before",
            "after",
        ]
    )
    for view in views:
        entry = view.entry
        writer.writerow(
            [
                entry.at.strftime("%Y-%m-%d %H:%M:%S"),
                csv_safe(view.actor.email if view.actor else ""),
                entry.action,
                entry.subject_type,
                csv_safe(entry.subject_id),
                "" if entry.course_id is None else entry.course_id,
                csv_safe(entry.before_json or ""),
                csv_safe(entry.after_json or ""),
            ]
        )
    return out.getvalue()
