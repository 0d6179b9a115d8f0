"""`hirebench performance import FILE --job ID --scale 1-5`: performance ratings from a CSV or
XLSX file (docs/analytics.md, "Importing ratings").

Columns `email,rated_on,rating` and optionally `kind` (probation or periodic, default
periodic) and `comment`; other columns are ignored. The whole file is checked before anything
is stored, and the first problem stops the import with the file, the row (the header is row
1) and the column, so a file is imported entirely or not at all.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zipfile import BadZipFile

import openpyxl
import sqlalchemy as sa

from hirebench.analytics import gather, service
from hirebench.analytics.csvinput import CsvInputError, InputError, read_table
from hirebench.extensions import db
from hirebench.models import Job, PerformanceRating, User
from hirebench.models.performance import RATING_KINDS

REQUIRED = ("email", "rated_on", "rating")
OPTIONAL = ("kind", "comment")
SCALE_RE = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*-\s*(-?\d+(?:\.\d+)?)\s*$")
MAX_ROWS = 50_000


@dataclass(frozen=True)
class ParsedRating:
    row: int
    candidate: User
    rated_on: date
    rating: float
    kind: str
    comment: str


def parse_scale(text: str) -> tuple[float, float]:
    """`1-5`, `0-10`, `1.0-4.0`: the lowest and highest rating of the scale."""
    match = SCALE_RE.match(text or "")
    if not match:
        raise InputError(f"--scale: {text!r} is not LOW-HIGH, e.g. 1-5")
    scale = (float(match.group(1)), float(match.group(2)))
    try:
        service.check_scale(*scale)
    except service.AnalyticsError as exc:
        raise InputError(f"--scale: {exc}") from exc
    return scale


def _xlsx_rows(path: Path) -> Iterator[tuple[int, list[Any]]]:
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (BadZipFile, OSError, KeyError, ValueError) as exc:
        raise InputError(f"{path}: not a readable XLSX file: {exc}") from exc
    try:
        sheet = book.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if number > MAX_ROWS + 1:
                raise CsvInputError(path, number, None, f"more than {MAX_ROWS} rows")
            yield number, list(values)
    finally:
        book.close()


def _records(path: Path) -> tuple[list[str], list[tuple[int, dict[str, Any]]]]:
    """The header (lower-cased) and the non-blank rows as {column: value}, with row numbers."""
    if path.suffix.lower() == ".xlsx":
        rows = _xlsx_rows(path)
        _, first = next(rows, (1, []))
        header = [str(v).strip().lower() if v is not None else "" for v in first]
        for name in REQUIRED:
            if name not in header:
                raise CsvInputError(
                    path, 1, name, f"missing column (the header has: {', '.join(header)})"
                )
        records = []
        for number, values in rows:
            if all(v is None or str(v).strip() == "" for v in values):
                continue
            padded = values + [None] * (len(header) - len(values))
            records.append((number, dict(zip(header, padded, strict=False))))
        return header, records
    table = read_table(path, REQUIRED)
    return [h.lower() for h in table.header], [
        (row.number, {k.lower(): v for k, v in row.values.items()}) for row in table.rows
    ]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _date(path: Path, number: int, value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CsvInputError(
            path, number, "rated_on", f"{text!r} is not a date (YYYY-MM-DD)"
        ) from None


def _rating(path: Path, number: int, value: Any, scale: tuple[float, float]) -> float:
    text = _text(value)
    try:
        rating = float(value) if isinstance(value, (int, float)) else float(text)
    except ValueError:
        rating = math.nan
    if not math.isfinite(rating):
        raise CsvInputError(path, number, "rating", f"{text!r} is not a number")
    if not scale[0] <= rating <= scale[1]:
        raise CsvInputError(
            path, number, "rating", f"{text} is outside the scale {scale[0]:g}-{scale[1]:g}"
        )
    return rating


def _candidate(path: Path, number: int, email: str, job: Job, hired: set[int]) -> User:
    if not email:
        raise CsvInputError(path, number, "email", "blank")
    user = db.session.scalar(sa.select(User).where(sa.func.lower(User.email) == email.lower()))
    if user is None:
        raise CsvInputError(path, number, "email", f"{email!r} is not a known account")
    if user.id not in hired:
        raise CsvInputError(
            path,
            number,
            "email",
            f"{email} has no accepted offer for job {job.id}: only hires are rated",
        )
    return user


def read_ratings(path: Path, job: Job, scale: tuple[float, float]) -> list[ParsedRating]:
    """Every row checked; raises InputError (CsvInputError with the place) at the first
    problem. Duplicates are checked within the file and against the ratings stored."""
    _header, records = _records(path)
    if not records:
        raise CsvInputError(path, 2, None, "no data rows under the header")
    hired = gather.hired_ids(job.id)
    stored = {
        (r.candidate_id, r.rated_on)
        for r in db.session.scalars(
            sa.select(PerformanceRating).where(PerformanceRating.job_id == job.id)
        )
    }
    seen: dict[tuple[int, date], int] = {}
    parsed = []
    for number, values in records:
        user = _candidate(path, number, _text(values.get("email")), job, hired)
        rated_on = _date(path, number, values.get("rated_on"))
        if rated_on > date.today():
            raise CsvInputError(
                path, number, "rated_on", f"{rated_on.isoformat()} is in the future"
            )
        rating = _rating(path, number, values.get("rating"), scale)
        kind = _text(values.get("kind")) or "periodic"
        if kind not in RATING_KINDS:
            raise CsvInputError(
                path, number, "kind", f"{kind!r} is not one of {', '.join(RATING_KINDS)}"
            )
        key = (user.id, rated_on)
        if key in seen:
            raise CsvInputError(
                path,
                number,
                "rated_on",
                f"a second rating of {user.email} on {rated_on.isoformat()}: "
                f"it is already on row {seen[key]}",
            )
        if key in stored:
            raise CsvInputError(
                path,
                number,
                "rated_on",
                f"{user.email} already has a stored rating on {rated_on.isoformat()} for this job",
            )
        seen[key] = number
        comment = _text(values.get("comment"))
        parsed.append(ParsedRating(number, user, rated_on, rating, kind, comment))
    return parsed


def import_ratings(
    path: Path, job: Job, scale: tuple[float, float], *, by: User | None = None
) -> int:
    """Check the whole file, then store every rating in one transaction (each audited) and
    commit. Returns how many were stored."""
    parsed = read_ratings(path, job, scale)
    try:
        for entry in parsed:
            service.record_rating(
                job,
                entry.candidate,
                rated_on=entry.rated_on,
                rating=entry.rating,
                scale=scale,
                kind=entry.kind,
                comment=entry.comment,
                by=by,
            )
    except service.AnalyticsError as exc:  # checked above; only a race could get here
        db.session.rollback()
        raise InputError(f"{path}: {exc}; nothing was imported") from exc
    db.session.commit()
    return len(parsed)
