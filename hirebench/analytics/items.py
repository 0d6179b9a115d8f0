"""Item analysis of one exam version: how hard each question is, whether it separates strong
candidates from weak ones, and how consistent the whole test is.

The input has a row per candidate per question: `candidate`, `question`, `score`,
`max_score`, and optionally `option` (the choice a candidate picked, blank for none).

Missing answers count as 0, as the exam scores a question left unanswered: a question without
a row for a candidate, or with a blank (NaN) score, scores 0 for that candidate. So every
candidate has a complete row, and one set of candidates serves the difficulty, the
discrimination and Cronbach's alpha alike; each item reports how many answers were `missing`.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from typing import Any

import numpy as np
import pandas as pd

from hirebench.analytics.common import DDOF, FloatArray, column_correlations, number

#: Items whose corrected item-total correlation is below this are flagged for review.
MIN_DISCRIMINATION = 0.2
#: Kelley's upper and lower groups: the top and bottom 27% by the rest of the test.
EXTREME_SHARE = 0.27


def cronbach_alpha(scores: FloatArray) -> float | None:
    """α = k/(k−1) · (1 − Σ var(item) / var(total)) over a complete n x k matrix (ddof=1; the
    ratio is the same for any ddof). It equals KR-20 when every item is 0/1. None below two
    items or two candidates, or when every candidate has the same total."""
    n, k = scores.shape
    if k < 2 or n < 2:
        return None
    total_var = scores.sum(axis=1).var(ddof=DDOF)
    if total_var == 0:
        return None
    return float(k / (k - 1) * (1 - scores.var(axis=0, ddof=DDOF).sum() / total_var))


def _extremes(rest: FloatArray) -> tuple[np.ndarray, np.ndarray]:
    """Row indices of the upper and lower 27% by rest score; ties keep candidate order."""
    size = max(1, round(EXTREME_SHARE * rest.size))
    order = np.argsort(-rest, kind="stable")
    return order[:size], order[::-1][:size]


def option_analysis(
    chosen: np.ndarray,
    scores: FloatArray,
    max_score: float,
    rest: FloatArray,
    correct: Set[str] | None = None,
) -> dict[str, dict[str, Any]]:
    """Each option of one choice question: {"share", "discrimination", "correct", "flag"}.

    `chosen` holds each candidate's option (None when none). Without a `correct` key, an option
    is correct when everyone who chose it scored full marks. A wrong option (a distractor) is
    flagged when strong candidates pick it: choosing it correlates positively with the rest of
    the test AND the upper 27% pick it more often than the lower 27%; both must agree, so that
    a hair's breadth above zero in a small sample is not enough on its own."""
    options = sorted({str(o) for o in chosen if o is not None})
    if not options:
        return {}
    picks = (chosen[:, None] == np.array(options, dtype=object)[None, :]).astype(float)
    discrimination = column_correlations(picks, np.repeat(rest[:, None], len(options), axis=1))
    upper, lower = _extremes(rest)
    out = {}
    for j, option in enumerate(options):
        chose = picks[:, j] == 1
        is_correct = (
            option in correct if correct is not None else bool((scores[chose] >= max_score).all())
        )
        strong_pick = picks[upper, j].mean() > picks[lower, j].mean()
        out[option] = {
            "share": float(picks[:, j].mean()),
            "discrimination": number(discrimination[j]),
            "correct": is_correct,
            "flag": bool(not is_correct and discrimination[j] > 0 and strong_pick),
        }
    return out


def item_analysis(frame: pd.DataFrame, key: Mapping[str, Set[str]] | None = None) -> dict[str, Any]:
    """The item report of docs/analytics.md: {"n", "alpha", "items": {question: {"n",
    "missing", "difficulty", "discrimination", "flag", "options"?}}}. `key` optionally names
    the correct options of choice questions; questions keep the order of their first row."""
    frame = frame.assign(question=frame["question"].astype(str))
    questions = [str(q) for q in pd.unique(frame["question"])]
    candidates = pd.unique(frame["candidate"])
    answered = frame[frame["score"].notna()]
    matrix = answered.pivot(index="candidate", columns="question", values="score").reindex(
        index=candidates, columns=questions
    )
    missing = matrix.isna().sum(axis=0)
    scores = matrix.fillna(0.0).to_numpy(dtype=float)
    maxima = frame.groupby("question")["max_score"].first().reindex(questions).to_numpy(float)
    rest = scores.sum(axis=1)[:, None] - scores
    discrimination = column_correlations(scores, rest)
    chosen = _option_matrix(frame, candidates, questions)
    items: dict[str, Any] = {}
    for j, question in enumerate(questions):
        d = number(discrimination[j])
        item: dict[str, Any] = {
            "n": len(candidates),
            "missing": int(missing[question]),
            "difficulty": float(scores[:, j].mean() / maxima[j]),
            "discrimination": d,
            "flag": d is None or d < MIN_DISCRIMINATION,
        }
        if chosen is not None and any(o is not None for o in chosen[:, j]):
            correct = key.get(question) if key is not None else None
            item["options"] = option_analysis(
                chosen[:, j], scores[:, j], float(maxima[j]), rest[:, j], correct
            )
        items[question] = item
    return {"n": len(candidates), "alpha": cronbach_alpha(scores), "items": items}


def _option_matrix(
    frame: pd.DataFrame, candidates: np.ndarray, questions: list[str]
) -> np.ndarray | None:
    """Each candidate's option (as text) per question, None where they chose none; None
    when the input has no option column."""
    if "option" not in frame.columns:
        return None
    chosen = frame[frame["option"].notna()]
    chosen = chosen.assign(option=chosen["option"].astype(str).str.strip())
    chosen = chosen[chosen["option"] != ""]
    matrix = chosen.pivot(index="candidate", columns="question", values="option").reindex(
        index=candidates, columns=questions
    )
    values = matrix.to_numpy(dtype=object)
    values[pd.isna(values)] = None
    return values
