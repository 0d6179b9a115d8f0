"""Adverse impact: does a stage pass one group of candidates far less often than another?

The input has a row per candidate per stage: `group` (the candidate's self-identified group;
blank or NaN when not given, and then the row is left out: the data is voluntary), `stage`,
and `passed` (0/1 or bool). Stages keep the order in which they first appear.

The four-fifths rule (29 CFR 1607.4(D)): a group whose selection rate is below 0.8 of the
highest group's rate shows adverse impact. Fisher's exact test and a two-proportion z test say
beside it whether the difference could be chance; neither replaces the ratio.

Suppression: a group with fewer than `min_group` people at a stage is removed from that
stage's output: no name, no count, no rate, no test. Only the number of groups removed is
given ("suppressed"), because a name alone tells that one to four people of that group reached
the stage, which can be enough to point at a person. Those people are also left out of the
reference: a rate over two people is no yardstick.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from hirebench.analytics.common import number

if TYPE_CHECKING:
    import pandas as pd

MIN_GROUP = 5
#: The four-fifths rule.
THRESHOLD = 0.8


def _reference(counts: pd.DataFrame) -> str:
    """The group with the highest rate; a tie goes to the larger group, then to the first name,
    so the choice never depends on row order."""
    ranked = counts.assign(name=counts.index).sort_values(
        ["rate", "n", "name"], ascending=[False, False, True]
    )
    return str(ranked.index[0])


def _z(passed: int, n: int, ref_passed: int, ref_n: int) -> float | None:
    """The pooled two-proportion z of a group against the reference; None when both pass
    everyone or no one, where the test's standard error is zero and z is undefined."""
    pooled = (passed + ref_passed) / (n + ref_n)
    if pooled in (0.0, 1.0):
        return None
    # statsmodels costs 1.1 s to import (scipy and pandas with it): only when a report runs.
    from statsmodels.stats.proportion import proportions_ztest

    z, _p = proportions_ztest(np.array([passed, ref_passed]), np.array([n, ref_n]))
    return number(z)


def stage_impact(counts: pd.DataFrame, min_group: int = MIN_GROUP) -> dict[str, Any]:
    """One stage's entry. `counts` is indexed by group with columns `n` and `passed`."""
    from scipy import stats  # 0.9 s to import: loaded when a report runs, not at start-up

    shown = counts[counts["n"] >= min_group].copy()
    shown["rate"] = shown["passed"] / shown["n"]
    out: dict[str, Any] = {
        "groups": {
            str(g): {"n": int(row.n), "passed": int(row.passed), "rate": float(row.rate)}
            for g, row in shown.sort_index().iterrows()
        },
        "reference": None,
        "ratios": {},
        "fisher_p": {},
        "z": {},
        "flag": False,
        "suppressed": int((counts["n"] < min_group).sum()),
    }
    if shown.empty:
        return out
    reference = _reference(shown)
    ref = shown.loc[reference]
    out["reference"] = reference
    for group, row in shown.sort_index().iterrows():
        ratio = row.rate / ref.rate if ref.rate > 0 else None
        out["ratios"][str(group)] = ratio
        if group == reference:
            continue
        table = [[row.passed, row.n - row.passed], [ref.passed, ref.n - ref.passed]]
        out["fisher_p"][str(group)] = number(stats.fisher_exact(table).pvalue)
        out["z"][str(group)] = _z(int(row.passed), int(row.n), int(ref.passed), int(ref.n))
    out["flag"] = any(r is not None and r < THRESHOLD for r in out["ratios"].values())
    return out


def adverse_impact(frame: pd.DataFrame, min_group: int = MIN_GROUP) -> dict[str, Any]:
    """The adverse-impact report of docs/analytics.md:
    {"min_group", "stages": {stage: {"groups": {g: {"n", "passed", "rate"}}, "reference",
    "ratios", "fisher_p", "z", "flag", "suppressed"}}}.

    Ratios include the reference (1.0); fisher_p and z are each group against the reference.
    A ratio is None when the reference's rate is 0 (nobody passed)."""
    if min_group < 1:
        raise ValueError("min_group must be at least 1")
    import pandas as pd  # 0.3 s to import: loaded when an analysis runs, not at start-up

    stages = [str(s) for s in pd.unique(frame["stage"])]
    given = frame[frame["group"].notna() & (frame["group"].astype(str).str.strip() != "")]
    counts = (
        given.assign(passed=given["passed"].astype(int), stage=given["stage"].astype(str))
        .groupby(["stage", "group"])["passed"]
        .agg(n="size", passed="sum")
    )
    report: dict[str, Any] = {"min_group": min_group, "stages": {}}
    for stage in stages:
        if stage in counts.index.get_level_values(0):
            stage_counts = counts.xs(stage, level="stage")
        else:
            stage_counts = pd.DataFrame({"n": [], "passed": []})
        report["stages"][stage] = stage_impact(stage_counts, min_group)
    return report
