"""The untrusted side: a process, running as the submission's own user, that executes student code.

It loads the submission and answers the trusted test runner's requests (get an attribute, call a
function or method, run a framework helper). Results go back as plain data; every other object stays
here behind a numeric handle. Nothing in this process is believed by the trusted side.
"""

from __future__ import annotations

import argparse
import importlib
import os
import random
import socket
import sys
import traceback
import types
from typing import Any

from grader.harness import probes
from grader.harness.confinement import lower_priority
from grader.harness.protocol import (
    ALLOWED_DTYPES,
    MAX_FRAME_BYTES,
    Channel,
    PeerGone,
    ProtocolError,
    decode_array,
    encode_array,
)

MAX_DEPTH = 16
MAX_ITEMS = 100_000
TRACEBACK_CHARS = 4000
# Bound when the worker starts, before any submission is imported: a submission that patches
# probes.HELPERS or the tracer class changes nothing here. Defence in depth only — the trusted side
# never believes what this process says, it checks values only correct work produces.
HELPERS = types.MappingProxyType(dict(probes.HELPERS))
TRACER = probes.TrainingTracer
TRACER_INSTALL = probes.TrainingTracer.install
TRACER_UNINSTALL = probes.TrainingTracer.uninstall
TRACER_REPORT = probes.TrainingTracer.report


class StudentError(Exception):
    """Student code raised; carries what the student may be shown."""

    def __init__(self, info: dict[str, Any]) -> None:
        super().__init__(info.get("message", ""))
        self.info = info


class Worker:
    """Owns the submission's namespace and the table of objects handed out as handles."""

    def __init__(self, channel: Channel) -> None:
        self.channel = channel
        self.module: types.ModuleType | None = None
        self.submission_path = ""
        self.objects: dict[int, Any] = {}
        self.next_handle = 1

    # -- values ---------------------------------------------------------------------------------
    def encode(self, value: Any, depth: int = 0) -> Any:
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        if depth > MAX_DEPTH:
            return self.keep(value)
        module = type(value).__module__ or ""
        if module.startswith("numpy"):
            import numpy as np

            if isinstance(value, np.ndarray) and str(value.dtype) in ALLOWED_DTYPES:
                return encode_array(value)
            if isinstance(value, np.generic):
                return value.item()
        if module.startswith("torch") and probes.is_torch_tensor(value):
            return probes.encode_torch_tensor(value)
        if probes.is_tf_tensor(value):
            return encode_array(value.numpy())
        if type(value) in (list, tuple) and len(value) <= MAX_ITEMS:
            items = [self.encode(v, depth + 1) for v in value]
            return items if type(value) is list else {"__tuple__": items}
        if isinstance(value, dict) and type(value).__module__ in ("builtins", "collections"):
            if len(value) <= MAX_ITEMS and all(isinstance(k, str) for k in value):
                return {"__dict__": [[k, self.encode(v, depth + 1)] for k, v in value.items()]}
        return self.keep(value)

    def keep(self, value: Any) -> dict[str, Any]:
        handle = self.next_handle
        self.next_handle += 1
        self.objects[handle] = value
        return {"__handle__": handle, "type": type(value).__qualname__}

    def decode(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.decode(v) for v in value]
        if not isinstance(value, dict):
            return value
        if "__ndarray__" in value:
            spec = value["__ndarray__"]
            array = decode_array(spec)
            if "torch_dtype" in spec:
                return probes.torch_tensor_from(array, spec["torch_dtype"])
            return array
        if "__handle__" in value:
            return self.objects[int(value["__handle__"])]
        if "__tuple__" in value:
            return tuple(self.decode(v) for v in value["__tuple__"])
        if "__dict__" in value:
            return {k: self.decode(v) for k, v in value["__dict__"]}
        raise ProtocolError("unknown value tag")

    def resolve(self, ref: dict[str, Any]) -> Any:
        target: Any = self.module if ref.get("handle") is None else self.objects[ref["handle"]]
        if target is None:
            raise StudentError({"type": "NotLoaded", "message": "the submission is not loaded"})
        for name in ref.get("attrs", []):
            try:
                target = getattr(target, name)
            except AttributeError as exc:
                raise StudentError(self.describe(exc, missing=name)) from exc
        return target

    # -- operations -----------------------------------------------------------------------------
    def op_load(self, request: dict[str, Any]) -> dict[str, Any]:
        path = os.path.join(os.getcwd(), request["filename"])
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(request["source"])
        self.submission_path = path
        seed_everything(int(request.get("seed", 0)))
        tracer = TRACER() if "training" in request.get("instrument", []) else None
        if tracer:
            TRACER_INSTALL(tracer)
        run_name = request.get("run_name", "submission")
        module = types.ModuleType(run_name)
        module.__file__ = path
        sys.modules[run_name] = module
        error = None
        try:
            exec(compile(request["source"], path, "exec"), module.__dict__)
        except BaseException as exc:  # noqa: BLE001 — SystemExit and friends are the student's too
            error = self.describe(exc)
        finally:
            if tracer:
                TRACER_UNINSTALL(tracer)
            flush_std()
        self.module = module
        trace = TRACER_REPORT(tracer) if tracer else None
        return {"ok": error is None, "error": error, "trace": self.encode(trace)}

    def op_get(self, request: dict[str, Any]) -> Any:
        return self.resolve(request["ref"])

    def op_call(self, request: dict[str, Any]) -> Any:
        function = self.resolve(request["ref"])
        args = self.decode(request.get("args", []))
        kwargs = self.decode({"__dict__": request.get("kwargs", [])})
        return function(*args, **kwargs)

    def op_put(self, request: dict[str, Any]) -> Any:
        return self.decode(request["value"])

    def op_helper(self, request: dict[str, Any]) -> Any:
        helper = HELPERS.get(request["name"])
        if helper is None:
            raise ProtocolError(f"unknown helper {request['name']!r}")
        args = self.decode(request.get("args", []))
        return helper(*args)

    def op_release(self, request: dict[str, Any]) -> None:
        self.objects.pop(int(request["handle"]), None)

    def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        op = request.get("op")
        method = getattr(self, f"op_{op}", None)
        if method is None:
            return {"ok": False, "protocol_error": f"unknown op {op!r}"}
        try:
            value = method(request)
            flush_std()
            if op == "load":
                return value
            keep = op == "put" or request.get("keep")
            return {"ok": True, "value": self.keep(value) if keep else self.encode(value)}
        except StudentError as exc:
            return {"ok": False, "error": exc.info}
        except ProtocolError as exc:
            return {"ok": False, "protocol_error": str(exc)}
        except BaseException as exc:  # noqa: BLE001
            flush_std()
            try:
                return {"ok": False, "error": self.describe(exc)}
            except BaseException:  # noqa: BLE001
                return {"ok": False, "error": {"type": "Error", "message": "(not describable)"}}

    def describe(self, exc: BaseException, missing: str | None = None) -> dict[str, Any]:
        """The exception as the student should see it: their own frames only. Bounded, and safe
        from an exception whose ``__str__`` raises or returns no string (the trusted side checks
        again: this process is the submission's)."""
        try:
            frames = [
                f
                for f in traceback.extract_tb(exc.__traceback__)
                if f.filename == self.submission_path
            ]
            lines = traceback.format_list(frames) + traceback.format_exception_only(type(exc), exc)
            trace = "".join(lines)[-TRACEBACK_CHARS:]
        except BaseException:  # noqa: BLE001
            trace = ""
        info = {
            "type": type(exc).__name__[:200],
            "message": safe_str(exc, 2000),
            "traceback": trace,
        }
        if isinstance(exc, SystemExit):
            info["message"] = f"sys.exit({safe_str(exc.code, 200, repr)}) was called"
        if missing:
            info["missing"] = missing[:200]
        return info

    def serve(self) -> None:
        self.channel.send({"op": "hello", "pid": os.getpid(), "versions": framework_versions()})
        while True:
            try:
                request = self.channel.receive()
            except (PeerGone, ProtocolError):
                return
            reply = self.handle(request)
            try:
                self.channel.send(reply)
            except ProtocolError:
                # Too large for the trusted side to read: say so, rather than die without a word.
                limit = MAX_FRAME_BYTES // (1024 * 1024)
                self.channel.send(
                    {
                        "ok": False,
                        "error": {
                            "type": "AnswerTooLarge",
                            "message": f"the answer is larger than the {limit} MiB the grader reads",
                        },
                    }
                )


def safe_str(value: Any, limit: int, how: Any = str) -> str:
    try:
        text = how(value)
    except BaseException:  # noqa: BLE001 — the student's __str__/__repr__ may raise anything
        return f"<{type(value).__name__[:200]} that cannot be shown>"
    return text[:limit] if isinstance(text, str) else "<not a string>"


def flush_std() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001 — the student may have replaced or closed them
            pass


def seed_everything(seed: int) -> None:
    random.seed(seed)
    if "numpy" in sys.modules:
        sys.modules["numpy"].random.seed(seed)
    if "torch" in sys.modules:
        sys.modules["torch"].manual_seed(seed)
    if "tensorflow" in sys.modules:
        sys.modules["tensorflow"].random.set_seed(seed)


def framework_versions() -> dict[str, str]:
    return {
        name: getattr(sys.modules[name], "__version__", "?")
        for name in ("numpy", "torch", "tensorflow", "keras")
        if name in sys.modules
    }


def preload(frameworks: list[str]) -> None:
    """Import the heavy frameworks before any job arrives, so a warm sandbox answers quickly."""
    for name in ["numpy", *frameworks]:
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    if "tensorflow" in frameworks:
        importlib.import_module("keras")


def serve_forked(fd: int) -> None:
    """One grading's worker, forked from the template with the frameworks imported; its user and
    OOM score were set by the template's child before this runs."""
    os.chdir(os.environ.get("HOME", "/"))
    lower_priority()
    Worker(Channel(socket.socket(fileno=fd))).serve()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fd", type=int, required=True)
    args = parser.parse_args(argv)
    os.chdir(os.environ.get("HOME", "/"))
    sock = socket.socket(fileno=args.fd)
    preload([f for f in os.environ.get("KADAI_PRELOAD", "").split(",") if f])
    lower_priority()  # its OOM score was raised by the supervisor before this program started
    Worker(Channel(sock)).serve()


if __name__ == "__main__":
    main()
