"""Jinja2 templates from ``frontend/templates`` with the helpers every page uses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from backend.exercises.rendering import render_markdown
from backend.models._common import utcnow
from backend.web.deps import csrf_token
from backend.web.i18n import language, translate

FRONTEND = Path(__file__).resolve().parents[2] / "frontend"


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(FRONTEND / "templates"))
    templates.env.filters["markdown"] = lambda text: Markup(render_markdown(text or ""))
    templates.env.filters["points"] = lambda value: "–" if value is None else f"{value:g}"
    templates.env.globals["utcnow"] = utcnow  # past-due notices compare with the stored UTC times
    return templates


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
