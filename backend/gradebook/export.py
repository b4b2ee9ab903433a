"""The gradebook as a spreadsheet (CSV), and the cell rules every CSV export of Kadai shares: a
text cell that a spreadsheet would read as a formula is quoted away, and times are written on the
course's clock."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from backend.gradebook.service import Gradebook

# OWASP's rule against CSV (formula) injection: a spreadsheet runs a cell starting with these.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: object) -> object:
    """A text cell a spreadsheet shows as text: a leading formula character is quoted away."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(book: Gradebook) -> str:
    """The gradebook for a spreadsheet: titled columns with their maximum points, times on the
    course's clock, and a byte order mark so that Excel reads the UTF-8 (Japanese names) right.
    Per assignment: the score that counts, attempts, late, when, then the raw score and the late
    penalty that made it, the score staff set on a regrade request and the hints shown (new
    columns at the end of each block, so older imports still read)."""
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
            f"{title} raw score",
            f"{title} late penalty",
            f"{title} staff score",
            f"{title} hints shown",
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
                "" if cell.raw_score is None else f"{cell.raw_score:g}",
                f"{cell.penalty:g}" if cell.penalty else "",
                "" if cell.staff_score is None else f"{cell.staff_score:g}",
                cell.hints,
            ]
        writer.writerow([*values, f"{row.total:g}"])
    return out.getvalue()


def local_text(moment: datetime | None, zone: ZoneInfo) -> str:
    if moment is None:
        return ""
    return moment.replace(tzinfo=UTC).astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")
