"""A reduced load test (20 submissions from 10 students, 10 pollers, 2 Celery workers) in CI.

The full one (300 from 100 students, 100 pollers) is `make load` / bench/load_test.py.
"""

from __future__ import annotations

import pytest

from bench.load_test import run

pytestmark = [pytest.mark.docker, pytest.mark.slow]


def test_reduced_load_loses_nothing_duplicates_nothing_and_never_5xx(sandbox_grader):
    report = run(students=10, per_student=2, pollers=10, workers=2, deadline_s=1200)
    print(report)
    assert report["submitted"] == report["accepted"] == report["stored"] == 20
    assert report["graded"] == 20 and report["errors"] == 0
    assert (report["lost"], report["duplicated"], report["http_5xx"], report["http_4xx"]) == (
        0,
        0,
        0,
        0,
    )
