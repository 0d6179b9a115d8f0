"""Proposed stage weights, fitted by cross-validation and shrunk toward the current weights.

The method (docs/analytics.md, "Weight recalibration"):

1. Only rated hires with a score on every stage are used: a composite over fewer stages is a
   different predictor, and filling a gap would invent a score.
2. The fit: non-negative least squares of performance on the standardized stage scores
   (scipy.optimize.nnls), so no stage can count against a candidate. Each coefficient is
   divided by its stage's SD, because the scorecard applies weights to the raw 0-100 scores,
   and the result is scaled to sum to 1.
3. Shrinkage: w(λ) = λ·w_fit + (1 − λ)·w_current for λ in LAMBDAS. λ is the one whose pooled
   out-of-fold composite correlates best with performance over K_FOLDS folds; ties go to the
   smaller λ, the one closer to today's weights.
4. The honest comparison: cv_r_proposed is nested, every outer fold choosing its own λ by an
   inner cross-validation on its training rows only, so that the figure never saw the rows it
   is judged on. cv_r_current is the plain r of the current composite over the same rows:
   nothing is fitted, so there is nothing to hold out.

Folds are fixed: the rows come in candidate-id order (validity() sorts them) and are permuted
by numpy's default_rng(SEED), then cut into K_FOLDS nearly equal parts, so the same data gives
the same proposal every time.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from hirebench.analytics.common import DDOF, FloatArray, column_correlations, correlation

K_FOLDS = 5
SEED = 15
MIN_RATED_HIRES = 30
LAMBDAS: FloatArray = np.array([0.0, 0.25, 0.5, 0.75, 1.0])


def fold_ids(n: int, k: int = K_FOLDS, seed: int = SEED) -> np.ndarray:
    """The fold (0..k-1) of each of n rows: a seeded permutation cut into k nearly equal parts."""
    ids = np.empty(n, dtype=int)
    for fold, rows in enumerate(np.array_split(np.random.default_rng(seed).permutation(n), k)):
        ids[rows] = fold
    return ids


def fit_weights(x: FloatArray, y: FloatArray) -> FloatArray | None:
    """Non-negative weights (summing to 1) on the raw scores of `x` that best predict `y`, or
    None when no stage predicts it positively."""
    sd = x.std(axis=0, ddof=DDOF)
    usable = sd > 0
    y_sd = y.std(ddof=DDOF)
    if not usable.any() or y_sd == 0:
        return None
    from scipy.optimize import nnls  # 0.4 s to import: loaded when weights are fitted

    z = (x[:, usable] - x[:, usable].mean(axis=0)) / sd[usable]
    beta, _ = nnls(z, (y - y.mean()) / y_sd)
    weights = np.zeros(x.shape[1])
    weights[usable] = beta / sd[usable]
    total = weights.sum()
    return weights / total if total > 0 else None


def _mixes(fitted: FloatArray | None, current: FloatArray) -> FloatArray:
    """The candidate weight vectors, one column per λ in LAMBDAS."""
    target = current if fitted is None else fitted
    return np.outer(target, LAMBDAS) + np.outer(current, 1 - LAMBDAS)


def choose_lambda(
    x: FloatArray, y: FloatArray, current: FloatArray, k: int = K_FOLDS, seed: int = SEED
) -> float:
    """The shrinkage λ whose pooled out-of-fold composite correlates best with `y`."""
    folds = fold_ids(len(y), k, seed)
    composites = np.empty((len(y), LAMBDAS.size))
    for fold in range(k):
        test = folds == fold
        fitted = fit_weights(x[~test], y[~test])
        composites[test] = x[test] @ _mixes(fitted, current)
    r = column_correlations(composites, np.repeat(y[:, None], LAMBDAS.size, axis=1))
    # argmax returns the first maximum: on a tie, the smallest λ.
    return float(LAMBDAS[int(np.argmax(np.nan_to_num(r, nan=-np.inf)))])


def nested_cv_r(
    x: FloatArray, y: FloatArray, current: FloatArray, k: int = K_FOLDS, seed: int = SEED
) -> float | None:
    """The r between performance and the proposal's out-of-fold composite, pooled over the
    outer folds, each fold's proposal made (λ included) from its training rows alone."""
    folds = fold_ids(len(y), k, seed)
    composite = np.empty(len(y))
    for fold in range(k):
        test = folds == fold
        lam = choose_lambda(x[~test], y[~test], current, k, seed)
        fitted = fit_weights(x[~test], y[~test])
        weights = current if fitted is None else lam * fitted + (1 - lam) * current
        composite[test] = x[test] @ weights
    return correlation(composite, y)


def percentages(weights: FloatArray, stages: Sequence[str]) -> dict[str, float]:
    """Weights as percentages with one decimal that sum to exactly 100.0 (largest remainder)."""
    tenths = weights / weights.sum() * 1000
    floors = np.floor(tenths).astype(int)
    short = 1000 - int(floors.sum())
    for index in np.argsort(-(tenths - floors), kind="stable")[:short]:
        floors[index] += 1
    return {stage: int(t) / 10 for stage, t in zip(stages, floors, strict=True)}


def _refusal(n_rated: int, n_complete: int, y: FloatArray, min_rated: int) -> str | None:
    if n_rated < min_rated:
        return (
            f"Only {n_rated} rated hires: at least {min_rated} are needed before weights are "
            "proposed, because weights fitted on fewer mostly follow chance."
        )
    if n_complete < min_rated:
        return (
            f"Only {n_complete} of the {n_rated} rated hires have a score on every stage: at "
            f"least {min_rated} complete records are needed before weights are proposed."
        )
    if np.ptp(y) == 0:
        return "Every rated hire has the same performance rating, so no weights can be fitted."
    return None


def recalibrate(
    scores: FloatArray,
    performance: FloatArray,
    stages: Sequence[str],
    current: FloatArray,
    *,
    min_rated: int = MIN_RATED_HIRES,
    k: int = K_FOLDS,
    seed: int = SEED,
) -> dict[str, Any]:
    """The "weights" part of the validity report. `scores`: the rated hires' stage scores (n x
    stages, NaN for none); `performance`: their ratings; `current`: today's weights in stage
    order, any positive scale. Returns {"current", "proposed", "cv_r_current", "cv_r_proposed",
    "refused", "shrinkage", "n_fit"}; `proposed` is None and `refused` a sentence when the
    data cannot support a proposal."""
    out: dict[str, Any] = {
        "current": {},
        "proposed": None,
        "cv_r_current": None,
        "cv_r_proposed": None,
        "refused": "There are no stage scores to weigh.",
        "shrinkage": None,
        "n_fit": 0,
    }
    if not stages:
        return out
    if current.sum() <= 0 or (current < 0).any():
        raise ValueError("current weights must be non-negative with a positive sum")
    current = current / current.sum()
    complete = ~np.isnan(scores).any(axis=1)
    x, y = scores[complete], performance[complete]
    out.update(
        current=percentages(current, stages),
        cv_r_current=correlation(x @ current, y),
        n_fit=int(complete.sum()),
        refused=_refusal(len(performance), len(y), y, min_rated),
    )
    if out["refused"]:
        return out
    fitted = fit_weights(x, y)
    # With no stage predicting performance positively there is nothing to move toward.
    lam = 0.0 if fitted is None else choose_lambda(x, y, current, k, seed)
    proposed = current if fitted is None else lam * fitted + (1 - lam) * current
    out.update(
        proposed=percentages(proposed, stages),
        cv_r_proposed=nested_cv_r(x, y, current, k, seed),
        shrinkage=lam,
    )
    return out
