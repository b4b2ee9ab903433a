"""Grading latency per exercise: `kadai grade` of the solution versus a bare host floor.

For each exercise, times (median of N runs) the full `kadai grade` command on the reference
solution, and the floor: a host `python` that imports the same frameworks and runs the solution
file. Prints both and their ratio. Usage: python bench/grade_latency.py [--runs 5]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader.engine import build_job  # noqa: E402
from grader.exercise import load_catalog  # noqa: E402
from grader.sandbox.docker_sandbox import DockerSandboxFactory, SandboxProfile  # noqa: E402
from grader.sandbox.image import image_tag  # noqa: E402
from grader.settings import GraderSettings  # noqa: E402

WARM_UP_S = 8.0

KADAI = Path(sys.executable).parent / "kadai"


def timed(command: list[str], cwd: Path) -> float:
    began = time.perf_counter()
    completed = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - began
    if completed.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{completed.stderr[-2000:]}")
    return elapsed


def floor_command(package, solution: Path) -> list[str]:
    imports = "; ".join(f"import {name}" for name in ["numpy", *package.meta.frameworks])
    if package.meta.kind == "quiz":
        return [sys.executable, "-c", f"import json; json.load(open({str(solution)!r}))"]
    return [sys.executable, "-c", f"{imports}; import runpy; runpy.run_path({str(solution)!r})"]


def warm_run(factory: DockerSandboxFactory, package, source: str) -> float:
    """Seconds from handing the job to a sandbox started (and imported) beforehand to its result."""
    job = build_job(package, source)
    profile = SandboxProfile(image_tag(factory.settings), job.limits, job.frameworks)
    sandbox = factory.start(profile, idle_allowance_s=WARM_UP_S)
    time.sleep(WARM_UP_S)
    began = time.perf_counter()
    result = sandbox.run(job, package.meta.points, factory.settings.startup_allowance_s)
    elapsed = time.perf_counter() - began
    if result.score != package.meta.points:
        raise SystemExit(f"{package.id}: warm run scored {result.score}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(
        f"# {platform.node()} {platform.machine()}, {time.strftime('%Y-%m-%d %H:%M')}, runs={args.runs}"
    )
    print(f"{'exercise':28} {'kadai grade':>12} {'bare python':>12} {'ratio':>6} {'warm':>8}")
    factory = DockerSandboxFactory(GraderSettings())
    for package in load_catalog(ROOT / "exercises").values():
        solution = package.root / f"solution{Path(package.meta.submission_file).suffix}"
        grade = [str(KADAI), "grade", "--exercise", package.id, str(solution), "--json"]
        with tempfile.TemporaryDirectory() as scratch:
            work = Path(scratch)
            graded = statistics.median(timed(grade, work) for _ in range(args.runs))
            floor = statistics.median(
                timed(floor_command(package, solution), work) for _ in range(args.runs)
            )
        warm = "-"
        if package.meta.kind == "code":
            source = solution.read_text()
            runs = [warm_run(factory, package, source) for _ in range(args.runs)]
            warm = f"{statistics.median(runs):.2f}s"
        print(f"{package.id:28} {graded:>11.2f}s {floor:>11.2f}s {graded / floor:>6.1f} {warm:>8}")
    factory.close()


if __name__ == "__main__":
    main()
