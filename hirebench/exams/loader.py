"""Loading an exam folder into the database as a new, immutable version.

`load_exam` validates first (nothing is written for a folder with problems), then writes in
one transaction of its own: it commits on success and rolls back on any failure, so an exam
is never half-loaded. Call it with no other pending changes in the session.

Versioning: the content hash covers exam.yaml and every file it references.
* same hash as the current version: nothing is written ("unchanged");
* the hash of an older version (the author reverted a change): that version becomes current
  again ("republished"), since versions are immutable and a hash is unique per exam;
* otherwise a new version numbered one past the highest ("loaded").
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from hirebench.authoring import Problem
from hirebench.exams import grader_files
from hirebench.exams.definition import ExamDefinition, ExamDefinitionError, load_definition
from hirebench.extensions import db
from hirebench.models import Exam, ExamVersion, User
from hirebench.models.base import utcnow
from hirebench.services import audit
from hirebench.services.errors import ServiceError

log = logging.getLogger(__name__)


class LoadStatus(enum.StrEnum):
    loaded = "loaded"  # a new version was written
    unchanged = "unchanged"  # the current version already has this content
    republished = "republished"  # an older version with this content is current again


class ExamLoadError(ServiceError):
    """The folder was not loaded; nothing was written. `problems` lists the definition's
    problems when that was the reason (empty for a database conflict)."""

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.problems = list(problems or [])


@dataclass(frozen=True)
class LoadResult:
    exam: Exam
    version: ExamVersion  # the current version after the load
    created: bool  # whether a new version was written
    status: LoadStatus = LoadStatus.loaded


def current_version(exam: Exam) -> ExamVersion | None:
    """The version new attempts should use: the most recently published one."""
    return db.session.scalar(
        sa.select(ExamVersion)
        .where(ExamVersion.exam_id == exam.id)
        .order_by(ExamVersion.published_at.desc(), ExamVersion.number.desc())
        .limit(1)
    )


_parsed: dict[str, ExamDefinition] = {}


def version_definition(version: ExamVersion) -> ExamDefinition:
    """The stored definition of a version, rebuilt without reading any file. A version never
    changes and its content hash names its content, so each is parsed once per process."""
    if version.content_hash not in _parsed:
        _parsed[version.content_hash] = ExamDefinition.from_json(version.definition)
    return _parsed[version.content_hash]


def load_exam(folder: Path, graders_root: Path, actor: User | None = None) -> LoadResult:
    """Validate the folder and load it; see the module docstring. Raises ExamLoadError."""
    try:
        definition = load_definition(Path(folder), Path(graders_root))
    except ExamDefinitionError as exc:
        raise ExamLoadError(
            f"{folder}: {len(exc.problems)} problems; nothing was loaded", exc.problems
        ) from exc

    finished = False
    try:
        result = _write(definition, actor, folder)
        if result.status is not LoadStatus.unchanged:
            db.session.commit()
        finished = True
    except IntegrityError as exc:
        # The unique constraints caught a concurrent load of the same exam.
        raise ExamLoadError(
            f"{definition.id}: another load of this exam ran at the same time; run it again"
        ) from exc
    finally:
        if not finished:
            # Any failure, whatever its type, leaves nothing behind.
            db.session.rollback()
    log.info(
        "exam %s: %s version %d (%s)",
        definition.id,
        result.status.value,
        result.version.number,
        definition.content_hash[:12],
    )
    return result


def _write(definition: ExamDefinition, actor: User | None, folder: Path) -> LoadResult:
    exam = db.session.scalar(sa.select(Exam).where(Exam.slug == definition.id))
    if exam is not None:
        current = current_version(exam)
        if current is not None and current.content_hash == definition.content_hash:
            return LoadResult(exam, current, created=False, status=LoadStatus.unchanged)
        older = db.session.scalar(
            sa.select(ExamVersion).where(
                ExamVersion.exam_id == exam.id,
                ExamVersion.content_hash == definition.content_hash,
            )
        )
        if older is not None:
            older.published_at = utcnow()
            exam.title = definition.title
            _audit(actor, older, definition, folder, LoadStatus.republished)
            return LoadResult(exam, older, created=False, status=LoadStatus.republished)
    else:
        exam = Exam(slug=definition.id, title=definition.title)
        db.session.add(exam)
        db.session.flush()
    highest = db.session.scalar(
        sa.select(sa.func.max(ExamVersion.number)).where(ExamVersion.exam_id == exam.id)
    )
    version = ExamVersion(
        exam=exam,
        number=(highest or 0) + 1,
        content_hash=definition.content_hash,
        definition=definition.to_json(),
        published_at=utcnow(),
    )
    exam.title = definition.title
    db.session.add(version)
    grader_files.store(definition.blobs)
    db.session.flush()
    _audit(actor, version, definition, folder, LoadStatus.loaded)
    return LoadResult(exam, version, created=True, status=LoadStatus.loaded)


def _audit(
    actor: User | None,
    version: ExamVersion,
    definition: ExamDefinition,
    folder: Path,
    status: LoadStatus,
) -> None:
    audit.record(
        "exam.load",
        actor,
        target=version,
        slug=definition.id,
        version=version.number,
        content_hash=definition.content_hash,
        status=status.value,
        folder=str(folder),
    )
