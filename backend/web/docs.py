"""The API's interactive documentation, from Swagger UI assets served here (pinned, no CDN)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from backend.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/api/docs")
def api_docs(request: Request) -> Response:
    return render(request, "api_docs.html", openapi_url=request.app.openapi_url)
