"""Rules about users and tokens: sign-in, creating accounts, issuing and checking API tokens."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from backend.auth.repository import TokenRepository, UserRepository
from backend.auth.security import hash_password, new_token, token_digest, verify_password
from backend.errors import Conflict, Forbidden, Invalid, NotAuthenticated, NotFound
from backend.models import ApiToken, User
from backend.models._common import utcnow
from backend.models.user import Role

SCOPES = ("read", "submit", "grades", "manage")
# "Last used" is shown to the minute. Writing it on every request made every client sharing a token
# (an LMS, a poller) queue on that one row's lock.
TOKEN_USE_RESOLUTION = timedelta(minutes=1)


def authenticate(session: Session, email: str, password: str) -> User:
    user = UserRepository(session).by_email(email)
    if user is None or not user.active or not verify_password(user.password_hash, password):
        raise NotAuthenticated(
            "Wrong email or password.", "メールアドレスまたはパスワードが違います。"
        )
    return user


def create_user(session: Session, email: str, name: str, password: str, role: str) -> User:
    email = email.strip().lower()
    if role not in tuple(Role):
        raise Invalid(f"Unknown role {role!r}.", f"不明なロールです: {role!r}")
    if "@" not in email or len(password) < 8:
        raise Invalid(
            "An email address and a password of at least 8 characters are required.",
            "メールアドレスと 8 文字以上のパスワードが必要です。",
        )
    users = UserRepository(session)
    if users.by_email(email):
        raise Conflict(f"{email} already has an account.", f"{email} は登録済みです。")
    return users.add(
        User(email=email, name=name or email, password_hash=hash_password(password), role=role)
    )


def set_role(session: Session, acting: User, user_id: int, role: str) -> User:
    if role not in tuple(Role):
        raise Invalid(f"Unknown role {role!r}.", f"不明なロールです: {role!r}")
    user = UserRepository(session).get(user_id)
    if user is None:
        raise NotFound("No such user.", "ユーザーが見つかりません。")
    if user.id == acting.id and role != Role.admin:
        raise Conflict("You cannot remove your own admin role.", "自分の管理者権限は外せません。")
    user.role = role
    return user


def issue_token(session: Session, user: User, name: str, scopes: list[str]) -> tuple[str, ApiToken]:
    """Returns the secret once; only its hash is stored."""
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise Invalid(f"Scopes must be among {', '.join(SCOPES)}.", "スコープの指定が不正です。")
    secret = new_token()
    token = ApiToken(
        user_id=user.id,
        name=name[:100] or "token",
        token_hash=token_digest(secret),
        prefix=secret[:12],
        scopes=" ".join(sorted(set(scopes))),
    )
    return secret, TokenRepository(session).add(token)


def revoke_token(session: Session, user: User, token_id: int) -> None:
    token = next((t for t in TokenRepository(session).for_user(user.id) if t.id == token_id), None)
    if token is None:
        raise Forbidden("Not your token.", "自分のトークンではありません。")
    token.revoked_at = utcnow()


def user_for_token(session: Session, secret: str, scope: str) -> User:
    token = TokenRepository(session).by_digest(token_digest(secret))
    if token is None or token.revoked_at is not None:
        raise NotAuthenticated("Invalid or revoked API token.", "API トークンが無効です。")
    if scope not in token.scopes.split():
        raise Forbidden(f"This token lacks the {scope!r} scope.", f"{scope} スコープがありません。")
    user = UserRepository(session).get(token.user_id)
    if user is None or not user.active:
        raise NotAuthenticated("The token's user is disabled.", "ユーザーが無効です。")
    now = utcnow()
    if token.last_used_at is None or token.last_used_at < now - TOKEN_USE_RESOLUTION:
        TokenRepository(session).record_use(token.id, now, now - TOKEN_USE_RESOLUTION)
    return user
