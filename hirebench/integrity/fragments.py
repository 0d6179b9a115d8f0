"""Matched fragments: where two submissions share material, as line ranges on both sides.

Works on the position-by-position hashes of two submissions (a k-gram's hash per token for
code, a shingle's hash per character for text), so code and text share it:

1. seeds: positions (i, j) whose hashes are equal and not excluded (template, common);
2. runs: seeds on one diagonal, (i, j), (i+1, j+1), ..., are one match covering
   [i, i_last + unit) on A and [j, j_last + unit) on B;
3. tiling: the longest runs first, a run overlapping one already taken on either side is
   dropped, so each stretch of code is explained once (as greedy string tiling does);
4. merging (after JPlag's match merging): neighbours in the same order on both sides, with
   gaps of at most `gap` positions on each, become one match, so junk lines inserted between
   copied ones do not break a copied block into pieces too short to show;
5. matches shorter than `min_length` positions on either side are dropped, and so are those
   that hold none of the fingerprints the pair's score counted (`required`), so the evidence
   shown is the evidence scored.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np

#: A hash that occurs more often than this in one submission (a repeated idiom) seeds only
#: from its first occurrences, so one pair cannot cost len(A) * len(B).
MAX_OCCURRENCES = 8


@dataclass(frozen=True)
class Match:
    """Positions [a_start, a_end) of A match [b_start, b_end) of B."""

    a_start: int
    a_end: int
    b_start: int
    b_end: int

    @property
    def length(self) -> int:
        return min(self.a_end - self.a_start, self.b_end - self.b_start)


@dataclass(frozen=True)
class Fragment:
    """Line ranges, 1-based and inclusive, of one match on each side; for text also the
    character ranges [start, end) in each submission's text, since a paragraph is one line."""

    a_lines: tuple[int, int]
    b_lines: tuple[int, int]
    a_chars: tuple[int, int] | None = None
    b_chars: tuple[int, int] | None = None


def runs(a: np.ndarray, b: np.ndarray, excluded: Collection[int], unit: int) -> list[Match]:
    """Diagonal runs of equal hashes that are not `excluded` (steps 1 and 2)."""
    where: defaultdict[int, list[int]] = defaultdict(list)
    for j, value in enumerate(b.tolist()):
        if value not in excluded and len(where[value]) < MAX_OCCURRENCES:
            where[value].append(j)
    open_runs: dict[int, tuple[int, int]] = {}  # diagonal j - i -> (first i, last i)
    found = []
    for i, value in enumerate(a.tolist()):
        for j in where.get(value, ()):
            diagonal = j - i
            first, last = open_runs.get(diagonal, (i, i - 2))
            if last != i - 1:
                if last >= first:
                    found.append(_close(first, last, diagonal, unit))
                first = i
            open_runs[diagonal] = (first, i)
    found.extend(_close(first, last, d, unit) for d, (first, last) in open_runs.items())
    return found


def _close(first: int, last: int, diagonal: int, unit: int) -> Match:
    return Match(first, last + unit, first + diagonal, last + diagonal + unit)


def tile(matches: Sequence[Match]) -> list[Match]:
    """Longest first, each position of A and of B in at most one match (step 3). A run that
    overlaps a taken one only at its ends is trimmed rather than dropped: k-grams that
    straddle two copied functions make neighbouring runs overlap by a few tokens."""
    taken_a: list[tuple[int, int]] = []
    taken_b: list[tuple[int, int]] = []
    kept = []
    for match in sorted(matches, key=lambda m: (-m.length, m.a_start, m.b_start)):
        trimmed = _trim(match, taken_a, taken_b)
        if trimmed is None:
            continue
        kept.append(trimmed)
        taken_a.append((trimmed.a_start, trimmed.a_end))
        taken_b.append((trimmed.b_start, trimmed.b_end))
    return sorted(kept, key=lambda m: m.a_start)


def _trim(
    match: Match, taken_a: list[tuple[int, int]], taken_b: list[tuple[int, int]]
) -> Match | None:
    """`match` without its ends that overlap taken ranges (a diagonal run, so A and B are
    trimmed alike); None if a taken range sits inside it or nothing is left."""
    start, end = 0, match.a_end - match.a_start  # offsets along the diagonal
    for taken, origin in ((taken_a, match.a_start), (taken_b, match.b_start)):
        for t_start, t_end in taken:
            low, high = t_start - origin, t_end - origin
            if high <= start or low >= end:
                continue
            if low <= start:
                start = high
            elif high >= end:
                end = low
            else:
                return None
            if start >= end:
                return None
    # Trimming only shrinks the run, so a range checked before cannot overlap it again.
    o_a, o_b = match.a_start, match.b_start
    return Match(o_a + start, o_a + end, o_b + start, o_b + end)


def merge(matches: Sequence[Match], gap: int) -> list[Match]:
    """Neighbours (by A) in the same order on B, each gap at most `gap`, joined (step 4)."""
    merged: list[Match] = []
    for match in sorted(matches, key=lambda m: m.a_start):
        if merged:
            last = merged[-1]
            gap_a = match.a_start - last.a_end
            gap_b = match.b_start - last.b_end
            if 0 <= gap_a <= gap and 0 <= gap_b <= gap:
                merged[-1] = Match(last.a_start, match.a_end, last.b_start, match.b_end)
                continue
        merged.append(match)
    return merged


def find(
    a: np.ndarray,
    b: np.ndarray,
    excluded: Collection[int],
    *,
    unit: int,
    gap: int,
    min_length: int,
    required: np.ndarray | None = None,
) -> list[Match]:
    """Steps 1 to 5: the matches between two hash streams, in A's order. `required` (hash
    values), when given, must occur in a match's positions on A for it to be kept."""
    found = [m for m in merge(tile(runs(a, b, excluded, unit)), gap) if m.length >= min_length]
    if required is None:
        return found
    # Prefix sums answer "any required hash among A's positions [s, e)" in O(1) per match.
    held = np.concatenate(([0], np.cumsum(np.isin(a, required))))
    return [m for m in found if held[m.a_end - unit + 1] > held[m.a_start]]


def to_lines(
    matches: Sequence[Match],
    a_lines: tuple[Sequence[int], Sequence[int]],
    b_lines: tuple[Sequence[int], Sequence[int]],
    offsets: tuple[Sequence[int], Sequence[int]] | None = None,
) -> list[Fragment]:
    """Matches as line ranges; `x_lines` are each position's (start lines, end lines), and
    `offsets` each position's character offset in A's and in B's text, when known."""
    fragments: list[Fragment] = []
    for m in matches:
        a_chars = b_chars = None
        if offsets is not None:
            a_chars = (offsets[0][m.a_start], offsets[0][m.a_end - 1] + 1)
            b_chars = (offsets[1][m.b_start], offsets[1][m.b_end - 1] + 1)
        fragment = Fragment(
            (a_lines[0][m.a_start], a_lines[1][m.a_end - 1]),
            (b_lines[0][m.b_start], b_lines[1][m.b_end - 1]),
            a_chars,
            b_chars,
        )
        if not fragments or fragments[-1] != fragment:
            fragments.append(fragment)
    return fragments
