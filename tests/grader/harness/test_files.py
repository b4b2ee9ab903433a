"""Reading learner-written files on the trusted side: links, devices, pipes, bombs and huge views."""

from __future__ import annotations

import io
import os
import zipfile

import numpy as np
import pytest
import torch

from grader.harness.files import UnsafeFile, load_state_dict, read_student_file


def test_a_state_dict_loads_as_float32_arrays(tmp_path):
    path = tmp_path / "ok.pth"
    torch.save({"weight": torch.ones(2, 3), "bias": torch.arange(2)}, path)
    state = load_state_dict(str(path))
    assert state["weight"].dtype == np.float32 and state["bias"].tolist() == [0.0, 1.0]


def test_a_link_is_not_followed(tmp_path):
    link = tmp_path / "link.pth"
    os.symlink("/dev/zero", link)
    with pytest.raises(UnsafeFile, match="links"):
        read_student_file(str(link))


def test_a_pipe_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "fifo.pth"
    os.mkfifo(fifo)
    with pytest.raises(UnsafeFile, match="regular"):
        read_student_file(str(fifo))


def test_a_missing_file_is_reported_as_missing(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_student_file(str(tmp_path / "nothing.pth"))


def test_a_large_file_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "big.pth"
    path.write_bytes(b"\0" * 2048)
    with pytest.raises(UnsafeFile, match="2048 bytes"):
        read_student_file(str(path), max_bytes=1024)


def test_an_expanded_tensor_is_refused_before_it_is_materialised(tmp_path):
    path = tmp_path / "view.pth"
    torch.save({"weight": torch.zeros(1).expand(30000, 30000)}, path)
    assert path.stat().st_size < 4096
    with pytest.raises(UnsafeFile, match="values"):
        load_state_dict(str(path))


def test_a_compressed_archive_is_refused(tmp_path):
    raw = io.BytesIO()
    torch.save({"weight": torch.zeros(4)}, raw)
    source = zipfile.ZipFile(io.BytesIO(raw.getvalue()))
    bomb = tmp_path / "bomb.pth"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as out:
        for member in source.infolist():
            out.writestr(member.filename, source.read(member))
    with pytest.raises(UnsafeFile, match="compressed"):
        load_state_dict(str(bomb))


@pytest.mark.parametrize(
    "content",
    [b"not a checkpoint", None],
    ids=["garbage", "whole-model-pickle"],
)
def test_what_is_not_a_state_dict_is_a_value_error_or_unsafe(tmp_path, content):
    path = tmp_path / "x.pth"
    if content is None:
        torch.save(torch.nn.Linear(2, 2), path)
    else:
        path.write_bytes(content)
    with pytest.raises((ValueError, UnsafeFile)):
        load_state_dict(str(path))
