"""Inter-rater agreement: weighted kappa, ICC(2,1), per-pair agreement and rater drift.

Pure statistics with no database access, so the review workflow and the interview
scorecards can share them and the tests can check them against scikit-learn.

A rated unit is the pair (item, unit), e.g. one criterion of one review item. When a
rater rated the same unit more than once, the last rating in input order counts.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Literal

from hirebench.authoring.rubric import Scale

# Leave-one-out differences are averages of integer levels, so a difference that sits exactly
# on the threshold on paper must not miss the flag because of a rounding error.
_EPSILON = 1e-9

Unit = tuple[Hashable, Hashable]


@dataclass(frozen=True)
class Rating:
    item: Hashable
    unit: Hashable
    rater: Hashable
    level: int


@dataclass(frozen=True)
class PairAgreement:
    rater_a: Hashable
    rater_b: Hashable
    items: int
    ratings: int
    kappa: float | None
    exact: float | None


@dataclass(frozen=True)
class RaterDrift:
    rater: Hashable
    items: int
    mean: float | None
    panel_mean: float | None
    difference: float | None
    flagged: bool


def weighted_kappa(
    a: Sequence[int],
    b: Sequence[int],
    categories: Sequence[int],
    weights: Literal["linear", "quadratic"] = "quadratic",
) -> float | None:
    """Cohen's weighted kappa of two raters over the same units, or None when undefined.

    Disagreement weights use the categories' positions in `categories` (as scikit-learn
    does), so pass them in scale order. Undefined means no units, or no expected
    disagreement (both raters used one and the same category throughout).
    """
    if len(a) != len(b):
        raise ValueError(f"rater sequences differ in length: {len(a)} != {len(b)}")
    if weights not in ("linear", "quadratic"):
        raise ValueError(f"unknown weights {weights!r}")
    index = {category: position for position, category in enumerate(categories)}
    if len(index) != len(categories):
        raise ValueError(f"duplicate categories in {list(categories)}")
    for level in (*a, *b):
        if level not in index:
            raise ValueError(f"level {level!r} is not one of the categories {list(categories)}")
    n = len(a)
    if n == 0:
        return None

    size = len(categories)
    observed = [[0] * size for _ in range(size)]
    for level_a, level_b in zip(a, b, strict=True):
        observed[index[level_a]][index[level_b]] += 1
    rows = [sum(row) for row in observed]
    columns = [sum(column) for column in zip(*observed, strict=True)]

    def weight(i: int, j: int) -> int:
        return abs(i - j) if weights == "linear" else (i - j) ** 2

    # Integer counts and integer weights keep both sums exact; expected counts are
    # rows[i] * columns[j] / n, so n is moved to the other side instead of dividing.
    disagreement = sum(weight(i, j) * observed[i][j] for i in range(size) for j in range(size))
    expected = sum(weight(i, j) * rows[i] * columns[j] for i in range(size) for j in range(size))
    if expected == 0:
        return None
    return 1.0 - n * disagreement / expected


def icc_2_1(matrix: Sequence[Sequence[float]]) -> float | None:
    """ICC(2,1) of Shrout & Fleiss (1979): two-way random effects, absolute agreement,
    single rater, for n targets (rows) x k raters (columns), complete data only.

    None when n < 2, k < 2 or every value is the same (the only way the denominator is 0).
    """
    n = len(matrix)
    k = len(matrix[0]) if n else 0
    if any(len(row) != k for row in matrix):
        raise ValueError("every target needs a value from every rater")
    values = [float(value) for row in matrix for value in row]
    if not all(math.isfinite(value) for value in values):
        raise ValueError("ratings must be finite numbers")
    if n < 2 or k < 2:
        return None
    if all(value == values[0] for value in values):
        return None

    grand = math.fsum(values) / (n * k)
    row_means = [math.fsum(row) / k for row in matrix]
    column_means = [math.fsum(column) / n for column in zip(*matrix, strict=True)]
    total = math.fsum((value - grand) ** 2 for value in values)
    between_targets = k * math.fsum((mean - grand) ** 2 for mean in row_means)
    between_raters = n * math.fsum((mean - grand) ** 2 for mean in column_means)
    # Exact arithmetic gives a residual >= 0; clamp the rounding error away.
    residual = max(total - between_targets - between_raters, 0.0)

    bms = between_targets / (n - 1)
    jms = between_raters / (k - 1)
    ems = residual / ((n - 1) * (k - 1))
    return (bms - ems) / (bms + (k - 1) * ems + k * (jms - ems) / n)


def pairwise_agreement(
    ratings: Iterable[Rating], categories: Sequence[int] = (1, 2, 3, 4, 5)
) -> list[PairAgreement]:
    """Agreement of every pair of raters who share at least one unit, sorted by pair."""
    by_unit = _levels_by_unit(ratings)
    rank = _ranks(rater for levels in by_unit.values() for rater in levels)
    shared: dict[tuple[Hashable, Hashable], list[tuple[Unit, int, int]]] = defaultdict(list)
    for unit, levels in by_unit.items():
        raters = sorted(levels, key=rank.__getitem__)
        for rater_a, rater_b in combinations(raters, 2):
            shared[rater_a, rater_b].append((unit, levels[rater_a], levels[rater_b]))

    result = []
    for (rater_a, rater_b), rows in shared.items():
        levels_a = [level_a for _, level_a, _ in rows]
        levels_b = [level_b for _, _, level_b in rows]
        same = sum(level_a == level_b for _, level_a, level_b in rows)
        result.append(
            PairAgreement(
                rater_a=rater_a,
                rater_b=rater_b,
                items=len({item for (item, _), _, _ in rows}),
                ratings=len(rows),
                kappa=weighted_kappa(levels_a, levels_b, categories, "quadratic"),
                exact=same / len(rows),
            )
        )
    result.sort(key=lambda pair: (rank[pair.rater_a], rank[pair.rater_b]))
    return result


def rater_drift(
    ratings: Iterable[Rating], threshold: float = 0.75, min_items: int = 3
) -> list[RaterDrift]:
    """How far each rater's levels sit from the other raters' on the units they share.

    On each shared unit the rater's level is compared with the whole panel's mean there,
    the rater included. Leaving the rater out would make one lenient rater on a panel of
    three push both fair raters past the threshold too; with the rater in, the outlier
    stands out and the fair raters move only half as far.
    Flagged when the average difference reaches `threshold` over at least `min_items` items.
    """
    by_unit = _levels_by_unit(ratings)
    own: dict[Hashable, list[int]] = defaultdict(list)
    panel: dict[Hashable, list[float]] = defaultdict(list)
    items: dict[Hashable, set[Hashable]] = defaultdict(set)
    raters: set[Hashable] = set()
    for (item, _), levels in by_unit.items():
        raters.update(levels)
        if len(levels) < 2:
            continue
        total = sum(levels.values())
        for rater, level in levels.items():
            own[rater].append(level)
            panel[rater].append(total / len(levels))
            items[rater].add(item)

    rank = _ranks(raters)
    result = []
    for rater in sorted(raters, key=rank.__getitem__):
        if not own[rater]:
            result.append(RaterDrift(rater, 0, None, None, None, flagged=False))
            continue
        mean = sum(own[rater]) / len(own[rater])
        panel_mean = math.fsum(panel[rater]) / len(panel[rater])
        difference = mean - panel_mean
        flagged = len(items[rater]) >= min_items and abs(difference) >= threshold - _EPSILON
        result.append(
            RaterDrift(rater, len(items[rater]), mean, panel_mean, difference, flagged=flagged)
        )
    return result


def overall_score(levels: Mapping[str, int], weights: Mapping[str, float], top: int = 5) -> float:
    """Weighted mean level of one rubric scoring on a 0-100 scale (level 1 is 0, `top` is 100).

    Every scored criterion needs a weight and every weighted criterion needs a level, so an
    incomplete scoring fails loudly instead of being renormalised over what was scored.
    """
    if top < 2:
        raise ValueError(f"top must be at least 2, got {top}")
    unweighted = sorted(set(levels) - set(weights))
    if unweighted:
        raise ValueError(f"criteria without a weight: {', '.join(unweighted)}")
    unscored = sorted(set(weights) - set(levels))
    if unscored:
        raise ValueError(f"criteria without a level: {', '.join(unscored)}")
    for criterion, level in levels.items():
        if not 1 <= level <= top:
            raise ValueError(f"level {level} of {criterion!r} is outside 1..{top}")
    for criterion, weight in weights.items():
        if not math.isfinite(weight) or weight < 0:
            raise ValueError(f"weight {weight} of {criterion!r} must be a finite number >= 0")
    scale = Scale(1, top)
    total_weight = math.fsum(weights.values())
    if total_weight == 0:
        raise ValueError("the weights sum to 0")
    weighted = math.fsum(weights[name] * scale.fraction(level) for name, level in levels.items())
    return weighted / total_weight * 100


def spread(scores: Sequence[float]) -> float:
    """Range of a set of scores, e.g. reviewers' overall scores for one candidate."""
    if len(scores) < 2:
        return 0.0
    return float(max(scores) - min(scores))


def _levels_by_unit(ratings: Iterable[Rating]) -> dict[Unit, dict[Hashable, int]]:
    by_unit: dict[Unit, dict[Hashable, int]] = defaultdict(dict)
    for rating in ratings:
        # Plain assignment: a later rating of the same unit by the same rater replaces it.
        by_unit[rating.item, rating.unit][rating.rater] = rating.level
    return by_unit


def _ranks(raters: Iterable[Hashable]) -> dict[Hashable, int]:
    """A stable order of raters: natural order, or by repr when the ids can't be compared."""
    unique = set(raters)
    try:
        ordered = sorted(unique)  # type: ignore[type-var]
    except TypeError:
        ordered = sorted(unique, key=repr)
    return {rater: position for position, rater in enumerate(ordered)}
