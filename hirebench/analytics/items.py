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

from collections.abc import Mapping, Sequence, Set
from typing import TYPE_CHECKING, Any

import numpy as np

from hirebench.analytics.common import DDOF, FloatArray, column_correlations, number

if TYPE_CHECKING:
    import pandas as pd

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
    labels: Sequence[str],
    scores: FloatArray,
    max_score: float,
    rest: FloatArray,
    correct: Set[str] | None = None,
) -> dict[str, dict[str, Any]]:
    """Each option of one choice question: {"share", "discrimination", "correct", "flag"}.

    `chosen` holds each candidate's option as an index into `labels`, -1 for none. Without a
    `correct` key, an option is correct when everyone who chose it scored full marks. A wrong
    option (a distractor) is flagged when strong candidates pick it: choosing it correlates
    positively with the rest of the test AND the upper 27% pick it more often than the lower
    27%; both must agree, so that a hair's breadth above zero in a small sample is not enough
    on its own. Options are listed by label."""
    counts = np.bincount(chosen[chosen >= 0], minlength=len(labels))
    present = sorted(np.flatnonzero(counts).tolist(), key=lambda code: labels[code])
    if not present:
        return {}
    picks = (chosen[:, None] == np.array(present)[None, :]).astype(float)
    discrimination = column_correlations(picks, np.repeat(rest[:, None], len(present), axis=1))
    upper, lower = _extremes(rest)
    strong_picks = picks[upper].mean(axis=0) > picks[lower].mean(axis=0)
    out = {}
    for j, code in enumerate(present):
        option = labels[code]
        chose = picks[:, j] == 1
        is_correct = (
            option in correct if correct is not None else bool((scores[chose] >= max_score).all())
        )
        out[option] = {
            "share": float(picks[:, j].mean()),
            "discrimination": number(discrimination[j]),
            "correct": is_correct,
            "flag": bool(not is_correct and discrimination[j] > 0 and strong_picks[j]),
        }
    return out


def item_analysis(frame: pd.DataFrame, key: Mapping[str, Set[str]] | None = None) -> dict[str, Any]:
    """The item report of docs/analytics.md: {"n", "alpha", "items": {question: {"n",
    "missing", "difficulty", "discrimination", "flag", "options"?}}}. `key` optionally names
    the correct options of choice questions; questions keep the order of their first row.
    One row per candidate and question: a repeated pair raises ValueError."""
    rows, cols, questions = _cells(frame)
    candidates = int(rows.max(initial=-1)) + 1
    score = frame["score"].to_numpy(dtype=float)
    answered = ~np.isnan(score)
    scores = np.zeros((candidates, len(questions)))
    scores[rows[answered], cols[answered]] = score[answered]
    missing = candidates - np.bincount(cols[answered], minlength=len(questions))
    maxima = np.zeros(len(questions))
    maxima[cols] = frame["max_score"].to_numpy(dtype=float)  # one maximum per question
    rest = scores.sum(axis=1)[:, None] - scores
    discrimination = column_correlations(scores, rest)
    chosen, labels = _option_matrix(frame, rows, cols, scores.shape)
    items: dict[str, Any] = {}
    for j, question in enumerate(questions):
        d = number(discrimination[j])
        item: dict[str, Any] = {
            "n": candidates,
            "missing": int(missing[j]),
            "difficulty": float(scores[:, j].mean() / maxima[j]),
            "discrimination": d,
            "flag": d is None or d < MIN_DISCRIMINATION,
        }
        if chosen is not None and (chosen[:, j] >= 0).any():
            correct = key.get(question) if key is not None else None
            item["options"] = option_analysis(
                chosen[:, j], labels, scores[:, j], float(maxima[j]), rest[:, j], correct
            )
        items[question] = item
    return {"n": candidates, "alpha": cronbach_alpha(scores), "items": items}


def _cells(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Each row's candidate and question as matrix indices, in order of first appearance, and
    the questions in that order."""
    import pandas as pd  # 0.3 s to import: loaded when an analysis runs, not at start-up

    rows, _ = pd.factorize(frame["candidate"], sort=False)
    cols, questions = pd.factorize(frame["question"].astype(str), sort=False)
    cells = rows.astype(np.int64) * max(len(questions), 1) + cols
    if cells.size and np.bincount(cells).max() > 1:
        raise ValueError("more than one row for the same candidate and question")
    return rows, cols, [str(q) for q in questions]


def _option_matrix(
    frame: pd.DataFrame, rows: np.ndarray, cols: np.ndarray, shape: tuple[int, int]
) -> tuple[np.ndarray | None, list[str]]:
    """Each candidate's option per question as an index into the returned labels, -1 where
    they chose none (no option, or a blank one); None when the input has no option column."""
    import pandas as pd

    if "option" not in frame.columns:
        return None, []
    codes, labels = pd.factorize(frame["option"], sort=False, use_na_sentinel=True)
    names = [str(label) for label in labels]
    if "" in names:
        codes = np.where(codes == names.index(""), -1, codes)
    chosen = np.full(shape, -1)
    chosen[rows, cols] = codes
    return chosen, names
