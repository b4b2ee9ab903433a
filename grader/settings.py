"""The grader's settings: one object, read from ``KADAI_*`` environment variables, handed down."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class GraderSettings(BaseSettings):
    """Where exercises live, which sandbox image to use, and what the host offers (GPUs)."""

    model_config = SettingsConfigDict(env_prefix="KADAI_", extra="ignore")

    exercises_dir: Path = PROJECT_ROOT / "exercises"
    docker_host: str | None = Field(
        default=None, description="Docker daemon URL; unset means the environment's DOCKER_HOST"
    )
    sandbox_repository: str = "kadai-sandbox"
    sandbox_variant: Literal["cpu", "cuda"] = "cpu"
    sandbox_base: Literal["auto", "registry", "debootstrap"] = Field(
        default="auto",
        description="registry: python:3.11-slim; debootstrap: an offline Debian base; "
        "auto: the registry image when it can be pulled, else debootstrap",
    )
    debian_mirror: str | None = Field(
        default=None, description="Mirror for debootstrap; unset means apt's own sources"
    )
    cache_dir: Path = Path.home() / ".cache" / "kadai"
    gpu_available: bool = Field(default=False, description="this host can give containers GPUs")
    gpu_device_ids: list[str] = Field(default_factory=list)
    warm_sandboxes: bool = Field(
        default=True,
        description="keep one started sandbox ready per exercise profile: memory for latency",
    )
    prewarm_sandboxes: bool = Field(
        default=True,
        description="start a ready sandbox per open assignment's exercise when a server or "
        "worker starts",
    )
    warm_max_idle_s: float = Field(
        default=600.0, gt=0, description="a ready sandbox unused this long is replaced"
    )
    sandbox_mode: Literal["reuse", "fresh"] = Field(
        default="reuse",
        description="reuse: a sandbox grades job after job, each in processes forked from "
        "pre-imported templates, under a user of its own, in emptied folders; fresh: one "
        "container per grading",
    )
    gradings_per_sandbox: int = Field(
        default=100, ge=1, le=1000, description="reuse mode: a sandbox retires after this many"
    )
    sandbox_lifetime_s: float = Field(
        default=3600.0, gt=0, description="reuse mode: a sandbox retires after this long"
    )
    pool_memory_mb: int = Field(
        default=12288,
        ge=0,
        description="ready and busy sandboxes together stay within this many MB of memory limits",
    )
    startup_allowance_s: float = Field(
        default=90.0, description="time a cold sandbox may take to import its frameworks"
    )
