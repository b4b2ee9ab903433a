"""Gradebook at scale: a course of S students x A assignments x N attempts, built the ways it is
served (the first page in the browser, the whole book for CSV/JSON), timed and its memory peak
measured. Usage: python bench/gradebook.py [--students 300 --assignments 11 --attempts 10]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from backend.bootstrap import prepare  # noqa: E402
from backend.courses import service as courses  # noqa: E402
from backend.db import make_engine, make_session_factory, transaction  # noqa: E402
from backend.gradebook import service as gradebook  # noqa: E402
from backend.models import Course, Enrollment, Submission, User  # noqa: E402
from backend.settings import Settings  # noqa: E402

EXERCISES = ["fix-training-loop", "normalized-dataset", "dual-framework-model", "true-false"]
CODE = "import torch\n" + "x = torch.zeros(10)  # a line of a typical submission\n" * 80
RESULT = json.dumps(
    {"tests": [{"name": f"t{i}", "output": {"en": "expected … found …" * 8}} for i in range(8)]}
)


def populate(settings: Settings, students: int, assignments: int, attempts: int) -> int:
    prepare(settings)
    engine = make_engine(settings.sqlalchemy_url)
    with transaction(make_session_factory(engine)) as session:
        course = courses.create_course(session, "bench", "Bench course")
        ids = [
            courses.add_assignment(session, course, EXERCISES[i % len(EXERCISES)]).id
            for i in range(assignments)
        ]
        session.execute(
            insert(User),
            [
                {"email": f"s{i:05d}@bench.local", "name": f"Student {i:05d}", "password_hash": "!"}
                for i in range(students)
            ],
        )
        users = session.query(User.id).filter(User.email.like("%@bench.local")).all()
        session.execute(
            insert(Enrollment), [{"course_id": course.id, "user_id": u.id} for u in users]
        )
        for user in users:
            session.execute(
                insert(Submission),
                [
                    {
                        "assignment_id": assignment,
                        "user_id": user.id,
                        "attempt": attempt,
                        "code": CODE,
                        "status": "graded",
                        "score": attempt % 10,
                        "max_score": 10,
                        "result_json": RESULT,
                        "exercise_version": "bench",
                    }
                    for assignment in ids
                    for attempt in range(1, attempts + 1)
                ],
            )
        course_id = course.id
    engine.dispose()
    return course_id


def measure(settings: Settings, course_id: int, paged: bool, runs: int) -> tuple[float, float]:
    """Median seconds and peak MiB (tracemalloc, a separate run) of one gradebook build."""
    engine = make_engine(settings.sqlalchemy_url)
    factory = make_session_factory(engine)

    def build() -> None:
        with transaction(factory) as session:
            course = session.get(Course, course_id)
            if paged:
                gradebook.build(session, course, offset=0, limit=gradebook.PAGE_SIZE)
            else:
                gradebook.to_csv(gradebook.build(session, course))

    build()  # warm: connections, caches
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        build()
        times.append(time.perf_counter() - began)
    tracemalloc.start()
    build()
    peak = tracemalloc.get_traced_memory()[1] / 1024 / 1024
    tracemalloc.stop()
    engine.dispose()
    return statistics.median(times), peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--students", type=int, default=300)
    parser.add_argument("--assignments", type=int, default=11)
    parser.add_argument("--attempts", type=int, default=10)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        settings = Settings(environment="test", data_dir=Path(scratch), secret_key="bench")
        course_id = populate(settings, args.students, args.assignments, args.attempts)
        total = args.students * args.assignments * args.attempts
        print(
            f"{args.students} students x {args.assignments} assignments x {args.attempts} "
            f"attempts = {total} submissions (SQLite)"
        )
        kinds = [("whole book (CSV)", False)]
        if hasattr(gradebook, "PAGE_SIZE"):
            kinds.append((f"first page ({gradebook.PAGE_SIZE} students)", True))
        for label, paged in kinds:
            seconds, peak = measure(settings, course_id, paged, args.runs)
            print(f"{label:32} {seconds * 1000:8.0f} ms   peak {peak:7.1f} MiB")


if __name__ == "__main__":
    main()
