"""Warm submit→result latency through the server, against the bare-python floor (issue 10, goal).

Per sandbox mode (``KADAI_SANDBOX_MODE``; ``both`` runs each in turn, the floor measured once):
starts ``kadai serve --demo`` on a free loopback port with a temporary data dir, signs the demo's
student in and creates an API token on the account page, then submits the chapter's answer to
問題3 (``normalized-dataset``, variant ``chapter_answer``) through the REST API and polls its result
every 50 ms. Warm-up gradings first (the first one is cold: nothing waits yet), then N timed ones,
each ``--gap`` seconds after the previous result so a warm sandbox can be ready, as a learner who
reads the result before resubmitting finds it. The floor: ``python -c "import numpy, torch, runpy;
runpy.run_path(answer)"`` on the host, N times. Prints p50/p95 and p50/floor (goal ≤ 0.35).
The per-student submission limit is lifted for the run (KADAI_SUBMISSIONS_PER_MINUTE).
Usage: python bench/server_latency.py [--mode reuse|fresh|both] [--runs 20] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.grade_latency import WARM_UP_S
from bench.through_server import (
    DEMO_STUDENTS,
    EXERCISE_ID,
    UNLIMITED_SUBMISSIONS,
    chapter_answer,
    check_full_marks,
    chosen_modes,
    floor_seconds,
    load_now,
    machine_info,
    machine_line,
    percentile,
    ratio,
    served,
)

GOAL_RATIO = 0.35
POLL_INTERVAL_S = 0.05
DEADLINE_S = 300.0


def measure_mode(mode: str, code: str, points: float, args: argparse.Namespace) -> dict:
    with served(mode, args.workers) as platform:
        token = platform.token_for(DEMO_STUDENTS[0])
        platform.find_assignment(token, EXERCISE_ID)
        results = []
        for index in range(args.warmup + args.runs):
            if index:
                time.sleep(args.gap)
            results.append(platform.grade(token, code, POLL_INTERVAL_S, DEADLINE_S))
    check_full_marks(results, points)
    timed = [r.observed_s for r in results[args.warmup :]]
    # Without the polling's granularity: from just before the POST to the server's finished_at.
    to_finished = [r.finished_at - r.accepted_at for r in results[args.warmup :]]
    return {
        "warmup_s": [round(r.observed_s, 3) for r in results[: args.warmup]],
        "runs_s": [round(s, 3) for s in timed],
        "p50_s": round(percentile(timed, 50), 3),
        "p95_s": round(percentile(timed, 95), 3),
        "to_finished_at_p50_s": round(percentile(to_finished, 50), 3),
        "load_average_after": load_now(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mode", default="both", choices=["reuse", "fresh", "both"])
    parser.add_argument(
        "--runs", type=int, default=20, help="timed gradings per mode (and floor runs)"
    )
    parser.add_argument("--warmup", type=int, default=2, help="untimed gradings first, per mode")
    parser.add_argument(
        "--gap",
        type=float,
        default=WARM_UP_S,
        help="seconds from one result to the next submission",
    )
    parser.add_argument("--workers", type=int, default=1, help="the server's grading concurrency")
    parser.add_argument("--json", action="store_true", help="print one JSON report instead")
    args = parser.parse_args()
    if args.runs < 1 or args.workers < 1 or args.warmup < 0 or args.gap < 0:
        parser.error("--runs and --workers must be at least 1; --warmup and --gap not negative")

    info = machine_info()
    package, answer = chapter_answer()
    if not args.json:
        print(machine_line(info))
        print(
            f"# {EXERCISE_ID}/{answer.name} through kadai serve --demo: runs={args.runs}, "
            f"warm-up={args.warmup}, gap={args.gap:g} s, poll {POLL_INTERVAL_S * 1000:g} ms, "
            f"workers={args.workers}, KADAI_SUBMISSIONS_PER_MINUTE={UNLIMITED_SUBMISSIONS}",
            flush=True,
        )
    floor_runs = [floor_seconds(package, answer) for _ in range(args.runs)]
    floor = percentile(floor_runs, 50)
    if not args.json:
        print(f"floor (bare python, p50 of {args.runs}): {floor:.2f} s", flush=True)
        print(
            f"{'mode':6} {'p50':>7} {'p95':>7} {'p50/floor':>10} {'load':>5}  goal ≤ {GOAL_RATIO}",
            flush=True,
        )
    modes = {}
    for mode in chosen_modes(args.mode):
        figures = measure_mode(mode, answer.read_text(), package.meta.points, args)
        figures["ratio"] = round(ratio(figures["p50_s"], floor), 3)
        figures["goal_met"] = figures["ratio"] <= GOAL_RATIO
        modes[mode] = figures
        if not args.json:
            print(
                f"{mode:6} {figures['p50_s']:>6.2f}s {figures['p95_s']:>6.2f}s "
                f"{figures['ratio']:>10.2f} {figures['load_average_after']:>5.1f}  "
                f"{'met' if figures['goal_met'] else 'missed'}",
                flush=True,
            )
    if args.json:
        report = {
            "benchmark": "server_latency",
            "machine": info,
            "exercise": EXERCISE_ID,
            "answer": answer.name,
            "settings": {
                "runs": args.runs,
                "warmup": args.warmup,
                "gap_s": args.gap,
                "poll_interval_s": POLL_INTERVAL_S,
                "workers": args.workers,
                "submissions_per_minute": int(UNLIMITED_SUBMISSIONS),
            },
            "floor": {"p50_s": round(floor, 3), "runs_s": [round(s, 3) for s in floor_runs]},
            "goal_ratio_at_most": GOAL_RATIO,
            "modes": modes,
        }
        print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
