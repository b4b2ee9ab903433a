"""Building the sandbox image: its content-derived tag, the base image, the wheels and the build.

The tag is a hash of everything that goes into the image (Dockerfile, pinned requirements, harness
source), so an unchanged image is never rebuilt and a changed harness never runs on a stale one.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from grader.settings import PROJECT_ROOT, GraderSettings

SANDBOX_DIR = Path(__file__).resolve().parent
REGISTRY_BASE = "python:3.11-slim"
OFFLINE_BASE = "kadai-base:bookworm"
WHEEL_PLATFORMS = [
    "manylinux_2_28_x86_64",
    "manylinux_2_27_x86_64",
    "manylinux_2_17_x86_64",
    "manylinux2014_x86_64",
]
Log = Callable[[str], None]


class ImageBuildError(Exception):
    """The sandbox image could not be built; the message says which step failed."""


def harness_files() -> list[tuple[str, Path]]:
    """(path inside the image's lib folder, source file) for the code that runs in the sandbox."""
    grader = PROJECT_ROOT / "grader"
    files = [
        ("grader/__init__.py", grader / "__init__.py"),
        ("grader/contract.py", grader / "contract.py"),
        ("grader/artifacts.py", grader / "artifacts.py"),
    ]
    for path in sorted((grader / "harness").glob("*.py")):
        files.append((f"grader/harness/{path.name}", path))
    return files


def requirements_file(variant: str) -> Path:
    return SANDBOX_DIR / f"requirements-{variant}.txt"


def image_tag(settings: GraderSettings) -> str:
    digest = hashlib.sha256()
    inputs = [
        ("Dockerfile", SANDBOX_DIR / "Dockerfile"),
        ("requirements.txt", requirements_file(settings.sandbox_variant)),
    ]
    for name, path in inputs + harness_files():
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return f"{settings.sandbox_repository}:{settings.sandbox_variant}-{digest.hexdigest()[:12]}"


def image_exists(client: Any, tag: str) -> bool:
    import docker.errors

    try:
        client.images.get(tag)
    except docker.errors.ImageNotFound:
        return False
    return True


def debian_mirror(settings: GraderSettings, apt_dir: Path = Path("/etc/apt")) -> str:
    """The mirror apt already uses on this host, so debootstrap works wherever apt does."""
    if settings.debian_mirror:
        return settings.debian_mirror
    sources = [*sorted((apt_dir / "sources.list.d").glob("*.sources")), apt_dir / "sources.list"]
    for source in sources:
        if not source.is_file():
            continue
        text = source.read_text(errors="replace")
        match = re.search(r"^URIs:\s*(\S+/debian)\s*$", text, re.M) or re.search(
            r"^deb\s+(?:\[[^]]*\]\s+)?(\S+/debian)\s+bookworm", text, re.M
        )
        if match:
            return match.group(1)
    return "http://deb.debian.org/debian"


def base_image(client: Any, settings: GraderSettings, log: Log) -> str:
    import docker.errors

    if settings.sandbox_base in ("auto", "registry"):
        if image_exists(client, REGISTRY_BASE):
            return REGISTRY_BASE
        try:
            log(f"pulling {REGISTRY_BASE}")
            client.images.pull(REGISTRY_BASE)
            return REGISTRY_BASE
        except docker.errors.APIError as exc:
            if settings.sandbox_base == "registry":
                raise ImageBuildError(f"cannot pull {REGISTRY_BASE}: {exc}") from exc
            log(f"no registry ({str(exc)[:120]}); building an offline Debian base instead")
    if image_exists(client, OFFLINE_BASE):
        return OFFLINE_BASE
    if not shutil.which("debootstrap"):
        raise ImageBuildError("debootstrap is missing: apt-get install -y debootstrap")
    mirror = debian_mirror(settings)
    with tempfile.TemporaryDirectory(prefix="kadai-rootfs-") as tmp:
        rootfs, tarball = Path(tmp) / "rootfs", Path(tmp) / "rootfs.tar"
        log(f"debootstrap bookworm from {mirror}")
        _run(
            [
                "debootstrap",
                "--variant=minbase",
                "--include=python3,python3-venv",
                "bookworm",
                str(rootfs),
                mirror,
            ],
            "debootstrap",
        )
        _run(["tar", "-C", str(rootfs), "-cf", str(tarball), "."], "tar of the root filesystem")
        repository, tag = OFFLINE_BASE.split(":")
        client.api.import_image_from_file(str(tarball), repository=repository, tag=tag)
    return OFFLINE_BASE


def download_wheels(requirements: Path, dest: Path, log: Log) -> None:
    log(f"downloading wheels for {requirements.name} into {dest}")
    dest.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "-q",
        "-d",
        str(dest),
        "-r",
        str(requirements),
        "--only-binary=:all:",
        "--python-version",
        "3.11",
        "--implementation",
        "cp",
        "--abi",
        "cp311",
    ]
    for platform in WHEEL_PLATFORMS:
        command += ["--platform", platform]
    _run(command, "pip download")


def assemble_context(settings: GraderSettings, log: Log) -> Path:
    context = settings.cache_dir / f"sandbox-context-{settings.sandbox_variant}"
    download_wheels(requirements_file(settings.sandbox_variant), context / "wheels", log)
    shutil.copy(SANDBOX_DIR / "Dockerfile", context / "Dockerfile")
    shutil.copy(requirements_file(settings.sandbox_variant), context / "requirements.txt")
    shutil.rmtree(context / "lib", ignore_errors=True)
    for relative, source in harness_files():
        target = context / "lib" / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source, target)
    return context


def build_image(
    client: Any, settings: GraderSettings, log: Log = print, force: bool = False
) -> str:
    """Build the sandbox image unless an image with the same content tag exists; return its tag."""
    import docker.errors

    tag = image_tag(settings)
    if not force and image_exists(client, tag):
        log(f"{tag} is up to date")
        return tag
    base = base_image(client, settings, log)
    context = assemble_context(settings, log)
    log(f"building {tag} from {base}")
    try:
        for chunk in client.api.build(
            path=str(context),
            tag=tag,
            buildargs={"BASE_IMAGE": base},
            rm=True,
            forcerm=True,
            decode=True,
        ):
            if "error" in chunk:
                raise ImageBuildError(chunk["error"].strip())
            if chunk.get("stream", "").strip():
                log(chunk["stream"].rstrip())
    except docker.errors.APIError as exc:
        raise ImageBuildError(f"docker build failed: {exc}") from exc
    return tag


def _run(command: list[str], what: str) -> None:
    completed = subprocess.run(command, capture_output=True, text=True)
    if completed.returncode != 0:
        tail = (completed.stderr or completed.stdout)[-2000:]
        raise ImageBuildError(f"{what} failed (exit {completed.returncode}):\n{tail}")
