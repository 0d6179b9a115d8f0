from __future__ import annotations

import math
from collections.abc import Hashable, Sequence

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from hirebench.authoring.rubric import Scale
from hirebench.reviews.agreement import (
    PairAgreement,
    RaterDrift,
    Rating,
    icc_2_1,
    overall_score,
    pairwise_agreement,
    rater_drift,
    spread,
    weighted_kappa,
)

# --- weighted_kappa ---------------------------------------------------------------------

# Worked by hand, categories 1..3 (positions 0..2):
#   a = 1 1 2 2 3 3,  b = 1 2 2 3 3 3,  n = 6
#   pairs (1,1) (1,2) (2,2) (2,3) (3,3) (3,3)
#   row margins (a): 1:2 2:2 3:2    column margins (b): 1:1 2:2 3:3
# Quadratic weights w = (i-j)^2:
#   observed disagreement = w(1,2) + w(2,3) = 1 + 1 = 2
#   expected = sum w * r_i * c_j / n
#     row 1: 1*2*2 + 4*2*3 = 28;  row 2: 1*2*1 + 1*2*3 = 8;  row 3: 4*2*1 + 1*2*2 = 12
#     = 48 / 6 = 8
#   kappa = 1 - 2/8 = 0.75
# Linear weights w = |i-j|:
#   observed = 2
#   expected: row 1: 1*2*2 + 2*2*3 = 16;  row 2: 8;  row 3: 2*2*1 + 1*2*2 = 8
#     = 32 / 6 = 16/3
#   kappa = 1 - 2 / (16/3) = 1 - 6/16 = 0.625
HAND_A = [1, 1, 2, 2, 3, 3]
HAND_B = [1, 2, 2, 3, 3, 3]


def test_weighted_kappa_matches_hand_computation() -> None:
    assert weighted_kappa(HAND_A, HAND_B, [1, 2, 3]) == pytest.approx(0.75)
    assert weighted_kappa(HAND_A, HAND_B, [1, 2, 3], "quadratic") == pytest.approx(0.75)
    assert weighted_kappa(HAND_A, HAND_B, [1, 2, 3], "linear") == pytest.approx(0.625)


@pytest.mark.parametrize("weights", ["linear", "quadratic"])
@pytest.mark.parametrize("seed", range(8))
def test_weighted_kappa_matches_sklearn(seed: int, weights: str) -> None:
    rng = np.random.default_rng(seed)
    categories = [1, 2, 3, 4, 5]
    n = int(rng.integers(5, 60))
    a = rng.integers(1, 6, size=n)
    # Correlated but noisy second rater, clipped to the scale.
    b = np.clip(a + rng.integers(-2, 3, size=n), 1, 5)
    ours = weighted_kappa(a.tolist(), b.tolist(), categories, weights)  # type: ignore[arg-type]
    theirs = cohen_kappa_score(a, b, labels=categories, weights=weights)
    assert ours == pytest.approx(theirs, abs=1e-12)


@pytest.mark.parametrize("weights", ["linear", "quadratic"])
def test_weighted_kappa_matches_sklearn_with_gaps_and_unused_categories(weights: str) -> None:
    # Weights follow category positions, not values, exactly as scikit-learn's labels= do.
    rng = np.random.default_rng(2024)
    categories = [0, 2, 5, 7, 10, 11]
    a = rng.choice(categories[:4], size=40)
    b = rng.choice(categories[1:5], size=40)
    ours = weighted_kappa(a.tolist(), b.tolist(), categories, weights)  # type: ignore[arg-type]
    theirs = cohen_kappa_score(a, b, labels=categories, weights=weights)
    assert ours == pytest.approx(theirs, abs=1e-12)


def test_weighted_kappa_perfect_and_systematic_disagreement() -> None:
    levels = [1, 2, 3, 4, 5, 3, 2]
    assert weighted_kappa(levels, levels, [1, 2, 3, 4, 5]) == 1.0
    reversed_levels = [1, 2, 3, 4, 5][::-1]
    kappa = weighted_kappa([1, 2, 3, 4, 5], reversed_levels, [1, 2, 3, 4, 5])
    assert kappa is not None
    assert kappa < 0


def test_weighted_kappa_undefined_is_none() -> None:
    assert weighted_kappa([], [], [1, 2, 3]) is None
    assert weighted_kappa([3, 3, 3], [3, 3, 3], [1, 2, 3, 4, 5]) is None
    assert weighted_kappa([3, 3], [3, 3], [1, 2, 3, 4, 5], "linear") is None


def test_weighted_kappa_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="length"):
        weighted_kappa([1, 2], [1], [1, 2])
    with pytest.raises(ValueError, match="categories"):
        weighted_kappa([1, 6], [1, 2], [1, 2, 3, 4, 5])
    with pytest.raises(ValueError, match="categories"):
        weighted_kappa([1], [0], [1, 2, 3, 4, 5])
    with pytest.raises(ValueError, match="duplicate"):
        weighted_kappa([1], [1], [1, 1, 2])
    with pytest.raises(ValueError, match="weights"):
        weighted_kappa([1], [2], [1, 2], "cubic")  # type: ignore[arg-type]


# --- icc_2_1 ----------------------------------------------------------------------------

# Shrout & Fleiss (1979), Table 2: 6 targets rated by 4 judges.
# Their Table 3 gives BMS = 11.24, JMS = 32.49, EMS = 1.02 and ICC(2,1) = 0.29:
#   (11.24 - 1.02) / (11.24 + 3 * 1.02 + 4 * (32.49 - 1.02) / 6) = 10.22 / 35.28 = 0.29
SHROUT_FLEISS = [
    [9, 2, 5, 8],
    [6, 1, 3, 2],
    [8, 4, 6, 8],
    [7, 1, 2, 6],
    [10, 5, 6, 9],
    [6, 2, 4, 7],
]


def test_icc_2_1_shrout_fleiss_table() -> None:
    icc = icc_2_1(SHROUT_FLEISS)
    assert icc is not None
    assert round(icc, 2) == 0.29
    # Unrounded: SSR = 56.208, SSC = 97.458, SSE = 15.292 -> BMS = SSR/5, JMS = SSC/3, EMS = SSE/15.
    assert icc == pytest.approx(0.28976, abs=1e-5)


def test_icc_2_1_by_hand() -> None:
    # Two raters, the second always one point higher. Grand mean 2.5.
    #   target means 1.5 2.5 3.5 -> SSR = 2 * (1 + 0 + 1) = 4, BMS = 4 / 2 = 2
    #   rater means 2 3           -> SSC = 3 * (0.25 + 0.25) = 1.5, JMS = 1.5 / 1 = 1.5
    #   SST = 2.25 + 0.25 + 0.25 + 0.25 + 0.25 + 2.25 = 5.5 -> SSE = 0, EMS = 0
    #   ICC = (2 - 0) / (2 + 0 + 2 * (1.5 - 0) / 3) = 2 / 3
    # Perfectly consistent, but absolute agreement penalises the offset.
    assert icc_2_1([[1, 2], [2, 3], [3, 4]]) == pytest.approx(2 / 3)
    assert icc_2_1([[1, 1], [2, 2], [3, 3]]) == pytest.approx(1.0)


def test_icc_2_1_edge_cases() -> None:
    assert icc_2_1([]) is None
    assert icc_2_1([[1, 2, 3]]) is None  # one target
    assert icc_2_1([[1], [2], [3]]) is None  # one rater
    assert icc_2_1([[4, 4], [4, 4], [4, 4]]) is None  # denominator 0
    with pytest.raises(ValueError, match="every rater"):
        icc_2_1([[1, 2], [3]])
    with pytest.raises(ValueError, match="finite"):
        icc_2_1([[1, 2], [3, math.nan]])


# --- pairwise_agreement -----------------------------------------------------------------


def _ratings(rows: Sequence[tuple[str, str, Hashable, int]]) -> list[Rating]:
    return [Rating(item, unit, rater, level) for item, unit, rater, level in rows]


THREE_RATERS = _ratings(
    [
        # Item A, two criteria, raters 1, 2 and 3.
        ("A", "c1", 1, 5),  # superseded by the later rating below
        ("A", "c1", 2, 4),
        ("A", "c1", 3, 2),
        ("A", "c2", 1, 3),
        ("A", "c2", 2, 3),
        ("A", "c2", 3, 1),
        # Item B, two criteria, raters 1 and 2.
        ("B", "c1", 1, 2),
        ("B", "c1", 2, 2),
        ("B", "c2", 1, 5),
        ("B", "c2", 2, 4),
        # Item C, one criterion, raters 2 and 3.
        ("C", "c1", 3, 4),
        ("C", "c1", 2, 5),
        # Only one rater each: no pair, and rater 4 shares nothing at all.
        ("D", "c1", 3, 1),
        ("E", "c1", 4, 3),
        ("A", "c1", 1, 4),
    ]
)


def test_pairwise_agreement_counts_and_kappa() -> None:
    pairs = pairwise_agreement(THREE_RATERS)
    assert [(p.rater_a, p.rater_b, p.items, p.ratings) for p in pairs] == [
        (1, 2, 2, 4),
        (1, 3, 1, 2),
        (2, 3, 2, 3),
    ]
    one_two, one_three, two_three = pairs
    # Shared units of 1 and 2: (A,c1) 4/4 with rater 1's later rating, (A,c2) 3/3,
    # (B,c1) 2/2, (B,c2) 5/4.
    categories = [1, 2, 3, 4, 5]
    assert one_two.kappa == weighted_kappa([4, 3, 2, 5], [4, 3, 2, 4], categories)
    assert one_two.exact == pytest.approx(3 / 4)
    assert one_three.kappa == weighted_kappa([4, 3], [2, 1], categories)
    assert one_three.exact == 0.0
    assert two_three.kappa == weighted_kappa([4, 3, 5], [2, 1, 4], categories)
    assert two_three.exact == 0.0


def test_pairwise_agreement_orders_pairs_regardless_of_input_order() -> None:
    assert pairwise_agreement(reversed(THREE_RATERS[:-1])) == pairwise_agreement(THREE_RATERS[:-1])


def test_pairwise_agreement_undefined_kappa_and_empty_input() -> None:
    pairs = pairwise_agreement(_ratings([("A", "c1", 7, 3), ("A", "c1", 5, 3)]))
    assert pairs == [PairAgreement(5, 7, items=1, ratings=1, kappa=None, exact=1.0)]
    assert pairwise_agreement([]) == []


def test_pairwise_agreement_rejects_level_outside_categories() -> None:
    with pytest.raises(ValueError, match="categories"):
        pairwise_agreement(_ratings([("A", "c1", 1, 6), ("A", "c1", 2, 3)]))


# --- rater_drift ------------------------------------------------------------------------


def test_rater_drift_flags_lenient_rater() -> None:
    rows = []
    for item, level in zip(["i1", "i2", "i3", "i4"], [2, 3, 2, 3], strict=True):
        rows += [(item, "c1", 1, level), (item, "c1", 2, level), (item, "c1", 3, level + 2)]
    drift = {d.rater: d for d in rater_drift(_ratings(rows))}
    lenient = drift[3]
    assert lenient.items == 4
    assert lenient.mean == pytest.approx(4.5)
    # The panel on each unit is (own + own + own + 2) / 3 = own + 2/3; mean 2.5 + 2/3.
    assert lenient.panel_mean == pytest.approx(2.5 + 2 / 3)
    assert lenient.difference == pytest.approx(4 / 3)
    assert lenient.flagged
    # The fair raters sit 2/3 below the same panel: under the default 0.75, not flagged.
    for rater in (1, 2):
        assert drift[rater].difference == pytest.approx(-2 / 3)
        assert not drift[rater].flagged


def test_rater_drift_needs_min_items() -> None:
    rows = [
        (item, "c1", rater, level)
        for item in ("i1", "i2")
        for rater, level in ((1, 2), (2, 2), (3, 5))
    ]
    lenient = rater_drift(_ratings(rows))[2]
    assert lenient.rater == 3
    assert lenient.items == 2
    assert lenient.difference == pytest.approx(2.0)  # 5 - (2 + 2 + 5) / 3
    assert not lenient.flagged
    assert rater_drift(_ratings(rows), min_items=2)[2].flagged


def test_rater_drift_by_hand() -> None:
    rows = [
        # Item X: levels 1, 3, 5; the panel mean is 3 for everyone.
        ("X", "c1", 1, 1),
        ("X", "c1", 2, 3),
        ("X", "c1", 3, 5),
        # Item Y: raters 1 and 2 only; the panel mean is 3.
        ("Y", "c1", 1, 2),
        ("Y", "c1", 2, 4),
        # Item Z: rater 4 alone, nothing shared.
        ("Z", "c1", 4, 5),
    ]
    # Rater 1: own (1 + 2) / 2 = 1.5, panel (3 + 3) / 2 = 3.0, difference -1.5.
    # Rater 2: own (3 + 4) / 2 = 3.5, panel 3.0, difference 0.5.
    # Rater 3: own 5, panel 3, difference 2; a single item, below min_items.
    assert rater_drift(_ratings(rows)) == [
        RaterDrift(1, items=2, mean=1.5, panel_mean=3.0, difference=-1.5, flagged=False),
        RaterDrift(2, items=2, mean=3.5, panel_mean=3.0, difference=0.5, flagged=False),
        RaterDrift(3, items=1, mean=5.0, panel_mean=3.0, difference=2.0, flagged=False),
        RaterDrift(4, items=0, mean=None, panel_mean=None, difference=None, flagged=False),
    ]


def test_rater_drift_flags_exactly_at_threshold() -> None:
    rows = []
    for item, level in zip(["i1", "i2", "i3", "i4"], [5, 5, 5, 4], strict=True):
        rows += [(item, "c1", "harsh", 3), (item, "c1", "kind", level)]
    # kind: mean 4.75, panel mean (4+4+4+3.5)/4 = 3.875, difference 0.875 -> scaled down:
    drift = {d.rater: d for d in rater_drift(_ratings(rows), threshold=0.875)}
    assert drift["kind"].difference == pytest.approx(0.875)
    assert drift["kind"].flagged
    assert drift["harsh"].flagged  # -0.875: the threshold applies to both directions


def test_rater_drift_empty() -> None:
    assert rater_drift([]) == []


# --- overall_score and spread -----------------------------------------------------------


def test_overall_score() -> None:
    # (3 * (5-1)/4 + 1 * (1-1)/4) / 4 * 100 = 75
    assert overall_score({"a": 5, "b": 1}, {"a": 3, "b": 1}) == pytest.approx(75.0)
    assert overall_score({"a": 1, "b": 1}, {"a": 1, "b": 2}) == 0.0
    assert overall_score({"a": 5, "b": 5}, {"a": 1, "b": 2}) == pytest.approx(100.0)
    assert overall_score({"a": 2}, {"a": 0.5}, top=3) == pytest.approx(50.0)
    # A zero weight is allowed as long as another criterion carries weight.
    assert overall_score({"a": 3, "b": 5}, {"a": 0, "b": 1}) == pytest.approx(100.0)


@pytest.mark.parametrize(
    ("levels", "weights", "top", "message"),
    [
        ({"a": 0}, {"a": 1.0}, 5, "outside"),
        ({"a": 6}, {"a": 1.0}, 5, "outside"),
        ({"a": 4}, {"a": 1.0}, 3, "outside"),
        ({"a": 3, "b": 3}, {"a": 1.0}, 5, "without a weight"),
        ({"a": 3}, {}, 5, "without a weight"),
        ({"a": 3}, {"a": 1.0, "b": 1.0}, 5, "without a level"),
        ({"a": 3, "b": 3}, {"a": 0.0, "b": 0.0}, 5, "sum to 0"),
        ({}, {}, 5, "sum to 0"),
        ({"a": 3, "b": 3}, {"a": -1.0, "b": 2.0}, 5, "finite number"),
        ({"a": 3}, {"a": math.inf}, 5, "finite number"),
        ({"a": 1}, {"a": 1.0}, 1, "top"),
    ],
)
def test_overall_score_rejects_bad_input(
    levels: dict[str, int], weights: dict[str, float], top: int, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        overall_score(levels, weights, top)


def test_spread() -> None:
    assert spread([]) == 0.0
    assert spread([42.0]) == 0.0
    assert spread([70.0, 55.5, 90.0]) == pytest.approx(34.5)
    assert spread([3, 3]) == 0.0


def test_one_level_conversion_for_rubrics_and_interview_ratings() -> None:
    # Rubric levels 1..top and interview ratings 1..5 go to 0-100 through the one Scale.percent,
    # which overall_score and the scorecard's evidence both use.
    assert [Scale(1, 5).percent(level) for level in (1, 3, 5)] == [0.0, 50.0, 100.0]
    assert Scale(1, 5).percent(3.5) == pytest.approx(62.5)  # a mean rating
    assert overall_score({"a": 4}, {"a": 1.0}, top=4) == Scale(1, 4).percent(4)
    with pytest.raises(ValueError, match="outside"):
        Scale(1, 5).percent(6)
    with pytest.raises(ValueError, match="two levels"):
        Scale(1, 1).percent(1)
