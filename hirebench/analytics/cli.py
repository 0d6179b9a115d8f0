"""`hirebench analytics ...` (docs/analytics.md): the analyses on CSV files from elsewhere, or
on hirebench's own data (`--job ID`, `--exam SLUG`); and `hirebench performance import`.

Registered in hirebench/cli.py. Errors in the input exit non-zero with the file, row and
column, and print nothing on stdout, so a script piping `--json` never reads half a result.
"""

from __future__ import annotations

import json
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import click
from flask import has_app_context
from flask.cli import ScriptInfo

from hirebench.analytics import csvinput, gather, groups, ratings_io, service
from hirebench.analytics.adverse import MIN_GROUP, adverse_impact
from hirebench.analytics.funnel import funnel
from hirebench.analytics.items import item_analysis
from hirebench.analytics.validity import validity
from hirebench.models import Job

CSV_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.group("analytics")
def analytics_group() -> None:
    """Hiring analytics: validity, adverse impact, item analysis (docs/analytics.md)."""


def _fmt(value: float | None, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _p(value: float | None) -> str:
    return "—" if value is None else ("<0.001" if value < 0.001 else f"{value:.3f}")


def _app_context() -> AbstractContextManager[object] | None:
    """The app, only for the commands that read hirebench's own data: the --from-csv forms
    run without a database, as before."""
    if has_app_context():
        return None
    app = click.get_current_context().ensure_object(ScriptInfo).load_app()
    return app.app_context()


def _job(job_id: int) -> Job:
    context = _app_context()
    if context is not None:
        click.get_current_context().with_resource(context)
    try:
        return service.job_or_error(job_id)
    except service.AnalyticsError as exc:
        raise click.ClickException(str(exc)) from exc


def _one_source(path: Path | None, other: object, other_name: str) -> None:
    if (path is None) == (other is None):
        raise click.UsageError(f"give exactly one of --from-csv and {other_name}")


def _emit(report: dict[str, Any], as_json: bool, table: list[str]) -> None:
    if as_json:
        click.echo(json.dumps(report, indent=2, ensure_ascii=False, allow_nan=False))
    else:
        click.echo("\n".join(table))


@analytics_group.command("validity")
@click.option("--from-csv", "path", type=CSV_FILE, help="One row per candidate.")
@click.option("--job", "job_id", type=int, help="A hirebench job, with its profile's weights.")
@click.option("--weights", "weights_text", help="Current weights, e.g. exam=50,interview=50.")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON of docs/analytics.md.")
def validity_command(
    path: Path | None, job_id: int | None, weights_text: str | None, as_json: bool
) -> None:
    """Each stage's predictive validity, and proposed stage weights.

    Columns: candidate, hired (0/1), performance (blank if not rated), and one column per stage
    with scores 0-100 (blank for none). Without --weights every stage weighs the same. With
    --job, the stages and current weights are the job profile's."""
    _one_source(path, job_id, "--job")
    if job_id is not None:
        if weights_text:
            raise click.UsageError("--weights goes with --from-csv: a job's are its profile's")
        report = service.validity_report(_job(job_id))
        if report is None:
            raise click.ClickException(f"job {job_id} has no profile, so no stages to analyse")
        _emit(report, as_json, _validity_table(report))
        return
    assert path is not None
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
@click.option("--from-csv", "path", type=CSV_FILE, help="candidate,group,stage,passed")
@click.option("--job", "job_id", type=int, help="A hirebench job: its funnel's stages.")
@click.option(
    "--group",
    "question",
    default=groups.FIRST_QUESTION,
    show_default=True,
    help="With --job: which group question to compare by.",
)
@click.option(
    "--min-group",
    default=MIN_GROUP,
    show_default=True,
    type=click.IntRange(min=1),
    help="Groups with fewer people at a stage are suppressed.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the JSON of docs/analytics.md.")
def adverse_impact_command(
    path: Path | None, job_id: int | None, question: str, min_group: int, as_json: bool
) -> None:
    """Selection rate per group per stage, impact ratios (four-fifths rule), Fisher's exact p
    and a two-proportion z. Small groups are left out of every figure."""
    _one_source(path, job_id, "--job")
    if job_id is not None:
        job = _job(job_id)
        report = adverse_impact(gather.adverse_input(job, question), min_group)
        _emit(report, as_json, _adverse_table(report))
        return
    assert path is not None
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
    type=CSV_FILE,
    help="candidate,question,score,max_score[,option]",
)
@click.option("--exam", "slug", help="A hirebench exam: its newest version with scored attempts.")
@click.option("--version", "number", type=int, help="With --exam: this version instead.")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON of docs/analytics.md.")
def items_command(path: Path | None, slug: str | None, number: int | None, as_json: bool) -> None:
    """Item analysis of one exam version: difficulty, discrimination, options, Cronbach's alpha."""
    _one_source(path, slug, "--exam")
    if slug is not None:
        report = _exam_items(slug, number)
        _emit(report, as_json, _items_table(report))
        return
    assert path is not None
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


def _exam_items(slug: str, number: int | None) -> dict[str, Any]:
    context = _app_context()
    if context is not None:
        click.get_current_context().with_resource(context)
    versions = gather.exam_versions(slug)
    if not versions:
        raise click.ClickException(f"no exam {slug!r}")
    if number is not None:
        versions = [v for v in versions if v.number == number]
        if not versions:
            raise click.ClickException(f"exam {slug!r} has no version {number}")
    for version in reversed(versions):
        data = gather.item_input(version)
        if not data.frame.empty:
            return item_analysis(data.frame, data.key)
    raise click.ClickException(f"exam {slug!r} has no fully scored attempt to analyse")


@analytics_group.command("funnel")
@click.option("--job", "job_id", type=int, required=True, help="The job's id.")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON of docs/analytics.md.")
def funnel_command(job_id: int, as_json: bool) -> None:
    """Candidates entering and passing each hiring stage, with the days spent in it."""
    report = funnel(gather.funnel_rows(_job(job_id)))
    lines = [
        f"{report['n']} candidates",
        f"{'stage':<20} {'entered':>8} {'passed':>7} {'conversion':>11} {'median days':>12}",
    ]
    for row in report["stages"]:
        passed = "—" if row["passed"] is None else str(row["passed"])
        lines.append(
            f"{row['stage']:<20} {row['entered']:>8} {passed:>7} "
            f"{_fmt(row['conversion'], 2):>11} {_fmt(row['median_days'], 1):>12}"
        )
    lines.append(f"median days to offer: {_fmt(report['median_days_to_offer'], 1)}")
    _emit(report, as_json, lines)


@click.group("performance")
def performance_group() -> None:
    """Performance ratings of hires (docs/analytics.md)."""


@performance_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--job", "job_id", type=int, required=True, help="The job the hires were hired for.")
@click.option("--scale", "scale_text", required=True, help="The ratings' scale, e.g. 1-5.")
def import_command(path: Path, job_id: int, scale_text: str) -> None:
    """Import ratings from CSV or XLSX with columns email,rated_on,rating[,kind,comment]:
    all of them, or none when a row has a problem."""
    try:
        scale = ratings_io.parse_scale(scale_text)
    except csvinput.InputError as exc:
        raise click.UsageError(str(exc)) from exc
    job = _job(job_id)
    try:
        count = ratings_io.import_ratings(path, job, scale)
    except csvinput.InputError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"imported {count} ratings for job {job.id} ({job.title})")
