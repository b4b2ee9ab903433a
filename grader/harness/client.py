"""The trusted side's view of the submission: proxies that turn test calls into worker requests.

Every answer is decoded as untrusted data. A worker that hangs, dies, runs out of time or answers
something that cannot be read becomes a ``WorkerLost`` with the reason, which the pytest plugin
turns into feedback: whatever the worker sends, the submission is the cause.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, NoReturn

from grader.contract import clean, clip
from grader.harness.protocol import (
    Channel,
    Handle,
    PeerGone,
    PeerTimeout,
    ProtocolError,
    decode_value,
    encode_plain,
)

# How much of each part of an exception report the trusted side keeps; the worker is the
# submission's to rewrite, so these bounds are applied here, not there.
ERROR_FIELD_CHARS = {"type": 200, "message": 1000, "traceback": 2500, "missing": 200}


def _error_field(key: str, value: Any) -> str:
    text = clean(value if isinstance(value, str) else "" if value is None else repr(value)[:4000])
    limit = ERROR_FIELD_CHARS.get(key, 200)
    # A traceback is worth its end (the exception itself); anything else its start.
    return text[-limit:] if key == "traceback" else clip(text, limit)


class SubmissionError(Exception):
    """The submission's own code raised an exception; ``at_load``: while the module was loaded,
    so the request that meets it never reached the submission's functions."""

    def __init__(self, info: Any, at_load: bool = False) -> None:
        items = list(info.items())[:8] if isinstance(info, dict) else []
        self.info = {str(k)[:40]: _error_field(str(k), v) for k, v in items}
        self.at_load = at_load
        super().__init__(f"{self.info.get('type', 'Error')}: {self.info.get('message', '')}")


class WorkerLost(Exception):
    """The worker can no longer answer: ``timeout``, ``memory``, ``exited``, ``crash`` or
    ``malformed`` (it answered something that cannot be read, and was stopped)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


class WorkerLink:
    """One live worker process, reached through its channel, bounded by the grading deadline."""

    def __init__(
        self,
        channel: Channel,
        deadline: Callable[[], float],
        diagnose: Callable[[str, str], WorkerLost],
    ) -> None:
        self.channel = channel
        self.deadline = deadline
        self.diagnose = diagnose
        self.lost: WorkerLost | None = None
        self.hello = self.channel.receive(deadline=time.monotonic() + 600)

    def request(self, message: dict[str, Any]) -> dict[str, Any]:
        if self.lost:
            raise self.lost
        try:
            self.channel.send(message)
        except PeerGone as exc:
            self.lost = self.diagnose("exited", str(exc))
            raise self.lost from None
        try:
            reply = self.channel.receive(deadline=self.deadline())
        except PeerTimeout:
            self.lost = self.diagnose("timeout", "")
            raise self.lost from None
        except PeerGone as exc:
            self.lost = self.diagnose("exited", str(exc))
            raise self.lost from None
        except ProtocolError as exc:
            self.reject(str(exc))
        return reply

    def reject(self, detail: str) -> NoReturn:
        """The worker answered something unreadable: it is stopped, and the submission blamed."""
        self.lost = self.diagnose("malformed", detail)
        raise self.lost from None


class Remote:
    """An object living in the worker. Calls and attribute reads are requests; results are data."""

    def __init__(self, submission: Submission, handle: Handle) -> None:
        self._submission = submission
        self.handle = handle

    @property
    def type_name(self) -> str:
        return self.handle.type_name

    # ``keep=True`` leaves the result in the worker as another Remote: a meta tensor has no values
    # to send, and a tensor's device or a parameter's identity does not travel with its values.
    def attr(self, *names: str, keep: bool = False) -> Any:
        return self._submission.request("get", {"ref": self._ref(names)}, keep=keep)

    def call(self, *args: Any, keep: bool = False, **kwargs: Any) -> Any:
        return self._submission.invoke(self._ref(()), args, kwargs, keep=keep)

    def method(self, name: str, *args: Any, keep: bool = False, **kwargs: Any) -> Any:
        return self._submission.invoke(self._ref((name,)), args, kwargs, keep=keep)

    def set(self, name: str, value: Any) -> None:
        """``obj.name = value`` in the worker (a tensor's ``grad``, a model's ``stop_training``)."""
        self.method("__setattr__", name, value)

    def _ref(self, names: tuple[str, ...]) -> dict[str, Any]:
        return {"handle": self.handle.id, "attrs": list(names)}

    def __repr__(self) -> str:
        return f"Remote({self.handle!r})"


class Submission:
    """What a hidden test holds: the loaded submission, reached only through requests."""

    def __init__(self, link_factory: Callable[[], WorkerLink], load_request: dict[str, Any]):
        self._link_factory = link_factory
        self._load_request = load_request
        self._link: WorkerLink | None = None
        self._preload_lost: WorkerLost | None = None
        self.load_report: dict[str, Any] = {}

    # -- lifecycle --------------------------------------------------------------------------------
    def preload(self) -> None:
        """Load before any test. A worker lost while loading is the first test's verdict, as if
        that test had loaded it (no extra worker is started for it)."""
        try:
            self.link()
        except WorkerLost as lost:
            self._preload_lost = lost
            raise

    def link(self) -> WorkerLink:
        if self._preload_lost is not None:
            lost, self._preload_lost = self._preload_lost, None
            raise lost
        if self._link is None or self._link.lost:
            self._link = self._link_factory()
            reply = self._link.request({"op": "load", **self._load_request})
            try:
                trace = decode_value(reply.get("trace"))
            except ProtocolError as exc:
                self._link.reject(str(exc))
            self.load_report = {
                "error": (reply.get("error") or {"type": "Error"}) if not reply.get("ok") else None,
                "trace": trace,
            }
        return self._link

    def ensure_loaded(self) -> dict[str, Any]:
        self.link()
        return self.load_report

    # -- requests ---------------------------------------------------------------------------------
    def request(self, op: str, body: dict[str, Any], keep: bool = False) -> Any:
        link = self.link()
        if self.load_report.get("error"):
            raise SubmissionError(self.load_report["error"], at_load=True)
        reply = link.request({"op": op, "keep": keep, **body})
        if reply.get("protocol_error"):
            # The worker refused a request of the trusted side: a grader problem, unless the
            # submission rewrote the worker (then it only fails its own test).
            raise ProtocolError(clip(clean(reply["protocol_error"]), 500))
        if not reply.get("ok"):
            raise SubmissionError(reply.get("error") or {})
        try:
            value = decode_value(reply.get("value"))
        except ProtocolError as exc:
            link.reject(str(exc))
        return self._wrap(value)

    def _wrap(self, value: Any) -> Any:
        if isinstance(value, Handle):
            return Remote(self, value)
        if isinstance(value, list):
            return [self._wrap(v) for v in value]
        if isinstance(value, tuple):
            return tuple(self._wrap(v) for v in value)
        if isinstance(value, dict):
            return {k: self._wrap(v) for k, v in value.items()}
        return value

    def invoke(
        self,
        ref: dict[str, Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        keep: bool = False,
    ) -> Any:
        body = {
            "ref": ref,
            "args": [encode_plain(_unwrap(a)) for a in args],
            "kwargs": [[k, encode_plain(_unwrap(v))] for k, v in kwargs.items()],
        }
        return self.request("call", body, keep=keep)

    def get(self, *names: str, keep: bool = False) -> Any:
        """A module-level name of the submission (``get("PyTorchModel")``)."""
        return self.request("get", {"ref": {"handle": None, "attrs": list(names)}}, keep=keep)

    def has(self, name: str) -> bool:
        try:
            self.get(name)
        except SubmissionError as exc:
            if exc.info.get("missing") == name:
                return False
            raise
        return True

    def put(self, value: Any) -> Remote:
        """Place a value in the worker and keep it there, so the test can look at it again later."""
        return self.request("put", {"value": encode_plain(_unwrap(value))})

    def helper(self, name: str, *args: Any) -> Any:
        body = {"name": name, "args": [encode_plain(_unwrap(a)) for a in args]}
        return self.request("helper", body)


def _unwrap(value: Any) -> Any:
    if isinstance(value, Remote):
        return value.handle
    if isinstance(value, (list, tuple)):
        return type(value)(_unwrap(v) for v in value)
    if isinstance(value, dict):
        return {k: _unwrap(v) for k, v in value.items()}
    return value
