"""`hirebench exams ...`: check and load exam folders. Registered in hirebench/cli.py."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from hirebench.exams.definition import ExamDefinitionError, load_definition
from hirebench.exams.loader import ExamLoadError, load_exam

GRADERS_HELP = (
    "The graders/ folder that `grader:` paths are relative to. Default: the graders folder "
    "beside the exams folder that holds PATH (PATH/../../graders)."
)


def graders_root_for(folder: Path, graders: Path | None) -> Path:
    return graders if graders is not None else folder.resolve().parent.parent / "graders"


@click.group("exams")
def exams_group() -> None:
    """Exam definitions: folders of exam.yaml plus assets (docs/exam-format.md)."""


@exams_group.command("validate")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--graders", type=click.Path(file_okay=False, path_type=Path), help=GRADERS_HELP)
def validate(path: Path, graders: Path | None) -> None:
    """Check an exam folder. Prints one line when it is valid; otherwise prints every
    problem as FILE: KEY PATH: message — fix: what to do, and exits 1."""
    try:
        definition = load_definition(path, graders_root_for(path, graders))
    except ExamDefinitionError as exc:
        for problem in exc.problems:
            click.echo(str(problem))
        count = len(exc.problems)
        click.echo(f"{path}: {count} problem{'' if count == 1 else 's'}", err=True)
        raise SystemExit(1) from exc
    questions = sum(1 for _ in definition.questions())
    click.echo(
        f"{path}: ok: {definition.id} {definition.title!r}: {len(definition.sections)} "
        f"sections, {questions} questions, {definition.max_points:g} points, "
        f"content {definition.content_hash[:12]}"
    )


@exams_group.command("load")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--graders", type=click.Path(file_okay=False, path_type=Path), help=GRADERS_HELP)
@with_appcontext
def load(path: Path, graders: Path | None) -> None:
    """Validate an exam folder and load it in one transaction. A changed exam gets a new
    version; loading unchanged content writes nothing."""
    try:
        result = load_exam(path, graders_root_for(path, graders))
    except ExamLoadError as exc:
        for problem in exc.problems:
            click.echo(str(problem))
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{result.status.value} {result.exam.slug} version {result.version.number}")
