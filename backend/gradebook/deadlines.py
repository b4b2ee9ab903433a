"""Deadlines as pure arithmetic: a student's effective deadline, days late, and what lateness
costs under an assignment's late policy. No database, no web framework: the table-driven tests
in tests/backend/test_deadlines.py call these directly.

Rules (README "Running a course"):

- **Days late** are *started* 24-hour periods after the effective due date: at the due date
  exactly, 0; one second after, 1; 24 h after, still 1; 24 h and one second after, 2.
- **Policies**: ``accept`` (late work accepted, flagged, no penalty); ``per_day`` (``percent``
  of the score per day late, at most 100 %); ``fixed`` (``percent`` once, however late);
  ``reject`` (nothing accepted after the due date; a late attempt already stored, from before
  the policy changed, counts 0).
- **Hard close** (``late_until``): nothing is accepted after it, whatever the policy (at the
  close itself is still accepted). An attempt stored after it (the close moved earlier
  afterwards) counts 0.
- **Overrides**: a student's override replaces the due date (``due_at``) and adds
  ``extra_attempts`` to the limit; the hard close moves later by the same amount as the due
  date, so the student keeps the same late window. An override never makes a deadline earlier.
- **Staff score override** (a regrade): the score staff set replaces the raw score *before* the
  penalty: the work was still late; staff who want to waive lateness grant an extension.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from grader.contract import Text

DAY = timedelta(hours=24)


class LatePolicy(StrEnum):
    accept = "accept"
    per_day = "per_day"
    fixed = "fixed"
    reject = "reject"


@dataclass(frozen=True)
class Policy:
    """An assignment's late policy; ``percent`` is the per-day or fixed penalty, 0–100."""

    kind: LatePolicy = LatePolicy.accept
    percent: float = 0.0


@dataclass(frozen=True)
class Extension:
    """What a student's override changes (None / 0: nothing)."""

    due_at: datetime | None = None
    extra_attempts: int = 0


@dataclass(frozen=True)
class Deadline:
    """One student's deadline on one assignment, overrides applied (naive UTC times)."""

    due_at: datetime | None
    late_until: datetime | None
    max_attempts: int | None
    extended: bool = False


def effective_deadline(
    due_at: datetime | None,
    late_until: datetime | None,
    max_attempts: int | None,
    override: Extension | None = None,
) -> Deadline:
    if override is None:
        return Deadline(due_at, late_until, max_attempts)
    new_due = due_at
    if override.due_at is not None and (due_at is None or override.due_at > due_at):
        new_due = override.due_at
    new_close = late_until
    if late_until is not None and new_due is not None:
        shift = new_due - due_at if due_at is not None else timedelta(0)
        new_close = max(late_until + shift, new_due)
    limit = max_attempts
    if max_attempts is not None and override.extra_attempts > 0:
        limit = max_attempts + override.extra_attempts
    extended = new_due != due_at or limit != max_attempts
    return Deadline(new_due, new_close, limit, extended)


def days_late(submitted_at: datetime, due_at: datetime | None) -> int:
    """Started 24-hour periods after ``due_at`` (0 when on time or there is no due date)."""
    if due_at is None or submitted_at <= due_at:
        return 0
    return math.ceil((submitted_at - due_at) / DAY)


def after_close(submitted_at: datetime, deadline: Deadline) -> bool:
    return deadline.late_until is not None and submitted_at > deadline.late_until


def penalty_fraction(submitted_at: datetime, deadline: Deadline, policy: Policy) -> float:
    """The share of the score lateness takes away, 0–1."""
    days = days_late(submitted_at, deadline.due_at)
    if days == 0:
        return 0.0
    if after_close(submitted_at, deadline) or policy.kind == LatePolicy.reject:
        return 1.0
    percent = max(0.0, min(100.0, policy.percent))
    if policy.kind == LatePolicy.per_day:
        return min(1.0, percent * days / 100.0)
    if policy.kind == LatePolicy.fixed:
        return percent / 100.0
    return 0.0


def refusal(now: datetime, deadline: Deadline, policy: Policy) -> Text | None:
    """Why a submission at ``now`` is not accepted, or None when it is."""
    if after_close(now, deadline):
        return Text(
            en="Submissions for this assignment closed (the late deadline has passed). "
            "Your code has not been sent and is still in the editor.",
            ja="この課題の提出は締め切られました(遅延提出の期限を過ぎています)。"
            "コードは送信されておらず、エディターに残っています。",
        )
    if policy.kind == LatePolicy.reject and days_late(now, deadline.due_at) > 0:
        return Text(
            en="The due date has passed and this assignment does not accept late work. "
            "Your code has not been sent and is still in the editor.",
            ja="締め切りを過ぎました。この課題は遅延提出を受け付けていません。"
            "コードは送信されておらず、エディターに残っています。",
        )
    return None


def describe(policy: Policy, deadline: Deadline) -> Text:
    """The policy in a sentence, as the learner sees it before submitting."""
    if deadline.due_at is None:
        return Text(en="No due date.", ja="締め切りはありません。")
    if policy.kind == LatePolicy.reject:
        text = Text(
            en="Late work is not accepted.",
            ja="締め切り後の提出は受け付けません。",
        )
    elif policy.kind == LatePolicy.per_day:
        text = Text(
            en=f"Late work loses {policy.percent:g}% of its score per started day late "
            "(each 24 hours after the due date).",
            ja=f"遅れた提出は、締め切りから 24 時間ごと(開始した日ごと)に得点の "
            f"{policy.percent:g}% が減点されます。",
        )
    elif policy.kind == LatePolicy.fixed:
        text = Text(
            en=f"Late work loses {policy.percent:g}% of its score.",
            ja=f"遅れた提出は得点の {policy.percent:g}% が減点されます。",
        )
    else:
        text = Text(
            en="Late work is accepted without penalty (marked late).",
            ja="遅れた提出も減点なしで受け付けます(遅延として記録されます)。",
        )
    if deadline.late_until is not None and policy.kind != LatePolicy.reject:
        text = Text(
            en=text.en + " Nothing is accepted after the late deadline.",
            ja=text.ja + " 遅延提出の期限を過ぎると提出できません。",
        )
    return text
