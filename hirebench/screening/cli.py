"""`hirebench resumes import DIR --job ID [--json]`. Registered in hirebench/cli.py."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import with_appcontext

from hirebench.extensions import db
from hirebench.models import Job, Resume
from hirebench.screening.service import import_files
from hirebench.services.errors import ServiceError

# Read at most this much of a file: anything larger is refused by the extractor anyway, and
# reading it whole would let one huge file exhaust memory.
READ_LIMIT = 10 * 1024 * 1024 + 1


@click.group("resumes")
def resumes_group() -> None:
    """Resume screening (docs/screening.md)."""


@resumes_group.command("import")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--job", "job_id", type=int, required=True, help="The job to screen for.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON array, one object per file.")
@with_appcontext
def import_resumes(folder: Path, job_id: int, as_json: bool) -> None:
    """Import every file in FOLDER (not recursive). A file that cannot be read is listed with
    the reason; the others are screened and ranked."""
    job = db.session.get(Job, job_id)
    if job is None:
        raise click.ClickException(f"no job with id {job_id}")
    paths = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    files = []
    for path in paths:
        with path.open("rb") as handle:
            files.append((path.name, handle.read(READ_LIMIT)))
    try:
        resumes = import_files(job, files)
    except ServiceError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    rows = [_row(r) for r in resumes]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for resume in sorted(resumes, key=lambda r: -(r.score if r.score is not None else -1)):
        if resume.status == "error":
            click.echo(f"error  {resume.file_name}: {resume.error}")
        else:
            flags = (resume.match or {}).get("flags", [])
            shown = f"  [{', '.join(flags)}]" if flags else ""
            click.echo(f"{resume.score or 0:5.1f}  {resume.file_name}{shown}")
    ok = sum(1 for r in resumes if r.status == "ok")
    click.echo(f"{ok} screened, {len(resumes) - ok} could not be read")


def _row(resume: Resume) -> dict[str, object]:
    fields = resume.fields or {}
    result = resume.match or {}
    return {
        "file": resume.file_name,
        "status": resume.status,
        "error": resume.error or None,
        "skills": fields.get("skills", {}),
        "employers": fields.get("employers", []),
        "salary_expectation": fields.get("salary_expectation"),
        "match_score": resume.score,
        "flags": result.get("flags", []),
        "explanation": result.get("explanation", []),
    }
