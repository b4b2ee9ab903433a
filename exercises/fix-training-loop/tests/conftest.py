"""Shared fixture: the instrumented run of the learner's script, recorded once per grading."""

import pytest


@pytest.fixture(scope="session")
def run(submission):
    report = submission.ensure_loaded()
    trace = report.get("trace") or {"events": []}
    return {"error": report.get("error"), "events": trace["events"]}
