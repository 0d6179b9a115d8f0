"""Global search for staff (docs/search.md): candidates by name and email, jobs by title and
department, and resumes by what screening stored of them (the file name and the fields read:
name, email, phone, employers and skills), each kind in one SQL query with a LIMIT, and each
scoped to what the searching role may open:

- HR and admins: every candidate, job and resume;
- the hiring department (business): the candidates of open jobs and those jobs, as its own
  pages list them; no resumes;
- reviewers: the review items assigned to them, by title, and by the candidate's name only
  where the item is not blind (a blind item hides who the candidate is, so a name must not
  find it; its number, as the queue shows it, does);
- interviewers: the candidates of the interviews they sit on;
- candidates: nothing (the web layer answers 403).

Matching is a case-insensitive substring match (ILIKE, which SQLite and PostgreSQL both run),
with the user's % and _ taken literally, so "张" finds 张伟 and "50%" finds only "50%"."""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from markupsafe import Markup, escape

from hirebench.extensions import db
from hirebench.models import (
    Application,
    Interview,
    InterviewKit,
    Job,
    Panelist,
    Resume,
    ReviewAssignment,
    ReviewItem,
    Role,
    User,
)
from hirebench.paging import PageNumbers
from hirebench.reviews.workflow import candidate_label
from hirebench.unicode_text import scrub

MIN_CHARS = 2  # one character finds too much, unless it is a CJK ideograph (a surname)
MAX_CHARS = 100
PER_PAGE = 20  # one kind on its own
PREVIEW = 5  # each kind on the "all" view
SNIPPET_CHARS = 80
# Not a backslash: PostgreSQL and SQLite read a backslash in a literal differently.
ESCAPE = "!"
# A blind item's label as the review queue shows it: "Candidate #0012" (or "#12", "0012").
PSEUDONYM = re.compile(r"(?:\D*#)?0*(\d{1,9})")


class Kind(enum.StrEnum):
    candidates = "candidates"
    jobs = "jobs"
    resumes = "resumes"


class Target(enum.StrEnum):
    """The page a hit opens; `Hit.ids` are its arguments in this order."""

    hr_candidate = "hr_candidate"  # (candidate id,)
    hr_job = "hr_job"  # (job id,)
    screening = "screening"  # (job id,): the job's resume screening
    business_candidate = "business_candidate"  # (job id, candidate id)
    business_job = "business_job"  # (job id,)
    review_item = "review_item"  # (item id,)
    interview = "interview"  # (interview id,)


@dataclass(frozen=True)
class Hit:
    kind: Kind
    target: Target
    ids: tuple[int, ...]
    title: str
    detail: str = ""
    # Resumes: which stored field matched ("Employer"), and its text around the match.
    snippet_label: str = ""
    snippet: str = ""
    closed: bool = False  # a job that is no longer open


@dataclass(frozen=True)
class Group(PageNumbers):
    """One kind's hits: a page of them and how many there are in all. Has the attributes
    templates/_pager.html reads."""

    kind: Kind
    items: Sequence[Hit]
    total: int
    page: int
    per_page: int


class QueryProblem(enum.StrEnum):
    empty = "empty"
    too_short = "too_short"


@dataclass(frozen=True)
class Results:
    query: str
    groups: tuple[Group, ...]
    problem: QueryProblem | None = None

    @property
    def total(self) -> int:
        return sum(g.total for g in self.groups)


# ------------------------------------------------------------------------------ the query


def clean_query(raw: str | None) -> str:
    """The query as searched: control and format characters (a NUL would fail PostgreSQL)
    and lone surrogates dropped, runs of spaces made one, at most MAX_CHARS characters."""
    text = scrub(raw or "").replace("\ufffd", "")
    text = "".join(
        " " if unicodedata.category(c).startswith("Z") else c
        for c in text
        if not unicodedata.category(c).startswith("C") or c.isspace()
    )
    return " ".join(text.split())[:MAX_CHARS]


def _is_ideograph(char: str) -> bool:
    return unicodedata.name(char, "").startswith(("CJK UNIFIED IDEOGRAPH", "CJK COMPATIBILITY"))


def problem_with(query: str) -> QueryProblem | None:
    if not query:
        return QueryProblem.empty
    if len(query) < MIN_CHARS and not any(_is_ideograph(c) for c in query):
        return QueryProblem.too_short
    return None


def like_pattern(query: str) -> str:
    """A LIKE pattern that finds `query` anywhere, its own %, _ and escape character literal."""
    for char in (ESCAPE, "%", "_"):
        query = query.replace(char, ESCAPE + char)
    return f"%{query}%"


def _like(column: Any, pattern: str) -> sa.ColumnElement[bool]:
    return column.ilike(pattern, escape=ESCAPE)


# ------------------------------------------------------------------------------ presenting


def highlight(text: str, query: str) -> Markup:
    """`text` escaped, with each case-insensitive occurrence of `query` in <mark>."""
    if not query:
        return escape(text)
    parts = re.split(f"({re.escape(query)})", text, flags=re.IGNORECASE)
    return Markup("").join(
        Markup("<mark>{}</mark>").format(part) if index % 2 else escape(part)
        for index, part in enumerate(parts)
    )


def snippet(text: str, query: str, width: int = SNIPPET_CHARS) -> str:
    """At most `width` characters of `text` around the first match, cut with an ellipsis."""
    if len(text) <= width:
        return text
    at = text.casefold().find(query.casefold())
    start = max(0, min(at - (width - len(query)) // 2, len(text) - width)) if at >= 0 else 0
    cut = text[start : start + width]
    return ("…" if start else "") + cut + ("…" if start + width < len(text) else "")


# ------------------------------------------------------------------------------ searching

#: What a role searches; a role missing here (the candidate) searches nothing.
KINDS: dict[Role, tuple[Kind, ...]] = {
    Role.admin: (Kind.candidates, Kind.jobs, Kind.resumes),
    Role.hr: (Kind.candidates, Kind.jobs, Kind.resumes),
    Role.business: (Kind.candidates, Kind.jobs),
    Role.reviewer: (Kind.candidates,),
    Role.interviewer: (Kind.candidates,),
}

# A kind's select and what turns one of its rows into a hit.
Query = tuple["sa.Select[*tuple[Any, ...]]", Callable[[Any], Hit]]


def kinds_for(role: Role) -> tuple[Kind, ...]:
    return KINDS.get(role, ())


def search(user: User, raw: str | None, *, kind: Kind | None = None, page: int = 1) -> Results:
    """Every kind the user may search, a few hits each; or one kind, a page at a time."""
    text = clean_query(raw)
    problem = problem_with(text)
    if problem is not None:
        return Results(text, (), problem)
    pattern = like_pattern(text)
    groups = tuple(
        _group(_query(user, each, pattern, text), each, page, PER_PAGE)
        if kind is not None
        else _group(_query(user, each, pattern, text), each, 1, PREVIEW)
        for each in kinds_for(user.role)
        if kind is None or each is kind
    )
    return Results(text, groups)


def _query(user: User, kind: Kind, pattern: str, text: str) -> Query:
    if kind is Kind.jobs:
        return _jobs(pattern, open_only=user.role is Role.business)
    if kind is Kind.resumes:
        return _resumes(pattern, text)
    builders: dict[Role, Callable[[User, str, str], Query]] = {
        Role.business: _business_candidates,
        Role.reviewer: _reviewer_candidates,
        Role.interviewer: _interviewer_candidates,
    }
    return builders.get(user.role, _all_candidates)(user, pattern, text)


def _group(query: Query, kind: Kind, page: int, per_page: int) -> Group:
    """One page of hits with the total from the same query (a window count), so each kind
    costs one round trip; a page past the end shows the last page instead."""
    select, to_hit = query
    counted = select.add_columns(sa.func.count().over().label("hb_total"))
    rows = db.session.execute(counted.limit(per_page).offset((page - 1) * per_page)).all()
    if not rows and page > 1:
        total = db.session.scalar(
            sa.select(sa.func.count()).select_from(select.order_by(None).subquery())
        )
        page = max(1, -(-(total or 0) // per_page))
        rows = db.session.execute(counted.limit(per_page).offset((page - 1) * per_page)).all()
    total = rows[0].hb_total if rows else 0
    return Group(kind, [to_hit(row) for row in rows], total, page, per_page)


def _person_matches(pattern: str) -> sa.ColumnElement[bool]:
    return sa.or_(_like(User.name, pattern), _like(User.email, pattern))


def _all_candidates(_user: User, pattern: str, _text: str) -> Query:
    select = (
        sa.select(User.id, User.name, User.email)
        .where(User.role == Role.candidate, _person_matches(pattern))
        .order_by(User.name, User.email, User.id)
    )
    return select, lambda row: Hit(
        Kind.candidates, Target.hr_candidate, (row.id,), row.name or row.email, row.email
    )


def _business_candidates(_user: User, pattern: str, _text: str) -> Query:
    """The applicants of open jobs, one hit per application, as the department's list shows."""
    select = (
        sa.select(Application.job_id, Application.candidate_id, User.name, User.email, Job.title)
        .join(User, User.id == Application.candidate_id)
        .join(Job, Job.id == Application.job_id)
        .where(Job.is_open, _person_matches(pattern))
        .order_by(User.name, User.email, Job.title, Application.id)
    )
    return select, lambda row: Hit(
        Kind.candidates,
        Target.business_candidate,
        (row.job_id, row.candidate_id),
        row.name or row.email,
        _("%(email)s · %(job)s", email=row.email, job=row.title),
    )


def _pseudonym(text: str) -> int | None:
    """The candidate id in a blind item's label ("Candidate #0012", or just 12), if that is
    what was typed."""
    match = PSEUDONYM.fullmatch(text)
    return int(match.group(1)) if match else None


def _reviewer_candidates(user: User, pattern: str, text: str) -> Query:
    """The reviewer's own items, one hit per item, by the item's title; by the candidate's
    name or email only where the item is not blind, and by the number its label shows where
    it is, so that search never tells a blind reviewer who the candidate is."""
    named = sa.and_(ReviewItem.blind.is_(False), _person_matches(pattern))
    found = [_like(ReviewItem.title, pattern), named]
    if (number := _pseudonym(text)) is not None:
        found.append(sa.and_(ReviewItem.blind.is_(True), ReviewItem.candidate_id == number))
    select = (
        sa.select(ReviewItem, User)
        .join(ReviewAssignment, ReviewAssignment.item_id == ReviewItem.id)
        .join(User, User.id == ReviewItem.candidate_id)
        .where(ReviewAssignment.reviewer_id == user.id, sa.or_(*found))
        .order_by(ReviewAssignment.id.desc())
    )
    return select, lambda row: Hit(
        Kind.candidates,
        Target.review_item,
        (row.ReviewItem.id,),
        # The label the queue shows: a number for a blind item (the candidate is already in
        # the session, so this loads nothing).
        candidate_label(row.ReviewItem),
        row.ReviewItem.title,
    )


def _interviewer_candidates(user: User, pattern: str, _text: str) -> Query:
    """The candidates of the interviews the user sits on, one hit per interview."""
    select = (
        sa.select(Interview.id, User.name, User.email, InterviewKit.title, Job.title.label("job"))
        .join(Panelist, Panelist.interview_id == Interview.id)
        .join(User, User.id == Interview.candidate_id)
        .join(InterviewKit, InterviewKit.id == Interview.kit_id)
        .join(Job, Job.id == InterviewKit.job_id)
        .where(Panelist.interviewer_id == user.id, _person_matches(pattern))
        .order_by(User.name, User.email, Interview.id.desc())
    )
    return select, lambda row: Hit(
        Kind.candidates,
        Target.interview,
        (row.id,),
        row.name or row.email,
        _("%(kit)s · %(job)s", kit=row.title, job=row.job),
    )


def _jobs(pattern: str, *, open_only: bool) -> Query:
    select = (
        sa.select(Job.id, Job.title, Job.department, Job.is_open)
        .where(sa.or_(_like(Job.title, pattern), _like(Job.department, pattern)))
        .order_by(Job.is_open.desc(), Job.title, Job.id)
    )
    if open_only:
        select = select.where(Job.is_open)
    target = Target.business_job if open_only else Target.hr_job
    return select, lambda row: Hit(
        Kind.jobs, target, (row.id,), row.title, row.department, closed=not row.is_open
    )


def _elements(key: str, *, array: bool) -> Any:
    """The elements of the list (`array`) or the entries of the mapping under `key` in a
    resume's fields, as a table (`value`, `key`) to match inside an EXISTS: the stored JSON
    escapes non-ASCII text ("\\u5f20"), so only JSON functions see 张 as 张."""
    if db.session.get_bind().dialect.name == "postgresql":
        each = sa.func.json_array_elements if array else sa.func.json_each
        source = each(Resume.fields[key])
    else:
        source = sa.func.json_each(Resume.fields, f"$.{key}")
    return source.table_valued(sa.column("key", sa.String), sa.column("value", sa.JSON))


def _resume_matches(pattern: str) -> sa.ColumnElement[bool]:
    employers = _elements("employers", array=True)
    skills = _elements("skills", array=False)
    return sa.or_(
        _like(Resume.file_name, pattern),
        *(_like(Resume.fields[key].as_string(), pattern) for key in ("name", "email", "phone")),
        sa.exists(
            sa.select(sa.literal(1))
            .select_from(employers)
            .where(_like(employers.c.value["name"].as_string(), pattern))
        ),
        sa.exists(sa.select(sa.literal(1)).select_from(skills).where(_like(skills.c.key, pattern))),
    )


def _resumes(pattern: str, text: str) -> Query:
    select = (
        sa.select(Resume.id, Resume.job_id, Resume.file_name, Resume.fields, Job.title)
        .join(Job, Job.id == Resume.job_id)
        .where(_resume_matches(pattern))
        .order_by(Resume.id.desc())
    )

    def to_hit(row: Any) -> Hit:
        fields = row.fields if isinstance(row.fields, dict) else {}
        label, found = _matched_field(fields, row.file_name, text)
        return Hit(
            Kind.resumes,
            Target.screening,
            (row.job_id,),
            fields.get("name") or row.file_name,
            _("%(file)s · %(job)s", file=row.file_name, job=row.title),
            snippet_label=label,
            snippet=snippet(found, text),
        )

    return select, to_hit


def _resume_fields(fields: dict[str, Any], file_name: str) -> list[tuple[str, str]]:
    """The searched fields of a resume as (label, text), in the order a reader looks."""
    shown = [(_("Name"), fields.get("name")), (_("Email"), fields.get("email"))]
    shown.append((_("Phone"), fields.get("phone")))
    for employer in fields.get("employers") or []:
        period = " – ".join(str(employer.get(k)) for k in ("start", "end") if employer.get(k))
        name = str(employer.get("name") or "")
        shown.append((_("Employer"), f"{name} ({period})" if period else name))
    for tag, claim in (fields.get("skills") or {}).items():
        level = (claim or {}).get("level") if isinstance(claim, dict) else None
        shown.append((_("Skill"), f"{tag} ({level})" if level else str(tag)))
    shown.append((_("File"), file_name))
    return [(label, str(value)) for label, value in shown if value]


def _matched_field(fields: dict[str, Any], file_name: str, text: str) -> tuple[str, str]:
    """The first field that holds the query, for the hit's snippet."""
    needle = text.casefold()
    for label, value in _resume_fields(fields, file_name):
        if needle in value.casefold():
            return label, value
    return "", ""
