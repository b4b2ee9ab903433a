"""A real LTI 1.3 platform for the tests: the ``lti1p3platform`` package (PyPI) behind a small
FastAPI app, served by uvicorn on a loopback port. It signs launches and Deep Linking requests,
issues service tokens, keeps line items and scores, pages its roster, and can be told to fail the
first score sends."""

from __future__ import annotations

import re
import threading
import time
import typing as t
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlencode

import uvicorn
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from lti1p3platform.exceptions import LineItemNotFoundException
from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract
from lti1p3platform.membership import Context
from lti1p3platform.message_launch import LTIAdvantageMessageLaunchAbstract
from lti1p3platform.registration import Registration
from lti1p3platform.request import Request as LtiRequest
from lti1p3platform.score import UpdateScoreStatus
from lti1p3platform.service_connector import (
    AssignmentsGradesService,
    NamesRoleProvisioningService,
)

from tests.services import free_port

LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
CONTEXT_ID = "course-101"
DEPLOYMENT = "deployment-1"
CLIENT_ID = "kadai-client"


def _key_pair() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


@dataclass
class Launch:
    """What the platform puts in a launch: who, with which roles, from which link."""

    sub: str
    roles: list[str] | None
    name: str = ""
    email: str = ""
    resource_link_id: str | None = None
    deep_linking: bool = False
    custom: dict | None = None
    lineitem: str | None = None
    document_target: str | None = None
    # Tampering, for the negative cases: applied to the claims before signing.
    claims: dict = field(default_factory=dict)
    sign_with: str | None = None  # another private key (a bad signature)
    without_kid: bool = False  # a header naming no key
    expires_in: int = 300


class PlatformConfig(LTI1P3PlatformConfAbstract):
    def init_platform_config(self, **kwargs: t.Any) -> None:
        self._registration = kwargs["registration"]

    def get_registration_by_params(self, **kwargs: t.Any) -> Registration:
        return self._registration


class Adapted(LtiRequest):
    """The library's request interface over what FastAPI received."""

    def build_metadata(self, request: dict) -> dict:  # type: ignore[override]
        return request


@dataclass
class Peer:
    base: str
    registration: Registration
    config: PlatformConfig
    other_private_key: str
    launches: dict[str, Launch] = field(default_factory=dict)
    line_items: dict[str, dict] = field(default_factory=dict)
    scores: list[tuple[str, dict]] = field(default_factory=list)
    members: list[dict] = field(default_factory=list)
    deep_link_items: list[dict] = field(default_factory=list)
    token_requests: int = 0
    lineitem_creations: int = 0
    fail_next_scores: int = 0
    fail_users: set[str] = field(default_factory=set)
    failed_scores: int = 0
    # Like Moodle (409) and Canvas (400): a score older than the last one taken is refused.
    refused_stale_scores: int = 0
    # A proxy's login page in place of the line items service: 200, but HTML.
    garble_lineitems: bool = False
    # Published beside the platform's own key (a rotation in progress).
    extra_public_keys: list[str] = field(default_factory=list)
    jwks_requests: int = 0
    membership_pages: int = 0
    membership_requests: int = 0  # answered or not (a bearer token it cannot check included)
    # Put in place of the roster's own next page (a platform compromised or misconfigured), as
    # the body's ``next`` or as a ``Link: <...>; rel="next"`` header.
    membership_next: str | None = None
    membership_next_in_link: bool = False
    # The LMS's course pages (by name) that show a tool's URL in an iframe, as Moodle and Canvas do.
    framed_pages: dict[str, str] = field(default_factory=dict)

    @property
    def issuer(self) -> str:
        return self.base

    def registration_values(self) -> dict:
        return {
            "name": "Test LMS",
            "issuer": self.issuer,
            "client_id": CLIENT_ID,
            "deployment_ids": [DEPLOYMENT],
            "auth_login_url": f"{self.base}/auth",
            "auth_token_url": f"{self.base}/token",
            "jwks_url": f"{self.base}/jwks",
        }

    def trust_tool_keys(self, jwks: dict) -> None:
        self.registration.set_tool_key_set(jwks)

    def login_initiation(self, hint: str, launch: Launch) -> dict[str, str]:
        """What the platform sends the tool's login URL (third-party initiated login)."""
        self.launches[hint] = launch
        return {
            "iss": self.issuer,
            "login_hint": launch.sub,
            "lti_message_hint": hint,
            "target_link_uri": self.registration.get_launch_url(),
            "client_id": CLIENT_ID,
            "lti_deployment_id": DEPLOYMENT,
        }


class MessageLaunch(LTIAdvantageMessageLaunchAbstract):
    peer: Peer

    def get_preflight_response(self) -> dict[str, t.Any]:
        return self._request.get_data  # type: ignore[union-attr]

    def prepare_launch(self, preflight_response: dict[str, t.Any]) -> None:
        launch = self.peer.launches[preflight_response["lti_message_hint"]]
        self.set_user_data(launch.sub, launch.roles or [], launch.name, launch.email)
        if launch.roles is None:
            assert self.lti_claim_user_data is not None
            self.lti_claim_user_data.pop("https://purl.imsglobal.org/spec/lti/claim/roles")
        self.set_launch_context_claim(CONTEXT_ID, context_title="Deep Learning 101")
        if launch.resource_link_id:
            self.set_resource_link_claim(launch.resource_link_id)
        if launch.custom:
            self.set_custom_parameters_claim(launch.custom)
        if launch.document_target:
            self.set_launch_presentation_claim(document_target=launch.document_target)
        base = self.peer.base
        self.set_ags(
            lineitems_url=f"{base}/contexts/{CONTEXT_ID}/lineitems",
            lineitem_url=launch.lineitem,
            allow_creating_lineitems=True,
        )
        self.set_nrps(f"{base}/contexts/{CONTEXT_ID}/memberships?limit=2")
        if launch.deep_linking:
            self.set_dl(f"{base}/deep-link-return", title="Add Kadai", extra_data={"opaque": "x1"})
        self.set_extra_claims(launch.claims)
        self.set_id_token_expiration(launch.expires_in)
        self._launch = launch

    def generate_launch_request(self):  # type: ignore[no-untyped-def]
        launch = self._launch
        registration = self._registration
        assert registration is not None
        real = registration.get_platform_private_key()
        if launch.without_kid:
            registration.get_kid = lambda: None  # type: ignore[method-assign]
        if launch.sign_with is not None:
            registration.set_platform_private_key(launch.sign_with)
        try:
            return super().generate_launch_request()
        finally:
            registration.set_platform_private_key(real)
            registration.__dict__.pop("get_kid", None)

    def render_launch_form(self, launch_data: dict[str, t.Any], **kwargs: t.Any) -> Response:
        fields = "".join(
            f'<input type="hidden" name="{k}" value="{launch_data[k]}">'
            for k in ("id_token", "state")
        )
        # Posted at once in a browser, as a platform's launch page does.
        return HTMLResponse(
            f'<form method="post" action="{launch_data["launch_url"]}">{fields}</form>'
            "<script>document.forms[0].submit()</script>"
        )


def form_fields(html: str) -> tuple[str, dict[str, str]]:
    """The action and hidden fields of the auto-posting form (the one carrying a token) that a
    platform or the tool answers with."""
    for form in re.findall(r"<form[^>]*>.*?</form>", html, re.S):
        fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
        if "id_token" in fields or "JWT" in fields:
            action = re.search(r'action="([^"]+)"', form)
            assert action
            return action.group(1).replace("&amp;", "&"), fields
    raise AssertionError(f"no token form in: {html[:500]}")


def make_app(peer: Peer) -> FastAPI:
    app = FastAPI()
    config = peer.config

    async def adapted(request: Request) -> Adapted:
        form = dict((await request.form()).items()) if request.method == "POST" else {}
        body = await request.body()
        query: dict[str, t.Any] = dict(request.query_params)
        for key in ("page", "limit"):
            if key in query:
                query[key] = int(query[key])
        json_body = None
        if body and "json" in request.headers.get("content-type", ""):
            import json

            json_body = json.loads(body)
        return Adapted(
            {
                "method": request.method,
                "form_data": form,
                "get_data": query,
                "headers": request.headers,
                "content_type": request.headers.get("content-type"),
                "path": request.url.path,
                "json": json_body,
            }
        )

    def answer(result: t.Any) -> Response:
        return JSONResponse(result.result, status_code=result.code, media_type=result.media_type)

    @app.get("/jwks")
    def jwks() -> dict:
        peer.jwks_requests += 1
        published = config.get_jwks()
        published["keys"] += [Registration.get_jwk(k) for k in peer.extra_public_keys]
        return published

    @app.get("/course-page/{name}")
    def course_page(name: str) -> Response:
        return HTMLResponse(
            f"<!doctype html><title>LMS course</title><h1>Deep Learning 101</h1>"
            f'<iframe title="Kadai" src="{peer.framed_pages[name]}" width="1200" height="800">'
            "</iframe>"
        )

    @app.get("/auth")
    async def auth(request: Request) -> Response:
        launcher = MessageLaunch(await adapted(request), config)
        launcher.peer = peer
        return launcher.lti_launch()

    @app.post("/token")
    async def token(request: Request) -> Response:
        peer.token_requests += 1
        form = dict((await request.form()).items())
        return JSONResponse(config.get_access_token(form))

    class Grades(AssignmentsGradesService):
        def find_lineitems(
            self,
            page=1,
            limit=None,
            line_item_id=None,
            resource_link_id=None,
            resource_id=None,
            tag=None,
        ):  # type: ignore[no-untyped-def]
            items = [
                i for i in peer.line_items.values() if resource_id in (None, i.get("resourceId"))
            ]
            return {"content": items, "has_next": False, "next": None}

        def find_lineitem(self, line_item_id: str):  # type: ignore[no-untyped-def]
            if line_item_id not in peer.line_items:
                raise LineItemNotFoundException
            return peer.line_items[line_item_id]

        def create_lineitem(self, creation_data):  # type: ignore[no-untyped-def]
            peer.lineitem_creations += 1
            number = len(peer.line_items) + 1
            url = f"{peer.base}/contexts/{CONTEXT_ID}/lineitems/{number}"
            peer.line_items[str(number)] = {**creation_data, "id": url}
            return peer.line_items[str(number)]

        def update_lineitem(self, update_data):  # type: ignore[no-untyped-def]
            raise NotImplementedError

        def delete_lineitem(self, line_item_id):  # type: ignore[no-untyped-def]
            raise NotImplementedError

        def update_score(self, line_item_id, score):  # type: ignore[no-untyped-def]
            if line_item_id not in peer.line_items:
                raise LineItemNotFoundException
            peer.scores.append((line_item_id, score))
            return UpdateScoreStatus.SUCCESS

        def get_results(self, line_item_id, page=1, limit=None, user_id=None):  # type: ignore[no-untyped-def]
            raise NotImplementedError

    def grades(request: Adapted) -> Grades:
        return Grades(request, config, f"{peer.base}/contexts/{CONTEXT_ID}/lineitems")

    @app.get("/contexts/{context_id}/lineitems")
    async def get_lineitems(request: Request, context_id: str) -> Response:
        if peer.garble_lineitems:
            return HTMLResponse("<html>Please sign in</html>")
        service = grades(await adapted(request))
        return answer(service.handle_resp(service.handle_get_lineitems))

    @app.post("/contexts/{context_id}/lineitems")
    async def post_lineitem(request: Request, context_id: str) -> Response:
        if peer.garble_lineitems:
            return HTMLResponse("<html>Please sign in</html>")
        service = grades(await adapted(request))
        return answer(service.handle_resp(service.handle_create_lineitem))

    @app.post("/contexts/{context_id}/lineitems/{item}/scores")
    async def post_score(request: Request, context_id: str, item: str) -> Response:
        body = await request.json()
        sender = body.get("userId")
        if peer.fail_next_scores > 0 or sender in peer.fail_users:
            peer.fail_next_scores = max(0, peer.fail_next_scores - 1)
            peer.failed_scores += 1
            return JSONResponse({"error": "gradebook locked for maintenance"}, status_code=503)
        taken = [s["timestamp"] for i, s in peer.scores if i == item and s["userId"] == sender]
        if taken and body.get("timestamp", "") < max(taken):
            peer.refused_stale_scores += 1
            return JSONResponse({"error": "score timestamp before the last one"}, status_code=409)
        service = grades(await adapted(request))
        return answer(service.handle_resp(service.handle_update_score, line_item_id=item))

    class Roster(NamesRoleProvisioningService):
        def get_member_data_page(self, page=1, limit=None, role=None, since=None):  # type: ignore[no-untyped-def]
            peer.membership_pages += 1
            size = limit or len(peer.members) or 1
            start = (page - 1) * size
            chunk = peer.members[start : start + size]
            return {"content": chunk, "has_next": start + size < len(peer.members)}

        def get_context_by_id(self) -> Context:
            return Context(id=CONTEXT_ID, label="DL101", title="Deep Learning 101")

    @app.get("/contexts/{context_id}/memberships")
    async def memberships(request: Request, context_id: str) -> Response:
        peer.membership_requests += 1
        service = Roster(
            await adapted(request), config, f"{peer.base}/contexts/{CONTEXT_ID}/memberships"
        )
        result = service.handle_resp(service.handle_get_members)
        if peer.membership_next and isinstance(result.result, dict) and result.result.get("next"):
            if peer.membership_next_in_link:
                del result.result["next"]
                response = answer(result)
                response.headers["Link"] = f'<{peer.membership_next}>; rel="next"'
                return response
            result.result["next"] = peer.membership_next
        return answer(result)

    @app.post("/deep-link-return")
    async def deep_link_return(request: Request) -> Response:
        form = dict((await request.form()).items())
        items = config.validate_deeplinking_resp({"JWT": form["JWT"]})
        peer.deep_link_items.extend(items)
        return JSONResponse({"received": len(items)})

    return app


@contextmanager
def platform_peer(tool_base: str, host: str = "127.0.0.1") -> Iterator[Peer]:
    """A platform on a loopback port, its tool registration pointing at ``tool_base``; ``host``
    names it (``localhost``: another site than a tool on 127.0.0.1, for a browser)."""
    port = free_port()
    base = f"http://{host}:{port}"
    private, public = _key_pair()
    other_private, _ = _key_pair()
    registration = (
        Registration()
        .set_iss(base)
        .set_client_id(CLIENT_ID)
        .set_deployment_id(DEPLOYMENT)
        .set_oidc_login_url(f"{tool_base}/lti/login")
        .set_launch_url(f"{tool_base}/lti/launch")
        .set_deeplink_launch_url(f"{tool_base}/lti/launch")
        .set_platform_public_key(public)
        .set_platform_private_key(private)
    )
    config = PlatformConfig(registration=registration)
    config._jwt_verify_options = {"verify_aud": False}
    peer = Peer(base, registration, config, other_private)
    server = uvicorn.Server(
        uvicorn.Config(make_app(peer), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the platform peer did not start"
        time.sleep(0.05)
    try:
        yield peer
    finally:
        server.should_exit = True
        thread.join(10)


__all__ = ["INSTRUCTOR", "LEARNER", "Launch", "Peer", "form_fields", "platform_peer", "urlencode"]
