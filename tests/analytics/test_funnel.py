"""The funnel on a hand-built cohort."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from hirebench.analytics.funnel import FUNNEL_STAGES, funnel

T0 = datetime(2025, 3, 3, 9, 0)


def at(days: float) -> datetime:
    return T0 + timedelta(days=days)


COHORT = [
    # Hired and started; no portfolio stage in this job.
    {
        "screened": at(0),
        "invited": at(2),
        "exam_started": at(3),
        "exam_submitted": at(3.5),
        "interviewed": at(10),
        "offer": at(14),
        "accepted": at(16),
        "started": at(30),
    },
    # Offered, declined.
    {
        "screened": at(1),
        "invited": at(2),
        "exam_started": at(4),
        "exam_submitted": at(4.25),
        "interviewed": at(12),
        "offer": at(21),
    },
    # Submitted the exam, went no further.
    {"screened": at(0), "invited": at(1), "exam_started": at(5), "exam_submitted": at(5.5)},
    # Invited, never started.
    {"screened": at(0), "invited": at(4)},
    # Screened out.
    {"screened": at(0)},
]


def by_stage(report: dict) -> dict[str, dict]:
    return {row["stage"]: row for row in report["stages"]}


def test_entered_passed_conversion() -> None:
    report = funnel(COHORT)
    assert report["n"] == 5
    assert [row["stage"] for row in report["stages"]] == list(FUNNEL_STAGES)
    stages = by_stage(report)
    assert (stages["screened"]["entered"], stages["screened"]["passed"]) == (5, 4)
    assert stages["screened"]["conversion"] == pytest.approx(0.8)
    assert (stages["invited"]["entered"], stages["invited"]["passed"]) == (4, 3)
    assert (stages["exam_submitted"]["entered"], stages["exam_submitted"]["passed"]) == (3, 2)
    # A stage the job skips: nobody entered, so no rate, and it stops no one.
    assert stages["portfolio_reviewed"] == {
        "stage": "portfolio_reviewed",
        "entered": 0,
        "passed": 0,
        "conversion": None,
        "median_days": None,
    }
    assert (stages["offer"]["entered"], stages["offer"]["passed"]) == (2, 1)
    assert stages["started"]["passed"] is None and stages["started"]["conversion"] is None


def test_median_days_in_stage_and_to_offer() -> None:
    report = funnel(COHORT)
    stages = by_stage(report)
    # screened -> invited for the four who went on: 2, 1, 1, 4 days.
    assert stages["screened"]["median_days"] == pytest.approx(1.5)
    # exam submitted -> the next stage reached (interviewed, skipping the portfolio): 6.5, 7.75.
    assert stages["exam_submitted"]["median_days"] == pytest.approx((6.5 + 7.75) / 2)
    assert stages["offer"]["median_days"] == pytest.approx(2)
    # Days to offer from the first stage reached: 14 and 20.
    assert report["median_days_to_offer"] == pytest.approx(17)


def test_frame_input_with_aware_timestamps_and_no_offers() -> None:
    frame = pd.DataFrame(
        {
            "screened": [datetime(2025, 1, 1, tzinfo=UTC)] * 2,
            "invited": [datetime(2025, 1, 3, tzinfo=UTC), None],
        }
    )
    report = funnel(frame)
    assert by_stage(report)["screened"]["median_days"] == pytest.approx(2)
    assert report["median_days_to_offer"] is None


def test_empty_cohort() -> None:
    report = funnel([])
    assert report["n"] == 0
    assert all(row["entered"] == 0 and row["conversion"] is None for row in report["stages"])
