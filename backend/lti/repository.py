"""Every LTI query: platforms, keys, mappings, nonces and passback jobs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.models import (
    LtiAccount,
    LtiContext,
    LtiLineItem,
    LtiNonce,
    LtiPlatform,
    LtiResourceLink,
    LtiScoreSend,
    LtiToolKey,
    User,
)
from backend.models.lti_score_send import SendStatus


class LtiRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: object) -> None:
        self.session.add(row)
        self.session.flush()

    # Platforms
    def platforms(self) -> Sequence[LtiPlatform]:
        return self.session.scalars(select(LtiPlatform).order_by(LtiPlatform.id)).all()

    def platform(self, platform_id: int) -> LtiPlatform | None:
        return self.session.get(LtiPlatform, platform_id)

    def platforms_of_issuer(self, issuer: str) -> Sequence[LtiPlatform]:
        return self.session.scalars(select(LtiPlatform).where(LtiPlatform.issuer == issuer)).all()

    # Keys
    def keys(self) -> Sequence[LtiToolKey]:
        return self.session.scalars(select(LtiToolKey).order_by(LtiToolKey.id)).all()

    # Mappings
    def context(self, platform_id: int, context_id: str) -> LtiContext | None:
        return self.session.scalar(
            select(LtiContext).where(
                LtiContext.platform_id == platform_id, LtiContext.context_id == context_id
            )
        )

    def contexts_of_course(self, course_id: int) -> Sequence[LtiContext]:
        return self.session.scalars(
            select(LtiContext).where(LtiContext.course_id == course_id).order_by(LtiContext.id)
        ).all()

    def account(self, platform_id: int, sub: str) -> LtiAccount | None:
        return self.session.scalar(
            select(LtiAccount).where(LtiAccount.platform_id == platform_id, LtiAccount.sub == sub)
        )

    def sub_of(self, platform_id: int, user_id: int) -> str | None:
        return self.session.scalar(
            select(LtiAccount.sub).where(
                LtiAccount.platform_id == platform_id, LtiAccount.user_id == user_id
            )
        )

    def resource_link(self, platform_id: int, resource_link_id: str) -> LtiResourceLink | None:
        return self.session.scalar(
            select(LtiResourceLink).where(
                LtiResourceLink.platform_id == platform_id,
                LtiResourceLink.resource_link_id == resource_link_id,
            )
        )

    def link_of_assignment(self, platform_id: int, assignment_id: int) -> LtiResourceLink | None:
        return self.session.scalar(
            select(LtiResourceLink)
            .where(
                LtiResourceLink.platform_id == platform_id,
                LtiResourceLink.assignment_id == assignment_id,
                LtiResourceLink.lineitem_url.is_not(None),
            )
            .limit(1)
        )

    def line_item(self, platform_id: int, assignment_id: int) -> LtiLineItem | None:
        return self.session.scalar(
            select(LtiLineItem).where(
                LtiLineItem.platform_id == platform_id, LtiLineItem.assignment_id == assignment_id
            )
        )

    def use_nonce(self, platform_id: int, nonce: str, expires_at: datetime, now: datetime) -> bool:
        """Records the nonce; False when it was used before (a replay)."""
        self.session.execute(delete(LtiNonce).where(LtiNonce.expires_at < now))
        try:
            with self.session.begin_nested():
                self.session.add(
                    LtiNonce(platform_id=platform_id, nonce=nonce, expires_at=expires_at)
                )
                self.session.flush()
        except IntegrityError:
            return False
        return True

    # Passback jobs
    def score_send(self, platform_id: int, assignment_id: int, user_id: int) -> LtiScoreSend | None:
        return self.session.scalar(
            select(LtiScoreSend).where(
                LtiScoreSend.platform_id == platform_id,
                LtiScoreSend.assignment_id == assignment_id,
                LtiScoreSend.user_id == user_id,
            )
        )

    def due_sends(self, now: datetime, limit: int = 50) -> Sequence[int]:
        return self.session.scalars(
            select(LtiScoreSend.id)
            .where(LtiScoreSend.state == SendStatus.pending, LtiScoreSend.next_try_at <= now)
            .order_by(LtiScoreSend.next_try_at)
            .limit(limit)
        ).all()

    def next_due_at(self) -> datetime | None:
        return self.session.scalar(
            select(LtiScoreSend.next_try_at)
            .where(LtiScoreSend.state == SendStatus.pending)
            .order_by(LtiScoreSend.next_try_at)
            .limit(1)
        )

    def sends_of_course(self, assignment_ids: list[int]) -> list[tuple[LtiScoreSend, User]]:
        rows = self.session.execute(
            select(LtiScoreSend, User)
            .join(User, User.id == LtiScoreSend.user_id)
            .where(LtiScoreSend.assignment_id.in_(assignment_ids))
            .order_by(User.name, LtiScoreSend.assignment_id)
        ).all()
        return [(send, user) for send, user in rows]
