"""Course analytics as files and data: the CSV (one row per learner) and the API's JSON."""

from __future__ import annotations

import csv
import io
from zoneinfo import ZoneInfo

from backend.analytics.service import AssignmentAnalytics
from backend.gradebook.export import csv_safe, local_text
from backend.models import Course


def to_csv(analytics: AssignmentAnalytics, course: Course) -> str:
    """One row per learner, times on the course's clock, with a BOM for Excel (as the
    gradebook's CSV)."""
    zone = ZoneInfo(course.time_zone or "UTC")
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(
        [
            "email",
            "name",
            "attempts",
            f"first attempt ({zone.key})",
            f"score that counts (max {analytics.max_score:g})",
            "attempt with first full marks",
            "hours from first attempt to full marks",
        ]
    )
    for line in analytics.learners:
        writer.writerow(
            [
                csv_safe(line.learner.email),
                csv_safe(line.learner.name),
                line.attempts,
                local_text(line.first_at, zone),
                "" if line.counted is None else f"{line.counted:g}",
                line.full_at_attempt or "",
                "" if line.hours_to_full is None else f"{line.hours_to_full:.2f}",
            ]
        )
    return out.getvalue()


def to_json(analytics: AssignmentAnalytics) -> dict:
    charts = [
        {
            "title": chart.title.en,
            "kind": chart.kind,
            "series": [
                {"name": s.name.en, "points": [list(p) for p in s.points]} for s in chart.series
            ],
        }
        for chart in analytics.panel.charts
    ]
    return {
        "assignment_id": analytics.assignment.id,
        "max_score": analytics.max_score,
        "learners": len(analytics.learners),
        "submitted": analytics.submitted,
        "charts": charts,
        "common_failing_messages": [
            {"message": m.message.en, "message_ja": m.message.ja, "test": m.test, "count": m.times}
            for m in analytics.messages
        ],
        "students": [
            {
                "email": line.learner.email,
                "attempts": line.attempts,
                "first_attempt_at": line.first_at,
                "score": line.counted,
                "full_marks_at_attempt": line.full_at_attempt,
                "hours_to_full_marks": line.hours_to_full,
            }
            for line in analytics.learners
        ],
    }
