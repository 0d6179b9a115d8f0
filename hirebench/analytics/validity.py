"""Predictive validity of each hiring stage: how well its score foretold job performance.

The input is one frame with a row per candidate (the index is the candidate's id): a column per
stage holding the 0-100 score or NaN when the candidate has none, `hired` (0/1 or bool) and
`performance` (a number, NaN when not rated). A *rated hire* is a hired candidate with a
performance rating; only rated hires can show validity, but every scored candidate counts
towards the spread of scores used to correct it for range restriction (docs/analytics.md).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from hirebench.analytics.common import FloatArray, correlation, number, sample_sd
from hirebench.analytics.weights import K_FOLDS, MIN_RATED_HIRES, SEED, recalibrate

if TYPE_CHECKING:
    import pandas as pd

HIRED = "hired"
PERFORMANCE = "performance"
#: The confidence level of the interval around r.
CONFIDENCE = 0.95


def fisher_ci(r: float, n: int, confidence: float = CONFIDENCE) -> tuple[float, float] | None:
    """The confidence interval of a correlation by Fisher's z: atanh(r) is close to normal with
    standard error 1/sqrt(n-3). None below n = 4, where that standard error does not exist."""
    if n < 4:
        return None
    from scipy import stats  # 0.9 s to import: loaded when an analysis runs, not at start-up

    crit = float(stats.norm.ppf(0.5 + confidence / 2))
    half = crit / math.sqrt(n - 3)
    with np.errstate(divide="ignore"):
        # r = ±1 gives an infinite z; tanh brings the interval back to [±1, ±1].
        z = float(np.arctanh(r))
    return (float(np.tanh(z - half)), float(np.tanh(z + half)))


def case_ii(r: float, u: float) -> float:
    """Thorndike's Case II correction for direct range restriction on the predictor:
    r_c = r·u / sqrt(1 + r²(u² − 1)), with u = SD(all scored) / SD(rated hires)."""
    return r * u / math.sqrt(1 + r * r * (u * u - 1))


def stage_validity(
    scores_all: FloatArray, scores_rated: FloatArray, performance: FloatArray
) -> dict[str, Any]:
    """One stage's validity. `scores_all`: the stage's score of every candidate scored on it
    (the unrestricted group); `scores_rated` and `performance`: paired values of the rated hires
    with a score. Returns {"n", "r", "ci95", "p", "r_corrected", "u", "note"}; `note` says in
    words why a number is null (None when none is)."""
    n = int(scores_rated.size)
    out: dict[str, Any] = {
        "n": n,
        "r": None,
        "ci95": None,
        "p": None,
        "r_corrected": None,
        "u": None,
        "note": None,
    }
    if n < 3:
        out["note"] = f"{n} rated hires with a score: a correlation needs at least 3."
        return out
    if np.ptp(scores_rated) == 0 or np.ptp(performance) == 0:
        which = "score" if np.ptp(scores_rated) == 0 else "performance rating"
        out["note"] = f"Every rated hire has the same {which}, so there is no correlation."
        return out
    from scipy import stats

    r = correlation(scores_rated, performance)
    assert r is not None
    out["r"] = r
    out["p"] = number(stats.pearsonr(scores_rated, performance).pvalue)
    ci = fisher_ci(r, n)
    out["ci95"] = list(ci) if ci else None
    if ci is None:
        out["note"] = "With 3 rated hires there is no confidence interval: it needs at least 4."
    sd_all, sd_rated = sample_sd(scores_all), sample_sd(scores_rated)
    if sd_all is not None and sd_rated:
        out["u"] = sd_all / sd_rated
        out["r_corrected"] = case_ii(r, out["u"])
    return out


def rated_mask(frame: pd.DataFrame) -> pd.Series:
    """Rows of hired candidates with a performance rating."""
    hired = frame[HIRED].fillna(0).astype(bool)
    return hired & frame[PERFORMANCE].notna()


def validity(
    frame: pd.DataFrame,
    stages: Sequence[str],
    current_weights: Mapping[str, float] | None = None,
    *,
    min_rated: int = MIN_RATED_HIRES,
    k: int = K_FOLDS,
    seed: int = SEED,
) -> dict[str, Any]:
    """The validity report of docs/analytics.md:
    {"n_rated", "stages": {stage: stage_validity(...)}, "weights": recalibrate(...)}.

    `current_weights` maps stages to percentages summing to 100 (stages left out weigh 0);
    without it every stage weighs the same. The weights are proposed over the rated hires with
    a score on every stage in `stages`."""
    rated = rated_mask(frame)
    performance = frame[PERFORMANCE].to_numpy(dtype=float)
    report: dict[str, Any] = {"n_rated": int(rated.sum()), "stages": {}}
    for stage in stages:
        scores = frame[stage].to_numpy(dtype=float)
        scored = ~np.isnan(scores)
        pair = scored & rated.to_numpy()
        report["stages"][stage] = stage_validity(scores[scored], scores[pair], performance[pair])
    unknown = set(current_weights or {}) - set(stages)
    if unknown:
        raise ValueError(f"current weights name stages not analysed: {sorted(unknown)}")
    if current_weights is None:
        current_weights = {stage: 100 / len(stages) for stage in stages} if stages else {}
    current = np.array([float(current_weights.get(stage, 0.0)) for stage in stages])
    rated_rows = frame.loc[rated, list(stages)]
    order = np.argsort(rated_rows.index.astype(str).to_numpy(), kind="stable")
    report["weights"] = recalibrate(
        rated_rows.to_numpy(dtype=float)[order],
        frame.loc[rated, PERFORMANCE].to_numpy(dtype=float)[order],
        list(stages),
        current,
        min_rated=min_rated,
        k=k,
        seed=seed,
    )
    return report
