"""Adverse impact against scipy and statsmodels, and the suppression of small groups."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportions_ztest

from hirebench.analytics.adverse import adverse_impact


def rows(stage: str, counts: dict[str | None, tuple[int, int]]) -> list[dict[str, Any]]:
    """`counts`: group -> (people, passed) at one stage."""
    out = []
    for group, (n, passed) in counts.items():
        for i in range(n):
            candidate = f"{group}-{i}"
            out.append(
                {"candidate": candidate, "group": group, "stage": stage, "passed": i < passed}
            )
    return out


def report(*stages: list[dict[str, Any]], min_group: int = 5) -> dict[str, Any]:
    return adverse_impact(pd.DataFrame([r for stage in stages for r in stage]), min_group)


def test_rates_reference_ratios_and_flag() -> None:
    exam = report(rows("exam", {"A": (50, 30), "B": (40, 14), "C": (20, 11)}))["stages"]["exam"]
    assert exam["groups"] == {
        "A": {"n": 50, "passed": 30, "rate": 0.6},
        "B": {"n": 40, "passed": 14, "rate": 0.35},
        "C": {"n": 20, "passed": 11, "rate": 0.55},
    }
    assert exam["reference"] == "A"
    assert exam["ratios"] == pytest.approx({"A": 1.0, "B": 0.35 / 0.6, "C": 0.55 / 0.6})
    assert exam["flag"] is True  # B is below four fifths
    assert exam["suppressed"] == 0


def test_fisher_and_z_match_scipy_and_statsmodels() -> None:
    exam = report(rows("exam", {"A": (50, 30), "B": (40, 14), "C": (20, 11)}))["stages"]["exam"]
    assert set(exam["fisher_p"]) == set(exam["z"]) == {"B", "C"}
    for group, (n, passed) in {"B": (40, 14), "C": (20, 11)}.items():
        fisher = stats.fisher_exact([[passed, n - passed], [30, 20]])
        assert exam["fisher_p"][group] == pytest.approx(fisher.pvalue, rel=1e-12)
        z, _p = proportions_ztest([passed, 30], [n, 50])
        assert exam["z"][group] == pytest.approx(z, rel=1e-12)
    # And the pooled z by hand for B: (0.35 - 0.6) / sqrt(p(1-p)(1/40 + 1/50)), p = 44/90.
    pooled = 44 / 90
    by_hand = (0.35 - 0.6) / (pooled * (1 - pooled) * (1 / 40 + 1 / 50)) ** 0.5
    assert exam["z"]["B"] == pytest.approx(by_hand)


def test_exactly_four_fifths_is_not_flagged_and_significance_sits_beside_the_flag() -> None:
    exam = report(rows("exam", {"A": (100, 50), "B": (100, 40)}))["stages"]["exam"]
    assert exam["ratios"]["B"] == pytest.approx(0.8)
    assert exam["flag"] is False
    # A large, flagged gap in a small sample: flagged, and the p-value says it may be chance.
    small = report(rows("exam", {"A": (6, 4), "B": (6, 1)}))["stages"]["exam"]
    assert small["flag"] is True and small["fisher_p"]["B"] > 0.05


def test_small_groups_are_suppressed_everywhere() -> None:
    result = report(
        rows("exam", {"A": (30, 20), "B": (25, 10), "Rare": (4, 4), None: (9, 2)}),
        rows("interview", {"A": (20, 10), "B": (10, 6), "Rare": (4, 1)}),
    )
    text = json.dumps(result)
    assert "Rare" not in text  # no name, so no count or rate either
    for stage in ("exam", "interview"):
        entry = result["stages"][stage]
        assert set(entry["groups"]) == {"A", "B"}
        assert entry["suppressed"] == 1
        assert set(entry["ratios"]) == {"A", "B"}
    # The rare group's perfect rate did not become the reference.
    assert result["stages"]["exam"]["reference"] == "A"
    assert result["min_group"] == 5


def test_min_group_is_configurable() -> None:
    result = report(rows("exam", {"A": (30, 20), "B": (8, 2)}), min_group=10)
    assert set(result["stages"]["exam"]["groups"]) == {"A"}
    assert result["stages"]["exam"]["suppressed"] == 1
    assert result["stages"]["exam"]["fisher_p"] == {}


def test_blank_group_is_left_out() -> None:
    result = report(rows("exam", {"A": (10, 5), "": (10, 10), None: (10, 10)}))
    assert result["stages"]["exam"]["groups"].keys() == {"A"}
    assert result["stages"]["exam"]["suppressed"] == 0


def test_everyone_or_no_one_passing_gives_no_z() -> None:
    none = report(rows("exam", {"A": (10, 0), "B": (10, 0)}))["stages"]["exam"]
    assert none["ratios"] == {"A": None, "B": None}
    assert none["z"] == {"B": None} and none["fisher_p"]["B"] == pytest.approx(1.0)
    assert none["flag"] is False
    everyone = report(rows("exam", {"A": (10, 10), "B": (10, 10)}))["stages"]["exam"]
    assert everyone["ratios"] == {"A": 1.0, "B": 1.0} and everyone["z"] == {"B": None}


def test_a_tie_for_the_highest_rate_goes_to_the_larger_group() -> None:
    exam = report(rows("exam", {"A": (10, 5), "B": (20, 10)}))["stages"]["exam"]
    assert exam["reference"] == "B"


def test_stages_keep_their_order_and_the_report_is_json() -> None:
    result = report(rows("interview", {"A": (6, 3)}), rows("exam", {"A": (6, 3)}))
    assert list(result["stages"]) == ["interview", "exam"]
    json.dumps(result, allow_nan=False)
