"""Kadai calling a platform: its key set, service access tokens (cached until they expire), and
the AGS and NRPS endpoints. Every failure is a ``PlatformError`` carrying the platform's answer."""

from __future__ import annotations

import json
import secrets
import time
from datetime import timedelta
from urllib.parse import urlsplit

import requests
from joserfc import jwt
from sqlalchemy.orm import Session

from backend.lti import keys
from backend.models import LtiPlatform
from backend.models._common import utcnow

TIMEOUT_S = 10
# A token this close to its expiry is replaced rather than used.
TOKEN_MARGIN = timedelta(seconds=60)
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
LINEITEM_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
LINEITEMS_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"
MEMBERSHIP_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"


class PlatformError(Exception):
    """A call to the platform failed: what was called and what it answered."""


def _origin(url: str) -> tuple[str, str, int] | None:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return None
    return parts.scheme, parts.hostname.lower(), port or (443 if parts.scheme == "https" else 80)


def require_platform_url(platform: LtiPlatform, url: str) -> str:
    """``url`` if it is on one of the platform's own origins (its issuer, token or login URL):
    a service URL from a launch or a page link gets the platform's bearer token, so it must not
    point anywhere else (an internal address, another site)."""
    allowed = {
        _origin(u) for u in (platform.issuer, platform.auth_token_url, platform.auth_login_url)
    }
    if _origin(url) is None or _origin(url) not in allowed:
        raise PlatformError(
            f"service URL {url[:300]!r} is not on the platform's own hosts "
            f"(issuer, token or login URL); refused"
        )
    return url


def _call(method: str, url: str, **kwargs: object) -> requests.Response:
    try:
        # No redirects: a bearer token must not follow one to another host.
        response = requests.request(
            method,
            url,
            timeout=TIMEOUT_S,
            allow_redirects=False,
            **kwargs,  # type: ignore[arg-type]
        )
    except requests.RequestException as exc:
        raise PlatformError(f"{method} {url}: {exc.__class__.__name__}: {exc}") from exc
    if response.status_code >= 300:
        raise PlatformError(f"{method} {url}: HTTP {response.status_code} {response.text[:500]}")
    return response


def _json(response: requests.Response) -> object:
    """The answer's JSON; a 2xx answer that is not JSON is the platform's error too."""
    try:
        return response.json()
    except ValueError as exc:
        method = response.request.method if response.request is not None else "?"
        raise PlatformError(
            f"{method} {response.url}: not JSON (HTTP {response.status_code}) {response.text[:300]}"
        ) from exc


def fetch_jwks(url: str) -> dict:
    data = _json(_call("GET", url))
    if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
        raise PlatformError(f"GET {url}: no 'keys' list")
    return data


def access_token(session: Session, platform: LtiPlatform, scopes: list[str]) -> str:
    """A bearer token for ``scopes``: the cached one while it lasts and covers them."""
    wanted = set(scopes)
    cached = set((platform.access_token_scope or "").split())
    if (
        platform.access_token
        and platform.access_token_expires_at
        and platform.access_token_expires_at - TOKEN_MARGIN > utcnow()
        and wanted <= cached
    ):
        return platform.access_token
    kid, key = keys.signing_key(session)
    now = int(time.time())
    assertion = jwt.encode(
        {"alg": "RS256", "kid": kid},
        {
            "iss": platform.client_id,
            "sub": platform.client_id,
            "aud": platform.auth_token_url,
            "iat": now,
            "exp": now + 300,
            "jti": secrets.token_urlsafe(16),
        },
        key,
    )
    scope = " ".join(sorted(wanted | cached))
    response = _call(
        "POST",
        platform.auth_token_url,
        data={
            "grant_type": "client_credentials",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertion,
            "scope": scope,
        },
    )
    try:
        body = response.json()
        token = body["access_token"]
        expires_in = int(body.get("expires_in", 3600))
    except (ValueError, KeyError, TypeError) as exc:
        raise PlatformError(f"POST {platform.auth_token_url}: no access_token") from exc
    platform.access_token = token
    platform.access_token_scope = body.get("scope") or scope
    platform.access_token_expires_at = utcnow() + timedelta(seconds=expires_in)
    return token


def _with_path(url: str, suffix: str) -> str:
    """The line item's sub-resource (``/scores``) placed before any query string."""
    base, _, query = url.partition("?")
    return f"{base.rstrip('/')}{suffix}" + (f"?{query}" if query else "")


def find_line_items(token: str, lineitems_url: str, resource_id: str) -> list[dict]:
    response = _call(
        "GET",
        lineitems_url,
        params={"resource_id": resource_id},
        headers={"Authorization": f"Bearer {token}", "Accept": LINEITEMS_TYPE},
    )
    body = _json(response)
    # The spec's answer is an array; some platforms wrap it as a page ({"content": [...]}).
    items = body.get("content", []) if isinstance(body, dict) else body
    if not isinstance(items, list):
        raise PlatformError(f"GET {lineitems_url}: the answer is not a list of line items")
    return [i for i in items if isinstance(i, dict) and str(i.get("resourceId")) == resource_id]


def create_line_item(token: str, lineitems_url: str, item: dict) -> dict:
    response = _call(
        "POST",
        lineitems_url,
        data=json.dumps(item),
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": LINEITEM_TYPE,
            "Accept": LINEITEM_TYPE,
        },
    )
    created = _json(response)
    if not isinstance(created, dict) or not created.get("id"):
        raise PlatformError(f"POST {lineitems_url}: the created line item has no id")
    return created


def post_score(token: str, lineitem_url: str, score: dict) -> None:
    _call(
        "POST",
        _with_path(lineitem_url, "/scores"),
        data=json.dumps(score),
        headers={"Authorization": f"Bearer {token}", "Content-Type": SCORE_TYPE},
    )


def membership_page(token: str, url: str) -> tuple[list[dict], str | None]:
    """One page of members and the next page's URL (the Link header, or a ``next`` field)."""
    response = _call(
        "GET", url, headers={"Authorization": f"Bearer {token}", "Accept": MEMBERSHIP_TYPE}
    )
    body = _json(response)
    members = body.get("members", []) if isinstance(body, dict) else []
    if not isinstance(members, list):
        raise PlatformError(f"GET {url}: 'members' is not a list")
    following = response.links.get("next", {}).get("url")
    if not following and isinstance(body, dict) and isinstance(body.get("next"), str):
        following = body["next"]
    return [m for m in members if isinstance(m, dict)], following
