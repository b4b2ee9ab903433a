"""Every query about users and API tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from backend.models import ApiToken, User


class UserRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, user_id: int) -> User | None:
        return self.session.get(User, user_id)

    def by_email(self, email: str) -> User | None:
        return self.session.scalar(select(User).where(User.email == email.strip().lower()))

    def add(self, user: User) -> User:
        self.session.add(user)
        self.session.flush()
        return user

    def list(self) -> list[User]:
        return list(self.session.scalars(select(User).order_by(User.email)))


class TokenRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def by_digest(self, digest: str) -> ApiToken | None:
        return self.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest))

    def for_user(self, user_id: int) -> list[ApiToken]:
        query = select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id)
        return list(self.session.scalars(query))

    def record_use(self, token_id: int, now: datetime, not_since: datetime) -> None:
        """Sets last_used_at unless another request already did after ``not_since``."""
        self.session.execute(
            update(ApiToken)
            .where(
                ApiToken.id == token_id,
                or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < not_since),
            )
            .values(last_used_at=now)
        )

    def add(self, token: ApiToken) -> ApiToken:
        self.session.add(token)
        self.session.flush()
        return token
