"""Who may read what the submission printed: one segment per test, a visibility level that only
rises, and one byte budget per stream for the whole grading.

The runner announces when each test begins and ends; the supervisor drains the student's pipes
before switching segments, so bytes land in the segment during which they were written. The
worker outlives tests and could print later what a hidden test gave it, so once a test that is
not visible has begun, everything printed afterwards (between tests, by a background thread, by a
replacement worker, after the last test) is held at the strictest visibility seen so far. The
runner orders tests visible → after_due_date → hidden, so each test's own output is held exactly
at its own visibility.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from grader.contract import VISIBILITIES, HeldOutput, Visibility

RANK = {visibility: rank for rank, visibility in enumerate(VISIBILITIES)}
STREAMS = ("stdout", "stderr")


def stricter(a: Visibility, b: Visibility) -> Visibility:
    return a if RANK[a] >= RANK[b] else b


@dataclass
class Budget:
    """Bytes of one stream still to be kept in this grading (``output_bytes`` in all)."""

    left: int


@dataclass
class Stream:
    """What one segment kept of one stream, and how much it was sent in all."""

    budget: Budget
    data: bytearray = field(default_factory=bytearray)
    total: int = 0

    def add(self, chunk: bytes) -> None:
        self.total += len(chunk)
        take = min(len(chunk), max(0, self.budget.left))
        if take:
            self.data.extend(chunk[:take])
            self.budget.left -= take

    @property
    def dropped(self) -> int:
        return self.total - len(self.data)

    def text(self) -> str:
        # Invalid UTF-8 (or a character cut at the budget) becomes U+FFFD; the contract cleans
        # the rest (NUL) when the result is built.
        note = f"\n[… {self.dropped} more bytes not kept]" if self.dropped else ""
        return self.data.decode("utf-8", errors="replace") + note


class Segment:
    def __init__(self, visibility: Visibility, budgets: dict[str, Budget]) -> None:
        self.visibility = visibility
        self.streams = {name: Stream(budgets[name]) for name in STREAMS}

    def text(self, stream: str) -> str:
        return self.streams[stream].text()

    @property
    def truncated(self) -> bool:
        return any(s.dropped for s in self.streams.values())

    @property
    def empty(self) -> bool:
        return not any(s.total for s in self.streams.values())


class StudentSink:
    """Where a student pipe's bytes go: the output segment that is current when they are read."""

    def __init__(self, output: OutputRouter, stream: str) -> None:
        self.output = output
        self.stream = stream

    def add(self, chunk: bytes) -> None:
        self.output.write(self.stream, chunk)


class OutputRouter:
    """Sends each chunk of student output to the segment it belongs to."""

    def __init__(self, output_bytes: int) -> None:
        self.budgets = {name: Budget(output_bytes) for name in STREAMS}
        self.level: Visibility = "visible"
        # Outside any test while everything so far was visible: shown as the result's stdout.
        self.general = Segment("visible", self.budgets)
        self.held: dict[Visibility, Segment] = {}
        self.tests: dict[str, Segment] = {}
        self.current = self.general

    def write(self, stream: str, chunk: bytes) -> None:
        self.current.streams[stream].add(chunk)

    def begin(self, test: str, visibility: Visibility) -> None:
        self.level = stricter(self.level, visibility)
        if visibility == self.level:
            self.current = self.tests.setdefault(test, Segment(visibility, self.budgets))
        else:
            # A laxer test after a stricter one (the runner's order prevents it): held stricter.
            self.current = self._between()

    def end(self) -> None:
        self.current = self._between()

    def _between(self) -> Segment:
        if self.level == "visible":
            return self.general
        return self.held.setdefault(self.level, Segment(self.level, self.budgets))

    def test_output(self, test: str) -> tuple[str, str]:
        segment = self.tests.get(test)
        return (segment.text("stdout"), segment.text("stderr")) if segment else ("", "")

    def held_output(self) -> tuple[HeldOutput, ...]:
        return tuple(
            HeldOutput(visibility, segment.text("stdout"), segment.text("stderr"))
            for visibility, segment in sorted(self.held.items(), key=lambda kv: RANK[kv[0]])
            if not segment.empty
        )

    @property
    def visible_truncated(self) -> bool:
        """Whether output everyone sees was cut; whether held output was cut is not told to a
        learner (it would say something about what a hidden test made the submission print)."""
        segments = [self.general, *(s for s in self.tests.values() if s.visibility == "visible")]
        return any(s.truncated for s in segments)
