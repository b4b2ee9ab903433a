"""The seed of a grading: the same file always gets the same one, another file another."""

from __future__ import annotations

from grader.engine import build_job, grading_seed
from tests.conftest import exercise


def test_the_same_source_gets_the_same_seed_and_another_source_another():
    package = exercise("autograd-basics")
    first, again = build_job(package, package.solution), build_job(package, package.solution)
    assert first.seed == again.seed == grading_seed(package.meta.seed, package.solution)
    # One character more (a file that hard-codes an earlier grading's numbers differs from the
    # file that was shown them) and the inputs are drawn from another seed.
    assert build_job(package, package.solution + "\n").seed != first.seed
    # The exercise's own seed still takes part: two exercises do not share their draws.
    assert grading_seed(1, package.solution) != grading_seed(0, package.solution)
    assert all(0 <= grading_seed(s, "x") < 2**31 for s in range(50))
