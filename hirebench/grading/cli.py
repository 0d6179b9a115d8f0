"""`hirebench grader ...`: commands for grader-notebook authors. Registered in hirebench/cli.py."""

from __future__ import annotations

from pathlib import Path

import click

from hirebench.grading.formats import GraderError, GraderSpec, load_grader
from hirebench.grading.formats.files import MAX_FILES, MAX_TOTAL_BYTES, plural, total_bytes


@click.group("grader")
def grader_group() -> None:
    """Grader notebooks: check them before an exam uses them."""


@grader_group.command("validate")
@click.argument(
    "notebooks", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path)
)
def validate(notebooks: tuple[Path, ...]) -> None:
    """Check grader notebooks. Prints each problem as PATH: cell N, line M: message, one per
    line, and exits 1 if any notebook has a problem (cells count from 0, lines from 1). A valid
    notebook's line is followed by the files it ships, if any (docs/grader-notebook.md)."""
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
        _echo_files(path, spec)
    if failed:
        raise SystemExit(1)


def _echo_files(path: Path, spec: GraderSpec) -> None:
    """The files the grader ships, so an author sees exactly what candidates can read."""
    if not spec.files:
        return
    click.echo(
        f"{path}: ships {plural(len(spec.files), 'file')} read-only, "
        f"{total_bytes(spec.files):,} bytes "
        f"(limits: {MAX_FILES} files, {MAX_TOTAL_BYTES:,} bytes):"
    )
    for name, data in spec.files:
        click.echo(f"{path}:   {name} ({len(data):,} bytes)")
