"""The id_token's own checks: its signature against the platform's key set (cached, fetched
again on an unknown kid at most once a minute), then iss, aud/azp, exp/iat, the nonce (used
once), the deployment, the message and the claims Kadai needs. The state and the browser's
binding are checked before, in ``launch.py``."""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from datetime import UTC, datetime, timedelta

from joserfc import jwt
from joserfc.errors import BadSignatureError, JoseError
from joserfc.jwk import RSAKey
from sqlalchemy.orm import Session

from backend.lti import platform_client
from backend.lti.launch_checks import LaunchRefused
from backend.lti.repository import LtiRepository
from backend.models import LtiPlatform
from backend.models._common import utcnow

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
LEEWAY_S = 60
# The platform's keys are fetched again at most this often (per key set URL, per process).
REFETCH_EVERY_S = 60.0
_refetched_at: dict[str, float] = {}
_refetch_lock = threading.Lock()
MESSAGES = ("LtiResourceLinkRequest", "LtiDeepLinkingRequest")


def verified_claims(session: Session, platform: LtiPlatform, id_token: str, nonce: str) -> dict:
    """The token's claims once every check passed; ``nonce`` is the one the login sent."""
    if not id_token:
        raise LaunchRefused("token_malformed", "no id_token")
    header = _header(id_token)
    if header.get("alg") != "RS256":
        raise LaunchRefused("signature", f"alg {header.get('alg')!r}")
    kid = header.get("kid") or None
    fresh = platform.jwks_json is None
    key_set = _fetch_keys(platform) if fresh else json.loads(platform.jwks_json)
    try:
        claims = _verify(id_token, key_set, kid)
    except (_UnknownKey, BadSignatureError) as exc:
        # A kid not cached, or no kid to notice a rotation by: the platform's current keys, once
        # (a known kid with a bad signature is just a bad signature).
        if (
            fresh
            or (kid and isinstance(exc, BadSignatureError))
            or not _may_refetch(platform.jwks_url)
        ):
            raise _refusal(exc, platform) from exc
        try:
            claims = _verify(id_token, _fetch_keys(platform), kid)
        except (_UnknownKey, BadSignatureError) as again:
            raise _refusal(again, platform) from again
    _check_claims(session, platform, claims, nonce)
    return claims


def _header(token: str) -> dict:
    try:
        segment = token.split(".")[0]
        data = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, IndexError) as exc:
        raise LaunchRefused("token_malformed", str(exc)) from exc
    if not isinstance(data, dict):
        raise LaunchRefused("token_malformed", "header is not an object")
    return data


def _fetch_keys(platform: LtiPlatform) -> dict:
    try:
        fetched = platform_client.fetch_jwks(platform.jwks_url)
    except platform_client.PlatformError as exc:
        raise LaunchRefused("jwks_unreachable", str(exc)) from exc
    platform.jwks_json = json.dumps(fetched)
    return fetched


def _may_refetch(jwks_url: str) -> bool:
    """At most one refetch of a platform's keys per window: a launch is unauthenticated until
    its signature checks, so a stream of made-up kids must not become a stream of fetches."""
    now = time.monotonic()
    with _refetch_lock:
        last = _refetched_at.get(jwks_url)
        if last is not None and now - last < REFETCH_EVERY_S:
            return False
        _refetched_at[jwks_url] = now
        return True


class _UnknownKey(Exception):
    pass


def _verify(id_token: str, key_set: dict, kid: str | None) -> dict:
    """The claims, checked against the key the token names, or (no kid) against each RSA key:
    a platform publishing two keys (a rotation) need not name one."""
    candidates = [
        k
        for k in key_set.get("keys", [])
        if isinstance(k, dict) and (k.get("kid") == kid if kid else k.get("kty") == "RSA")
    ]
    if not candidates:
        raise _UnknownKey(f"kid {kid!r}" if kid else "no RSA key")
    bad_signature: BadSignatureError | None = None
    for data in candidates:
        try:
            key = RSAKey.import_key(data)
        except (JoseError, ValueError, TypeError) as exc:
            raise LaunchRefused("jwks_unreachable", f"unusable key set: {exc}") from exc
        try:
            return jwt.decode(id_token, key, algorithms=["RS256"]).claims
        except BadSignatureError as exc:
            bad_signature = exc
        except (JoseError, ValueError) as exc:
            raise LaunchRefused("token_malformed", str(exc)) from exc
    assert bad_signature is not None
    raise bad_signature


def _refusal(error: Exception, platform: LtiPlatform) -> LaunchRefused:
    if isinstance(error, _UnknownKey):
        return LaunchRefused("unknown_key", f"{error} not in {platform.jwks_url}")
    return LaunchRefused("signature", str(error))


def _check_claims(session: Session, platform: LtiPlatform, claims: dict, nonce: str) -> None:
    if claims.get("iss") != platform.issuer:
        raise LaunchRefused("issuer", f"iss {claims.get('iss')!r} != {platform.issuer!r}")
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if platform.client_id not in audiences:
        raise LaunchRefused("audience", f"aud {audience!r}, client id {platform.client_id!r}")
    azp = claims.get("azp")
    if (len(audiences) > 1 or azp is not None) and azp != platform.client_id:
        raise LaunchRefused("audience", f"azp {azp!r}")
    now = time.time()
    exp, iat = claims.get("exp"), claims.get("iat")
    if not isinstance(exp, int | float) or exp < now - LEEWAY_S:
        raise LaunchRefused("expired", f"exp {exp!r}, now {int(now)}")
    if not isinstance(iat, int | float) or iat > now + LEEWAY_S:
        raise LaunchRefused("expired", f"iat {iat!r} in the future, now {int(now)}")
    token_nonce = claims.get("nonce")
    if not isinstance(token_nonce, str) or not secrets.compare_digest(token_nonce, nonce):
        raise LaunchRefused("nonce", "nonce does not match the login")
    expires = datetime.fromtimestamp(exp, UTC).replace(tzinfo=None) + timedelta(seconds=LEEWAY_S)
    if not LtiRepository(session).use_nonce(platform.id, token_nonce, expires, utcnow()):
        raise LaunchRefused("nonce", "nonce replayed")
    deployment = claims.get(CLAIM + "deployment_id")
    if deployment not in platform.deployments:
        raise LaunchRefused(
            "deployment", f"deployment {deployment!r} not in {platform.deployments}"
        )
    if (
        claims.get(CLAIM + "message_type") not in MESSAGES
        or claims.get(CLAIM + "version") != "1.3.0"
    ):
        raise LaunchRefused("message", f"{claims.get(CLAIM + 'message_type')!r}")
    if not isinstance(claims.get(CLAIM + "roles"), list):
        raise LaunchRefused("roles", "no roles claim")
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise LaunchRefused("user", "no sub")
    if not isinstance(claims.get(CLAIM + "context"), dict) or not claims[CLAIM + "context"].get(
        "id"
    ):
        raise LaunchRefused("context", "no context claim")
