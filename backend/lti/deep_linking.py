"""Deep Linking: an instructor picks Kadai exercises from inside the LMS; Kadai makes the
assignments and answers with signed LtiResourceLink content items, each with its line item."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer
from joserfc import jwt
from sqlalchemy.orm import Session

from backend.courses import service as courses
from backend.courses.repository import CourseRepository
from backend.errors import Forbidden, Invalid
from backend.exercises.repository import ExerciseRepository
from backend.lti import keys
from backend.lti.launch import CLAIM, DL_CLAIM, Claims, Launched
from backend.lti.repository import LtiRepository
from backend.models import Assignment
from backend.models._common import utcnow

# How long the exercise picker may stay open before its choice is refused.
PICKER_MAX_AGE_S = 3600


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt="kadai-lti-deep-linking")


def picker_token(claims: Claims, launched: Launched, secret: str) -> str:
    """What the picker form carries back: the validated request, bound to the instructor."""
    settings = claims.claims.get(DL_CLAIM + "deep_linking_settings") or {}
    return _serializer(secret).dumps(
        {
            "p": claims.platform.id,
            "d": claims.get("deployment_id"),
            "r": settings.get("deep_link_return_url"),
            "data": settings.get("data"),
            "multiple": settings.get("accept_multiple", True),
            "c": launched.course.id,
            "u": launched.user.id,
            "j": secrets.token_urlsafe(12),
        }
    )


@dataclass(frozen=True)
class DeepLinkAnswer:
    return_url: str
    jwt: str
    assignments: list[Assignment]


def answer(
    session: Session, token: str, exercise_ids: list[str], secret: str, launch_url: str
) -> DeepLinkAnswer:
    """Makes (or reuses) the course's assignments and signs the Deep Linking response."""
    try:
        request = _serializer(secret).loads(token, max_age=PICKER_MAX_AGE_S)
    except BadSignature:
        raise Forbidden(
            "This choice expired; open Kadai from the LMS again.",
            "選択の有効期限が切れました。LMS からもう一度 Kadai を開いてください。",
        ) from None
    platform = LtiRepository(session).platform(int(request["p"]))
    course = CourseRepository(session).get(int(request["c"]))
    if platform is None or course is None or not request.get("r"):
        raise Invalid("The LMS request is incomplete.", "LMS からの要求が不完全です。")
    # Single use: a second answer to one request would make a second set of links.
    expires = utcnow().replace(microsecond=0)
    from datetime import timedelta

    if not LtiRepository(session).use_nonce(
        platform.id, "dl:" + request["j"], expires + timedelta(seconds=PICKER_MAX_AGE_S), utcnow()
    ):
        raise Forbidden("This choice was already sent.", "この選択はすでに送信されています。")
    wanted = list(dict.fromkeys(e for e in exercise_ids if e))
    if not wanted:
        raise Invalid("Choose at least one exercise.", "課題を 1 つ以上選んでください。")
    if not request.get("multiple", True) and len(wanted) > 1:
        raise Invalid("The LMS accepts one exercise here.", "ここでは課題を 1 つだけ選べます。")
    existing = {a.exercise_id: a for a in CourseRepository(session).assignments(course.id)}
    exercises = ExerciseRepository(session)
    items, made = [], []
    for exercise_id in wanted:
        exercise = exercises.get(exercise_id)
        if exercise is None:
            raise Invalid(f"No exercise {exercise_id!r}.", f"課題 {exercise_id!r} はありません。")
        assignment = existing.get(exercise_id) or courses.add_assignment(
            session, course, exercise_id
        )
        made.append(assignment)
        items.append(
            {
                "type": "ltiResourceLink",
                "title": exercise.title_en,
                "text": exercise.title_ja,
                "url": launch_url,
                "custom": {"kadai_assignment_id": str(assignment.id)},
                "lineItem": {
                    "label": exercise.title_en,
                    "scoreMaximum": exercise.points,
                    "resourceId": str(assignment.id),
                    "tag": "kadai",
                },
            }
        )
    kid, key = keys.signing_key(session)
    now = int(time.time())
    claims = {
        "iss": platform.client_id,
        "aud": platform.issuer,
        "iat": now,
        "exp": now + 600,
        "nonce": secrets.token_urlsafe(16),
        CLAIM + "message_type": "LtiDeepLinkingResponse",
        CLAIM + "version": "1.3.0",
        CLAIM + "deployment_id": request["d"],
        DL_CLAIM + "content_items": items,
    }
    if request.get("data") is not None:
        claims[DL_CLAIM + "data"] = request["data"]
    signed = jwt.encode({"alg": "RS256", "kid": kid, "typ": "JWT"}, claims, key)
    return DeepLinkAnswer(str(request["r"]), signed, made)


def choosing_user_id(token: str, secret: str) -> int | None:
    try:
        return int(_serializer(secret).loads(token, max_age=PICKER_MAX_AGE_S)["u"])
    except (BadSignature, KeyError, ValueError, TypeError):
        return None
