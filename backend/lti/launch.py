"""OIDC third-party login and the launch: the state bound to the browser, then the id_token's
checks (``token_checks.py``), then the LMS's context, user and resource link mapped to a Kadai
course, account and assignment, each made on first sight."""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from urllib.parse import urlencode

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from backend.auth.repository import UserRepository
from backend.auth.security import hash_password
from backend.courses import service as courses
from backend.courses.repository import CourseRepository
from backend.errors import KadaiError
from backend.lti import platform_client, token_checks
from backend.lti.launch_checks import LaunchRefused
from backend.lti.repository import LtiRepository
from backend.lti.service import platform_for_login
from backend.models import (
    Assignment,
    Course,
    LtiAccount,
    LtiContext,
    LtiPlatform,
    LtiResourceLink,
    User,
)
from backend.models.user import Role

log = logging.getLogger("kadai.lti")
CLAIM = token_checks.CLAIM
DL_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
STATE_COOKIE = "kadai_lti_state"
STATE_MAX_AGE_S = 600
INSTRUCTOR_ROLES = ("Instructor", "TeachingAssistant", "ContentDeveloper", "Administrator")
LOGIN_PARAMS = (
    "iss",
    "login_hint",
    "lti_message_hint",
    "client_id",
    "lti_deployment_id",
    "target_link_uri",
)


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt="kadai-lti-state")


@dataclass(frozen=True)
class LoginRedirect:
    url: str
    cookie: str  # the state bound to this browser (SameSite=None; Secure)


def login(session: Session, params: dict[str, str], launch_url: str, secret: str) -> LoginRedirect:
    """The OIDC authentication request to send the browser to, and the state cookie to set."""
    issuer = params.get("iss", "")
    if not issuer or not params.get("login_hint"):
        raise LaunchRefused("token_malformed", "login initiation without iss or login_hint")
    try:
        platform = platform_for_login(session, issuer, params.get("client_id"))
    except KadaiError as exc:
        raise LaunchRefused("unknown_platform", f"iss={issuer!r}: {exc}") from None
    browser = secrets.token_urlsafe(24)
    nonce = secrets.token_urlsafe(24)
    given = {k: params[k] for k in LOGIN_PARAMS if params.get(k)}
    signer = _serializer(secret)
    state = signer.dumps(
        {"b": hashlib.sha256(browser.encode()).hexdigest(), "p": platform.id, "q": given}
    )
    query = {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": platform.client_id,
        "redirect_uri": launch_url,
        "login_hint": params["login_hint"],
        "state": state,
        "nonce": nonce,
    }
    if params.get("lti_message_hint"):
        query["lti_message_hint"] = params["lti_message_hint"]
    cookie = signer.dumps({"b": browser, "n": nonce, "p": platform.id})
    return LoginRedirect(f"{platform.auth_login_url}?{urlencode(query)}", cookie)


@dataclass(frozen=True)
class Claims:
    platform: LtiPlatform
    claims: dict

    def get(self, name: str, default: object = None) -> object:
        return self.claims.get(CLAIM + name, default)

    @property
    def message_type(self) -> str:
        return str(self.get("message_type", ""))


def validate(
    session: Session,
    id_token: str,
    state: str,
    cookie: str | None,
    secret: str,
    login_url: str,
) -> Claims:
    """Every check of the launch, in the order a failure is most useful to report."""
    signer = _serializer(secret)
    try:
        sent = signer.loads(state, max_age=STATE_MAX_AGE_S)
    except SignatureExpired:
        raise LaunchRefused("state_expired", "state older than 10 minutes") from None
    except BadSignature:
        raise LaunchRefused("state_mismatch", "state not issued by Kadai") from None
    if not cookie:
        retry = f"{login_url}?{urlencode(sent.get('q', {}))}"
        raise LaunchRefused("cookies_blocked", "no state cookie", retry_url=retry)
    try:
        bound = signer.loads(cookie, max_age=STATE_MAX_AGE_S)
    except BadSignature:
        raise LaunchRefused("state_mismatch", "state cookie unreadable or expired") from None
    digest = hashlib.sha256(str(bound.get("b", "")).encode()).hexdigest()
    if not secrets.compare_digest(digest, str(sent.get("b", ""))) or bound.get("p") != sent.get(
        "p"
    ):
        raise LaunchRefused("state_mismatch", "state does not match the browser's cookie")
    platform = LtiRepository(session).platform(int(sent["p"]))
    if platform is None:
        raise LaunchRefused("unknown_platform", "platform deleted during the login")
    claims = token_checks.verified_claims(session, platform, id_token, str(bound.get("n", "")))
    return Claims(platform, claims)


def course_role(roles: list) -> str:
    """Instructor, TeachingAssistant, ContentDeveloper (and course administrators) teach; any
    other role, Learner included, is a student's."""
    for role in roles:
        name = str(role).rsplit("#", 1)[-1].rsplit("/", 1)[-1]
        if (
            name in INSTRUCTOR_ROLES
            and "/system/" not in str(role)
            and "/institution/" not in str(role)
        ):
            return "instructor"
    return "student"


@dataclass(frozen=True)
class Launched:
    user: User
    course: Course
    role: str
    assignment: Assignment | None
    context: LtiContext


def account_for(
    session: Session, platform: LtiPlatform, sub: str, name: str, email: str, role: str
) -> User:
    """The account of ``sub`` at this platform; made on first sight. The e-mail address is kept
    only when no other account has it: an address never joins two identities."""
    repository = LtiRepository(session)
    users = UserRepository(session)
    mapped = repository.account(platform.id, sub)
    if mapped is not None:
        user = users.get(mapped.user_id)
        assert user is not None
        if role == "instructor" and user.role == Role.student:
            user.role = Role.instructor
        return user
    email = email.strip().lower()
    if not email or "@" not in email or users.by_email(email) is not None:
        email = f"lti-{platform.id}-{hashlib.sha256(sub.encode()).hexdigest()[:16]}@lti.invalid"
    # No usable password: the account signs in through the LMS only.
    user = users.add(
        User(
            email=email,
            name=(name or email)[:200],
            password_hash=hash_password(secrets.token_urlsafe(32)),
            role=Role.instructor if role == "instructor" else Role.student,
        )
    )
    repository.add(LtiAccount(platform_id=platform.id, sub=sub, user_id=user.id))
    return user


def context_for(session: Session, platform: LtiPlatform, claims: Claims) -> LtiContext:
    context_claim = claims.get("context") or {}
    assert isinstance(context_claim, dict)
    context_id = str(context_claim["id"])
    repository = LtiRepository(session)
    context = repository.context(platform.id, context_id)
    if context is None:
        digest = hashlib.sha256(f"{platform.id}:{context_id}".encode()).hexdigest()[:12]
        title = str(context_claim.get("title") or context_claim.get("label") or context_id)
        course = courses.create_course(session, f"lti-{platform.id}-{digest}", title[:200])
        context = LtiContext(
            platform_id=platform.id,
            context_id=context_id,
            course_id=course.id,
            deployment_id=str(claims.get("deployment_id")),
        )
        repository.add(context)
    ags = claims.claims.get(AGS_CLAIM)
    if isinstance(ags, dict):
        context.lineitems_url = (
            _service_url(platform, ags.get("lineitems")) or context.lineitems_url
        )
        context.ags_scopes = " ".join(ags.get("scope") or []) or context.ags_scopes
    nrps = claims.claims.get(NRPS_CLAIM)
    if isinstance(nrps, dict) and nrps.get("context_memberships_url"):
        context.memberships_url = _service_url(platform, nrps["context_memberships_url"])
    return context


def _service_url(platform: LtiPlatform, url: object) -> str | None:
    """A service URL from the launch, refused unless it is on the platform's own hosts."""
    if not url:
        return None
    try:
        return platform_client.require_platform_url(platform, str(url))
    except platform_client.PlatformError as exc:
        raise LaunchRefused("service_url", str(exc)) from exc


def _assignment_for(session: Session, claims: Claims, context: LtiContext) -> Assignment | None:
    """The resource link's assignment: known from an earlier launch, or named by Deep Linking's
    custom parameter (accepted only within the launch's own course)."""
    link_claim = claims.get("resource_link")
    if not isinstance(link_claim, dict) or not link_claim.get("id"):
        return None
    repository = LtiRepository(session)
    platform = claims.platform
    link = repository.resource_link(platform.id, str(link_claim["id"]))
    ags = claims.claims.get(AGS_CLAIM)
    lineitem = _service_url(platform, ags.get("lineitem")) if isinstance(ags, dict) else None
    if link is None:
        custom = claims.get("custom") or {}
        wanted = custom.get("kadai_assignment_id") if isinstance(custom, dict) else None
        assignment = (
            CourseRepository(session).assignment(int(wanted))
            if str(wanted or "").isdigit()
            else None
        )
        if assignment is None or assignment.course_id != context.course_id:
            return None
        link = LtiResourceLink(
            platform_id=platform.id,
            resource_link_id=str(link_claim["id"]),
            assignment_id=assignment.id,
        )
        repository.add(link)
    assignment = CourseRepository(session).assignment(link.assignment_id)
    if assignment is None or assignment.course_id != context.course_id:
        # The same link id launched from another course (a copied course): not this course's
        # assignment, and never a reason to repoint the other course's line item.
        return None
    if lineitem:
        link.lineitem_url = lineitem
    return assignment


def admit(session: Session, claims: Claims) -> Launched:
    """Maps the launch to Kadai: the course, the account (enrolled with the launch's role), the
    assignment; logs one line."""
    platform = claims.platform
    roles = claims.get("roles") or []
    assert isinstance(roles, list)
    role = course_role(roles)
    context = context_for(session, platform, claims)
    course = CourseRepository(session).get(context.course_id)
    assert course is not None
    user = account_for(
        session,
        platform,
        claims.claims["sub"],
        str(claims.claims.get("name") or claims.claims.get("given_name") or ""),
        str(claims.claims.get("email") or ""),
        role,
    )
    courses.enroll(session, course, user, role)
    assignment = (
        _assignment_for(session, claims, context)
        if claims.message_type == "LtiResourceLinkRequest"
        else None
    )
    log.info(
        "lti launch",
        extra={
            "platform": platform.issuer,
            "message_type": claims.message_type,
            "user_id": user.id,
            "course_id": course.id,
            "assignment_id": assignment.id if assignment else None,
            "role": role,
        },
    )
    return Launched(user, course, role, assignment, context)
