"""A registered LTI 1.3 platform (an LMS) and the tool's own signing keys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base
from backend.models._common import utcnow


class LtiPlatform(Base):
    __tablename__ = "lti_platforms"
    __table_args__ = (UniqueConstraint("issuer", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    issuer: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(300))
    # Space-separated: one platform may deploy the tool several times (per course, per site).
    deployment_ids: Mapped[str] = mapped_column(Text)
    auth_login_url: Mapped[str] = mapped_column(String(1000))
    auth_token_url: Mapped[str] = mapped_column(String(1000))
    jwks_url: Mapped[str] = mapped_column(String(1000))
    # The platform's key set as last fetched; fetched again when a launch names an unknown kid.
    jwks_json: Mapped[str | None] = mapped_column(Text)
    # The service access token (AGS, NRPS), reused until it expires.
    access_token: Mapped[str | None] = mapped_column(Text)
    access_token_scope: Mapped[str | None] = mapped_column(Text)
    access_token_expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def deployments(self) -> list[str]:
        return self.deployment_ids.split()


class LtiToolKey(Base):
    """Kadai's RSA key pairs; the newest unretired one signs, retired ones stay in the JWKS until
    ``retired_at`` + the overlap, so tokens a platform verifies meanwhile still check."""

    __tablename__ = "lti_tool_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    private_pem: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[datetime | None]
