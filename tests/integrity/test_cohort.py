"""Flags relative to the cohort and clusters (hirebench/integrity/cohort.py, compare())."""

from __future__ import annotations

from hirebench.integrity import compare, from_python
from hirebench.integrity.cohort import FlagRule, clusters


def test_threshold_is_the_floor_when_most_pairs_share_nothing() -> None:
    rule = FlagRule(floor=0.3)
    assert rule.threshold([0.0] * 40 + [0.9, 0.8]) == 0.3


def test_threshold_rises_with_a_cohort_whose_honest_pairs_are_alike() -> None:
    rule = FlagRule(floor=0.3, k=3.0)
    alike = [0.5, 0.55, 0.6, 0.45, 0.5, 0.52, 0.58, 0.48, 0.5, 0.55, 0.62, 0.47]
    threshold = rule.threshold(alike)
    assert threshold > max(alike)
    with_copy = rule.threshold([*alike, 0.99])
    assert abs(with_copy - threshold) < 0.05  # one copy hardly moves it
    assert with_copy < 0.99


def test_too_few_pairs_for_a_cohort_use_the_floor() -> None:
    assert FlagRule(floor=0.3).threshold([0.9, 0.9, 0.9]) == 0.3


def test_clusters_are_connected_components_of_three_or_more() -> None:
    pairs = [("a", "b"), ("b", "c"), ("d", "e"), ("f", "g"), ("g", "h"), ("h", "f"), ("i", "f")]
    assert clusters(pairs) == [["f", "g", "h", "i"], ["a", "b", "c"]]
    assert clusters([("x", "y")]) == []


def _loop(items: str, item: str, out: str) -> str:
    return (
        f"def evens({items}):\n    {out} = []\n    for {item} in {items}:\n"
        f"        if {item} % 2 == 0:\n            {out}.append({item})\n    return {out}\n"
    )


# A short task: return the even numbers of a list. Honest answers are nearly all alike.
SHORT = [
    "def evens(xs):\n    return [x for x in xs if x % 2 == 0]\n",
    "def evens(items):\n    return [i for i in items if i % 2 == 0]\n",
    "def evens(nums):\n    return [n for n in nums if n % 2 == 0]\n",
    "def evens(values):\n    return [v for v in values if not v % 2]\n",
    _loop("xs", "x", "out"),
    _loop("data", "d", "result"),
    "def evens(xs):\n    return list(filter(lambda x: x % 2 == 0, xs))\n",
    "def evens(seq):\n    return [s for s in seq if s % 2 == 0]\n",
    "def evens(a):\n    return [e for e in a if e % 2 == 0]\n",
    "def evens(lst):\n    return [k for k in lst if k % 2 == 0]\n",
    _loop("xs", "x", "res"),
    "def evens(numbers):\n    return [number for number in numbers if number % 2 == 0]\n",
]


def test_a_short_task_where_all_honest_solutions_are_alike_flags_nothing() -> None:
    subs = [from_python(f"s{i:02d}", src.encode()) for i, src in enumerate(SHORT)]
    result = compare(subs, kind="code")
    assert not [p for p in result.pairs if p.flagged]
    assert result.clusters == []
    assert len(result.distribution) == len(SHORT) * (len(SHORT) - 1) // 2


# The same solutions, but a long one is among them, copied twice and disguised.
LONG = """\
def evens(xs, keep_zero=True, limit=None):
    picked = []
    for position, value in enumerate(xs):
        if limit is not None and len(picked) >= limit:
            break
        if value == 0 and not keep_zero:
            continue
        if value % 2 == 0:
            picked.append((position, value))
    picked.sort(key=lambda pair: (abs(pair[1]), pair[0]))
    return [value for _, value in picked]
"""

LONG_COPY = """\
def evens(data, keep_zero=True, limit=None):
    # collect even entries with their index
    chosen = []
    for idx, item in enumerate(data):
        if limit is not None and len(chosen) >= limit:
            break
        if item == 0 and not keep_zero:
            continue
        if item % 2 == 0:
            chosen.append((idx, item))
    chosen.sort(key=lambda p: (abs(p[1]), p[0]))
    result = [item for _, item in chosen]
    return result
"""


def test_unusual_pairs_stand_out_of_an_alike_cohort_and_form_a_cluster() -> None:
    subs = [from_python(f"s{i:02d}", src.encode()) for i, src in enumerate(SHORT)]
    subs.append(from_python("long", LONG.encode()))
    subs.append(from_python("copy1", LONG_COPY.encode()))
    subs.append(from_python("copy2", LONG_COPY.replace("chosen", "sel").encode()))
    result = compare(subs, kind="code")
    flagged = {frozenset((p.a, p.b)) for p in result.pairs if p.flagged}
    assert flagged == {
        frozenset(("long", "copy1")),
        frozenset(("long", "copy2")),
        frozenset(("copy1", "copy2")),
    }
    assert result.clusters == [["copy1", "copy2", "long"]]
    for pair in result.pairs:
        if pair.flagged:
            assert pair.score >= result.threshold
            assert pair.fragments
