"""Stage validity against scipy and hand computations on fixed data."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from hirebench.analytics.validity import case_ii, fisher_ci, stage_validity, validity

# Ten rated hires: a stage score and a later performance rating (1-5).
SCORES = np.array([62.0, 71, 75, 80, 68, 90, 84, 77, 73, 88])
PERFORMANCE = np.array([2.9, 3.1, 3.6, 3.9, 2.7, 4.6, 3.8, 3.2, 3.5, 4.1])
# Everyone scored on the stage, hires included: a wider spread than among the hires.
ALL_SCORES = np.concatenate([SCORES, [35.0, 41, 50, 55, 58, 44, 60, 39]])


def test_r_and_p_match_scipy() -> None:
    row = stage_validity(ALL_SCORES, SCORES, PERFORMANCE)
    expected = stats.pearsonr(SCORES, PERFORMANCE)
    assert row["n"] == 10
    assert row["r"] == pytest.approx(expected.statistic, abs=1e-12)
    assert row["p"] == pytest.approx(expected.pvalue, rel=1e-9)
    assert row["note"] is None


def test_ci_is_fisher_z() -> None:
    row = stage_validity(ALL_SCORES, SCORES, PERFORMANCE)
    r, n = row["r"], 10
    # By hand: z = atanh(r) ± 1.959964 / sqrt(n - 3), back through tanh.
    half = 1.959963984540054 / math.sqrt(n - 3)
    assert row["ci95"] == pytest.approx(
        [math.tanh(math.atanh(r) - half), math.tanh(math.atanh(r) + half)], abs=1e-12
    )
    assert row["ci95"][0] < r < row["ci95"][1]
    # scipy's own Fisher interval (scipy >= 1.11) agrees.
    scipy_ci = stats.pearsonr(SCORES, PERFORMANCE).confidence_interval(0.95)
    assert row["ci95"] == pytest.approx([scipy_ci.low, scipy_ci.high], abs=1e-12)


def test_case_ii_against_hand_computation() -> None:
    # r = .30, u = 1.5: .45 / sqrt(1 + .09 * 1.25) = .45 / sqrt(1.1125)
    assert case_ii(0.30, 1.5) == pytest.approx(0.45 / math.sqrt(1.1125), abs=1e-15)
    assert case_ii(0.30, 1.0) == pytest.approx(0.30)  # no restriction, no change
    assert case_ii(-0.30, 1.5) == pytest.approx(-case_ii(0.30, 1.5))


def test_corrected_r_uses_sample_sds_of_all_scored_over_rated() -> None:
    row = stage_validity(ALL_SCORES, SCORES, PERFORMANCE)
    u = np.std(ALL_SCORES, ddof=1) / np.std(SCORES, ddof=1)
    r = row["r"]
    assert row["u"] == pytest.approx(u)
    assert row["r_corrected"] == pytest.approx(r * u / math.sqrt(1 + r * r * (u * u - 1)))
    assert row["r_corrected"] > r  # the hires' range was restricted


def test_ci_needs_four_rated_hires() -> None:
    row = stage_validity(ALL_SCORES, SCORES[:3], PERFORMANCE[:3])
    assert row["r"] is not None and row["ci95"] is None
    assert "at least 4" in row["note"]
    assert fisher_ci(0.5, 3) is None
    assert fisher_ci(0.5, 4) is not None


def test_fewer_than_three_and_zero_variance_give_no_r_with_a_reason() -> None:
    two = stage_validity(ALL_SCORES, SCORES[:2], PERFORMANCE[:2])
    assert two["r"] is None and two["p"] is None and "at least 3" in two["note"]
    flat = stage_validity(ALL_SCORES, np.full(10, 70.0), PERFORMANCE)
    assert flat["r"] is None and flat["r_corrected"] is None
    assert "same score" in flat["note"]
    same_rating = stage_validity(ALL_SCORES, SCORES, np.full(10, 3.0))
    assert same_rating["r"] is None and "same performance rating" in same_rating["note"]


def test_perfect_correlation_has_a_degenerate_interval() -> None:
    row = stage_validity(ALL_SCORES, SCORES, SCORES / 20)
    assert row["r"] == pytest.approx(1.0)
    assert row["ci95"] == pytest.approx([1.0, 1.0])


def _frame() -> pd.DataFrame:
    rated = pd.DataFrame(
        {"exam": SCORES, "interview": SCORES[::-1], "hired": 1, "performance": PERFORMANCE},
        index=[f"h{i}" for i in range(10)],
    )
    others = pd.DataFrame(
        {"exam": ALL_SCORES[10:], "interview": np.nan, "hired": 0, "performance": np.nan},
        index=[f"o{i}" for i in range(8)],
    )
    unrated_hire = pd.DataFrame(
        {"exam": [99.0], "interview": [99.0], "hired": [1], "performance": [np.nan]},
        index=["h-unrated"],
    )
    return pd.concat([rated, others, unrated_hire])


def test_validity_report_shape_and_rated_hires() -> None:
    report = validity(_frame(), ["exam", "interview"], {"exam": 60, "interview": 40})
    assert report["n_rated"] == 10
    assert set(report) == {"n_rated", "stages", "weights"}
    exam = report["stages"]["exam"]
    assert exam["r"] == pytest.approx(stats.pearsonr(SCORES, PERFORMANCE).statistic)
    # The unrestricted SD counts every scored candidate, the unrated hire included.
    unrestricted = np.concatenate([ALL_SCORES, [99.0]])
    assert exam["u"] == pytest.approx(np.std(unrestricted, ddof=1) / np.std(SCORES, ddof=1))
    assert set(exam) >= {"n", "r", "ci95", "p", "r_corrected"}
    assert report["weights"]["current"] == {"exam": 60.0, "interview": 40.0}
    assert report["weights"]["proposed"] is None  # 10 rated hires: refused
    assert "10 rated hires" in report["weights"]["refused"]


def test_without_current_weights_every_stage_weighs_the_same() -> None:
    report = validity(_frame(), ["exam", "interview"])
    assert report["weights"]["current"] == {"exam": 50.0, "interview": 50.0}
