"""Framing and the plain-data codec spoken between the trusted test runner and the submission worker.

Only JSON and raw numeric buffers cross: arrays and tensors travel as dtype + shape + bytes and are
rebuilt with ``numpy.frombuffer``. No pickle, no live object — whatever the submission sends back is
data the trusted side inspects itself. Objects that are not plain data stay in the worker and are
referred to by handle.
"""

from __future__ import annotations

import base64
import json
import select
import socket
import struct
import time
from typing import Any

# The most either side reads as one message: the trusted runner's rule for what a worker may make it
# hold. Measured on the exercises' solutions: at most 1.25 MB (weights for a 235k-parameter model,
# sent to the worker) and 13 KB back. JSON of tiny items costs its reader up to ~50x its size in
# Python objects (~380 MB for 8 MiB of "[],"), so this stays well below the memory limits.
MAX_FRAME_BYTES = 8 * 1024 * 1024
# The worker nests at most 16 containers (each tag adds a level or two); anything deeper is hostile,
# and would overflow the stack of whoever walks it.
MAX_NESTING = 64
_HEADER = struct.Struct("!Q")
# Dtypes that may cross; anything else (object arrays above all) is refused.
ALLOWED_DTYPES = frozenset(
    [
        "bool",
        "int8",
        "int16",
        "int32",
        "int64",
        "uint8",
        "uint16",
        "uint32",
        "uint64",
        "float16",
        "float32",
        "float64",
        "complex64",
        "complex128",
    ]
)


class ProtocolError(Exception):
    """The peer sent something that is not a well-formed message."""


class PeerTimeout(Exception):
    """The peer did not answer before the deadline."""


class PeerGone(Exception):
    """The peer closed the channel (it exited or was killed)."""


class Channel:
    """Length-prefixed JSON messages over a connected stream socket."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    def send(self, message: dict[str, Any]) -> None:
        payload = json.dumps(message, allow_nan=True).encode()
        if len(payload) > MAX_FRAME_BYTES:
            raise ProtocolError(f"message of {len(payload)} bytes exceeds the frame limit")
        try:
            self.sock.sendall(_HEADER.pack(len(payload)) + payload)
        except (BrokenPipeError, ConnectionResetError) as exc:
            raise PeerGone(str(exc)) from exc

    def receive(self, deadline: float | None = None) -> dict[str, Any]:
        """The next message; ``ProtocolError`` for anything that is not a sane JSON object
        (invalid UTF-8, a lone surrogate escape is fine, nesting past ``MAX_NESTING``)."""
        (size,) = _HEADER.unpack(self._read_exactly(_HEADER.size, deadline))
        if size > MAX_FRAME_BYTES:
            raise ProtocolError(f"frame of {size} bytes exceeds the limit")
        payload = self._read_exactly(size, deadline)
        try:
            message = json.loads(payload)
        except (ValueError, RecursionError) as exc:
            raise ProtocolError(f"malformed message: {str(exc)[:200]}") from None
        except MemoryError:
            raise ProtocolError(f"a message of {size} bytes is too large to decode") from None
        finally:
            del payload
        if not isinstance(message, dict):
            raise ProtocolError("a message must be a JSON object")
        if nesting(message, MAX_NESTING) > MAX_NESTING:
            raise ProtocolError(f"a message nested more than {MAX_NESTING} levels deep")
        return message

    def _read_exactly(self, size: int, deadline: float | None) -> bytes:
        chunks: list[bytes] = []
        remaining = size
        while remaining:
            if deadline is not None:
                wait = deadline - time.monotonic()
                if wait <= 0 or not select.select([self.sock], [], [], wait)[0]:
                    raise PeerTimeout("no answer before the deadline")
            try:
                chunk = self.sock.recv(min(remaining, 1 << 20))
            except ConnectionResetError as exc:
                raise PeerGone(str(exc)) from exc
            if not chunk:
                raise PeerGone("the peer closed the channel")
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)

    def close(self) -> None:
        self.sock.close()


def encode_array(array: Any, **extra: Any) -> dict[str, Any]:
    import numpy as np

    array = np.asarray(array)
    if not array.flags.c_contiguous:
        # Not ascontiguousarray: it would turn a 0-d array (a scalar tensor) into shape (1,).
        array = array.copy(order="C")
    dtype = str(array.dtype)
    if dtype not in ALLOWED_DTYPES:
        raise ProtocolError(f"arrays of dtype {dtype} cannot be sent")
    return {
        "__ndarray__": {
            "dtype": dtype,
            "shape": list(array.shape),
            "b64": base64.b64encode(array.tobytes()).decode(),
            **extra,
        }
    }


def decode_array(spec: dict[str, Any]) -> Any:
    """Rebuild an array from untrusted bytes, checking that dtype, shape and length agree."""
    import numpy as np

    dtype = spec.get("dtype")
    if dtype not in ALLOWED_DTYPES:
        raise ProtocolError(f"refused array dtype {dtype!r}")
    shape = spec.get("shape")
    if not isinstance(shape, list) or not all(isinstance(n, int) and n >= 0 for n in shape):
        raise ProtocolError("malformed array shape")
    raw = base64.b64decode(spec.get("b64", ""), validate=True)
    expected = int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize
    if len(raw) != expected:
        raise ProtocolError("array byte length does not match its shape")
    return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()


class Tensor:
    """A tensor as the trusted side sees it: the values plus the framework's own dtype name."""

    def __init__(self, array: Any, dtype: str, requires_grad: bool = False) -> None:
        self.array = array
        self.dtype = dtype
        self.requires_grad = requires_grad

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.array.shape)

    def __repr__(self) -> str:
        return f"Tensor(shape={self.shape}, dtype={self.dtype})"


class Handle:
    """A reference to an object that stays inside the worker."""

    def __init__(self, handle_id: int, type_name: str) -> None:
        self.id = handle_id
        self.type_name = type_name

    def __repr__(self) -> str:
        return f"<remote {self.type_name} #{self.id}>"


def nesting(value: Any, stop: int) -> int:
    """How deeply ``value``'s lists and dicts nest, counted without recursion up to ``stop`` + 1."""
    deepest, level = 0, [(value, 0)]
    while level:
        item, depth = level.pop()
        if not isinstance(item, (list, dict)):
            continue
        deepest = max(deepest, depth + 1)
        if deepest > stop:
            return deepest
        children = item.values() if isinstance(item, dict) else item
        level.extend((c, depth + 1) for c in children if isinstance(c, (list, dict)))
    return deepest


def decode_value(value: Any) -> Any:
    """Untrusted wire value -> plain Python data, ``Tensor``/ndarray or ``Handle``.

    Whatever is wrong with the value (a bad tag, a lying array, absurd nesting, a number that
    is no handle) ends as ``ProtocolError``: the sender is at fault, never the reader.
    """
    try:
        return _decode(value, 0)
    except ProtocolError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError, RecursionError) as exc:
        raise ProtocolError(f"malformed value: {type(exc).__name__}") from None
    except MemoryError:
        raise ProtocolError("a value too large to decode") from None


def _decode(value: Any, depth: int) -> Any:
    if depth > MAX_NESTING:
        raise ProtocolError(f"a value nested more than {MAX_NESTING} levels deep")
    if isinstance(value, list):
        return [_decode(v, depth + 1) for v in value]
    if not isinstance(value, dict):
        return value
    if "__ndarray__" in value:
        spec = value["__ndarray__"]
        array = decode_array(spec)
        if "torch_dtype" in spec:
            dtype = str(spec["torch_dtype"])[:40]
            if not _holds(array, dtype):
                raise ProtocolError(f"a tensor claims dtype {dtype!r} for {array.dtype} values")
            return Tensor(array, dtype, bool(spec.get("requires_grad")))
        return array
    if "__handle__" in value:
        return Handle(int(value["__handle__"]), str(value.get("type", "object"))[:200])
    if "__tuple__" in value:
        return tuple(_decode(v, depth + 1) for v in value["__tuple__"])
    if "__dict__" in value:
        return {str(k): _decode(v, depth + 1) for k, v in value["__dict__"]}
    raise ProtocolError("unknown value tag")


def _holds(array: Any, dtype: str) -> bool:
    """Whether ``array`` is what the worker's encoder sends for a torch tensor of ``dtype``: its
    own values, or for bfloat16 (which numpy lacks) float32 values bfloat16 can hold. The name
    is the submission's word; the bytes are not, so a claim they contradict is refused."""
    import numpy as np

    if dtype == "bfloat16":
        return array.dtype == np.float32 and not np.any(array.view(np.uint32) & 0xFFFF)
    return dtype == array.dtype.name


def encode_plain(value: Any) -> Any:
    """Trusted-side arguments -> wire values (arrays, handles and plain data only)."""
    import numpy as np

    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Handle):
        return {"__handle__": value.id}
    if isinstance(value, np.ndarray):
        return encode_array(value)
    if isinstance(value, Tensor):
        return encode_array(value.array, torch_dtype=value.dtype)
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple):
        return {"__tuple__": [encode_plain(v) for v in value]}
    if isinstance(value, list):
        return [encode_plain(v) for v in value]
    if isinstance(value, dict):
        return {"__dict__": [[str(k), encode_plain(v)] for k, v in value.items()]}
    raise ProtocolError(f"cannot send a {type(value).__name__}")
