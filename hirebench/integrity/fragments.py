"""Matched fragments: where two submissions share material, as line ranges on both sides.

Works on the position-by-position hashes of two submissions (a k-gram's hash per token for
code, a shingle's hash per character for text), so code and text share it:

1. seeds: positions (i, j) whose hashes are equal and not excluded (template, common);
2. runs: seeds on one diagonal, (i, j), (i+1, j+1), ..., are one match covering
   [i, i_last + unit) on A and [j, j_last + unit) on B;
3. tiling: runs of fewer than three k-grams are left out (idioms); then the longest runs
   first, a run overlapping one already taken on either side is trimmed or dropped, so each
   stretch of code is explained once (as greedy string tiling does);
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


def runs(
    a: np.ndarray, b: np.ndarray, excluded: Collection[int], unit: int, shortest: int = 1
) -> list[Match]:
    """Diagonal runs of equal hashes that are not `excluded` (steps 1 and 2), of at least
    `shortest` consecutive positions."""
    where: defaultdict[int, list[int]] = defaultdict(list)
    for j, value in enumerate(b.tolist()):
        if value not in excluded and len(where[value]) < MAX_OCCURRENCES:
            where[value].append(j)
    open_runs: dict[int, tuple[int, int]] = {}  # diagonal j - i -> (first i, last i)
    closed: list[tuple[int, int, int]] = []
    for i, value in enumerate(a.tolist()):
        for j in where.get(value, ()):
            diagonal = j - i
            first, last = open_runs.get(diagonal, (i, i - 2))
            if last != i - 1:
                if last - first + 1 >= shortest:
                    closed.append((first, last, diagonal))
                first = i
            open_runs[diagonal] = (first, i)
    closed.extend((f, last, d) for d, (f, last) in open_runs.items() if last - f + 1 >= shortest)
    return [Match(f, last + unit, f + d, last + d + unit) for f, last, d in closed]


def tile(matches: Sequence[Match]) -> list[Match]:
    """Longest first, each position of A and of B in at most one match (step 3). A run that
    overlaps a taken one only at its ends is trimmed rather than dropped: k-grams that
    straddle two copied functions make neighbouring runs overlap by a few tokens. A run with
    a taken position inside is dropped."""
    if not matches:
        return []
    taken_a = bytearray(max(m.a_end for m in matches))
    taken_b = bytearray(max(m.b_end for m in matches))
    kept = []
    for m in sorted(matches, key=lambda m: (-m.length, m.a_start, m.b_start)):
        start, end = 0, m.a_end - m.a_start  # offsets along the diagonal
        while start < end and (taken_a[m.a_start + start] or taken_b[m.b_start + start]):
            start += 1
        while end > start and (taken_a[m.a_start + end - 1] or taken_b[m.b_start + end - 1]):
            end -= 1
        if start >= end:
            continue
        a_start, a_end, b_start, b_end = (
            m.a_start + start,
            m.a_start + end,
            m.b_start + start,
            m.b_start + end,
        )
        if taken_a.find(1, a_start, a_end) >= 0 or taken_b.find(1, b_start, b_end) >= 0:
            continue
        taken_a[a_start:a_end] = b"\x01" * (end - start)
        taken_b[b_start:b_end] = b"\x01" * (end - start)
        kept.append(Match(a_start, a_end, b_start, b_end))
    return sorted(kept, key=lambda m: m.a_start)


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
    # A run of one or two k-grams (shingles) is an idiom, not a copy: left out before tiling,
    # where the many of them that repeated idioms make would cost the most.
    seeds = runs(a, b, excluded, unit, shortest=3)
    found = [m for m in merge(tile(seeds), gap) if m.length >= min_length]
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
