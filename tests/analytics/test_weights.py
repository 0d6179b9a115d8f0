"""Weight recalibration: refusal, constraints, determinism, honesty of the comparison."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from hirebench.analytics.validity import validity
from hirebench.analytics.weights import (
    LAMBDAS,
    fit_weights,
    fold_ids,
    percentages,
    recalibrate,
)

STAGES = ["exam", "portfolio", "interview"]


def cohort(n: int, seed: int = 3, noise_stage: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """n rated hires: the exam tracks ability well, the portfolio less, the interview least
    (or not at all when it is `noise_stage`)."""
    rng = np.random.default_rng(seed)
    ability = rng.normal(size=n)
    loadings = {"exam": 0.8, "portfolio": 0.5, "interview": 0.3}
    if noise_stage:
        loadings[noise_stage] = 0.0
    scores = np.column_stack(
        [
            np.clip(60 + 12 * (w * ability + np.sqrt(1 - w * w) * rng.normal(size=n)), 0, 100)
            for w in loadings.values()
        ]
    )
    return scores, ability + 0.7 * rng.normal(size=n)


def test_refused_below_thirty_rated_hires() -> None:
    scores, performance = cohort(29)
    out = recalibrate(scores, performance, STAGES, np.array([40.0, 30, 30]))
    assert out["proposed"] is None and out["cv_r_proposed"] is None
    assert out["refused"].startswith("Only 29 rated hires")
    assert "at least 30" in out["refused"]
    # The current composite's r is still shown: nothing is fitted, so nothing overfits.
    assert out["cv_r_current"] is not None


def test_thirty_rated_hires_get_a_proposal() -> None:
    scores, performance = cohort(30)
    out = recalibrate(scores, performance, STAGES, np.array([40.0, 30, 30]))
    assert out["refused"] is None
    assert out["proposed"] is not None and out["cv_r_proposed"] is not None


def test_hires_missing_a_stage_are_left_out_of_the_fit() -> None:
    scores, performance = cohort(40)
    scores[:12, 1] = np.nan  # twelve hires have no portfolio score
    out = recalibrate(scores, performance, STAGES, np.array([40.0, 30, 30]))
    assert out["n_fit"] == 28
    assert out["proposed"] is None
    assert out["refused"].startswith("Only 28 of the 40 rated hires have a score on every stage")


def test_proposed_weights_are_non_negative_and_sum_to_100() -> None:
    for seed in range(6):
        scores, performance = cohort(80, seed=seed, noise_stage="interview")
        out = recalibrate(scores, performance, STAGES, np.array([20.0, 30, 50]))
        proposed = out["proposed"]
        assert list(proposed) == STAGES
        assert all(w >= 0 for w in proposed.values())
        assert sum(proposed.values()) == pytest.approx(100.0, abs=1e-9)
        assert all(round(w, 1) == w for w in proposed.values())
        assert out["shrinkage"] in LAMBDAS


def test_a_stage_that_predicts_nothing_loses_weight() -> None:
    scores, performance = cohort(400, noise_stage="interview")
    out = recalibrate(scores, performance, STAGES, np.array([20.0, 30, 50]))
    assert out["proposed"]["interview"] < 50
    assert out["proposed"]["exam"] > 20
    assert out["cv_r_proposed"] > out["cv_r_current"]


def test_negative_predictors_get_zero_not_negative_weight() -> None:
    scores, performance = cohort(200)
    scores[:, 2] = 100 - scores[:, 0]  # the "interview" runs against the exam
    fitted = fit_weights(scores, performance)
    assert fitted is not None
    assert fitted[2] == 0 and fitted.sum() == pytest.approx(1.0)


def test_no_positive_predictor_keeps_the_current_weights() -> None:
    scores, performance = cohort(60)
    out = recalibrate(scores, -performance, STAGES, np.array([20.0, 30, 50]))
    assert out["proposed"] == {"exam": 20.0, "portfolio": 30.0, "interview": 50.0}
    assert out["shrinkage"] == 0.0


def test_cross_validation_is_deterministic_and_order_free() -> None:
    scores, performance = cohort(120)
    frame = pd.DataFrame(scores, columns=STAGES, index=[f"c{i:03d}" for i in range(120)])
    frame["hired"], frame["performance"] = 1, performance
    weights = {"exam": 40, "portfolio": 30, "interview": 30}
    first = validity(frame, STAGES, weights)["weights"]
    assert validity(frame, STAGES, weights)["weights"] == first
    shuffled = frame.sample(frac=1, random_state=5)
    assert validity(shuffled, STAGES, weights)["weights"] == first
    ids = fold_ids(103)
    assert np.array_equal(ids, fold_ids(103))
    assert sorted(np.bincount(ids)) == [20, 20, 21, 21, 21]


def test_cross_validated_r_is_not_the_in_sample_fit() -> None:
    # Pure noise: in-sample the best weights always find some correlation, out of fold the
    # proposal must not look better than chance allows.
    rng = np.random.default_rng(11)
    scores = rng.uniform(0, 100, size=(60, 3))
    performance = rng.normal(size=60)
    out = recalibrate(scores, performance, STAGES, np.array([34.0, 33, 33]))
    fitted = fit_weights(scores, performance)
    assert fitted is not None
    in_sample = np.corrcoef(scores @ fitted, performance)[0, 1]
    assert out["cv_r_proposed"] is None or out["cv_r_proposed"] < in_sample


def test_percentages_round_to_exactly_100() -> None:
    assert percentages(np.array([1.0, 1, 1]), ["a", "b", "c"]) == {"a": 33.4, "b": 33.3, "c": 33.3}
    assert sum(percentages(np.array([0.123456, 0.3, 0.576544]), "abc").values()) == 100.0


def test_fit_on_a_thousand_hires_is_fast() -> None:
    scores, performance = cohort(1000)
    started = time.perf_counter()
    out = recalibrate(scores, performance, STAGES, np.array([40.0, 30, 30]))
    assert time.perf_counter() - started < 0.5
    assert out["proposed"] is not None


def test_invalid_current_weights_are_refused_loudly() -> None:
    scores, performance = cohort(40)
    with pytest.raises(ValueError):
        recalibrate(scores, performance, STAGES, np.array([0.0, 0, 0]))


def test_no_stages_and_unknown_weight_stages() -> None:
    out = recalibrate(np.empty((40, 0)), np.ones(40), [], np.array([]))
    assert out["proposed"] is None and out["refused"] == "There are no stage scores to weigh."
    scores, performance = cohort(40)
    frame = pd.DataFrame(scores, columns=STAGES)
    frame["hired"], frame["performance"] = 1, performance
    with pytest.raises(ValueError, match="not analysed"):
        validity(frame, STAGES, {"exam": 50, "typing": 50})
