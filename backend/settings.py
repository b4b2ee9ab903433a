"""The web platform's settings: one object from ``KADAI_*`` variables, built once and injected."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from grader.engine import GraderSettings

# A secret must be as hard to guess as 32 random bytes (what `secrets.token_urlsafe(32)` gives).
MIN_SECRET_BITS = 256
# Below this many bits per character a secret is a pattern (a word repeated), whatever its length.
MIN_BITS_PER_CHAR = 3.0


def estimated_entropy_bits(secret: str) -> float:
    """Length x log2(alphabet of the character classes used), or 0 for a repeated pattern.

    An estimate that random secrets pass (hex of 32 bytes: 256; URL-safe base64: 258) and words,
    short strings and repetitions fail.
    """
    if not secret:
        return 0.0
    counts = Counter(secret)
    shannon = -sum(n / len(secret) * math.log2(n / len(secret)) for n in counts.values())
    if shannon < MIN_BITS_PER_CHAR:
        return 0.0
    if all(c in "0123456789abcdef" for c in secret.lower()):
        alphabet = 16
    elif secret.isdigit():
        alphabet = 10
    elif not secret.isalnum():
        alphabet = 94  # printable ASCII
    elif secret.lower() == secret or secret.upper() == secret:
        alphabet = 36
    else:
        alphabet = 62
    return len(secret) * math.log2(max(alphabet, 2))


def _split_list(value: object) -> object:
    return (
        [item.strip() for item in value.split(",") if item.strip()]
        if isinstance(value, str)
        else value
    )


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KADAI_", extra="ignore")

    environment: Literal["development", "production", "test"] = "development"
    data_dir: Path = Path("var")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; unset means a SQLite file in data_dir"
    )
    secret_key: str | None = Field(
        default=None,
        description="signs session cookies; unset means a random one generated once and kept in "
        "data_dir/secret_key (mode 0600). Required, and at least 32 random bytes, in production",
    )
    admin_email: str = "admin@kadai.local"
    admin_password: str | None = Field(
        default=None, description="first admin's password; unset means one is generated and printed"
    )
    grading_threads: int = Field(
        default=1,
        ge=0,
        le=64,
        description="embedded queue: grading threads in the web process (none with celery)",
    )
    worker_count: int | None = Field(
        default=None, description="the former name of grading_threads, still read"
    )
    max_concurrent_requests: int = Field(
        default=32,
        ge=1,
        le=40,
        description="requests handled at once (the rest wait); at most the 40 threads of the "
        "thread pool that runs sync endpoints",
    )
    max_code_bytes: int = 256 * 1024
    max_upload_bytes: int = 16 * 1024 * 1024
    max_form_bytes: int = Field(
        default=64 * 1024, description="body limit of every route without a larger one of its own"
    )
    session_lifetime_s: int = Field(default=14 * 86400, gt=0)
    password_hash_profile: Literal["rfc9106_low_memory", "cheapest"] = Field(
        default="rfc9106_low_memory",
        description="argon2 parameters of new password hashes; cheapest is argon2-cffi's profile "
        "for test suites, refused in production",
    )
    signin_attempts_per_minute: int = 10
    submissions_per_minute: int = 20
    rate_limit_keys: int = Field(
        default=100_000, ge=100, description="in-memory limiter: keys kept at most (oldest dropped)"
    )
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="addresses or networks of reverse proxies whose X-Forwarded-For/-Proto are "
        "believed (comma-separated); none by default",
    )
    lti_frame_ancestors: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="origins of the LMS platforms that may frame the LTI routes (/lti/); every "
        "other page may not be framed at all",
    )
    lti_passback_retry_s: float = Field(
        default=30.0, gt=0, description="LTI score sends: delay before the first retry (doubling)"
    )
    lti_passback_tries: int = Field(
        default=6, ge=1, description="LTI score sends: tries before one is marked failed"
    )
    webhook_url: str | None = Field(default=None, description="POSTed when a submission is graded")
    webhook_secret: str = Field(default="", description="HMAC-SHA256 key for X-Kadai-Signature")
    queue_backend: Literal["embedded", "celery"] = Field(
        default="embedded",
        description="embedded: grading threads in this process; celery: Celery workers",
    )
    broker_url: str = "redis://127.0.0.1:6379/0"
    worker_gpus: int = Field(
        default=0, ge=0, description="GPUs this Celery worker offers (gpu queue)"
    )
    optional_gpu_queue: Literal["cpu", "gpu"] = Field(
        default="cpu",
        description='where gpu = "optional" exercises are graded: gpu where GPU workers run '
        "(their tests then also run on the GPU), else cpu",
    )
    max_grading_tries: int = Field(default=3, ge=1)
    stuck_after_s: float = Field(
        default=900.0, gt=0, description="queued/running longer than this is requeued by the sweep"
    )
    sweep_interval_s: float = Field(default=60.0, gt=0)
    grader: GraderSettings = Field(default_factory=GraderSettings)

    @model_validator(mode="before")
    @classmethod
    def split_lists(cls, data: object) -> object:
        if isinstance(data, dict):
            for key in ("trusted_proxies", "lti_frame_ancestors"):
                if key in data:
                    data[key] = _split_list(data[key])
            if data.get("worker_count") is not None:
                data.setdefault("grading_threads", data["worker_count"])
        return data

    @model_validator(mode="after")
    def refuse_weak_secrets_in_production(self) -> Settings:
        if self.environment != "production":
            return self
        if self.secret_key is None or estimated_entropy_bits(self.secret_key) < MIN_SECRET_BITS:
            raise ValueError(
                "set KADAI_SECRET_KEY to at least 32 random bytes in production, e.g. "
                "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
            )
        if self.password_hash_profile == "cheapest":
            raise ValueError(
                "KADAI_PASSWORD_HASH_PROFILE=cheapest is for test suites: unset it in production"
            )
        if self.webhook_url and estimated_entropy_bits(self.webhook_secret) < MIN_SECRET_BITS:
            raise ValueError(
                "set KADAI_WEBHOOK_SECRET to at least 32 random bytes: KADAI_WEBHOOK_URL is set"
            )
        return self

    @property
    def sqlalchemy_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'kadai.db').resolve()}"

    @property
    def secure_cookies(self) -> bool:
        return self.environment == "production"
