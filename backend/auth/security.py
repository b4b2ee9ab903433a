"""Password hashing (argon2), e-mail normalisation, and random secrets stored as SHA-256."""

from __future__ import annotations

import hashlib
import secrets
from functools import cache

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

# argon2-cffi's parameter profiles. "cheapest" is its profile for test suites: a default hash takes
# four threads and 64 MiB for about 0.2 s, which a suite creating thousands of users pays in
# minutes. Production refuses it (``Settings``).
HASH_PROFILES = {
    "rfc9106_low_memory": profiles.RFC_9106_LOW_MEMORY,
    "cheapest": profiles.CHEAPEST,
}
_hasher = PasswordHasher.from_parameters(HASH_PROFILES["rfc9106_low_memory"])


def use_hash_profile(name: str) -> None:
    """The profile of the hashes this process makes from now on, set once at start-up from the
    settings (``create_app``, ``prepare``). Verifying reads the parameters stored in each hash, so
    a hash of either profile still verifies; ``verify_password`` never re-hashes."""
    global _hasher
    _hasher = PasswordHasher.from_parameters(HASH_PROFILES[name])
    dummy_hash.cache_clear()


TOKEN_PREFIX = "kadai_"


def _utf8(text: str) -> bytes:
    # A lone surrogate (possible in JSON) must not crash hashing; it just never matches.
    return text.encode("utf-8", "surrogatepass")


def hash_password(password: str) -> str:
    return _hasher.hash(_utf8(password))


def normalize_email(email: str) -> str:
    """The one spelling of an address: as stored, looked up, and counted by the rate limiter."""
    return email.strip().lower()


@cache
def dummy_hash() -> str:
    """Verified against when no account matches, so an unknown address takes as long to refuse."""
    return _hasher.hash(secrets.token_urlsafe(16))


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, _utf8(password))
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(_utf8(token)).hexdigest()
