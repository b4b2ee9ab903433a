"""Reading a reusable sandbox's multiplexed stream: a result and the READY after it may arrive in
one frame, and READY must still be there for the pool (else a clean sandbox looks retired)."""

from __future__ import annotations

import socket
import struct
import time

import pytest

from grader.contract import READY, RESULT_END
from grader.sandbox.reusable import AttachedStreams, StreamEnded


def frame(kind: int, data: bytes) -> bytes:
    return struct.pack(">BxxxI", kind, len(data)) + data


def test_what_follows_the_result_stays_for_the_next_read():
    ours, theirs = socket.socketpair()
    streams = AttachedStreams(ours)
    end = f"\n{RESULT_END} n1\n".encode()
    theirs.sendall(frame(2, b"log line\n") + frame(1, b"{result}" + end + f"{READY} n1\n".encode()))

    streams.read_until((end,), time.monotonic() + 5)
    stdout, stderr = streams.take(through=(end,))

    assert stdout.endswith(end.decode()) and READY not in stdout
    assert stderr == "log line\n"
    streams.read_until((f"{READY} n1\n".encode(),), time.monotonic() + 5)  # at once: kept
    ours.close()
    theirs.close()


def test_a_closed_stream_and_a_silent_one_end_the_read():
    ours, theirs = socket.socketpair()
    streams = AttachedStreams(ours)
    with pytest.raises(TimeoutError):
        streams.read_until((b"never",), time.monotonic() + 0.2)
    theirs.close()
    with pytest.raises(StreamEnded):
        streams.read_until((b"never",), time.monotonic() + 5)
    ours.close()
