"""Every query about users, their browser sessions and API tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from backend.auth.security import normalize_email
from backend.models import ApiToken, User, UserSession


class UserRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, user_id: int) -> User | None:
        return self.session.get(User, user_id)

    def by_email(self, email: str) -> User | None:
        return self.session.scalar(select(User).where(User.email == normalize_email(email)))

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


class SessionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def by_digest(self, digest: str) -> UserSession | None:
        return self.session.scalar(select(UserSession).where(UserSession.token_hash == digest))

    def add(self, row: UserSession) -> UserSession:
        self.session.add(row)
        self.session.flush()
        return row

    def delete_by_digest(self, digest: str) -> None:
        self.session.execute(delete(UserSession).where(UserSession.token_hash == digest))

    def delete_for_user(self, user_id: int) -> int:
        result = self.session.execute(delete(UserSession).where(UserSession.user_id == user_id))
        return result.rowcount  # type: ignore[attr-defined]

    def delete_expired(self, user_id: int, now: datetime) -> None:
        self.session.execute(
            delete(UserSession).where(UserSession.user_id == user_id, UserSession.expires_at < now)
        )

    def count_for_user(self, user_id: int, now: datetime) -> int:
        query = select(UserSession.id).where(
            UserSession.user_id == user_id, UserSession.expires_at >= now
        )
        return len(self.session.scalars(query).all())
