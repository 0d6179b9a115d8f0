"""The hiring funnel: how many candidates reached each stage, how many went on, and how long
they spent there.

The input has a row per candidate and a column per stage of FUNNEL_STAGES holding when the
candidate reached it (a datetime, or NaT/None when they did not); missing columns count as
stages nobody reached (a job without a portfolio stage, say).

- entered: candidates who reached the stage;
- passed: those of them who reached any later stage (a stage the job skips is no wall);
  None for the last stage, which has nothing after it;
- conversion: passed / entered;
- median_days: over those who passed, the days from reaching the stage to reaching the next
  stage they reached;
- median_days_to_offer: over candidates with an offer, the days from the first stage they
  reached to the offer.

Timestamps are taken as given; one earlier than the stage before it gives a negative duration,
which pulls a median down rather than being dropped silently.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from hirebench.analytics.common import number

if TYPE_CHECKING:
    import pandas as pd

FUNNEL_STAGES = (
    "screened",
    "invited",
    "exam_started",
    "exam_submitted",
    "portfolio_reviewed",
    "interviewed",
    "offer",
    "accepted",
    "started",
)
OFFER = "offer"
SECONDS_PER_DAY = 86_400.0


def _days(frame: pd.DataFrame) -> np.ndarray:
    """The timestamps as float days since the epoch, NaN where a stage was not reached."""
    import pandas as pd  # 0.3 s to import: loaded when an analysis runs, not at start-up

    columns = []
    for stage in FUNNEL_STAGES:
        if stage in frame.columns:
            when = pd.to_datetime(frame[stage], utc=True)
            seconds = (when - pd.Timestamp(0, tz="UTC")).dt.total_seconds()
            columns.append(seconds.to_numpy(dtype=float) / SECONDS_PER_DAY)
        else:
            columns.append(np.full(len(frame), np.nan))
    return np.column_stack(columns) if columns else np.empty((len(frame), 0))


def _median(values: np.ndarray) -> float | None:
    return number(np.median(values)) if values.size else None


def funnel(
    timestamps: pd.DataFrame | Sequence[Mapping[str, datetime | date | None]],
) -> dict[str, Any]:
    """{"n", "stages": [{"stage", "entered", "passed", "conversion", "median_days"}, ...],
    "median_days_to_offer"}, stages in FUNNEL_STAGES order. Naive datetimes are read as UTC."""
    import pandas as pd

    frame = timestamps if isinstance(timestamps, pd.DataFrame) else pd.DataFrame(timestamps)
    days = _days(frame)
    reached = ~np.isnan(days)
    # next_at[:, i]: when the candidate reached stage i or the first later stage they reached.
    next_at = pd.DataFrame(days).bfill(axis=1).to_numpy()
    stages = []
    for i, stage in enumerate(FUNNEL_STAGES):
        entered = int(reached[:, i].sum())
        row: dict[str, Any] = {"stage": stage, "entered": entered, "passed": None}
        row["conversion"] = row["median_days"] = None
        if i + 1 < len(FUNNEL_STAGES):
            went_on = reached[:, i] & ~np.isnan(next_at[:, i + 1])
            row["passed"] = int(went_on.sum())
            row["conversion"] = row["passed"] / entered if entered else None
            row["median_days"] = _median(next_at[went_on, i + 1] - days[went_on, i])
        stages.append(row)
    offer = FUNNEL_STAGES.index(OFFER)
    with_offer = reached[:, offer]
    first = np.where(reached, days, np.inf)[with_offer].min(axis=1, initial=np.inf)
    return {
        "n": len(frame),
        "stages": stages,
        "median_days_to_offer": _median(days[with_offer, offer] - first),
    }
