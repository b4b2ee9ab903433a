"""The web platform's settings: one object from ``KADAI_*`` variables, built once and injected."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from grader.settings import GraderSettings

DEVELOPMENT_SECRET = "kadai-development-secret-change-me"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KADAI_", extra="ignore")

    environment: Literal["development", "production", "test"] = "development"
    data_dir: Path = Path("var")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; unset means a SQLite file in data_dir"
    )
    secret_key: str = DEVELOPMENT_SECRET
    admin_email: str = "admin@kadai.local"
    admin_password: str | None = Field(
        default=None, description="first admin's password; unset means one is generated and printed"
    )
    worker_count: int = Field(default=1, ge=0, le=64)
    max_concurrent_requests: int = Field(
        default=32,
        ge=1,
        le=40,
        description="requests handled at once (the rest wait); at most the 40 threads of the "
        "thread pool that runs sync endpoints",
    )
    max_code_bytes: int = 256 * 1024
    max_upload_bytes: int = 16 * 1024 * 1024
    signin_attempts_per_minute: int = 10
    submissions_per_minute: int = 20
    webhook_url: str | None = Field(default=None, description="POSTed when a submission is graded")
    webhook_secret: str = Field(default="", description="HMAC-SHA256 key for X-Kadai-Signature")
    queue_backend: Literal["embedded", "celery"] = Field(
        default="embedded", description="embedded: grading threads in this process; celery: workers"
    )
    broker_url: str = "redis://127.0.0.1:6379/0"
    worker_gpus: int = Field(default=0, ge=0, description="GPUs this worker offers (gpu queue)")
    max_grading_tries: int = Field(default=3, ge=1)
    stuck_after_s: float = Field(
        default=900.0, gt=0, description="queued/running longer than this is requeued by the sweep"
    )
    sweep_interval_s: float = Field(default=60.0, gt=0)
    grader: GraderSettings = Field(default_factory=GraderSettings)

    @model_validator(mode="after")
    def refuse_default_secret_in_production(self) -> Settings:
        if self.environment == "production" and self.secret_key == DEVELOPMENT_SECRET:
            raise ValueError(
                "set KADAI_SECRET_KEY: the development secret is refused in production"
            )
        return self

    @property
    def sqlalchemy_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'kadai.db').resolve()}"

    @property
    def secure_cookies(self) -> bool:
        return self.environment == "production"
