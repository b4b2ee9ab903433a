"""One sandbox, many gradings (the ``reuse`` mode): the supervisor's loop, and what stands between
two gradings so that the second finds what a fresh container would give it.

The k-th grading's workers run as ``student_uid + k`` and its test runner as ``grader_uid + k``,
users nothing ran as before, forked from pre-imported templates (``templates``): a grading can
neither reach an earlier one's leftovers by its user nor leave anything for a later one there.
Between two gradings the supervisor kills every process of the finished one and checks them gone,
removes its System V IPC, empties every writable place (the student's and the grader's folders,
/tmp, /dev/shm), strips what an owner could set on each place itself (extended attributes and
ACLs, inode flags, times), and hands the student's folder to the next user; the next grading's
children get an environment built afresh. Anything it cannot undo, or any grading that ended
abnormally (timeout, memory, crash), retires the sandbox: it tells the host ``RETIRE`` instead of
``READY`` and exits, and the host starts a fresh one. After ``gradings`` gradings, or when no job
comes within ``idle_exit_s``, it retires as well.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import shutil
import struct
import sys
import time

from grader.contract import READY, RETIRE, GradingResult
from grader.harness.children import WORKER_MODULE, ExecLauncher, Idle, JobReader
from grader.harness.environment import SandboxConfig, child_env
from grader.harness.supervisor import Supervisor
from grader.harness.templates import control_pair, send_fork_request

TEMPLATE_MODULE = "grader.harness.templates"
SHARED_MEMORY = "/dev/shm"
SCRATCH = "/tmp"
# System V IPC: the table in /proc and the call that removes an object of that kind.
IPC_TABLES = {"shm": ("shmid", "shmctl"), "sem": ("semid", "semctl"), "msg": ("msqid", "msgctl")}
IPC_RMID = 0
FS_IOC_SETFLAGS = 0x40086602
CLEAN_OUTCOMES = ("ok", "output_limit")


class Templates:
    """The two pre-imported template processes of this sandbox."""

    def __init__(self, config: SandboxConfig, stderr_fd: int = 2) -> None:
        self.config = config
        self.sockets = {}
        self.pids = {}
        launcher = ExecLauncher()
        runner_preload = ",".join(f for f in config.preload if f == "torch")
        # Both stay root, so that each child becomes a user of its own grading (and no grading's
        # user can reach a template); they hold only the sandbox's capabilities.
        roles = {
            "runner": {"KADAI_RUNNER_PRELOAD": runner_preload},
            "worker": {"KADAI_PRELOAD": ",".join(config.preload), "PYTHONUNBUFFERED": "1"},
        }
        for role, extra in roles.items():
            ours, theirs = control_pair()
            try:
                # Keras caches its config in a folder it creates on import: here a read-only path,
                # so no template writes anything a grading could find.
                env = child_env(config, "/", {**extra, "KERAS_HOME": "/.keras"})
                self.pids[role] = launcher.launch(
                    TEMPLATE_MODULE,
                    0,
                    theirs.fileno(),
                    ["--role", role],
                    env,
                    stderr_fd,
                    stderr_fd,
                )
            finally:
                theirs.close()
            self.sockets[role] = ours

    def alive(self, exits: dict[int, int]) -> bool:
        return not any(pid in exits for pid in self.pids.values())


class TemplateLauncher:
    """Children forked from the templates instead of started as programs."""

    def __init__(self, templates: Templates) -> None:
        self.templates = templates

    def launch(
        self, module: str, uid: int, fd: int, args: list[str], env: dict, out_w: int, err_w: int
    ) -> int:
        role = "worker" if module == WORKER_MODULE else "runner"
        request = {"uid": uid, "submission": role == "worker", "env": env}
        return send_fork_request(self.templates.sockets[role], request, [fd, out_w, err_w])


def writable_places(config: SandboxConfig) -> list[str]:
    return [config.student_dir, config.grader_dir, SCRATCH, SHARED_MEMORY]


def empty(place: str) -> None:
    """Removes everything in ``place`` (never following links: the fd-based ``rmtree``)."""
    with os.scandir(place) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)


def reset(place: str) -> None:
    """What emptying leaves on the place itself, which its owner (the student, for its folder) may
    set and the next grading would read: extended attributes (POSIX ACLs among them), inode flags
    (tmpfs lets an owner set noatime and nodump) and times."""
    for name in os.listxattr(place, follow_symlinks=False):
        os.removexattr(place, name, follow_symlinks=False)
    folder = os.open(place, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    try:
        fcntl.ioctl(folder, FS_IOC_SETFLAGS, struct.pack("i", 0))
    except OSError as exc:
        if exc.errno not in (errno.ENOTTY, errno.EOPNOTSUPP):
            raise
    finally:
        os.close(folder)
    os.utime(place, follow_symlinks=False)


def prepare_places(config: SandboxConfig, k: int) -> list[str]:
    """Every writable place empty and reset, the folders owned by the k-th grading's users; returns
    what failed."""
    faults = []
    for place in writable_places(config):
        try:
            empty(place)
            if os.listdir(place):
                faults.append(f"{place} is not empty after cleaning")
            reset(place)
        # Not only OSError: a tree deeper than the recursion limit ends ``rmtree`` with a
        # RecursionError, and the sandbox must still retire rather than its PID 1 die.
        except Exception as exc:  # noqa: BLE001
            faults.append(f"cannot empty {place}: {type(exc).__name__}: {exc}")
    try:
        os.chown(config.student_dir, config.student_uid + k, config.student_uid + k)
        os.chmod(config.student_dir, 0o755)
        os.chown(config.grader_dir, config.grader_uid + k, config.grader_uid + k)
        os.chmod(config.grader_dir, 0o700)
    except OSError as exc:
        faults.append(f"cannot hand the folders over: {exc}")
    return faults


def ipc_objects() -> list[tuple[str, int, set[int]]]:
    """(kind, id, {owner, creator}) of every System V IPC object in this sandbox."""
    found = []
    for kind, (id_column, _) in IPC_TABLES.items():
        try:
            with open(f"/proc/sysvipc/{kind}", encoding="ascii") as table:
                header, *rows = table.read().splitlines()
        except OSError:
            continue
        columns = header.split()
        for row in rows:
            values = dict(zip(columns, row.split(), strict=False))
            users = {int(values[c]) for c in ("uid", "cuid") if c in values}
            found.append((kind, int(values[id_column]), users))
    return found


def remove_ipc() -> list[str]:
    """Removes every System V IPC object, as its owner or creator (the only users the kernel lets
    remove it without CAP_SYS_ADMIN, which no sandbox holds); returns what is left."""
    for kind, ident, users in ipc_objects():
        for uid in users:
            pid = os.fork()
            if pid == 0:
                try:
                    os.setgroups([])
                    os.setgid(uid)
                    os.setuid(uid)
                    libc = ctypes.CDLL(None, use_errno=True)
                    call = getattr(libc, IPC_TABLES[kind][1])
                    if kind == "sem":
                        call(ident, 0, IPC_RMID, None)
                    else:
                        call(ident, IPC_RMID, None)
                finally:
                    os._exit(0)
            os.waitpid(pid, 0)
    return [f"{kind} {ident} of {sorted(users)}" for kind, ident, users in ipc_objects()]


def abstract_sockets() -> list[str]:
    """Names of listening abstract unix sockets (they live as long as a process holds them)."""
    try:
        with open("/proc/net/unix", encoding="ascii", errors="replace") as table:
            rows = table.read().splitlines()[1:]
    except OSError:
        return []
    return [row.split()[-1] for row in rows if len(row.split()) >= 8 and row.split()[-1][0] == "@"]


def other_processes(keep: set[int]) -> list[int]:
    return [int(e) for e in os.listdir("/proc") if e.isdigit() and int(e) not in keep]


def end_grading(supervisor: Supervisor, templates: Templates) -> list[str]:
    """Kills what is left of one grading and checks that nothing of it remains."""
    supervisor.kill_students()
    supervisor.kill_user(supervisor.grader_uid)
    keep = {1, *templates.pids.values()}
    for _ in range(200):
        supervisor.reap()
        if not other_processes(keep):
            break
        time.sleep(0.01)
    supervisor.close()
    faults = [f"process {pid} outlived its grading" for pid in other_processes(keep)]
    faults += [f"IPC object left: {left}" for left in remove_ipc()]
    faults += [f"abstract socket left: {name}" for name in abstract_sockets()]
    if not templates.alive(supervisor.exits):
        faults.append("a template process died")
    return faults


def announce(marker: str, nonce: str, detail: str = "") -> None:
    sys.stdout.buffer.write(f"{marker} {nonce} {detail}".rstrip().encode() + b"\n")
    sys.stdout.buffer.flush()


def serve_many(config: SandboxConfig) -> None:
    """The ``reuse`` mode's main: up to ``config.gradings`` gradings, each as if alone."""
    templates = Templates(config)
    jobs = JobReader()
    faults = prepare_places(config, 0)
    for k in range(config.gradings):
        supervisor = Supervisor(
            config,
            TemplateLauncher(templates),
            student_uid=config.student_uid + k,
            grader_uid=config.grader_uid + k,
            jobs=jobs,
        )
        try:
            if faults:
                raise RuntimeError("; ".join(faults))
            result = supervisor.run(config.idle_exit_s)
        except Idle:
            return
        except BaseException as exc:  # noqa: BLE001 — the host still gets a result
            result = supervisor.salvage(exc)
        supervisor.emit(result)
        faults = end_grading(supervisor, templates)
        if not faults and retire_after(result):
            faults = [f"the grading ended abnormally ({result.outcome})"]
        if not faults and k + 1 == config.gradings:
            faults = [f"{config.gradings} gradings done"]
        if not faults:
            faults = prepare_places(config, k + 1)
        if faults:
            announce(RETIRE, supervisor.nonce, "; ".join(faults)[:2000])
            return
        announce(READY, supervisor.nonce)


def retire_after(result: GradingResult) -> bool:
    return result.status != "graded" or result.outcome not in CLEAN_OUTCOMES
