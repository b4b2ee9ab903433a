"""Jinja2 templates from ``frontend/templates`` with the helpers every page uses."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from backend.exercises.rendering import render_markdown
from backend.models._common import utcnow
from backend.web.artifacts import chart_data, chart_rows
from backend.web.deps import csrf_token
from backend.web.i18n import language, translate

FRONTEND = Path(__file__).resolve().parents[2] / "frontend"


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(FRONTEND / "templates"))
    templates.env.filters["markdown"] = lambda text: Markup(render_markdown(text or ""))
    templates.env.filters["points"] = lambda value: "–" if value is None else f"{value:g}"
    templates.env.filters["local"] = local_time
    templates.env.filters["mark"] = mark
    templates.env.globals["chart_data"] = chart_data  # the result page's charts (_artifacts.html)
    templates.env.globals["chart_rows"] = chart_rows
    templates.env.globals["utcnow"] = utcnow  # past-due notices compare with the stored UTC times
    return templates


def local_time(moment: datetime | None, course: Any, seconds: bool = False) -> str:
    """A stored (naive UTC) time on the course's clock, with the zone's abbreviation (JST, UTC)."""
    if moment is None:
        return ""
    zone = ZoneInfo(getattr(course, "time_zone", None) or "UTC")
    shown = moment.replace(tzinfo=UTC).astimezone(zone)
    return shown.strftime("%Y-%m-%d %H:%M:%S %Z" if seconds else "%Y-%m-%d %H:%M %Z")


def mark(score: float | None, max_score: float | None) -> str:
    """What a score means, apart from the grading state: full, partial or none."""
    if score is None or not max_score:
        return ""
    if score >= max_score:
        return "full"
    return "partial" if score > 0 else "none"


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    lang = language(request)
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(
        request,
        name,
        {
            "lang": lang,
            "t": lambda key: translate(key, lang),
            "csrf": csrf_token(request),
            "user": context.pop("user", None),
            **context,
        },
        status_code=status_code,
    )
