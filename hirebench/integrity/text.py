"""Free text (short answers, rationales, annotation rules): normalised characters, character
n-gram shingles, MinHash and LSH for the candidate pairs, exact Jaccard for the score.

- Normalising: each character is NFKC-normalised (full-width letters and digits become ASCII)
  and case-folded; everything that is not a letter or a digit (punctuation, spaces, line
  breaks) is dropped. So spacing, punctuation and case are not evidence, and Chinese, which
  has no spaces, needs no word segmenter.
- Shingles are the n-character substrings of that stream: n = 3 when most of the cohort's
  characters are CJK (three characters are one or two words), otherwise n = 5 (about a word
  of English, spaces removed). One n for the whole cohort, so every pair is on one scale.
- Candidates: MinHash signatures (`datasketch`, 128 permutations) in an LSH index whose
  threshold sits well below the flag floor, so a pair worth flagging is almost surely a
  candidate; each candidate's score is the exact Jaccard of its shingle sets. For the
  cohort's distribution, the other pairs take their MinHash estimate (one vectorised pass).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from datasketch import MinHash

CJK_N = 3
OTHER_N = 5
NUM_PERM = 128
LSH_THRESHOLD = 0.1


@dataclass
class Chars:
    """The normalised character stream with each character's 1-based source line and its
    offset in the source text."""

    text: str = ""
    lines: list[int] = field(default_factory=list)
    offsets: list[int] = field(default_factory=list)


def _is_cjk(char: str) -> bool:
    code = ord(char)
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0x20000 <= code <= 0x2FA1F
        or 0x3040 <= code <= 0x30FF
        or 0xAC00 <= code <= 0xD7AF
    )


def normalise_text(source: str) -> Chars:
    out = Chars()
    kept: list[str] = []
    offset = 0
    for number, line in enumerate(source.split("\n"), start=1):
        for char in line:
            for folded in unicodedata.normalize("NFKC", char).casefold():
                if unicodedata.category(folded)[0] in "LN":
                    kept.append(folded)
                    out.lines.append(number)
                    out.offsets.append(offset)
            offset += 1
        offset += 1  # the line break
    out.text = "".join(kept)
    return out


def shingle_size(streams: Sequence[Chars]) -> int:
    total = sum(len(s.text) for s in streams)
    cjk = sum(1 for s in streams for c in s.text if _is_cjk(c))
    return CJK_N if total and cjk * 2 > total else OTHER_N


def shingles(text: str, n: int) -> list[str]:
    """Every n-character substring by position; a text shorter than n is one shingle."""
    if not text:
        return []
    if len(text) < n:
        return [text]
    return [text[i : i + n] for i in range(len(text) - n + 1)]


def jaccard(a: set[int], b: set[int]) -> float:
    union = len(a | b)
    return len(a & b) / union if union else 0.0


def signatures(sets: Sequence[set[int]]) -> list[MinHash]:
    """MinHash signatures of sets of shingle ids."""
    from datasketch import MinHash

    if not sets:
        return []
    encoded = [[v.to_bytes(8, "little") for v in sorted(one)] for one in sets]
    return list(MinHash.bulk(encoded, num_perm=NUM_PERM))


def candidate_pairs(minhashes: Sequence[MinHash]) -> set[tuple[int, int]]:
    """Pairs (i < j) that LSH puts in a common bucket."""
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
    for index, signature in enumerate(minhashes):
        lsh.insert(index, signature)
    found = set()
    for index, signature in enumerate(minhashes):
        for other in lsh.query(signature):
            if other != index:
                found.add((min(index, other), max(index, other)))
    return found


def estimated_jaccard(minhashes: Sequence[MinHash]) -> np.ndarray:
    """The MinHash estimate for every pair (i < j), in `np.triu_indices` order."""
    n = len(minhashes)
    if n < 2:
        return np.zeros(0)
    values = np.stack([m.hashvalues for m in minhashes])
    left, right = np.triu_indices(n, k=1)
    estimates = np.empty(len(left))
    step = 4096
    for start in range(0, len(left), step):
        chunk = slice(start, start + step)
        estimates[chunk] = (values[left[chunk]] == values[right[chunk]]).mean(axis=1)
    return estimates
