"""Global search (hirebench/services/search.py): what each role finds and never finds, the
user's % and _ taken literally, Chinese substrings, case, paging, and the highlight and
snippet helpers. The SQL runs on SQLite and, where HIREBENCH_TEST_POSTGRES_URL is set, on
PostgreSQL too: ILIKE, the window count and the JSON functions differ between them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from hirebench import create_app
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
    ReviewKind,
    Role,
    User,
)
from hirebench.services.search import (
    MAX_CHARS,
    Kind,
    QueryProblem,
    Results,
    Target,
    clean_query,
    highlight,
    like_pattern,
    search,
    snippet,
)


@dataclass(frozen=True)
class People:
    hr: int
    admin: int
    business: int
    reviewer: int
    other_reviewer: int
    interviewer: int
    candidate: int


def _user(role: Role, email: str, name: str = "") -> User:
    user = User(email=email, name=name, role=role)
    db.session.add(user)
    db.session.flush()
    return user


def _item(candidate: User, reviewer: User, title: str, *, blind: bool) -> None:
    item = ReviewItem(
        kind=ReviewKind.exam_answer,
        candidate_id=candidate.id,
        rubric_key="exam:1:q",
        title=title,
        rubric={},
        blind=blind,
    )
    db.session.add(item)
    db.session.flush()
    db.session.add(ReviewAssignment(item_id=item.id, reviewer_id=reviewer.id))


def _resume(job: Job, file_name: str, fields: dict[str, Any]) -> None:
    db.session.add(
        Resume(job_id=job.id, file_name=file_name, sha256=file_name, status="ok", fields=fields)
    )


def _seed() -> People:
    staff = {
        role: _user(role, f"{role.value}@staff.test", f"Staff {role.value}")
        for role in (Role.hr, Role.admin, Role.business, Role.interviewer)
    }
    reviewer = _user(Role.reviewer, "rev@staff.test", "Rui")
    other_reviewer = _user(Role.reviewer, "rev2@staff.test", "Mei")
    zhang = _user(Role.candidate, "zhang.wei@mail.test", "张伟")
    xiaohong = _user(Role.candidate, "xh@mail.test", "张小红")
    wang = _user(Role.candidate, "wang_5@mail.test", "王五")
    _user(Role.candidate, "wangx5@mail.test", "王六")  # the _ of wang_5 must not match x
    _user(Role.candidate, "p50@mail.test", "Percent 50% Off")
    _user(Role.candidate, "p500@mail.test", "Percent 500 Off")  # 50% must not match 500
    _user(Role.candidate, "bang@mail.test", "Hey!You")
    ada = _user(Role.candidate, "ada@mail.test", "Ada Lovelace")
    annotator = Job(title="Data Annotator", department="标注部 Labelling")
    rater = Job(title="Search Rater", department="Quality", is_open=False)
    db.session.add_all([annotator, rater])
    db.session.flush()
    db.session.add_all(
        [
            Application(candidate_id=zhang.id, job_id=annotator.id),
            Application(candidate_id=wang.id, job_id=rater.id),
        ]
    )
    _item(zhang, reviewer, "Short answer 2", blind=False)
    _item(xiaohong, reviewer, "Short answer 3", blind=True)
    _item(wang, other_reviewer, "Short answer 2", blind=False)
    kit = InterviewKit(job_id=annotator.id, stage="interview", title="Panel", questions=[])
    db.session.add(kit)
    db.session.flush()
    for candidate in (ada, zhang):
        interview = Interview(kit_id=kit.id, candidate_id=candidate.id)
        db.session.add(interview)
        db.session.flush()
        if candidate is ada:
            db.session.add(
                Panelist(interview_id=interview.id, interviewer_id=staff[Role.interviewer].id)
            )
    _resume(
        annotator,
        "zhang-wei.pdf",
        {
            "name": "张伟",
            "email": "zw@resume.test",
            "phone": "13800138000",
            "employers": [{"name": "上海拾光科技有限公司", "start": "2021-03", "end": "present"}],
            "skills": {"python": {"level": "expert", "years": 3.0}},
        },
    )
    _resume(
        annotator,
        "sam.docx",
        {"name": "Sam Carter", "employers": [{"name": "Acme Labelling"}], "skills": {}},
    )
    db.session.add(Resume(job_id=rater.id, file_name="broken.pdf", sha256="x", status="error"))
    db.session.commit()
    return People(
        staff[Role.hr].id,
        staff[Role.admin].id,
        staff[Role.business].id,
        reviewer.id,
        other_reviewer.id,
        staff[Role.interviewer].id,
        zhang.id,
    )


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def world(
    request: pytest.FixtureRequest, app_config: dict[str, Any]
) -> Iterator[tuple[Flask, People]]:
    config = dict(app_config)
    if request.param == "postgresql":
        config["SQLALCHEMY_DATABASE_URI"] = request.getfixturevalue("postgres_url")
    app = create_app(config)
    with app.app_context():
        db.create_all()
        people = _seed()
    with app.test_request_context():
        yield app, people
        db.session.remove()
    with app.app_context():
        db.engine.dispose()


def _as(user_id: int, query: str, **kwargs: Any) -> Results:
    user = db.session.get(User, user_id)
    assert user is not None
    return search(user, query, **kwargs)


def _titles(results: Results, kind: Kind) -> list[str]:
    return [hit.title for g in results.groups if g.kind is kind for hit in g.items]


def _kinds(results: Results) -> dict[Kind, int]:
    return {g.kind: g.total for g in results.groups}


def test_hr_finds_every_kind_and_a_chinese_surname_alone(world: tuple[Flask, People]) -> None:
    _, people = world
    results = _as(people.hr, "张")
    assert results.problem is None
    assert sorted(_titles(results, Kind.candidates)) == ["张伟", "张小红"]
    assert _titles(results, Kind.resumes) == ["张伟"]
    assert _kinds(results) == {Kind.candidates: 2, Kind.jobs: 0, Kind.resumes: 1}
    assert _kinds(_as(people.admin, "张")) == _kinds(results)


def test_a_resume_is_found_by_its_employer_with_a_snippet(world: tuple[Flask, People]) -> None:
    _, people = world
    (hit,) = [h for g in _as(people.hr, "拾光").groups for h in g.items]
    assert hit.kind is Kind.resumes and hit.target is Target.screening
    assert hit.snippet_label == "Employer"
    assert "上海拾光科技有限公司" in hit.snippet and "2021-03" in hit.snippet
    assert "zhang-wei.pdf" in hit.detail and "Data Annotator" in hit.detail
    # A skill tag and a phone number are stored fields too; an unreadable file has none.
    assert _titles(_as(people.hr, "PYTHON"), Kind.resumes) == ["张伟"]
    assert _titles(_as(people.hr, "138001"), Kind.resumes) == ["张伟"]
    assert _titles(_as(people.hr, "broken"), Kind.resumes) == ["broken.pdf"]


def test_percent_underscore_and_the_escape_character_are_literal(
    world: tuple[Flask, People],
) -> None:
    _, people = world
    assert _titles(_as(people.hr, "g_5"), Kind.candidates) == ["王五"]
    assert _titles(_as(people.hr, "50%"), Kind.candidates) == ["Percent 50% Off"]
    assert _titles(_as(people.hr, "y!y"), Kind.candidates) == ["Hey!You"]
    assert _titles(_as(people.hr, "%%"), Kind.candidates) == []
    assert like_pattern("5_%!") == "%5!_!%!!%"


def test_matching_ignores_case(world: tuple[Flask, People]) -> None:
    _, people = world
    assert _titles(_as(people.hr, "LOVELACE"), Kind.candidates) == ["Ada Lovelace"]
    assert _titles(_as(people.hr, "ADA@MAIL"), Kind.candidates) == ["Ada Lovelace"]
    assert _titles(_as(people.hr, "annotator"), Kind.jobs) == ["Data Annotator"]
    assert _titles(_as(people.hr, "标注部"), Kind.jobs) == ["Data Annotator"]


def test_a_reviewer_finds_only_the_open_named_candidates_of_their_items(
    world: tuple[Flask, People],
) -> None:
    _, people = world
    results = _as(people.reviewer, "张")
    assert [g.kind for g in results.groups] == [Kind.candidates]
    # 张小红's item is blind: her name must not find it. 王五 is another reviewer's.
    (hit,) = results.groups[0].items
    assert hit.title == "张伟" and hit.target is Target.review_item
    assert _titles(_as(people.reviewer, "王五"), Kind.candidates) == []
    assert _titles(_as(people.reviewer, "xh@mail"), Kind.candidates) == []
    assert _titles(_as(people.other_reviewer, "王"), Kind.candidates) == ["王五"]
    assert _titles(_as(people.other_reviewer, "张伟"), Kind.candidates) == []


def test_a_reviewer_finds_blind_items_by_title_or_number_never_by_name(
    world: tuple[Flask, People],
) -> None:
    _, people = world
    xiaohong = db.session.scalar(sa.select(User.id).where(User.name == "张小红"))
    label = f"Candidate #{xiaohong:04d}"
    hits = {h.detail: h.title for g in _as(people.reviewer, "short answer").groups for h in g.items}
    # The blind item is found by its title, and named as the queue names it.
    assert hits == {"Short answer 2": "张伟", "Short answer 3": label}
    for typed in (label, f"#{xiaohong}", f"{xiaohong:04d}"):
        assert _titles(_as(people.reviewer, typed), Kind.candidates) == [label], typed
    # Another reviewer's items stay out, whatever is typed.
    assert _titles(_as(people.other_reviewer, "short answer"), Kind.candidates) == ["王五"]
    assert _titles(_as(people.other_reviewer, label), Kind.candidates) == []


def test_an_interviewer_finds_only_the_candidates_of_their_interviews(
    world: tuple[Flask, People],
) -> None:
    _, people = world
    (hit,) = _as(people.interviewer, "Ada").groups[0].items
    assert hit.target is Target.interview and "Panel" in hit.detail
    # 张伟 has an interview too, but not with this interviewer.
    assert _titles(_as(people.interviewer, "张"), Kind.candidates) == []


def test_business_sees_open_jobs_and_their_applicants_only(world: tuple[Flask, People]) -> None:
    _, people = world
    results = _as(people.business, "张")
    assert [g.kind for g in results.groups] == [Kind.candidates, Kind.jobs]
    (hit,) = results.groups[0].items
    assert hit.target is Target.business_candidate and hit.title == "张伟"
    # 王五 applied only for the closed job; the closed job itself is not found either.
    assert _titles(_as(people.business, "王五"), Kind.candidates) == []
    assert _titles(_as(people.business, "Rater"), Kind.jobs) == []
    assert _titles(_as(people.hr, "Rater"), Kind.jobs) == ["Search Rater"]
    assert _titles(_as(people.business, "Annotator"), Kind.jobs) == ["Data Annotator"]


def test_a_candidate_searches_nothing(world: tuple[Flask, People]) -> None:
    _, people = world
    assert _as(people.candidate, "张").groups == ()


def test_one_kind_pages_with_its_total(world: tuple[Flask, People]) -> None:
    _, people = world
    for n in range(25):
        db.session.add(
            User(email=f"bulk{n:02d}@mail.test", name=f"Bulk {n:02d}", role=Role.candidate)
        )
    db.session.commit()
    preview = _as(people.hr, "bulk")
    assert preview.groups[0].total == 25 and len(preview.groups[0].items) == 5
    second = _as(people.hr, "bulk", kind=Kind.candidates, page=2)
    (group,) = second.groups
    assert (group.total, group.page, group.pages, len(group.items)) == (25, 2, 2, 5)
    assert group.items[0].title == "Bulk 20" and group.has_prev and not group.has_next
    # A page past the end (a stale link) shows the last one.
    (late,) = _as(people.hr, "bulk", kind=Kind.candidates, page=9).groups
    assert late.page == 2 and len(late.items) == 5


def test_bad_queries_are_named_not_run(world: tuple[Flask, People]) -> None:
    _, people = world
    assert _as(people.hr, "   ").problem is QueryProblem.empty
    assert _as(people.hr, "a").problem is QueryProblem.too_short
    assert _as(people.hr, "%").problem is QueryProblem.too_short
    assert _as(people.hr, "张\x00伟").query == "张伟"
    assert _titles(_as(people.hr, "张\x00伟"), Kind.candidates) == ["张伟"]


def test_clean_query() -> None:
    assert clean_query(None) == ""
    assert clean_query("  Ada \t  Love\nlace ") == "Ada Love lace"
    assert clean_query("x" * 500) == "x" * MAX_CHARS
    assert clean_query("a\u200bb\ud800") == "ab"


def test_highlight_escapes_and_marks_every_match() -> None:
    assert str(highlight("<b>张伟</b> 张", "张")) == (
        "&lt;b&gt;<mark>张</mark>伟&lt;/b&gt; <mark>张</mark>"
    )
    assert str(highlight("a<b", "<")) == "a<mark>&lt;</mark>b"
    assert str(highlight("Ada ADA", "ada")) == "<mark>Ada</mark> <mark>ADA</mark>"
    assert str(highlight("a.b axb", "a.b")) == "<mark>a.b</mark> axb"
    assert str(highlight("<i>", "")) == "&lt;i&gt;"


def test_snippet_keeps_the_match_in_view() -> None:
    text = "x" * 100 + "上海拾光科技" + "y" * 100
    cut = snippet(text, "拾光", width=20)
    assert "拾光" in cut and cut.startswith("…") and cut.endswith("…")
    assert len(cut) == 22
    assert snippet("short", "or") == "short"
    assert snippet("z" * 50, "nope", width=10) == "z" * 10 + "…"


def test_no_query_touches_more_than_its_limit(world: tuple[Flask, People]) -> None:
    """One statement per kind, each with a LIMIT: counted by listening to the engine."""
    _, people = world
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        _as(people.hr, "张")
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    searches = [s for s in statements if "LIMIT" in s.upper() and "count(*) OVER" in s]
    assert len(searches) == 3
