"""Portfolio cases: checked in full before anything is stored, then saved with their files
and handed to the review workflow in one transaction. A rejected upload is audit-logged."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from hirebench.extensions import db
from hirebench.models import Portfolio, PortfolioFile, ReviewItem, ReviewKind, Rubric, User
from hirebench.portfolios.uploads import (
    CheckedFile,
    FileStore,
    UploadError,
    UploadLimits,
    check_upload,
)
from hirebench.reviews import workflow
from hirebench.reviews.rubric_file import RubricDefinition
from hirebench.services import audit
from hirebench.services.errors import ServiceError

MAX_PORTFOLIOS = 5


class PortfolioError(ServiceError):
    """A portfolio case that cannot be saved; the message says what to change."""


@dataclass(frozen=True)
class CaseFields:
    title: str
    description: str
    role: str
    data_volume: str
    results: str
    repo_url: str = ""


def store() -> FileStore:
    return FileStore(Path(current_app.config["UPLOAD_ROOT"]) / "portfolios")


def limits() -> UploadLimits:
    return UploadLimits(max_file_bytes=int(current_app.config["PORTFOLIO_MAX_FILE_MB"]) << 20)


def check_repo_url(url: str) -> str:
    """Only shape is checked: the server never fetches it, and only http(s) links are shown
    as links, so a javascript: URL can never reach a reviewer's click."""
    url = url.strip()
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in url):
        raise PortfolioError(_("The repository URL must start with https:// or http://."))
    return url


def portfolio_rubric() -> Rubric:
    slug = current_app.config["PORTFOLIO_RUBRIC"]
    rubric = db.session.scalar(sa.select(Rubric).where(Rubric.slug == slug))
    if rubric is None:
        raise PortfolioError(
            _("Portfolio reviews are not set up yet (no rubric “%(slug)s”). Ask HR.", slug=slug)
        )
    return rubric


def create_case(
    candidate: User, fields: CaseFields, uploads: Sequence[tuple[str, bytes]], *, ip: str = ""
) -> Portfolio:
    """Check every file first: one bad file rejects the whole case and nothing is stored."""
    count = db.session.scalar(
        sa.select(sa.func.count(Portfolio.id)).where(Portfolio.candidate_id == candidate.id)
    )
    if (count or 0) >= MAX_PORTFOLIOS:
        raise PortfolioError(_("You can add at most %(n)d project cases.", n=MAX_PORTFOLIOS))
    max_files = int(current_app.config["PORTFOLIO_MAX_FILES"])
    if len(uploads) > max_files:
        raise PortfolioError(_("Attach at most %(n)d files.", n=max_files))
    repo_url = check_repo_url(fields.repo_url)
    rubric = portfolio_rubric()
    checked: list[CheckedFile] = []
    for name, data in uploads:
        try:
            checked.append(check_upload(name, data, limits()))
        except UploadError as exc:
            audit.record(
                "portfolio.upload_rejected",
                candidate,
                ip=ip,
                file=exc.filename[:200],
                code=exc.code,
                size=len(data),
            )
            db.session.commit()
            raise
    saved: list[str] = []
    files = store()
    try:
        portfolio = Portfolio(
            candidate_id=candidate.id,
            title=fields.title.strip(),
            description=fields.description.strip(),
            role=fields.role.strip(),
            data_volume=fields.data_volume.strip(),
            results=fields.results.strip(),
            repo_url=repo_url,
        )
        for upload in checked:
            storage_name = files.save(upload.data)
            saved.append(storage_name)
            portfolio.files.append(
                PortfolioFile(
                    display_name=upload.display_name,
                    storage_name=storage_name,
                    kind=upload.kind,
                    media_type=upload.media_type,
                    size=upload.size,
                    sha256=upload.sha256,
                    entries=[
                        {"name": e.name, "size": e.size, "compressed_size": e.compressed_size}
                        for e in upload.entries
                    ],
                )
            )
        db.session.add(portfolio)
        db.session.flush()
        definition = RubricDefinition.from_json(rubric.definition)
        workflow.create_item(
            ReviewKind.portfolio,
            candidate,
            rubric_key=rubric.slug,
            title=portfolio.title,
            rubric=workflow.snapshot(definition.criteria, definition.disagreement_threshold),
            portfolio_id=portfolio.id,
        )
        audit.record("portfolio.create", candidate, target=portfolio, ip=ip, files=len(checked))
        db.session.commit()
    except BaseException:
        # Files without rows would be orphans nobody can reach; remove them.
        db.session.rollback()
        for storage_name in saved:
            files.delete(storage_name)
        raise
    return portfolio


def cases_of(candidate: User) -> list[Portfolio]:
    return list(
        db.session.scalars(
            sa.select(Portfolio)
            .where(Portfolio.candidate_id == candidate.id)
            .order_by(Portfolio.id.desc())
        )
    )


def review_item_of(portfolio: Portfolio) -> ReviewItem | None:
    return db.session.scalar(sa.select(ReviewItem).where(ReviewItem.portfolio_id == portfolio.id))


def file_of(portfolio: Portfolio, file_id: int) -> PortfolioFile | None:
    return next((f for f in portfolio.files if f.id == file_id), None)
