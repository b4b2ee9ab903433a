"""Reading what the submission wrote to disk, on the trusted side, without trusting the file.

A hidden test that opens a learner's checkpoint runs in the runner, whose memory is the grading's.
So a file is opened without following a symlink (``/dev/zero`` behind a link would be read forever),
must be a regular file of bounded size, is read once into memory (no second open that a background
thread could race), and a checkpoint's tensors are checked for their element count before any of
them is materialised (a 2 KB file can hold an expanded 30000×30000 view of one number).
"""

from __future__ import annotations

import io
import os
import stat
import zipfile
from typing import Any

MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_TENSOR_ELEMENTS = 4 * 1024 * 1024


class UnsafeFile(Exception):
    """The file cannot be read safely; the message says why, in words a learner can act on."""


def read_student_file(path: str, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a regular file the submission wrote, at most ``max_bytes`` of them."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise
    except OSError as exc:
        # ELOOP: the last component is a symbolic link.
        raise UnsafeFile(f"cannot open it without following links ({exc.strerror})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnsafeFile("it is not a regular file (a link, a device or a pipe?)")
        if info.st_size > max_bytes:
            raise UnsafeFile(f"it has {info.st_size} bytes, more than the {max_bytes} allowed")
        chunks: list[bytes] = []
        remaining = max_bytes + 1
        while remaining > 0:
            chunk = os.read(fd, min(remaining, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        data = b"".join(chunks)
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        raise UnsafeFile(f"it grew past the {max_bytes} bytes allowed while being read")
    return data


def _check_archive(data: bytes, max_bytes: int) -> None:
    """torch.save's zip format only, every member stored (never a zip bomb), sizes bounded."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile:
        raise UnsafeFile("it is not a file written by torch.save (no zip archive)") from None
    total = 0
    for member in members:
        if member.compress_type != zipfile.ZIP_STORED:
            raise UnsafeFile(f"its member {member.filename[:80]!r} is compressed")
        total += member.file_size
    if total > max_bytes:
        raise UnsafeFile(f"its members hold {total} bytes, more than the {max_bytes} allowed")


def load_state_dict(
    path: str,
    *,
    max_bytes: int = MAX_FILE_BYTES,
    max_elements: int = MAX_TENSOR_ELEMENTS,
) -> dict[str, Any]:
    """A checkpoint as ``{name: float32 numpy array}``, loaded with ``weights_only=True``.

    Raises ``FileNotFoundError`` when there is no file, ``UnsafeFile`` when it cannot be read
    safely, and ``ValueError`` when it loads but is not a state_dict of real-valued tensors.
    """
    import torch

    data = read_student_file(path, max_bytes)
    _check_archive(data, max_bytes)
    try:
        state = torch.load(io.BytesIO(data), weights_only=True, map_location="cpu")
    except Exception as exc:  # noqa: BLE001 — whatever the file holds, it does not load safely
        raise ValueError(
            f"torch.load(weights_only=True) refused it: {type(exc).__name__}"
        ) from None
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise ValueError(f"it holds a {type(state).__name__}, not a dict of tensors")
    total = 0
    for name, tensor in state.items():
        # numel() is metadata: checked before the values exist anywhere in memory.
        total += tensor.numel()
        if total > max_elements:
            raise UnsafeFile(f"its tensors hold more than {max_elements} values")
        plain = tensor.layout == torch.strided and not tensor.is_quantized
        if not plain or tensor.is_complex() or tensor.dtype == torch.bool:
            raise ValueError(f"{str(name)[:80]!r} is a {tensor.dtype} tensor, not real numbers")
    return {str(k): v.detach().to(torch.float32).contiguous().numpy() for k, v in state.items()}
