"""Hiring analytics on a synthetic job: 10,000 candidates, 1,000 rated hires (issue 15).

All four analyses of hirebench.analytics run on seeded synthetic data:

  validity   four stages, validity per stage and the cross-validated weight recalibration
  adverse    group x stage pass/fail rows (gender with a small group that is suppressed)
  items      one 40-question exam version taken by every candidate (400,000 answer rows,
             half of the questions multiple choice)
  funnel     nine stage timestamps per candidate

Each is timed (best of --repeat runs) against a plain pandas pass over the same rows measured
in this process: correlations and SDs for validity, group-by rates for adverse impact,
group-by means and a pivot for items, counts and median gaps for the funnel. The last line
reads `ratios: validity=... adverse=... items=... funnel=... total=...`, each the analysis'
seconds over its baseline's. Usage: python bench/analytics.py [--repeat N] [--seed N]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hirebench.analytics.adverse import adverse_impact  # noqa: E402
from hirebench.analytics.funnel import FUNNEL_STAGES, funnel  # noqa: E402
from hirebench.analytics.items import item_analysis  # noqa: E402
from hirebench.analytics.validity import validity  # noqa: E402

N_CANDIDATES = 10_000
N_HIRES = 1_000
N_ITEMS = 40
STAGES = {"exam": 0.6, "portfolio": 0.5, "interview": 0.4, "assessment": 0.2}
WEIGHTS = {"exam": 30.0, "portfolio": 30.0, "interview": 25.0, "assessment": 15.0}


def cohort(rng: np.random.Generator) -> tuple[np.ndarray, pd.DataFrame]:
    """Latent ability and the validity frame: stage scores, the top composites hired."""
    ability = rng.normal(size=N_CANDIDATES)
    frame = pd.DataFrame(
        {
            stage: np.clip(
                60 + 15 * (w * ability + np.sqrt(1 - w * w) * rng.normal(size=N_CANDIDATES)),
                0,
                100,
            )
            for stage, w in STAGES.items()
        },
        index=[f"c{i:05d}" for i in range(N_CANDIDATES)],
    )
    frame.loc[rng.random(N_CANDIDATES) < 0.3, "portfolio"] = np.nan  # not every stage for all
    composite = frame.fillna(frame.mean()).to_numpy() @ np.array(list(WEIGHTS.values()))
    hired = np.zeros(N_CANDIDATES, dtype=int)
    hired[np.argsort(-composite)[:N_HIRES]] = 1
    frame["hired"] = hired
    frame["performance"] = np.where(
        hired == 1, np.round(3 + ability + 0.8 * rng.normal(size=N_CANDIDATES), 1), np.nan
    )
    return ability, frame


def adverse_rows(rng: np.random.Generator, frame: pd.DataFrame) -> pd.DataFrame:
    groups = rng.choice(
        ["women", "men", "non-binary", ""], p=[0.45, 0.5, 0.0004, 0.0496], size=N_CANDIDATES
    )
    parts = []
    for stage in ("exam", "portfolio", "interview"):
        scored = frame[stage].notna().to_numpy()
        cut = (frame[stage] >= frame[stage].quantile(0.5)).to_numpy()
        parts.append(
            pd.DataFrame(
                {
                    "candidate": frame.index[scored],
                    "group": groups[scored],
                    "stage": stage,
                    "passed": cut[scored].astype(int),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def item_rows(rng: np.random.Generator, ability: np.ndarray) -> pd.DataFrame:
    difficulty = rng.normal(size=N_ITEMS)
    p = 1 / (1 + np.exp(-(ability[:, None] - difficulty[None, :])))
    correct = rng.random(p.shape) < p
    options = np.where(correct, "a", rng.choice(np.array(["b", "c", "d"]), size=p.shape))
    choice = np.arange(N_ITEMS) % 2 == 0
    return pd.DataFrame(
        {
            "candidate": np.repeat(np.arange(N_CANDIDATES), N_ITEMS),
            "question": np.tile([f"q{j:02d}" for j in range(N_ITEMS)], N_CANDIDATES),
            "score": correct.astype(float).ravel(),
            "max_score": 1.0,
            # Open questions have no option: a blank, as the CSV would have it.
            "option": np.where(choice[None, :], options, "").ravel(),
        }
    )


def funnel_rows(rng: np.random.Generator) -> pd.DataFrame:
    start = pd.Timestamp("2025-01-01", tz="UTC")
    gaps = rng.exponential(4.0, size=(N_CANDIDATES, len(FUNNEL_STAGES))).cumsum(axis=1)
    days = pd.DataFrame(gaps, columns=list(FUNNEL_STAGES))
    reached = (
        np.arange(len(FUNNEL_STAGES))[None, :]
        < rng.integers(1, len(FUNNEL_STAGES) + 1, size=N_CANDIDATES)[:, None]
    )
    return days.where(reached).apply(lambda column: start + pd.to_timedelta(column, unit="D"))


def best_of(repeat: int, work: Callable[[], Any]) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def baselines(
    frame: pd.DataFrame, adverse: pd.DataFrame, items: pd.DataFrame, stamps: pd.DataFrame
) -> dict[str, Callable[[], Any]]:
    """Plain pandas passes over the same rows: what any report would do at least."""
    stages = list(STAGES)

    def validity_base() -> Any:
        rated = frame[(frame.hired == 1) & frame.performance.notna()]
        return rated[[*stages, "performance"]].corr()["performance"], frame[stages].std()

    def adverse_base() -> Any:
        return adverse.groupby(["stage", "group"])["passed"].agg(["size", "mean"])

    def items_base() -> Any:
        wide = items.pivot(index="candidate", columns="question", values="score")
        return items.groupby("question")["score"].mean(), wide.sum(axis=1).var()

    def funnel_base() -> Any:
        return stamps.notna().sum(), stamps.diff(axis=1).median()

    return {
        "validity": validity_base,
        "adverse": adverse_base,
        "items": items_base,
        "funnel": funnel_base,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    ability, frame = cohort(rng)
    adverse, items, stamps = adverse_rows(rng, frame), item_rows(rng, ability), funnel_rows(rng)
    stages = list(STAGES)
    analyses: dict[str, Callable[[], Any]] = {
        "validity": lambda: validity(frame, stages, WEIGHTS),
        "adverse": lambda: adverse_impact(adverse),
        "items": lambda: item_analysis(items),
        "funnel": lambda: funnel(stamps),
    }
    base = baselines(frame, adverse, items, stamps)
    rows = {
        "validity": len(frame),
        "adverse": len(adverse),
        "items": len(items),
        "funnel": len(stamps),
    }
    seconds, base_seconds = {}, {}
    for name, work in analyses.items():
        seconds[name] = best_of(args.repeat, work)
        base_seconds[name] = best_of(args.repeat, base[name])
        print(
            f"{name:<9} {rows[name]:>7} rows  {seconds[name]:.3f} s  "
            f"(pandas pass {base_seconds[name]:.3f} s)"
        )
    report = validity(frame, stages, WEIGHTS)["weights"]
    print(
        f"validity: {report['n_fit']} complete rated hires, cv r current "
        f"{report['cv_r_current']:.3f} -> proposed {report['cv_r_proposed']:.3f} "
        f"{report['proposed']}"
    )
    total, total_base = sum(seconds.values()), sum(base_seconds.values())
    print(f"total {total:.3f} s, pandas passes {total_base:.3f} s")
    ratios = " ".join(f"{name}={seconds[name] / base_seconds[name]:.1f}" for name in analyses)
    print(f"ratios: {ratios} total={total / total_base:.1f}")


if __name__ == "__main__":
    main()
