"""What an LTI platform's identifiers mean in Kadai: contexts → courses, ``sub`` → accounts,
resource links → assignments, line items; and the nonces already used."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base
from backend.models._common import utcnow


class LtiContext(Base):
    __tablename__ = "lti_contexts"
    __table_args__ = (UniqueConstraint("platform_id", "context_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id", ondelete="CASCADE"))
    context_id: Mapped[str] = mapped_column(String(255))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    deployment_id: Mapped[str] = mapped_column(String(255))
    # Service endpoints from the latest launch's claims (AGS line items, NRPS memberships).
    lineitems_url: Mapped[str | None] = mapped_column(String(1000))
    ags_scopes: Mapped[str | None] = mapped_column(Text)
    memberships_url: Mapped[str | None] = mapped_column(String(1000))
    roster_synced_at: Mapped[datetime | None]


class LtiAccount(Base):
    """A platform user (``sub`` per issuer, never the e-mail address) and their Kadai account."""

    __tablename__ = "lti_accounts"
    __table_args__ = (UniqueConstraint("platform_id", "sub"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id", ondelete="CASCADE"))
    sub: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LtiResourceLink(Base):
    __tablename__ = "lti_resource_links"
    __table_args__ = (UniqueConstraint("platform_id", "resource_link_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id", ondelete="CASCADE"))
    resource_link_id: Mapped[str] = mapped_column(String(255))
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"))
    # The line item the platform named in the launch, when it named one.
    lineitem_url: Mapped[str | None] = mapped_column(String(1000))


class LtiLineItem(Base):
    """The one line item of an assignment on a platform: found or created once, then reused."""

    __tablename__ = "lti_line_items"
    __table_args__ = (UniqueConstraint("platform_id", "assignment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id", ondelete="CASCADE"))
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(String(1000))


class LtiNonce(Base):
    """A launch's nonce, kept until its token expires: a second use is a replay."""

    __tablename__ = "lti_nonces"
    __table_args__ = (UniqueConstraint("platform_id", "nonce"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id", ondelete="CASCADE"))
    nonce: Mapped[str] = mapped_column(String(255))
    expires_at: Mapped[datetime]
