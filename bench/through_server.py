"""What the two through-the-server benchmarks share: the served platform, its users, the floor.

``bench/server_latency.py`` and ``bench/server_throughput.py`` grade the chapter's own answer to
問題3 (the ``normalized-dataset`` exercise's ``chapter_answer`` variant) through ``kadai serve
--demo`` (embedded SQLite, in-process grading) exactly as a learner's client does: sign in, create
an API token on the account page, POST the code, poll the result. This module starts that server
per sandbox mode (``KADAI_SANDBOX_MODE``), signs users in, submits and waits, and measures the
floor the issue compares against: a bare host python that imports torch and runs the same answer.
It also holds the pure arithmetic (percentiles, ratios, per-minute rates) and the machine line.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx2  # noqa: E402

from bench.grade_latency import floor_command, timed  # noqa: E402
from grader.exercise import ExercisePackage, load_catalog  # noqa: E402
from tests.backend import browser_http  # noqa: E402
from tests.backend.served import kadai_serve  # noqa: E402

MODES = ("reuse", "fresh")
EXERCISE_ID = "normalized-dataset"
ANSWER_VARIANT = "chapter_answer.py"
DEMO_STUDENTS = ("student1@kadai.local", "student2@kadai.local")
DEMO_COURSE_ID = 1
FINISHED = ("graded", "error")
# Lifted for the benchmarks only: timed gradings one after another (or 16 at once) must never be
# refused by the per-student limit (20 a minute by default), or the figures would measure the
# limiter, not the grader.
UNLIMITED_SUBMISSIONS = "100000"


# ---- arithmetic -------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile, interpolated between the nearest ranks (the median for q=50)."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def ratio(value: float, floor: float) -> float:
    if floor <= 0:
        raise ValueError(f"the floor must be positive, not {floor}")
    return value / floor


def per_minute(count: int, seconds: float) -> float:
    if seconds <= 0:
        raise ValueError(f"the wall time must be positive, not {seconds}")
    return 60.0 * count / seconds


def chosen_modes(choice: str) -> list[str]:
    """``both`` means each mode in turn, in a fixed order; otherwise the one named."""
    if choice == "both":
        return list(MODES)
    if choice not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)} or both, not {choice!r}")
    return [choice]


# ---- the machine and the answer ----------------------------------------------------------------


def machine_info() -> dict[str, object]:
    """What the figures depend on: CPUs (count and model), memory, load, commit, time."""
    model = platform.processor() or platform.machine()
    memory_gib = 0.0
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_gib = int(line.split()[1]) / 2**20
                break
    except OSError:
        pass  # not Linux: the platform module's answer stands
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    return {
        "node": platform.node(),
        "cpu_model": model,
        "cpu_count": os.cpu_count(),
        "memory_gib": round(memory_gib, 1),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "commit": commit or "unknown",
        "date_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
    }


def load_now() -> float:
    """The 1-minute load average: how much else the shared machine ran while a mode was measured."""
    return round(os.getloadavg()[0], 2)


def machine_line(info: dict[str, object]) -> str:
    load = " ".join(f"{x:g}" for x in info["load_average"])  # type: ignore[attr-defined]
    return (
        f"# {info['node']}: {info['cpu_count']} CPUs ({info['cpu_model']}), "
        f"{info['memory_gib']} GiB, load {load}; commit {info['commit']}, {info['date_utc']} UTC"
    )


def chapter_answer() -> tuple[ExercisePackage, Path]:
    package = load_catalog(ROOT / "exercises")[EXERCISE_ID]
    variant = next(v for v in package.variants if v.file == ANSWER_VARIANT)
    return package, package.root / "variants" / variant.file


def floor_seconds(package: ExercisePackage, answer: Path) -> float:
    """One bare host python importing the exercise's frameworks and running the answer."""
    with tempfile.TemporaryDirectory() as scratch:
        return timed(floor_command(package, answer), Path(scratch))


# ---- the served platform -----------------------------------------------------------------------


@dataclass
class Graded:
    submission_id: int
    status: str
    score: float | None
    accepted_at: float  # time.time() just before the POST
    observed_s: float  # from just before the POST to the poll that saw it finished
    finished_at: float  # the server's finished_at, as a Unix time


class Platform:
    """A running ``kadai serve --demo`` seen through its HTTP API, as a learner's client sees it."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = httpx2.Client(base_url=base, timeout=120)
        self.assignment_id = 0

    def token_for(self, email: str) -> str:
        """Signs in on the login page and creates a read+submit token on the account page."""
        with browser_http.client(self.base) as browser:
            signed_in = browser_http.sign_in(browser, email)
            if signed_in.status_code != 303:
                raise SystemExit(f"sign-in of {email} failed: HTTP {signed_in.status_code}")
            page = browser.get("/account/tokens").text
            csrf = page.split('name="csrf-token" content="')[1].split('"')[0]
            created = browser.post(
                "/account/tokens",
                data={"name": "bench", "scopes": ["read", "submit"], "csrf_token": csrf},
            )
            return created.text.split('data-testid="secret">')[1].split("<")[0]

    def find_assignment(self, token: str, exercise_id: str) -> int:
        listed = self.http.get(
            f"/api/v1/courses/{DEMO_COURSE_ID}/assignments", headers=_auth(token)
        )
        listed.raise_for_status()
        self.assignment_id = next(
            a["id"] for a in listed.json()["items"] if a["exercise_id"] == exercise_id
        )
        return self.assignment_id

    def submit(self, token: str, code: str) -> tuple[int, float, float]:
        """POSTs the code; returns (submission id, Unix time and perf_counter just before)."""
        accepted_at, began = time.time(), time.perf_counter()
        answer = self.http.post(
            f"/api/v1/assignments/{self.assignment_id}/submissions",
            json={"code": code},
            headers=_auth(token),
        )
        if answer.status_code != 202:
            raise SystemExit(f"submission refused: HTTP {answer.status_code} {answer.text[:300]}")
        return answer.json()["id"], accepted_at, began

    def poll(self, token: str, submission_id: int) -> dict | None:
        """The submission if its grading has finished, else None."""
        answer = self.http.get(f"/api/v1/submissions/{submission_id}", headers=_auth(token))
        answer.raise_for_status()
        body = answer.json()
        return body if body["status"] in FINISHED else None

    def grade(self, token: str, code: str, interval_s: float, deadline_s: float) -> Graded:
        """Submits and polls every ``interval_s`` until the result is there."""
        submission_id, accepted_at, began = self.submit(token, code)
        give_up = began + deadline_s
        while (body := self.poll(token, submission_id)) is None:
            if time.perf_counter() > give_up:
                raise SystemExit(f"submission {submission_id} not graded in {deadline_s:g} s")
            time.sleep(interval_s)
        return graded(body, accepted_at, time.perf_counter() - began)

    def close(self) -> None:
        self.http.close()


def graded(body: dict, accepted_at: float, observed_s: float) -> Graded:
    return Graded(
        body["id"],
        body["status"],
        body["score"],
        accepted_at,
        observed_s,
        datetime.fromisoformat(body["finished_at"]).timestamp(),
    )


def check_full_marks(results: list[Graded], points: float) -> None:
    """A benchmark of wrong gradings measures nothing: stop on the first one."""
    for result in results:
        if result.status != "graded" or result.score != points:
            raise SystemExit(
                f"submission {result.submission_id}: {result.status}, score {result.score} "
                f"(expected {points:g}); the benchmark's figures would be meaningless"
            )


@contextmanager
def served(mode: str, workers: int) -> Iterator[Platform]:
    """``kadai serve --demo`` on a free loopback port with a temporary data dir, in ``mode``."""
    env = {
        "KADAI_SANDBOX_MODE": mode,
        "KADAI_GRADING_THREADS": str(workers),
        "KADAI_SUBMISSIONS_PER_MINUTE": UNLIMITED_SUBMISSIONS,
    }
    with tempfile.TemporaryDirectory() as tmp, kadai_serve(Path(tmp) / "var", env) as server:
        api = Platform(server.base)
        try:
            yield api
        finally:
            api.close()


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Accept": "application/json"}
