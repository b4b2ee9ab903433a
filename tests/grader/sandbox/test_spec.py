"""The container specification: every hardening flag, the limits, and the GPU request."""

import os
import socket

import pytest

from grader.contract import Limits
from grader.sandbox.reaper import EXPIRES_LABEL, OWNER_LABEL
from grader.sandbox.spec import SHM_MB, TMP_MB, GpuUnavailable, container_spec


def test_the_sandbox_is_locked_down():
    spec = container_spec("img", Limits(time_s=5, memory_mb=700, cpus=1.5, pids=99, disk_mb=20), ())
    assert spec["network_mode"] == "none"
    assert spec["cap_drop"] == ["ALL"]
    assert sorted(spec["cap_add"]) == ["KILL", "SETGID", "SETUID"]
    assert spec["security_opt"] == ["no-new-privileges"]
    assert spec["read_only"] is True
    assert spec["mem_limit"] == spec["memswap_limit"] == "700m"
    assert spec["pids_limit"] == 99
    assert spec["nano_cpus"] == 1_500_000_000
    assert "size=20m" in spec["tmpfs"]["/sandbox/student"]
    assert "mode=0700" in spec["tmpfs"]["/sandbox/grader"]
    assert "device_requests" not in spec


def test_no_host_environment_enters_the_container(monkeypatch):
    monkeypatch.setenv("KADAI_SECRET_KEY", "s3cret")
    spec = container_spec("img", Limits(), ("torch",))
    assert all(key.startswith("KADAI_") for key in spec["environment"])
    assert "KADAI_SECRET_KEY" not in spec["environment"]
    assert spec["environment"]["KADAI_PRELOAD"] == "torch"


def test_gpu_is_requested_only_when_wanted_and_present():
    wanted = Limits(gpu="optional")
    assert "device_requests" not in container_spec("img", wanted, (), gpu_available=False)
    request = container_spec("img", wanted, (), gpu_available=True)["device_requests"][0]
    assert request["Capabilities"] == [["gpu"]] and request["Count"] == -1
    pinned = container_spec("img", wanted, (), gpu_available=True, gpu_device_ids=["1"])
    assert pinned["device_requests"][0]["DeviceIDs"] == ["1"]
    assert "device_requests" not in container_spec("img", Limits(), (), gpu_available=True)


def test_a_required_gpu_on_a_cpu_host_is_refused():
    with pytest.raises(GpuUnavailable):
        container_spec("img", Limits(gpu="required"), (), gpu_available=False)


def test_every_sandbox_says_when_it_becomes_an_orphan_and_which_process_started_it():
    spec = container_spec("img", Limits(), (), expires_at=1_800_000_000.2)
    assert spec["labels"] == {
        "kadai.role": "sandbox",
        EXPIRES_LABEL: "1800000001",
        OWNER_LABEL: f"{socket.gethostname()}:{os.getpid()}",
    }


def test_every_writable_place_is_sized():
    spec = container_spec("img", Limits(disk_mb=20), ())
    assert spec["shm_size"] == f"{SHM_MB}m"
    assert all("size=" in options for options in spec["tmpfs"].values())
    assert f"size={TMP_MB}m" in spec["tmpfs"]["/tmp"]


def test_the_submission_cannot_win_back_priority_or_store_outside_the_mounts():
    spec = container_spec("img", Limits(), ())
    ulimits = {u["Name"]: (u["Soft"], u["Hard"]) for u in spec["ulimits"]}
    assert ulimits["nice"] == ulimits["rtprio"] == (0, 0)
    assert ulimits["msgqueue"] == (0, 0)
    assert spec["sysctls"] == {"kernel.shm_rmid_forced": "1", "kernel.msgmni": "0"}
    # Nothing here needs CAP_SYS_RESOURCE, which Docker on our hosts cannot grant.
    assert "SYS_RESOURCE" not in spec["cap_add"]


def test_only_the_reuse_mode_grants_what_emptying_other_users_folders_needs():
    fresh = container_spec("img", Limits(), ())
    reused = container_spec("img", Limits(), (), gradings=50, idle_exit_s=660)
    assert "KADAI_REUSE" not in fresh["environment"]
    assert sorted(reused["cap_add"]) == [
        "CHOWN",
        "DAC_OVERRIDE",
        "FOWNER",
        "KILL",
        "SETGID",
        "SETUID",
    ]
    assert reused["environment"]["KADAI_REUSE"] == "1"
    assert reused["environment"]["KADAI_GRADINGS"] == "50"
    assert reused["environment"]["KADAI_IDLE_EXIT_S"] == "660"
    assert reused["security_opt"] == ["no-new-privileges"]  # no child can regain them
    with pytest.raises(ValueError, match=r"1\.\.1000"):
        container_spec("img", Limits(), (), gradings=1001)
