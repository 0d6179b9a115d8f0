"""Flags relative to the cohort, and clusters of flagged pairs.

A pair is flagged when its score is unusual **for this question's cohort** and not only above
a fixed number: a short task makes honest solutions alike, and what is normal there is
copying elsewhere. The rule (docs/integrity.md, "Flags"):

    threshold = max(floor, median + k * 1.4826 * MAD)        flagged: score >= threshold

over the scores of every pair of the cohort (pairs that share nothing score 0). MAD is the
median absolute deviation; 1.4826 * MAD estimates the standard deviation of the honest bulk
without being pulled up by the copies themselves, which a mean and standard deviation would
be. With k = 3, a pair must sit about three honest spreads above the typical pair. The floor
keeps a cohort whose pairs share almost nothing (median and MAD 0) from flagging pairs that
share a line or two. Below `min_pairs` pairs (5 submissions) there is no cohort to measure,
and the floor alone applies.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class FlagRule:
    floor: float
    k: float = 3.0
    min_pairs: int = 10

    def threshold(self, scores: Sequence[float] | np.ndarray) -> float:
        values = np.asarray(scores, dtype=float)
        if values.size < self.min_pairs:
            return self.floor
        median = float(np.median(values))
        mad = float(np.median(np.abs(values - median)))
        return max(self.floor, median + self.k * 1.4826 * mad)


#: Floors tuned on bench/similarity_corpus (docs/integrity.md gives the figures).
CODE_RULE = FlagRule(floor=0.3)
TEXT_RULE = FlagRule(floor=0.2)


def clusters(pairs: Iterable[tuple[str, str]], minimum: int = 3) -> list[list[str]]:
    """Connected components of the flagged pairs with at least `minimum` members, each sorted,
    largest first: a group who share material shows as one group, not as its pairs."""
    parent: dict[str, str] = {}

    def root(node: str) -> str:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for a, b in pairs:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[str, list[str]] = {}
    for node in parent:
        groups.setdefault(root(node), []).append(node)
    found = [sorted(g) for g in groups.values() if len(g) >= minimum]
    return sorted(found, key=lambda g: (-len(g), g))
