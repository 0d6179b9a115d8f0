"""`hirebench grader ...`: commands for grader-notebook authors. Registered in hirebench/cli.py."""

from __future__ import annotations

from pathlib import Path

import click

from hirebench.grading.formats import GraderError, load_grader


@click.group("grader")
def grader_group() -> None:
    """Grader notebooks: check them before an exam uses them."""


@grader_group.command("validate")
@click.argument(
    "notebooks", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path)
)
def validate(notebooks: tuple[Path, ...]) -> None:
    """Check grader notebooks. Prints each problem as PATH: cell N, line M: message, one per
    line, and exits 1 if any notebook has a problem (cells count from 0, lines from 1)."""
    failed = False
    for path in notebooks:
        try:
            spec = load_grader(path)
        except GraderError as exc:
            failed = True
            for problem in exc.problems:
                click.echo(f"{path}: {problem}")
            continue
        hidden = sum(test.hidden for test in spec.tests)
        click.echo(
            f"{path}: ok ({spec.source_format}) {spec.title!r}: {len(spec.tests)} tests "
            f"({hidden} with hidden parts), {spec.max_points:g} points"
        )
    if failed:
        raise SystemExit(1)
