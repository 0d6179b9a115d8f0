"""`hirebench onboarding ...`. Registered in hirebench/cli.py."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from hirebench.onboarding import reminders, service
from hirebench.onboarding.template import ChecklistError, load_checklist_file


@click.group("onboarding")
def onboarding_group() -> None:
    """Onboarding checklists and their reminders (docs/onboarding.md)."""


@onboarding_group.command("remind")
@click.option("--dry-run", is_flag=True, help="Print what would be sent; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the reminders as JSON.")
@click.option(
    "--date",
    "on",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Remind as on this day (default: today in ONBOARDING_TIMEZONE).",
)
@with_appcontext
def remind(dry_run: bool, as_json: bool, on: object | None) -> None:
    """Queue today's due and overdue reminders once; the worker does this on its own."""
    day = on.date() if on is not None else service.today()  # type: ignore[attr-defined]
    results = reminders.send_reminders(day, dry_run=dry_run)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "date": day.isoformat(),
                    "dry_run": dry_run,
                    "reminders": [reminder.as_json(status) for reminder, status in results],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    for reminder, status in results:
        click.echo(
            f"{status:12} {reminder.kind:7} task {reminder.task_id} {reminder.task_key} "
            f"(onboarding {reminder.onboarding_id}) -> {reminder.to}"
        )
    counts = {s: sum(1 for _, x in results if x == s) for _, s in results}
    summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "nothing owed"
    click.echo(f"{day.isoformat()}: {summary}")


@onboarding_group.command("check")
@click.argument("path", type=click.Path(dir_okay=False))
def check(path: str) -> None:
    """Check a checklist template file; prints every problem."""
    try:
        checklist = load_checklist_file(path)
    except ChecklistError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{path}: valid, {len(checklist.tasks)} tasks")
