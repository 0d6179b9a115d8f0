"""`hirebench grader ...`: commands for grader-notebook authors. Registered in hirebench/cli.py."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from hirebench.grading import autotests
from hirebench.grading.formats import GraderError, GraderSpec, load_grader
from hirebench.grading.formats.files import (
    MAX_FILES,
    MAX_TOTAL_BYTES,
    job_files,
    plural,
    total_bytes,
)
from hirebench.grading.pipeline import close_sandbox_provider, run_steps, sandbox_provider
from hirebench.grading.submission import Step
from hirebench.sandbox.report import ReportError
from hirebench.sandbox.runner import SandboxError


@click.group("grader")
def grader_group() -> None:
    """Grader notebooks: check them before an exam uses them."""


@grader_group.command("validate")
@click.argument(
    "notebooks", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path)
)
@click.option(
    "--instantiate",
    is_flag=True,
    help="Run each grader's solution in the sandbox to turn its AUTOTEST directives into "
    "tests, and print those tests (needs Docker).",
)
def validate(notebooks: tuple[Path, ...], instantiate: bool) -> None:
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
        _echo_autotests(path, spec)
        if instantiate and spec.pending_autotests:
            failed |= not _echo_instantiated(path, spec)
    close_sandbox_provider()
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


def _echo_autotests(path: Path, spec: GraderSpec) -> None:
    """The AUTOTEST directives found, which become tests once the solution has run."""
    for test in spec.tests:
        for directive in test.autotests:
            click.echo(f"{path}: test {test.id} (cell {test.cell_index}), {directive}")


def _echo_instantiated(path: Path, spec: GraderSpec) -> bool:
    """Instantiate the directives as grading would, and print the tests they became."""

    def run(steps: Sequence[Step]) -> dict[str, Any]:
        sandboxes = sandbox_provider(1)  # only when the cache does not have the grader
        return run_steps(steps, sandboxes, sandboxes.limits, job_files(spec))

    try:
        done = autotests.instantiate(spec, run)
    except GraderError as exc:
        for problem in exc.problems:
            click.echo(f"{path}: {problem}")
        return False
    except (SandboxError, ReportError) as exc:
        click.echo(f"{path}: the sandbox failed while instantiating AUTOTEST directives: {exc}")
        return False
    for before, after in zip(spec.tests, done.tests, strict=True):
        if before.autotests:
            click.echo(f"{path}: test {after.id} (cell {after.cell_index}) as instantiated:")
            for line in after.source.split("\n"):
                click.echo(f"{path}:   {line}")
    return True
