"""The wire codec: only plain data and well-formed numeric buffers cross."""

import socket
import threading

import numpy as np
import pytest

from grader.harness.protocol import (
    Channel,
    Handle,
    PeerGone,
    PeerTimeout,
    ProtocolError,
    Tensor,
    decode_array,
    decode_value,
    encode_array,
    encode_plain,
    nesting,
)


def test_arrays_keep_dtype_and_shape_including_scalars():
    for array in (
        np.arange(6, dtype=np.int64).reshape(2, 3),
        np.float32(2.5) * np.ones(()),
        np.zeros((0, 4), dtype=np.float16),
    ):
        back = decode_array(encode_array(array)["__ndarray__"])
        assert back.dtype == array.dtype and back.shape == array.shape
        assert np.array_equal(back, array)


def test_object_arrays_are_refused_both_ways():
    with pytest.raises(ProtocolError):
        encode_array(np.array([object()]))
    spec = encode_array(np.zeros(2))["__ndarray__"] | {"dtype": "object"}
    with pytest.raises(ProtocolError):
        decode_array(spec)


def test_a_lying_shape_is_refused():
    spec = encode_array(np.zeros(4))["__ndarray__"] | {"shape": [5]}
    with pytest.raises(ProtocolError, match="length"):
        decode_array(spec)


def test_tagged_values_decode_to_plain_objects():
    wire = {
        "__dict__": [
            ["t", {"__tuple__": [1, "a"]}],
            ["h", {"__handle__": 4, "type": "Net"}],
            ["x", encode_array(np.ones(2, np.float32), torch_dtype="float32")],
        ]
    }
    value = decode_value(wire)
    assert value["t"] == (1, "a")
    assert isinstance(value["h"], Handle) and value["h"].type_name == "Net"
    assert isinstance(value["x"], Tensor) and value["x"].dtype == "float32"
    with pytest.raises(ProtocolError):
        decode_value({"__pickle__": "..."})


@pytest.mark.parametrize(
    ("array", "claimed"),
    [
        (np.ones(3, np.float64), "float32"),  # float64 values passed off as float32
        (np.ones(3, np.float32), "float16"),
        (np.array([1.1], np.float32), "bfloat16"),  # more bits than bfloat16 holds
        (np.ones(3, np.float32), "float8_e4m3fn"),  # a dtype the worker's encoder cannot send
    ],
)
def test_a_tensor_whose_dtype_its_values_contradict_is_refused(array, claimed):
    with pytest.raises(ProtocolError, match="claims dtype"):
        decode_value(encode_array(array, torch_dtype=claimed))


def test_a_bfloat16_tensor_arrives_as_float32_values_it_holds():
    import torch

    from grader.harness.probes import encode_torch_tensor

    value = decode_value(encode_torch_tensor(torch.tensor([1.1, -3.0], dtype=torch.bfloat16)))
    assert value.dtype == "bfloat16" and value.array.dtype == np.float32


def test_trusted_side_refuses_to_send_arbitrary_objects():
    with pytest.raises(ProtocolError):
        encode_plain(object())
    assert decode_value(encode_plain({"a": (1, 2.0, None)})) == {"a": (1, 2.0, None)}


def test_channel_frames_messages_and_reports_silence_and_hangups():
    left, right = socket.socketpair()
    a, b = Channel(left), Channel(right)
    threading.Thread(target=a.send, args=({"op": "hello", "data": "x" * 300_000},)).start()
    assert b.receive()["data"] == "x" * 300_000
    with pytest.raises(PeerTimeout):
        b.receive(deadline=0)
    a.close()
    with pytest.raises(PeerGone):
        b.receive()
    b.close()


def frame(payload: bytes) -> bytes:
    import struct

    return struct.pack("!Q", len(payload)) + payload


@pytest.mark.parametrize(
    "payload",
    [
        b'{"ok": true, "value": ' + b"[" * 200_000 + b"]" * 200_000 + b"}",  # the decoder's stack
        b'{"ok": true, "value": ' + b"[" * 900 + b"]" * 900 + b"}",  # decodable, too deep to walk
        b'{"ok": true, "value": "\xff\xfe"}',  # not UTF-8
        b"[1, 2]",  # not an object
        b"{",
    ],
)
def test_unreadable_messages_are_protocol_errors(payload):
    left, right = socket.socketpair()
    threading.Thread(target=left.sendall, args=(frame(payload),), daemon=True).start()
    with pytest.raises(ProtocolError):
        Channel(right).receive()
    left.close()
    right.close()


def test_a_lone_surrogate_escape_is_readable_data():
    left, right = socket.socketpair()
    left.sendall(frame(b'{"text": "\\ud800"}'))
    assert Channel(right).receive() == {"text": "\ud800"}
    left.close()
    right.close()


def test_nesting_is_measured_without_recursion():
    deep: list = []
    for _ in range(100_000):
        deep = [deep]
    assert nesting(deep, 64) == 65
    assert nesting({"a": [1, [2]], "b": 3}, 64) == 3
    assert nesting("flat", 64) == 0


@pytest.mark.parametrize(
    "value",
    [
        {"__handle__": "not a number"},
        {"__dict__": [["only a key"]]},
        {"__tuple__": 5},
        {"__ndarray__": "not a spec"},
        {"__ndarray__": {"dtype": "float32", "shape": [2**40, 2**40], "b64": ""}},
        "DEEP",
    ],
)
def test_any_malformed_value_is_a_protocol_error(value):
    if value == "DEEP":
        value = []
        for _ in range(70):
            value = [value]
    with pytest.raises(ProtocolError):
        decode_value(value)


def test_running_out_of_memory_while_decoding_is_a_protocol_error(monkeypatch):
    import grader.harness.protocol as protocol

    def exhausted(payload):
        raise MemoryError

    monkeypatch.setattr(protocol.json, "loads", exhausted)
    left, right = socket.socketpair()
    left.sendall(frame(b"{}"))
    with pytest.raises(ProtocolError, match="too large"):
        Channel(right).receive()
    left.close()
    right.close()
