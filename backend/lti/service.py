"""Registering platforms and what the tool tells an LMS about itself (URLs, JSON configuration)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from backend.errors import Conflict, Invalid, NotFound
from backend.lti.repository import LtiRepository
from backend.models import LtiPlatform

SCOPES = [
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
    "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
]


@dataclass(frozen=True)
class ToolUrls:
    """What an administrator pastes into the LMS."""

    base: str

    @property
    def login(self) -> str:
        return f"{self.base}/lti/login"

    @property
    def launch(self) -> str:
        return f"{self.base}/lti/launch"

    @property
    def jwks(self) -> str:
        return f"{self.base}/lti/jwks.json"

    @property
    def deep_linking(self) -> str:
        return f"{self.base}/lti/launch"

    def configuration(self) -> dict:
        """The IMS dynamic-registration style tool configuration (Canvas and Moodle read it)."""
        host = urlsplit(self.base).hostname or self.base
        return {
            "application_type": "web",
            "client_name": "Kadai",
            "grant_types": ["client_credentials", "implicit"],
            "response_types": ["id_token"],
            "initiate_login_uri": self.login,
            "redirect_uris": [self.launch],
            "jwks_uri": self.jwks,
            "token_endpoint_auth_method": "private_key_jwt",
            "scope": " ".join(SCOPES),
            "https://purl.imsglobal.org/spec/lti-tool-configuration": {
                "domain": host,
                "target_link_uri": self.launch,
                "claims": ["iss", "sub", "name", "email"],
                "messages": [
                    {"type": "LtiResourceLinkRequest", "target_link_uri": self.launch},
                    {"type": "LtiDeepLinkingRequest", "target_link_uri": self.deep_linking},
                ],
            },
        }


def _require_url(value: str, what: str) -> str:
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise Invalid(
            f"{what} must be an http(s) URL, e.g. https://lms.example.edu/...",
            f"{what} は http(s) の URL で入力してください(例: https://lms.example.edu/...)。",
        )
    return value


def register_platform(
    session: Session,
    *,
    name: str,
    issuer: str,
    client_id: str,
    deployment_ids: list[str],
    auth_login_url: str,
    auth_token_url: str,
    jwks_url: str,
) -> LtiPlatform:
    """Adds a platform, or updates the one with the same issuer and client id."""
    issuer, client_id = issuer.strip(), client_id.strip()
    deployments = [d.strip() for d in deployment_ids if d.strip()]
    if not issuer or not client_id or not deployments:
        raise Invalid(
            "Issuer, client id and at least one deployment id are required.",
            "Issuer、クライアント ID、デプロイメント ID(1 つ以上)は必須です。",
        )
    if any(" " in d for d in deployments):
        raise Invalid("Deployment ids contain no spaces.", "デプロイメント ID に空白は使えません。")
    urls = {
        "auth_login_url": _require_url(auth_login_url, "The OIDC auth URL"),
        "auth_token_url": _require_url(auth_token_url, "The token URL"),
        "jwks_url": _require_url(jwks_url, "The JWKS URL"),
    }
    repository = LtiRepository(session)
    existing = next(
        (p for p in repository.platforms_of_issuer(issuer) if p.client_id == client_id), None
    )
    if existing is None:
        platform = LtiPlatform(
            name=name.strip() or issuer,
            issuer=issuer,
            client_id=client_id,
            deployment_ids=" ".join(dict.fromkeys(deployments)),
            **urls,
        )
        repository.add(platform)
        return platform
    existing.name = name.strip() or existing.name
    existing.deployment_ids = " ".join(dict.fromkeys(deployments))
    for field, value in urls.items():
        setattr(existing, field, value)
    existing.jwks_json = None  # the key set URL may have changed
    existing.access_token = None
    return existing


def delete_platform(session: Session, platform_id: int) -> None:
    platform = LtiRepository(session).platform(platform_id)
    if platform is None:
        raise NotFound("No such platform.", "そのプラットフォームは登録されていません。")
    session.delete(platform)


def platform_for_login(session: Session, issuer: str, client_id: str | None) -> LtiPlatform:
    candidates = LtiRepository(session).platforms_of_issuer(issuer)
    if client_id:
        candidates = [p for p in candidates if p.client_id == client_id]
    if len(candidates) > 1:
        raise Conflict(
            "Several registrations share this issuer; the platform must send client_id.",
            "同じ issuer の登録が複数あります。プラットフォームは client_id を送る必要があります。",
        )
    if not candidates:
        raise NotFound("unknown platform", "未登録のプラットフォーム")
    return candidates[0]
