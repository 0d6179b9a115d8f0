"""`hirebench analytics ...` (docs/analytics.md): the analyses on CSV files from elsewhere.

Registered in hirebench/cli.py. Errors in the input exit non-zero with the file, row and
column, and print nothing on stdout, so a script piping `--json` never reads half a result.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from hirebench.analytics import csvinput
from hirebench.analytics.adverse import MIN_GROUP, adverse_impact
from hirebench.analytics.items import item_analysis
from hirebench.analytics.validity import validity

CSV_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.group("analytics")
def analytics_group() -> None:
    """Hiring analytics: validity, adverse impact, item analysis (docs/analytics.md)."""


def _fmt(value: float | None, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _p(value: float | None) -> str:
    return "—" if value is None else ("<0.001" if value < 0.001 else f"{value:.3f}")


def _emit(report: dict[str, Any], as_json: bool, table: list[str]) -> None:
    if as_json:
        click.echo(json.dumps(report, indent=2, ensure_ascii=False, allow_nan=False))
    else:
        click.echo("\n".join(table))


@analytics_group.command("validity")
@click.option("--from-csv", "path", required=True, type=CSV_FILE, help="One row per candidate.")
@click.option("--weights", "weights_text", help="Current weights, e.g. exam=50,interview=50.")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON of docs/analytics.md.")
def validity_command(path: Path, weights_text: str | None, as_json: bool) -> None:
    """Each stage's predictive validity, and proposed stage weights.

    Columns: candidate, hired (0/1), performance (blank if not rated), and one column per stage
    with scores 0-100 (blank for none). Without --weights every stage weighs the same."""
    try:
        frame, stages = csvinput.read_validity(path)
        weights = csvinput.parse_weights(weights_text, stages, path) if weights_text else None
    except csvinput.InputError as exc:
        raise click.ClickException(str(exc)) from exc
    report = validity(frame, stages, weights)
    _emit(report, as_json, _validity_table(report))


def _validity_table(report: dict[str, Any]) -> list[str]:
    lines = [
        f"{report['n_rated']} rated hires",
        f"{'stage':<20} {'n':>6} {'r':>7} {'95% CI':>17} {'p':>7} {'r corrected':>12}",
    ]
    for stage, row in report["stages"].items():
        ci = row["ci95"]
        ci_text = f"[{_fmt(ci[0])}, {_fmt(ci[1])}]" if ci else "—"
        lines.append(
            f"{stage:<20} {row['n']:>6} {_fmt(row['r']):>7} {ci_text:>17} "
            f"{_p(row['p']):>7} {_fmt(row['r_corrected']):>12}"
            + (f"  ({row['note']})" if row["note"] else "")
        )
    weights = report["weights"]
    lines += ["", f"{'weights':<20} {'current':>8} {'proposed':>9}"]
    for stage, current in weights["current"].items():
        proposed = weights["proposed"][stage] if weights["proposed"] else None
        lines.append(f"{stage:<20} {current:>8.1f} {_fmt(proposed, 1):>9}")
    lines.append(
        f"cross-validated r: current {_fmt(weights['cv_r_current'])}, "
        f"proposed {_fmt(weights['cv_r_proposed'])}"
    )
    if weights["refused"]:
        lines.append(f"No weights proposed: {weights['refused']}")
    else:
        lines.append(
            f"shrinkage toward the current weights: λ = {weights['shrinkage']:g} "
            f"(over {weights['n_fit']} complete records)"
        )
    return lines


@analytics_group.command("adverse-impact")
@click.option(
    "--from-csv", "path", required=True, type=CSV_FILE, help="candidate,group,stage,passed"
)
@click.option(
    "--min-group",
    default=MIN_GROUP,
    show_default=True,
    type=click.IntRange(min=1),
    help="Groups with fewer people at a stage are suppressed.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the JSON of docs/analytics.md.")
def adverse_impact_command(path: Path, min_group: int, as_json: bool) -> None:
    """Selection rate per group per stage, impact ratios (four-fifths rule), Fisher's exact p
    and a two-proportion z. Small groups are left out of every figure."""
    try:
        frame = csvinput.read_adverse(path)
    except csvinput.InputError as exc:
        raise click.ClickException(str(exc)) from exc
    report = adverse_impact(frame, min_group)
    _emit(report, as_json, _adverse_table(report))


def _adverse_table(report: dict[str, Any]) -> list[str]:
    lines = []
    for stage, row in report["stages"].items():
        flag = "  FLAG: a ratio below 0.8" if row["flag"] else ""
        lines.append(f"{stage} (reference: {row['reference'] or '—'}){flag}")
        lines.append(
            f"  {'group':<20} {'n':>6} {'passed':>7} {'rate':>6} {'ratio':>6} "
            f"{'Fisher p':>9} {'z':>7}"
        )
        for group, counts in row["groups"].items():
            lines.append(
                f"  {group:<20} {counts['n']:>6} {counts['passed']:>7} {counts['rate']:>6.3f} "
                f"{_fmt(row['ratios'].get(group)):>6} {_p(row['fisher_p'].get(group)):>9} "
                f"{_fmt(row['z'].get(group), 2):>7}"
            )
        if row["suppressed"]:
            lines.append(
                f"  {row['suppressed']} group(s) with fewer than {report['min_group']} people "
                "suppressed"
            )
    return lines


@analytics_group.command("items")
@click.option(
    "--from-csv",
    "path",
    required=True,
    type=CSV_FILE,
    help="candidate,question,score,max_score[,option]",
)
@click.option("--json", "as_json", is_flag=True, help="Print the JSON of docs/analytics.md.")
def items_command(path: Path, as_json: bool) -> None:
    """Item analysis of one exam version: difficulty, discrimination, options, Cronbach's alpha."""
    try:
        frame = csvinput.read_items(path)
    except csvinput.InputError as exc:
        raise click.ClickException(str(exc)) from exc
    report = item_analysis(frame)
    _emit(report, as_json, _items_table(report))


def _items_table(report: dict[str, Any]) -> list[str]:
    lines = [
        f"{report['n']} candidates, Cronbach's alpha {_fmt(report['alpha'])}",
        f"{'question':<20} {'difficulty':>10} {'discrimination':>15}",
    ]
    for question, item in report["items"].items():
        flag = "  review: discrimination below 0.2" if item["flag"] else ""
        lines.append(
            f"{question:<20} {item['difficulty']:>10.3f} {_fmt(item['discrimination']):>15}{flag}"
        )
        for option, stats in item.get("options", {}).items():
            mark = "correct" if stats["correct"] else "distractor"
            warn = "  strong candidates pick it" if stats["flag"] else ""
            lines.append(
                f"  option {option:<12} {mark:<10} share {stats['share']:.3f} "
                f"discrimination {_fmt(stats['discrimination'])}{warn}"
            )
    return lines
