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
            ["x", encode_array(np.ones(2), torch_dtype="float32")],
        ]
    }
    value = decode_value(wire)
    assert value["t"] == (1, "a")
    assert isinstance(value["h"], Handle) and value["h"].type_name == "Net"
    assert isinstance(value["x"], Tensor) and value["x"].dtype == "float32"
    with pytest.raises(ProtocolError):
        decode_value({"__pickle__": "..."})


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
