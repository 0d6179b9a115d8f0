"""`hirebench rubrics ...` and `hirebench interviews ...`: check and load the authored files
for reviews and interviews. Registered in hirebench/cli.py."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from hirebench.authoring import AuthoringError
from hirebench.interviews import service as interviews
from hirebench.interviews.bank import load_bank_file
from hirebench.reviews import rubrics
from hirebench.reviews.rubric_file import load_rubric_file


def _fail(path: Path, exc: AuthoringError) -> None:
    for problem in exc.problems:
        click.echo(str(problem))
    count = len(exc.problems)
    click.echo(f"{path}: {count} problem{'' if count == 1 else 's'}", err=True)
    raise SystemExit(1) from exc


@click.group("rubrics")
def rubrics_group() -> None:
    """Reusable review rubrics (docs/rubric-format.md)."""


@rubrics_group.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
def validate_rubrics(paths: tuple[Path, ...]) -> None:
    """Check rubric files; print every problem as FILE: KEY PATH: message — fix, exit 1."""
    for path in paths:
        try:
            rubric = load_rubric_file(path)
        except AuthoringError as exc:
            _fail(path, exc)
        else:
            click.echo(f"{path}: ok: {rubric.id} ({len(rubric.criteria)} criteria)")


@rubrics_group.command("load")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@with_appcontext
def load_rubrics(paths: tuple[Path, ...]) -> None:
    """Validate rubric files and insert or update them by id."""
    for path in paths:
        try:
            saved = rubrics.save(load_rubric_file(path), source=path.name)
        except AuthoringError as exc:
            _fail(path, exc)
        else:
            click.echo(f"{path}: loaded {saved.slug} ({saved.content_hash[:12]})")


@click.group("interviews")
def interviews_group() -> None:
    """The behavioural interview question bank (docs/interview-bank.md)."""


@interviews_group.command("load-bank")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--check", is_flag=True, help="Only validate; load nothing.")
@with_appcontext
def load_bank(path: Path, check: bool) -> None:
    """Validate a bank file and insert or update its questions by id."""
    try:
        bank = load_bank_file(path)
    except AuthoringError as exc:
        _fail(path, exc)
        return
    if check:
        click.echo(f"{path}: ok: {len(bank.questions)} questions")
        return
    created, updated = interviews.load_bank(bank)
    click.echo(f"{path}: {created} questions added, {updated} updated")


def load_shipped_content(project_root: Path) -> None:
    """The rubrics and question bank that ship in exams/, so a new install can review and
    interview at once. Unchanged files write nothing."""
    rubrics.load_files(sorted((project_root / "exams" / "rubrics").glob("*.yaml")))
    for path in sorted((project_root / "exams" / "interviews").glob("*.yaml")):
        interviews.load_bank(load_bank_file(path))
