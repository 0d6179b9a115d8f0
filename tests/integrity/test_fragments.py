"""Fragments (hirebench/integrity/fragments.py): runs, tiling, merging across inserted junk."""

from __future__ import annotations

import numpy as np

from hirebench.integrity import compare, from_python
from hirebench.integrity.fragments import Match, find, merge, runs, tile, to_lines


def _array(values: list[int]) -> np.ndarray:
    return np.array(values, dtype=np.uint64)


def test_equal_diagonal_positions_make_one_run() -> None:
    a = _array([1, 2, 3, 4, 50, 60])
    b = _array([70, 1, 2, 3, 4, 80])
    assert runs(a, b, set(), unit=3) == [Match(0, 6, 1, 7)]


def test_excluded_hashes_seed_nothing() -> None:
    a = _array([1, 2, 3, 4])
    assert runs(a, a, {2}, unit=1) == [Match(0, 1, 0, 1), Match(2, 4, 2, 4)]


def test_tiling_keeps_the_longest_and_trims_overlapping_ends() -> None:
    long = Match(0, 10, 0, 10)
    overlapping_end = Match(8, 14, 20, 26)
    inside = Match(3, 5, 30, 32)
    kept = tile([inside, overlapping_end, long])
    assert kept == [long, Match(10, 14, 22, 26)]


def test_merging_joins_neighbours_across_small_gaps_in_order_only() -> None:
    parts = [Match(0, 10, 0, 10), Match(14, 20, 12, 18), Match(40, 50, 20, 30)]
    assert merge(parts, gap=5) == [Match(0, 20, 0, 18), Match(40, 50, 20, 30)]
    crossed = [Match(0, 10, 20, 30), Match(12, 20, 0, 8)]
    assert merge(crossed, gap=50) == crossed


def test_find_drops_short_matches_and_those_without_a_counted_fingerprint() -> None:
    a = _array([1, 2, 3, 4, 5, 6, 7, 8, 90, 91])
    b = _array([1, 2, 3, 4, 5, 6, 7, 8, 92, 90, 91])
    assert find(a, b, set(), unit=2, gap=0, min_length=4) == [Match(0, 9, 0, 9)]
    assert find(a, b, set(), unit=2, gap=0, min_length=4, required=_array([77])) == []
    assert find(a, b, set(), unit=2, gap=0, min_length=4, required=_array([5])) != []


def test_lines_of_a_match() -> None:
    starts, ends = [1, 1, 2, 4, 4], [1, 1, 3, 4, 5]
    fragment = to_lines([Match(1, 5, 0, 3)], (starts, ends), (starts, ends))[0]
    assert fragment.a_lines == (1, 5)
    assert fragment.b_lines == (1, 3)
    assert fragment.a_chars is None


ORIGINAL = """\
def normalise(rows):
    out = []
    for row in rows:
        name = row["name"].strip().lower()
        score = float(row["score"])
        if score < 0 or score > 100:
            continue
        out.append({"name": name, "score": score / 100})
    out.sort(key=lambda r: (-r["score"], r["name"]))
    return out
"""

# The same code with junk lines inserted between the copied ones, renamed.
PADDED = """\
def clean(records):
    result = []
    print("starting")
    for rec in records:
        debug = True
        who = rec["name"].strip().lower()
        unused = [1, 2, 3]
        pts = float(rec["score"])
        if pts < 0 or pts > 100:
            continue
        counter = 0
        result.append({"name": who, "score": pts / 100})
    result.sort(key=lambda r: (-r["score"], r["name"]))
    return result
"""

OTHER = """\
def summary(values):
    total = sum(values)
    return {"n": len(values), "mean": total / max(1, len(values))}
"""


def test_junk_inserted_between_copied_lines_does_not_split_the_match() -> None:
    subs = [from_python("orig", ORIGINAL.encode()), from_python("padded", PADDED.encode())]
    subs.append(from_python("other", OTHER.encode()))
    result = compare(subs, kind="code")
    pair = result.pair("orig", "padded")
    assert pair is not None and pair.flagged
    assert [(f.a_lines, f.b_lines) for f in pair.fragments] == [((1, 10), (1, 14))]
