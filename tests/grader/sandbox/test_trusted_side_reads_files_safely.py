"""The trusted side cannot be starved through a file: a checkpoint that is a link to /dev/zero, or
a 2 KB file holding an expanded 30000×30000 tensor, fails its checks and the runner lives on.

Before grader.harness.files, the runner read both whole and was OOM-killed: the grading ended as
"error / crash — not your fault" (checked on commit 1e54a15).
"""

from __future__ import annotations

import pytest

from tests.conftest import exercise

pytestmark = [pytest.mark.docker, pytest.mark.slow]


def test_hostile_checkpoints_are_refused_and_the_grading_goes_on(sandbox_grader):
    package = exercise("early-stopping-checkpoint")
    variant = next(v for v in package.variants if v.file == "forged_checkpoint_link.py")
    result = sandbox_grader.grade(package, package.variant_source(variant))
    assert (result.status, result.outcome, result.score) == ("graded", "ok", 4)
    by_title = {t.title.en: t for t in result.tests}
    fmt = by_title["The checkpoint is a loadable state_dict"]
    assert "values" in fmt.output.en and fmt.status == "failed"
    best = by_title["Only the best epoch is saved"]
    assert best.status == "failed"
