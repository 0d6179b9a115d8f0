"""`hirebench exams ...`: check and load exam folders; `hirebench candidates accommodate`: a
candidate's extra time and breaks (docs/accommodations.md). Registered in hirebench/cli.py."""

from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from hirebench.exams import accommodations
from hirebench.exams.accommodations import Accommodation, AccommodationError
from hirebench.exams.definition import ExamDefinitionError, load_definition
from hirebench.exams.loader import ExamLoadError, load_exam
from hirebench.extensions import db
from hirebench.models import User
from hirebench.services.accounts import AccountError, normalize_email

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


@click.group("candidates")
def candidates_group() -> None:
    """Candidates: accommodations for their exams (docs/accommodations.md)."""


def _describe(current: Accommodation) -> str:
    breaks = (
        f"{current.break_count} x {current.break_minutes} min" if current.break_count else "none"
    )
    note = "yes" if current.note else "none"
    return f"extra time x{current.extra_time_factor:g}, breaks {breaks}, note {note}"


@candidates_group.command("accommodate")
@click.argument("email")
@click.option(
    "--extra-time",
    type=float,
    help=f"The time-limit factor: {', '.join(f'{f:g}' for f in accommodations.FACTOR_CHOICES)}, "
    f"or any value from {accommodations.MIN_FACTOR:g} to {accommodations.MAX_FACTOR:g} "
    "(1 for none).",
)
@click.option("--breaks", type=int, help="Pause-able breaks per timed exam (0 for none).")
@click.option("--break-minutes", type=int, help="The length of each break, in minutes.")
@click.option("--note", help="HR's note: why, and what was agreed. Seen by HR only.")
@with_appcontext
def accommodate(
    email: str,
    extra_time: float | None,
    breaks: int | None,
    break_minutes: int | None,
    note: str | None,
) -> None:
    """Set EMAIL's accommodation for the exams they have not started yet (audited). Options
    left out keep their present value; with none, print the present accommodation."""
    try:
        address = normalize_email(email)
    except AccountError as exc:
        raise click.ClickException(f"{email!r} is not a valid email address.") from exc
    person = db.session.scalar(sa.select(User).where(User.email == address))
    if person is None:
        raise click.ClickException(f"There is no account with the email {address}.")
    current = accommodations.of(person)
    if extra_time is None and breaks is None and break_minutes is None and note is None:
        click.echo(f"{address}: {_describe(current)}")
        return
    wanted = Accommodation(
        extra_time_factor=current.extra_time_factor if extra_time is None else extra_time,
        break_count=current.break_count if breaks is None else breaks,
        break_minutes=current.break_minutes if break_minutes is None else break_minutes,
        note=current.note if note is None else note,
    )
    try:
        changed = accommodations.set_accommodation(person, wanted, by=None, actor_email="cli")
    except AccommodationError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    state = "updated" if changed else "unchanged"
    click.echo(f"{address}: {state}: {_describe(accommodations.of(person))}")
