"""``create_app(settings)``: builds the engine, templates, grading threads and routes for one app."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import redis
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text
from starlette.exceptions import HTTPException as StarletteHTTPException
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from backend import metrics
from backend.api.course_admin import router as course_api_router
from backend.api.review import router as review_api_router
from backend.api.v1 import router as api_router
from backend.auth.security import use_hash_profile
from backend.auth.sessions import SessionCookies
from backend.auth.signing_key import signing_key
from backend.celery_app import make_celery
from backend.db import make_engine, make_session_factory
from backend.errors import Invalid, KadaiError, NotAuthenticated
from backend.lti.manage_router import api_router as lti_api_router
from backend.lti.manage_router import router as lti_manage_router
from backend.lti.passback import PassbackRunner
from backend.lti.router import router as lti_router
from backend.queue import CeleryQueue, EmbeddedQueue
from backend.ratelimit import make_limiter
from backend.settings import Settings
from backend.similarity.service import SimilarityRunner
from backend.submissions import lifecycle
from backend.submissions.sweep import Sweeper
from backend.submissions.threads import GradingThreads
from backend.web.account import router as account_router
from backend.web.admin import router as admin_router
from backend.web.analytics import router as analytics_router
from backend.web.audit_pages import router as audit_router
from backend.web.body_limits import BodyLimits, body_rules
from backend.web.concurrency import ConcurrencyLimit
from backend.web.course_admin import router as course_admin_router
from backend.web.docs import router as docs_router
from backend.web.error_pages import error_page, http_error_page, login_redirect
from backend.web.i18n import language
from backend.web.pages import router as pages_router
from backend.web.regrades import router as regrades_router
from backend.web.security_headers import SecurityHeaders
from backend.web.similarity import router as similarity_router
from backend.web.staff import router as staff_router
from backend.web.templating import FRONTEND, make_templates
from backend.web.validation_errors import describe as describe_validation
from backend.webhooks import graded_notifier
from grader.engine import Grader


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "json" in request.headers.get("accept", "")


HTTP_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
}


async def error_response(request: Request, exc: KadaiError) -> Response:
    if wants_json(request):
        body = {"error": {"code": exc.code, "message": exc.text.en, "message_ja": exc.text.ja}}
        return JSONResponse(body, status_code=exc.status_code)
    if isinstance(exc, NotAuthenticated):
        return login_redirect(request)
    message = exc.text.ja if language(request) == "ja" else exc.text.en
    return await error_page(request, exc.status_code, message)


def readiness(settings: Settings, sessions) -> dict[str, str]:  # type: ignore[no-untyped-def]
    checks = {}
    try:
        with sessions() as session:
            session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 — readiness reports, it does not raise
        checks["database"] = f"error: {exc.__class__.__name__}"
    if settings.queue_backend == "celery":
        try:
            redis.Redis.from_url(settings.broker_url, socket_timeout=2).ping()
            checks["broker"] = "ok"
        except Exception as exc:  # noqa: BLE001
            checks["broker"] = f"error: {exc.__class__.__name__}"
    return checks


def create_app(settings: Settings, grader_factory: Callable[[], Grader] | None = None) -> FastAPI:
    use_hash_profile(settings.password_hash_profile)
    key = signing_key(settings)
    engine = make_engine(settings.sqlalchemy_url)
    sessions = make_session_factory(engine)
    embedded = settings.queue_backend == "embedded"
    grading_threads = GradingThreads(
        sessions,
        grader_factory or (lambda: Grader(settings.grader)),
        settings.grading_threads if embedded else 0,
        graded_notifier(settings.webhook_url, settings.webhook_secret),
        settings.max_grading_tries,
    )
    # LTI scores: sent by a thread of this process in the embedded mode; with Celery, by the
    # workers, this process's thread only polling for rows whose job the broker lost.
    passback = PassbackRunner(
        sessions,
        settings.lti_passback_retry_s,
        settings.lti_passback_tries,
        poll_s=2.0 if embedded else settings.sweep_interval_s,
    )
    # Similarity runs: made by this process's thread in the embedded mode; with Celery, by the
    # workers, this thread making only scheduled runs that came due or whose job was lost.
    similarity = SimilarityRunner(sessions, poll_s=30.0 if embedded else settings.sweep_interval_s)
    queue: lifecycle.GradingQueue = (
        EmbeddedQueue(grading_threads, passback, similarity)
        if embedded
        else CeleryQueue(make_celery(settings), settings.optional_gpu_queue)
    )
    # The request's unit of work: jobs queued by its transitions leave when it commits.
    lifecycle.send_jobs_after_commit(sessions, queue)
    sweeper = Sweeper(
        sessions,
        settings.stuck_after_s,
        settings.max_grading_tries,
        settings.sweep_interval_s,
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        grading_threads.start()
        sweeper.start()
        passback.start()
        similarity.start()
        yield
        similarity.stop()
        passback.stop()
        sweeper.stop()
        grading_threads.stop()
        engine.dispose()

    app = FastAPI(
        title="Kadai",
        version="1",
        lifespan=lifespan,
        docs_url=None,  # served by backend/web/docs.py from local assets
        openapi_url="/api/v1/openapi.json",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = sessions
    app.state.grading_threads = grading_threads
    app.state.templates = make_templates()
    app.state.signing_key = key
    app.state.signin_limiter = make_limiter(settings, "signin", settings.signin_attempts_per_minute)
    app.state.submit_limiter = make_limiter(settings, "submit", settings.submissions_per_minute)

    # Each add_middleware wraps the ones before it: the last added sees a request first.
    app.add_middleware(
        SessionCookies,
        secret_key=key.value,
        session_cookie="kadai_session",
        same_site="lax",
        https_only=settings.secure_cookies,
        max_age=settings.session_lifetime_s,
    )
    app.add_middleware(BodyLimits, rules=body_rules(settings), default=settings.max_form_bytes)
    app.add_middleware(
        SecurityHeaders,
        hsts=settings.environment == "production",
        lti_platforms=settings.lti_frame_ancestors,
    )
    # A request waits here before it takes any resource.
    app.add_middleware(ConcurrencyLimit, limit=settings.max_concurrent_requests)
    if settings.trusted_proxies:
        # X-Forwarded-For is believed only from these peers (`kadai serve` turns uvicorn's own
        # handling off, which would trust any client on the loopback).
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)

    @app.exception_handler(KadaiError)
    async def handle_kadai_error(request: Request, exc: KadaiError) -> Response:
        return await error_response(request, exc)

    @app.exception_handler(StarletteHTTPException)
    async def handle_http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if not wants_json(request):
            return await http_error_page(request, exc.status_code, str(exc.detail))
        code = HTTP_CODES.get(exc.status_code, "http_error")
        body = {"error": {"code": code, "message": str(exc.detail), "message_ja": str(exc.detail)}}
        return JSONResponse(body, status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def handle_unexpected(request: Request, exc: Exception) -> Response:
        # Still the standard shape, never a traceback; the error itself goes to the log.
        body = {
            "error": {
                "code": "internal_error",
                "message": "Something went wrong on the server.",
                "message_ja": "サーバーでエラーが発生しました。",
            }
        }
        return JSONResponse(body, status_code=500)

    @app.exception_handler(RequestValidationError)
    async def handle_validation(request: Request, exc: RequestValidationError) -> Response:
        if request.method == "GET" and not wants_json(request):
            # A page address that cannot be one (/assignments/abc): as any unknown URL.
            return await http_error_page(request, 404, "")
        # A browser's form gets the error page in its language; a client gets both languages.
        text = describe_validation(exc.errors())
        return await error_response(request, Invalid(text.en, text.ja))

    app.mount("/static", StaticFiles(directory=str(FRONTEND / "static")), name="static")
    app.include_router(api_router)
    app.include_router(course_api_router)
    app.include_router(review_api_router)
    app.include_router(docs_router)
    app.include_router(pages_router)
    app.include_router(staff_router)
    app.include_router(regrades_router)
    app.include_router(similarity_router)
    app.include_router(analytics_router)
    app.include_router(admin_router)
    app.include_router(audit_router)
    app.include_router(course_admin_router)
    app.include_router(account_router)
    app.include_router(lti_router)
    app.include_router(lti_manage_router)
    app.include_router(lti_api_router)

    @app.get("/healthz", include_in_schema=False)
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    def ready() -> Response:
        checks = readiness(settings, sessions)
        ok = all(value == "ok" for value in checks.values())
        return JSONResponse(
            {"status": "ok" if ok else "unavailable", "checks": checks},
            status_code=200 if ok else 503,
        )

    @app.get("/metrics", include_in_schema=False)
    def prometheus_metrics() -> Response:
        return Response(metrics.render(sessions), media_type=CONTENT_TYPE_LATEST)

    return app
