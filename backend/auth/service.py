"""Rules about users and tokens: sign-in, accounts, roles, passwords, and scoped API tokens."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from backend.audit.service import record_change
from backend.auth.repository import TokenRepository, UserRepository
from backend.auth.security import (
    dummy_hash,
    hash_password,
    new_token,
    normalize_email,
    token_digest,
    verify_password,
)
from backend.auth.sessions import end_user_sessions
from backend.errors import Conflict, Forbidden, Invalid, NotAuthenticated, NotFound
from backend.models import ApiToken, User
from backend.models._common import utcnow
from backend.models.user import Role

SCOPES = ("read", "submit", "grades", "manage")
# What a token may carry, by the owner's platform role: a student's token can read and submit;
# grades and manage only act on courses one teaches, so only staff may hold them.
ROLE_SCOPES: dict[str, tuple[str, ...]] = {
    Role.student: ("read", "submit"),
    Role.instructor: SCOPES,
    Role.admin: SCOPES,
}
MIN_PASSWORD_LENGTH = 8
# "Last used" is shown to the minute. Writing it on every request made every client sharing a token
# (an LMS, a poller) queue on that one row's lock.
TOKEN_USE_RESOLUTION = timedelta(minutes=1)


def authenticate(session: Session, email: str, password: str) -> User:
    user = UserRepository(session).by_email(email)
    # The hash is checked even when no account matches: a refusal takes as long either way, so
    # timing does not tell which addresses have accounts.
    matches = verify_password(user.password_hash if user else dummy_hash(), password)
    if user is None or not matches or not user.active:
        raise NotAuthenticated(
            "Wrong email or password.", "メールアドレスまたはパスワードが違います。"
        )
    return user


def _require_valid_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(
            f"A password needs at least {MIN_PASSWORD_LENGTH} characters.",
            f"パスワードは {MIN_PASSWORD_LENGTH} 文字以上にしてください。",
        )


def create_user(
    session: Session,
    email: str,
    name: str,
    password: str,
    role: str,
    *,
    acting: User | None = None,
) -> User:
    """A new account. Made by an admin (``acting``), it is audited: it grants a platform role.
    Accounts the system makes (the first admin, the demo, an LTI launch) have no actor."""
    email = normalize_email(email)
    if role not in tuple(Role):
        raise Invalid(f"Unknown role {role!r}.", f"不明なロールです: {role!r}")
    if "@" not in email or len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(
            "An email address and a password of at least 8 characters are required.",
            "メールアドレスと 8 文字以上のパスワードが必要です。",
        )
    users = UserRepository(session)
    if users.by_email(email):
        raise Conflict(f"{email} already has an account.", f"{email} は登録済みです。")
    user = users.add(
        User(email=email, name=name or email, password_hash=hash_password(password), role=role)
    )
    if acting is not None:
        record_change(
            session,
            actor_id=acting.id,
            action="user.create",
            subject_type="user",
            subject_id=user.id,
            course_id=None,
            before=None,
            after={"email": user.email, "name": user.name, "role": user.role},
        )
    return user


def set_role(session: Session, acting: User, user_id: int, role: str) -> User:
    """An admin changes a platform role; the user's browser sessions end (sign in again)."""
    if role not in tuple(Role):
        raise Invalid(f"Unknown role {role!r}.", f"不明なロールです: {role!r}")
    user = UserRepository(session).get(user_id)
    if user is None:
        raise NotFound("No such user.", "ユーザーが見つかりません。")
    if user.id == acting.id and role != Role.admin:
        raise Conflict("You cannot remove your own admin role.", "自分の管理者権限は外せません。")
    if user.role != role:
        record_change(
            session,
            actor_id=acting.id,
            action="user.role",
            subject_type="user",
            subject_id=user.id,
            course_id=None,
            before={"email": user.email, "role": user.role},
            after={"email": user.email, "role": role},
        )
        user.role = role
        end_user_sessions(session, user.id)
    return user


def change_password(session: Session, user: User, current: str, new: str) -> None:
    """Every session of the user ends; the caller starts a fresh one for the browser asking."""
    if not verify_password(user.password_hash, current):
        raise Forbidden("The current password is wrong.", "現在のパスワードが違います。")
    _require_valid_password(new)
    user.password_hash = hash_password(new)
    end_user_sessions(session, user.id)


def end_sessions_of(session: Session, acting: User, user_id: int) -> int:
    """An administrator signs a user out everywhere; returns how many sessions ended."""
    if acting.role != Role.admin:
        raise Forbidden("Administrators only.", "管理者のみが利用できます。")
    if UserRepository(session).get(user_id) is None:
        raise NotFound("No such user.", "ユーザーが見つかりません。")
    return end_user_sessions(session, user_id)


def scopes_for(user: User) -> tuple[str, ...]:
    return ROLE_SCOPES.get(user.role, ())


def issue_token(session: Session, user: User, name: str, scopes: list[str]) -> tuple[str, ApiToken]:
    """Returns the secret once; only its hash is stored."""
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise Invalid(f"Scopes must be among {', '.join(SCOPES)}.", "スコープの指定が不正です。")
    beyond = sorted(set(scopes) - set(scopes_for(user)))
    if beyond:
        raise Forbidden(
            f"Your role ({user.role}) cannot hold the scope(s) {', '.join(beyond)}.",
            f"あなたのロール({user.role})では {', '.join(beyond)} スコープを使えません。",
        )
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
    if scope not in scopes_for(user):
        # A token issued before its owner lost a role keeps only what the role still allows.
        raise Forbidden(
            f"Your role ({user.role}) cannot use the {scope!r} scope.",
            f"あなたのロールでは {scope} スコープを使えません。",
        )
    now = utcnow()
    if token.last_used_at is None or token.last_used_at < now - TOKEN_USE_RESOLUTION:
        TokenRepository(session).record_use(token.id, now, now - TOKEN_USE_RESOLUTION)
    return user
