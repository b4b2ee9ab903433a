"""Load test of the scale-out stack with real processes on loopback only.

PostgreSQL and Redis (Debian's packages), the API (`kadai serve`, Celery backend) and N Celery
workers (`kadai worker`) are started as processes; simulated students submit a realistic mix of the
five exercises through the HTTP API while other clients poll results and open the gradebook.
Checks: zero lost, zero duplicated, no 5xx. Prints throughput, p50/p95 API latency and p50/p95
submit-to-result time. Usage: python bench/load_test.py [--students 100 --per-student 3
--pollers 100 --workers 2]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from backend.auth.service import create_user, issue_token  # noqa: E402
from backend.bootstrap import prepare  # noqa: E402
from backend.courses import service as courses  # noqa: E402
from backend.courses.repository import CourseRepository  # noqa: E402
from backend.db import make_engine, make_session_factory, transaction  # noqa: E402
from backend.settings import Settings  # noqa: E402
from grader.exercise import load_catalog  # noqa: E402
from tests.services import create_database, free_port, postgres_server, redis_server  # noqa: E402

KADAI = Path(sys.executable).parent / "kadai"
# The exercise page polls a running submission once a second; the simulated clients do the same.
POLL_INTERVAL_S = 1.0
WEIGHTS = {
    "true-false": 2,
    "fix-training-loop": 2,
    "normalized-dataset": 2,
    "dual-framework-model": 1,
    "early-stopping-checkpoint": 2,
}


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    turnaround: list[float] = field(default_factory=list)
    errors_5xx: int = 0
    other_errors: list[str] = field(default_factory=list)
    connection_errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def request(self, base: str, method: str, path: str, token: str, body=None):  # type: ignore[no-untyped-def]
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            base + path,
            data=data,
            method=method,
            headers={
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
        )
        began = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                payload = response.read()
                status = response.status
        except urllib.error.HTTPError as exc:
            payload, status = exc.read(), exc.code
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            with self.lock:
                self.connection_errors.append(f"{method} {path}: {exc!r}")
            return 0, b""
        elapsed = time.perf_counter() - began
        with self.lock:
            self.latencies.append(elapsed)
            if status >= 500:
                self.errors_5xx += 1
            elif status >= 400 and status != 429:
                self.other_errors.append(f"{method} {path} -> {status}")
        return status, payload


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


def populate(settings: Settings, students: int) -> tuple[list[str], str, dict[str, int]]:
    prepare(settings, demo=True)
    engine = make_engine(settings.sqlalchemy_url)
    tokens = []
    with transaction(make_session_factory(engine)) as session:
        course = CourseRepository(session).by_code("demo")
        for index in range(students):
            user = create_user(
                session, f"load{index}@kadai.local", f"Load {index}", "load-password", "student"
            )
            courses.enroll(session, course, user)
            tokens.append(issue_token(session, user, "load", ["read", "submit"])[0])
        from backend.auth.repository import UserRepository

        teacher = UserRepository(session).by_email("teacher@kadai.local")
        teacher_token = issue_token(session, teacher, "load", ["read", "grades"])[0]
        assignments = {
            a.exercise_id: a.id for a in CourseRepository(session).assignments(course.id)
        }
    engine.dispose()
    return tokens, teacher_token, assignments


def sources() -> dict[str, list[str]]:
    """Per exercise: the solution twice, and its known-wrong variants (a realistic mix)."""
    found = {}
    for package in load_catalog(ROOT / "exercises").values():
        found[package.id] = [package.solution, package.solution] + [
            package.variant_source(v) for v in package.variants if not v.file.startswith("hostile")
        ]
    return found


def run(students: int, per_student: int, pollers: int, workers: int, deadline_s: float) -> dict:
    with postgres_server() as pg, redis_server() as broker, tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            environment="test",
            data_dir=Path(tmp) / "var",
            secret_key="load",
            database_url=create_database(pg),
            queue_backend="celery",
            broker_url=broker.url,
            admin_password="admin-password",
        )
        tokens, teacher_token, assignments = populate(settings, students)
        env = {
            **os.environ,
            "KADAI_DATABASE_URL": settings.sqlalchemy_url,
            "KADAI_DATA_DIR": str(settings.data_dir),
            "KADAI_BROKER_URL": broker.url,
            "KADAI_QUEUE_BACKEND": "celery",
            "KADAI_SECRET_KEY": "load",
            "KADAI_SUBMISSIONS_PER_MINUTE": "1000",
        }
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        api_log = open(os.environ.get("KADAI_LOAD_API_LOG", os.devnull), "w")
        processes = [
            subprocess.Popen(
                [str(KADAI), "serve", "--port", str(port)],
                env=env,
                stdout=api_log,
                stderr=api_log,
                start_new_session=True,
            )
        ]
        processes += [
            subprocess.Popen(
                [str(KADAI), "worker", "--name", f"load{i}@%h"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            for i in range(workers)
        ]
        try:
            for _ in range(120):
                try:
                    urllib.request.urlopen(base + "/readyz", timeout=2)
                    break
                except OSError:
                    time.sleep(0.5)
            return load(
                base, tokens, teacher_token, assignments, per_student, pollers, settings, deadline_s
            )
        finally:
            for process in processes:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
            for process in processes:
                try:
                    process.wait(20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
            api_log.close()


def load(
    base, tokens, teacher_token, assignments, per_student, pollers, settings, deadline_s
) -> dict:  # type: ignore[no-untyped-def]
    stats = Stats()
    code = sources()
    exercises = [e for e, w in WEIGHTS.items() for _ in range(w)]
    accepted: dict[int, float] = {}
    finished: dict[int, tuple[float, str]] = {}
    done_submitting = threading.Event()
    rng = random.Random(7)
    plans = [[rng.choice(exercises) for _ in range(per_student)] for _ in tokens]

    def student(token: str, plan: list[str]) -> None:
        for exercise_id in plan:
            source = random.choice(code[exercise_id])
            status, payload = stats.request(
                base,
                "POST",
                f"/api/v1/assignments/{assignments[exercise_id]}/submissions",
                token,
                {"code": source},
            )
            if status == 202:
                with stats.lock:
                    accepted[json.loads(payload)["id"]] = time.perf_counter()
            time.sleep(random.uniform(0.05, 0.5))

    give_up = time.monotonic() + deadline_s

    def poller(index: int) -> None:
        while not (done_submitting.is_set() and len(finished) >= len(accepted)):
            if time.monotonic() > give_up:
                return
            if index % 5 == 0:
                stats.request(base, "GET", "/api/v1/courses/1/gradebook", teacher_token)
            with stats.lock:
                pending = [i for i in accepted if i not in finished]
            if pending:
                submission_id = random.choice(pending)
                status, payload = stats.request(
                    base, "GET", f"/api/v1/submissions/{submission_id}", teacher_token
                )
                if status == 200:
                    body = json.loads(payload)
                    if body["status"] in ("graded", "error"):
                        with stats.lock:
                            finished.setdefault(
                                submission_id,
                                (time.perf_counter() - accepted[submission_id], body["status"]),
                            )
            time.sleep(POLL_INTERVAL_S)

    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(tokens) + pollers) as pool:
        poll_futures = [pool.submit(poller, i) for i in range(pollers)]
        student_futures = [pool.submit(student, t, p) for t, p in zip(tokens, plans, strict=True)]
        try:
            for future in student_futures:
                future.result()
        finally:
            done_submitting.set()  # pollers must end even if a student thread failed
        for future in poll_futures:
            future.result()
    elapsed = time.perf_counter() - began

    engine = make_engine(settings.sqlalchemy_url)
    with engine.connect() as connection:
        from sqlalchemy import text

        rows = connection.execute(
            text("SELECT id, status, user_id, assignment_id, attempt FROM submissions")
        ).all()
    engine.dispose()
    keys = [(r.user_id, r.assignment_id, r.attempt) for r in rows]
    turnaround = [t for t, _ in finished.values()]
    return {
        "submitted": sum(len(p) for p in plans),
        "accepted": len(accepted),
        "stored": len(rows),
        "graded": sum(1 for r in rows if r.status == "graded"),
        "errors": sum(1 for r in rows if r.status == "error"),
        "lost": len(set(accepted) - {r.id for r in rows}),
        "duplicated": len(keys) - len(set(keys)),
        "http_5xx": stats.errors_5xx,
        "http_4xx": len(stats.other_errors),
        "connection_errors": len(stats.connection_errors),
        "first_errors": (stats.other_errors + stats.connection_errors)[:5],
        "seconds": round(elapsed, 1),
        "throughput_per_min": round(60 * len(finished) / elapsed, 1),
        "api_p50_ms": round(1000 * percentile(stats.latencies, 50), 1),
        "api_p95_ms": round(1000 * percentile(stats.latencies, 95), 1),
        "result_p50_s": round(percentile(turnaround, 50), 2),
        "result_p95_s": round(percentile(turnaround, 95), 2),
        "requests": len(stats.latencies),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--students", type=int, default=100)
    parser.add_argument("--per-student", type=int, default=3)
    parser.add_argument("--pollers", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--deadline", type=float, default=3600, help="seconds the pollers wait for all results"
    )
    args = parser.parse_args()
    report = run(args.students, args.per_student, args.pollers, args.workers, args.deadline)
    print(json.dumps(report, indent=2))
    ok = (
        report["lost"] == 0
        and report["duplicated"] == 0
        and report["http_5xx"] == 0
        and report["graded"] == report["accepted"] == report["submitted"]
    )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
