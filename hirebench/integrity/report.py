"""The result of one comparison and its JSON (docs/integrity.md, "The JSON"):

    {"threshold": 0.25,
     "pairs": [{"a": "ana", "b": "bo", "score": 0.91, "flagged": true,
                "fragments": [{"a_lines": [3, 12], "b_lines": [5, 16]}]}, ...],
     "clusters": [["ana", "bo", "cy"]],
     "problems": [{"submission": "dee", "reason": "empty submission", "compared": false}]}

`pairs` is sorted by score (highest first, then by names) and holds every flagged pair and at
least the `top` highest (20 by default), or every pair when there are fewer. `problems` lists
per-submission problems: `compared` false means the submission is in no pair (an empty file,
a broken notebook); true means it was compared anyway and the reason says how (a capped read,
code compared as text). A problem about the batch itself (a folder with one file) has
`submission` null.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from hirebench.integrity.fragments import Fragment
from hirebench.integrity.submissions import Kind

Key = TypeVar("Key", str, int)


@dataclass(frozen=True)
class PairResult:
    a: str
    b: str
    score: float
    flagged: bool
    fragments: list[Fragment]


@dataclass(frozen=True)
class Issue:
    """A problem with one submission (or, with `submission` None, with the batch)."""

    submission: str | None
    reason: str
    compared: bool


@dataclass
class SimilarityResult:
    kind: Kind
    threshold: float
    pairs: list[PairResult]
    #: Every pair's score, pairs that share nothing as 0: the cohort's histogram.
    distribution: list[float]
    clusters: list[list[str]]
    problems: list[Issue]
    #: The method's parameters as used (k, w, shingle size, floor, ...), for the record.
    parameters: dict[str, Any] = field(default_factory=dict)
    #: Fragments of any compared pair, also one that is not in `pairs`.
    fragments_of: Callable[[str, str], list[Fragment]] | None = None

    def pair(self, a: str, b: str) -> PairResult | None:
        for pair in self.pairs:
            if {pair.a, pair.b} == {a, b}:
                return pair
        return None

    def to_json(self) -> dict[str, Any]:
        return {
            "threshold": round(self.threshold, 4),
            "pairs": [
                {
                    "a": p.a,
                    "b": p.b,
                    "score": round(p.score, 4),
                    "flagged": p.flagged,
                    "fragments": [
                        {"a_lines": list(f.a_lines), "b_lines": list(f.b_lines)}
                        for f in p.fragments
                    ],
                }
                for p in self.pairs
            ],
            "clusters": self.clusters,
            "problems": [
                {"submission": i.submission, "reason": i.reason, "compared": i.compared}
                for i in self.problems
            ],
        }


def reported(
    scored: list[tuple[float, Key, Key]], flags: Callable[[float, Key, Key], bool], top: int
) -> list[tuple[float, Key, Key, bool]]:
    """The pairs a report lists: flagged ones and the `top` highest, sorted by score, then by
    a and b; `scored` holds (score, a, b), and `flags` says whether a pair is flagged."""
    ordered = sorted(scored, key=lambda s: (-s[0], s[1], s[2]))
    listed = []
    for rank, (score, a, b) in enumerate(ordered):
        flagged = flags(score, a, b)
        if rank < top or flagged:
            listed.append((score, a, b, flagged))
    return listed
