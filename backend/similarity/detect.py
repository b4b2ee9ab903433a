"""Comparing learners' code with copydetect (winnowed fingerprints of the tokenised code, so
renamed variables and reordered functions still match), the exercise's own code ignored.

Pure: code in, ranked pairs out; the run's bookkeeping is ``service.py``'s.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np
from copydetect import CodeFingerprint, compare_files

# copydetect's defaults: a match is at least NOISE_T tokens long; one of GUARANTEE_T is found.
NOISE_T = 25
GUARANTEE_T = 30
WINDOW = GUARANTEE_T - NOISE_T + 1
# A run keeps the most similar pairs only: a class of 300 makes 44,850.
KEEP_PAIRS = 500

Span = tuple[int, int]


@dataclass(frozen=True)
class Pair:
    first: int
    second: int
    first_share: float  # of the first's fingerprinted code, how much is found in the second
    second_share: float
    tokens: int
    first_spans: list[Span]  # [start, end) character offsets of the matching fragments
    second_spans: list[Span]

    @property
    def similarity(self) -> float:
        return max(self.first_share, self.second_share)


def _fingerprint(code: str, boilerplate: np.ndarray | None = None) -> CodeFingerprint:
    # Python's lexer by name: the file name only labels copydetect's report, which is not made.
    return CodeFingerprint(
        "submission.py",
        NOISE_T,
        1 if boilerplate is None else WINDOW,
        boilerplate=boilerplate,
        language="python",
        fp=io.StringIO(code),
    )


def boilerplate_hashes(sources: Sequence[str]) -> np.ndarray:
    """Every fingerprint of the given code (the starter and the solution), as copydetect takes
    boilerplate: each k-gram, not only the winnowed ones."""
    found = [h for source in sources if source.strip() for h in _fingerprint(source).hashes]
    return np.unique(np.array(found, dtype=np.int64))


def _spans(slices: np.ndarray) -> list[Span]:
    if slices.size == 0:
        return []
    return [(int(start), int(end)) for start, end in zip(slices[0], slices[1], strict=True)]


def compare(codes: Mapping[int, str], boilerplate: Sequence[str] = ()) -> list[Pair]:
    """Every pair of ``codes`` (by submission id) that shares code outside ``boilerplate``,
    most similar first, at most ``KEEP_PAIRS``."""
    ignored = boilerplate_hashes(boilerplate)
    prints = {key: _fingerprint(code, ignored) for key, code in codes.items()}
    pairs = []
    for first, second in combinations(sorted(prints), 2):
        tokens, (share1, share2), (slices1, slices2) = compare_files(prints[first], prints[second])
        if tokens <= 0:
            continue
        pairs.append(
            Pair(
                first=first,
                second=second,
                first_share=float(share1),
                second_share=float(share2),
                tokens=int(tokens),
                first_spans=_spans(slices1),
                second_spans=_spans(slices2),
            )
        )
    pairs.sort(key=lambda p: (-p.similarity, -p.tokens, p.first, p.second))
    return pairs[:KEEP_PAIRS]


def _whole_lines(code: str, start: int, end: int) -> Span:
    """A span widened to the lines it touches: copydetect's offsets can fall inside a name."""
    start = code.rfind("\n", 0, start) + 1
    line_end = code.find("\n", max(end - 1, start))
    return start, len(code) if line_end == -1 else line_end


def fragments(code: str, spans: Sequence[Sequence[int]]) -> list[tuple[str, bool]]:
    """``code`` cut into (text, matched) pieces for the side-by-side view (escaped when shown);
    a matched piece is whole lines."""
    pieces: list[tuple[str, bool]] = []
    at = 0
    clipped = ((max(0, int(s)), min(len(code), int(e))) for s, e in spans)
    for start, end in sorted(_whole_lines(code, s, e) for s, e in clipped if s < e):
        if end <= at:
            continue
        start = max(start, at)
        if start > at:
            pieces.append((code[at:start], False))
        pieces.append((code[start:end], True))
        at = end
    if at < len(code):
        pieces.append((code[at:], False))
    return pieces
