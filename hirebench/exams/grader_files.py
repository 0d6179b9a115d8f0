"""The files coding questions' graders ship (hirebench/grading/formats/files.py), kept in the
database once per content (`GraderFile`). A stored exam definition names them by path,
SHA-256 and size (`CodingSpec.grader_files`); grading a question fetches them and checks
every hash, so a version grades with exactly the files it was loaded with."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa

from hirebench.extensions import db
from hirebench.grading.formats import GraderError, Problem
from hirebench.grading.formats.files import GraderFiles
from hirebench.models import GraderFile


def file_refs(files: GraderFiles) -> tuple[dict[str, Any], ...]:
    """How a definition names its grader's files: path, sha256 and size, in path order."""
    return tuple(
        {"path": path, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
        for path, data in files
    )


def store(blobs: Mapping[str, bytes]) -> None:
    """Add every file (keyed by its SHA-256) that the database does not hold yet, in the
    caller's transaction."""
    if not blobs:
        return
    held = set(db.session.scalars(sa.select(GraderFile.sha256).where(GraderFile.sha256.in_(blobs))))
    for sha256, data in sorted(blobs.items()):
        if sha256 not in held:
            db.session.add(GraderFile(sha256=sha256, size=len(data), data=data))


def fetch(refs: Iterable[Mapping[str, Any]]) -> GraderFiles:
    """The files that `refs` name, checked against their hashes. Raises GraderError when one
    is missing or its bytes do not match, which the grading pipeline reports as a failure."""
    wanted = [(str(ref["path"]), str(ref["sha256"])) for ref in refs]
    # Plain rows, not entities: megabytes of data need not sit in the session's identity map.
    rows = db.session.execute(
        sa.select(GraderFile.sha256, GraderFile.data).where(
            GraderFile.sha256.in_({sha256 for _, sha256 in wanted})
        )
    ).all()
    found = {str(sha256): bytes(data) for sha256, data in rows}
    files: list[tuple[str, bytes]] = []
    problems: list[Problem] = []
    for path, sha256 in wanted:
        data = found.get(sha256)
        if data is None or hashlib.sha256(data).hexdigest() != sha256:
            problems.append(
                Problem(
                    f"grader file {path!r} (SHA-256 {sha256[:12]}…) is missing from the "
                    f"database or damaged; load the exam again"
                )
            )
            continue
        files.append((path, data))
    if problems:
        raise GraderError(problems)
    return tuple(sorted(files))
