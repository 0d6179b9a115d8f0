"""`hirebench integrity similarity ...` (docs/integrity.md). Registered in hirebench/cli.py.

`--dir DIR` compares the files of a folder, as teams use MOSS and copydetect, with no database;
each file is one submission named by its stem. The source of the submissions is chosen in
`_submissions`, so another source (hirebench's own attempts) adds an option and a branch there
and shares the rest.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import click
from flask import has_app_context
from flask.cli import ScriptInfo

from hirebench.integrity import service as hirebench_attempts
from hirebench.integrity.engine import compare
from hirebench.integrity.report import SimilarityResult
from hirebench.integrity.submissions import (
    MAX_BYTES,
    Kind,
    Problem,
    Submission,
    from_notebook,
    from_python,
    from_text,
    notebook_code_cells,
)

CODE_SUFFIXES = (".py", ".ipynb")
TEXT_SUFFIXES = (".txt", ".md")


@click.group("integrity")
def integrity_group() -> None:
    """Similarity across submissions: evidence for a person to review, never a verdict."""


def read_capped(path: Path) -> tuple[bytes, int]:
    """At most one byte over MAX_BYTES (so the loaders see that the file was longer) and the
    file's size: a 10 MB file is never read whole."""
    with path.open("rb") as handle:
        return handle.read(MAX_BYTES + 1), path.stat().st_size


def folder_kind(directory: Path) -> Kind:
    """Code if the folder holds any .py or .ipynb file, else text."""
    return "code" if any(p.suffix in CODE_SUFFIXES for p in directory.iterdir()) else "text"


def load_folder(
    directory: Path, kind: Kind, exclude_cells: set[str]
) -> tuple[list[Submission | Problem], list[str]]:
    """One submission per file of `kind` (by suffix) in `directory`, named by the file's stem;
    and the names of the files skipped."""
    suffixes = CODE_SUFFIXES if kind == "code" else TEXT_SUFFIXES
    loaded: list[Submission | Problem] = []
    skipped = []
    for path in sorted(directory.iterdir()):
        if path.name.startswith(".") or not path.is_file():
            continue
        if path.suffix.lower() not in suffixes:
            skipped.append(path.name)
            continue
        data, size = read_capped(path)
        if path.suffix.lower() == ".ipynb":
            loaded.append(from_notebook(path.stem, data, exclude_cells, name=path.name, size=size))
        elif kind == "code":
            loaded.append(from_python(path.stem, data, name=path.name, size=size))
        else:
            loaded.append(from_text(path.stem, data, name=path.name, size=size))
    return loaded, skipped


def load_template(path: Path) -> tuple[str, set[str]]:
    """A template's text to subtract and, for a notebook, its cells to leave out of the
    candidates' notebooks."""
    data, size = read_capped(path)
    if path.suffix.lower() == ".ipynb":
        try:
            cells = notebook_code_cells(data, size=size)
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--template") from None
        return "\n\n".join(cells), set(cells)
    return data[:MAX_BYTES].decode("utf-8-sig", errors="replace"), set()


@integrity_group.command("similarity")
@click.option(
    "--dir",
    "directory",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A folder whose files are the submissions (.py/.ipynb, or .txt/.md).",
)
@click.option(
    "--template",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Code or text every candidate was given; subtracted before scoring.",
)
@click.option("--kind", type=click.Choice(["code", "text"]), help="Default: by the files.")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON report.")
@click.option("--exam", "exam_slug", help="Instead of --dir: this exam's attempts in hirebench.")
@click.option("--question", "question_id", help="With --exam: the question's id.")
@click.option(
    "--part",
    type=click.Choice(["rules", "rationale"]),
    help="With --exam, for an annotation task: its rule table or (default) its rationale.",
)
@click.option("--version", "version_number", type=int, help="With --exam: default the newest.")
def similarity(
    directory: Path | None,
    template: Path | None,
    kind: str | None,
    as_json: bool,
    exam_slug: str | None,
    question_id: str | None,
    part: str | None,
    version_number: int | None,
) -> None:
    """Score every pair of submissions and flag the unusual ones for review."""
    template_text, exclude_cells = load_template(template) if template else (None, set())
    starter: tuple[str, ...] = ()
    if exam_slug is not None:
        if directory is not None or not question_id:
            raise click.UsageError("give --exam SLUG with --question ID, and no --dir")
        with _app_context():
            try:
                submissions, chosen, starter = hirebench_attempts.exam_cohort(
                    exam_slug, question_id, part or "", version_number
                )
            except hirebench_attempts.SimilarityError as error:
                raise click.UsageError(str(error)) from None
        skipped: list[str] = []
    else:
        submissions, chosen, skipped = _submissions(directory, kind, exclude_cells)
    result = compare(submissions, kind=chosen, template=template_text, starter=starter)
    if as_json:
        click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
        return
    _print(result, skipped)


def _app_context() -> contextlib.AbstractContextManager[object]:
    """The app's context for the database: the `hirebench` script's, or one made for it."""
    if has_app_context():
        return contextlib.nullcontext()
    return click.get_current_context().ensure_object(ScriptInfo).load_app().app_context()


def _submissions(
    directory: Path | None, kind: str | None, exclude_cells: set[str]
) -> tuple[list[Submission | Problem], Kind, list[str]]:
    if directory is None:
        raise click.UsageError("give --dir DIR")
    chosen: Kind = "code" if kind == "code" else "text" if kind else folder_kind(directory)
    loaded, skipped = load_folder(directory, chosen, exclude_cells)
    return loaded, chosen, skipped


def _print(result: SimilarityResult, skipped: list[str]) -> None:
    flagged = sum(p.flagged for p in result.pairs)
    click.echo(
        f"{result.kind}: {len(result.distribution)} pairs, threshold {result.threshold:.2f}, "
        f"{flagged} flagged (a flag asks for review; it is not a verdict)"
    )
    for pair in result.pairs:
        mark = "FLAG" if pair.flagged else "    "
        where = ", ".join(
            f"{f.a_lines[0]}-{f.a_lines[1]}~{f.b_lines[0]}-{f.b_lines[1]}" for f in pair.fragments
        )
        click.echo(f"{mark} {pair.score:.2f}  {pair.a}  {pair.b}  {where}")
    for members in result.clusters:
        click.echo(f"cluster of {len(members)}: {', '.join(members)}")
    for issue in result.problems:
        click.echo(f"problem: {issue.submission or '(batch)'}: {issue.reason}")
    if skipped:
        click.echo(f"skipped (other file types): {', '.join(skipped)}")
