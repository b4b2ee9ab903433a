"""Saturated grading throughput through the server, against bare pythons (issue 10, goal).

Per sandbox mode (``KADAI_SANDBOX_MODE``; ``both`` runs each in turn, the floor measured once):
starts ``kadai serve --demo`` with a grading concurrency of ``--workers`` (2) on a free loopback
port with a temporary data dir; both demo students sign in and create API tokens on the account
page. Warm-up: ``--workers`` gradings at once, then ``--gap`` seconds for warm sandboxes to be
ready. Then N submissions (default 16, the students alternating) of the chapter's answer to 問題3
(``normalized-dataset``, variant ``chapter_answer``) are POSTed at once; the wall time runs from
just before the first POST to the server's ``finished_at`` of the last grading (one light poller
asks every 0.25 s). The floor: the same N bare host pythons (``import numpy, torch, runpy;
runpy.run_path(answer)``), ``--workers`` at a time. Prints gradings/min, the floor's runs/min and
their ratio (goal ≥ 1.0). The per-student submission limit is lifted for the run
(KADAI_SUBMISSIONS_PER_MINUTE), so the limiter never refuses one of the N.
Usage: python bench/server_throughput.py [--mode reuse|fresh|both] [--submissions 16] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.grade_latency import WARM_UP_S
from bench.through_server import (
    DEMO_STUDENTS,
    EXERCISE_ID,
    UNLIMITED_SUBMISSIONS,
    Graded,
    Platform,
    chapter_answer,
    check_full_marks,
    chosen_modes,
    floor_seconds,
    graded,
    load_now,
    machine_info,
    machine_line,
    per_minute,
    ratio,
    served,
)

GOAL_RATIO = 1.0
POLL_INTERVAL_S = 0.25
DEADLINE_S = 1800.0


def floor_rate(package, answer: Path, count: int, parallel: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """(wall seconds, runs per minute) of ``count`` bare pythons, ``parallel`` at a time."""
    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        list(pool.map(lambda _: floor_seconds(package, answer), range(count)))
    wall = time.perf_counter() - began
    return wall, per_minute(count, wall)


def burst(platform: Platform, tokens: list[str], code: str, count: int) -> list[Graded]:
    """``count`` submissions POSTed at once, then polled until every one has finished."""
    start = threading.Barrier(count)

    def send(index: int) -> tuple[str, int, float, float]:
        token = tokens[index % len(tokens)]
        start.wait()
        submission_id, accepted_at, began = platform.submit(token, code)
        return token, submission_id, accepted_at, began

    with ThreadPoolExecutor(max_workers=count) as pool:
        sent = list(pool.map(send, range(count)))
    pending = {submission_id: (token, at, began) for token, submission_id, at, began in sent}
    results = []
    give_up = time.perf_counter() + DEADLINE_S
    while pending:
        if time.perf_counter() > give_up:
            raise SystemExit(f"{len(pending)} submissions not graded in {DEADLINE_S:g} s")
        for submission_id, (token, accepted_at, began) in list(pending.items()):
            body = platform.poll(token, submission_id)
            if body is not None:
                results.append(graded(body, accepted_at, time.perf_counter() - began))
                del pending[submission_id]
        if pending:
            time.sleep(POLL_INTERVAL_S)
    return results


def measure_mode(mode: str, code: str, points: float, args: argparse.Namespace) -> dict:
    with served(mode, args.workers) as platform:
        tokens = [platform.token_for(email) for email in DEMO_STUDENTS]
        platform.find_assignment(tokens[0], EXERCISE_ID)
        warm = burst(platform, tokens, code, args.workers)
        time.sleep(args.gap)
        results = burst(platform, tokens, code, args.submissions)
    check_full_marks(warm + results, points)
    began = min(r.accepted_at for r in results)
    wall = max(r.finished_at for r in results) - began
    return {
        "wall_s": round(wall, 2),
        "observed_wall_s": round(max(r.observed_s for r in results), 2),
        "per_min": per_minute(len(results), wall),
        "load_average_after": load_now(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mode", default="both", choices=["reuse", "fresh", "both"])
    parser.add_argument("--submissions", "-n", type=int, default=16, help="submitted at once")
    parser.add_argument(
        "--workers", type=int, default=2, help="the server's grading concurrency (and the floor's)"
    )
    parser.add_argument(
        "--gap", type=float, default=WARM_UP_S, help="seconds after the warm-up, before the burst"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON report instead")
    args = parser.parse_args()
    if args.submissions < 1 or args.workers < 1 or args.gap < 0:
        parser.error("--submissions and --workers must be at least 1; --gap not negative")

    info = machine_info()
    package, answer = chapter_answer()
    if not args.json:
        print(machine_line(info))
        print(
            f"# {EXERCISE_ID}/{answer.name} through kadai serve --demo: {args.submissions} at "
            f"once, workers={args.workers}, warm-up={args.workers} then {args.gap:g} s, "
            f"KADAI_SUBMISSIONS_PER_MINUTE={UNLIMITED_SUBMISSIONS}",
            flush=True,
        )
    floor_wall, floor_per_min = floor_rate(package, answer, args.submissions, args.workers)
    if not args.json:
        print(
            f"floor ({args.submissions} bare pythons, {args.workers} at a time): "
            f"{floor_wall:.1f} s, {floor_per_min:.1f}/min",
            flush=True,
        )
        print(
            f"{'mode':6} {'wall':>7} {'per min':>8} {'ratio':>6} {'load':>5}  goal ≥ {GOAL_RATIO}",
            flush=True,
        )
    modes = {}
    for mode in chosen_modes(args.mode):
        figures = measure_mode(mode, answer.read_text(), package.meta.points, args)
        figures["ratio"] = round(ratio(figures["per_min"], floor_per_min), 3)
        figures["goal_met"] = figures["ratio"] >= GOAL_RATIO
        figures["per_min"] = round(figures["per_min"], 1)
        modes[mode] = figures
        if not args.json:
            print(
                f"{mode:6} {figures['wall_s']:>6.1f}s {figures['per_min']:>8.1f} "
                f"{figures['ratio']:>6.2f} {figures['load_average_after']:>5.1f}  "
                f"{'met' if figures['goal_met'] else 'missed'}",
                flush=True,
            )
    if args.json:
        report = {
            "benchmark": "server_throughput",
            "machine": info,
            "exercise": EXERCISE_ID,
            "answer": answer.name,
            "settings": {
                "submissions": args.submissions,
                "workers": args.workers,
                "gap_s": args.gap,
                "poll_interval_s": POLL_INTERVAL_S,
                "submissions_per_minute": int(UNLIMITED_SUBMISSIONS),
            },
            "floor": {"wall_s": round(floor_wall, 2), "per_min": round(floor_per_min, 1)},
            "goal_ratio_at_least": GOAL_RATIO,
            "modes": modes,
        }
        print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
