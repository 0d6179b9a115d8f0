"""The search page and the navbar's search box through the Flask test client: who may search,
bad input answered with a message (never a 500), the links each role's hits open, paging, and
user text (a candidate's name, the query itself) escaped in the results and the highlight."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient

from hirebench.extensions import db
from hirebench.models import (
    Application,
    Job,
    Resume,
    ReviewAssignment,
    ReviewItem,
    ReviewKind,
    Role,
    User,
)
from tests.conftest import AuthActions

XSS_NAME = '<script>alert("pwned")</script><img src=x onerror=alert(1)>Zed'


@dataclass(frozen=True)
class World:
    job_id: int
    zhang_id: int
    xss_id: int
    item_id: int


@pytest.fixture
def world(app: Flask, make_user: Callable[..., User]) -> World:
    for role in (Role.hr, Role.admin, Role.business, Role.reviewer, Role.interviewer):
        make_user(role, email=f"{role.value}@staff.example.com", name=f"Staff {role.value}")
    zhang = make_user(Role.candidate, email="zhang@mail.example.com", name="张伟")
    xss = make_user(Role.candidate, email="zed@mail.example.com", name=XSS_NAME)
    with app.app_context():
        job = Job(title="Data Annotator", department="Labelling")
        db.session.add(job)
        db.session.flush()
        db.session.add_all(
            [
                Application(candidate_id=zhang.id, job_id=job.id),
                Application(candidate_id=xss.id, job_id=job.id),
                Resume(
                    job_id=job.id,
                    file_name="zhang.pdf",
                    sha256="a",
                    status="ok",
                    fields={"name": "张伟", "employers": [{"name": "拾光科技"}], "skills": {}},
                ),
            ]
        )
        item = ReviewItem(
            kind=ReviewKind.exam_answer,
            candidate_id=zhang.id,
            rubric_key="exam:1:q",
            title="Short answer",
            rubric={},
            blind=False,
        )
        db.session.add(item)
        db.session.flush()
        reviewer = db.session.query(User).filter_by(email="reviewer@staff.example.com").one()
        db.session.add(ReviewAssignment(item_id=item.id, reviewer_id=reviewer.id))
        db.session.commit()
        return World(job.id, zhang.id, xss.id, item.id)


def _as(auth: AuthActions, role: Role) -> None:
    assert auth.login(f"{role.value}@staff.example.com").status_code == 302


def test_anonymous_is_sent_to_log_in(client: FlaskClient, world: World) -> None:
    response = client.get("/search/?q=张")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_candidate_is_refused(
    client: FlaskClient, auth: AuthActions, world: World, make_user: Callable[..., User]
) -> None:
    make_user(Role.candidate, email="cand@mail.example.com")
    auth.login("cand@mail.example.com")
    assert client.get("/search/?q=张").status_code == 403
    # ... and has no search box.
    assert 'role="search"' not in client.get("/exam/").get_data(as_text=True)


@pytest.mark.parametrize(
    "role", [Role.hr, Role.admin, Role.business, Role.reviewer, Role.interviewer]
)
def test_every_staff_role_has_the_box_and_the_page(
    client: FlaskClient, auth: AuthActions, world: World, role: Role
) -> None:
    _as(auth, role)
    home = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert '<form role="search" method="get" action="/search/"' in home
    response = client.get("/search/?q=张")
    assert response.status_code == 200
    assert "<h1>Search</h1>" in response.get_data(as_text=True)


def test_hr_hits_link_to_the_pages_that_show_them(
    client: FlaskClient, auth: AuthActions, world: World
) -> None:
    _as(auth, Role.hr)
    html = client.get("/search/?q=张").get_data(as_text=True)
    assert f'href="/hr/candidates/{world.zhang_id}"' in html
    assert f'href="/hr/jobs/{world.job_id}/screening"' in html
    assert "<mark>张</mark>伟" in html
    jobs = client.get("/search/?q=annot").get_data(as_text=True)
    assert f'href="/hr/jobs/{world.job_id}"' in jobs and "<mark>Annot</mark>ator" in jobs
    resumes = client.get("/search/?q=拾光&kind=resumes").get_data(as_text=True)
    assert "Employer" in resumes and "<mark>拾光</mark>科技" in resumes


def test_other_roles_link_to_their_own_pages(
    client: FlaskClient, auth: AuthActions, world: World
) -> None:
    _as(auth, Role.reviewer)
    html = client.get("/search/?q=张").get_data(as_text=True)
    assert f'href="/review/items/{world.item_id}"' in html
    assert "/hr/" not in re.sub(r'<nav class="navbar.*?</nav>', "", html, flags=re.S)
    auth.logout()
    _as(auth, Role.business)
    html = client.get("/search/?q=张").get_data(as_text=True)
    assert f'href="/business/jobs/{world.job_id}/candidates/{world.zhang_id}"' in html
    assert "Resumes" not in html  # not a kind the department searches
    auth.logout()
    _as(auth, Role.interviewer)
    html = client.get("/search/?q=张").get_data(as_text=True)
    assert "Nothing found." in html and "张伟" not in html


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "Type what you are looking for"),
        ("   ", "Type what you are looking for"),
        ("a", "Type at least 2 characters"),
        ("%", "Type at least 2 characters"),
        ("\x00", "Type what you are looking for"),
    ],
)
def test_empty_and_short_queries_get_a_message(
    client: FlaskClient, auth: AuthActions, world: World, query: str, message: str
) -> None:
    _as(auth, Role.hr)
    response = client.get("/search/", query_string={"q": query})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert message in html and 'class="hb-results"' not in html


@pytest.mark.parametrize(
    "args",
    [
        {"q": "张", "kind": "nonsense"},
        {"q": "张", "kind": "resumes", "page": "abc"},
        {"q": "张", "kind": "candidates", "page": "-3"},
        {"q": "张", "kind": "candidates", "page": "999999999999"},
        {"q": "张\x00伟"},
        {"q": "x" * 10_000},
        {"q": "%_%_!"},
        {"q": ["张", "王"]},
    ],
)
def test_odd_input_never_fails(
    client: FlaskClient, auth: AuthActions, world: World, args: dict[str, object]
) -> None:
    _as(auth, Role.hr)
    assert client.get("/search/", query_string=args).status_code == 200


@pytest.mark.parametrize("raw", ["%ED%A0%80", "%FF%FE", "%E5%BC"])
def test_bytes_that_are_not_utf8_are_refused_with_a_reason(
    client: FlaskClient, auth: AuthActions, world: World, raw: str
) -> None:
    """hirebench.web.input refuses them for every view, before the search sees them."""
    _as(auth, Role.hr)
    response = client.get(f"/search/?q={raw}")
    assert response.status_code == 400
    assert "not valid Unicode" in response.get_data(as_text=True)
    assert client.get("/search/?q=%00%00").status_code == 200


def test_a_long_query_is_cut_and_says_so(
    client: FlaskClient, auth: AuthActions, world: World
) -> None:
    _as(auth, Role.hr)
    html = client.get("/search/", query_string={"q": "张" * 150}).get_data(as_text=True)
    assert "Only the first 100 characters were searched." in html


def test_a_kind_the_role_lacks_shows_every_kind_it_has(
    client: FlaskClient, auth: AuthActions, world: World
) -> None:
    _as(auth, Role.business)
    html = client.get("/search/?q=张&kind=resumes").get_data(as_text=True)
    assert 'id="results-candidates"' in html and 'id="results-resumes"' not in html


def test_a_candidates_name_is_escaped_in_results_and_highlight(
    client: FlaskClient, auth: AuthActions, world: World
) -> None:
    _as(auth, Role.hr)
    for query in ("script", "<img", "Zed", 'alert("pwned'):
        html = client.get("/search/", query_string={"q": query}).get_data(as_text=True)
        assert f'href="/hr/candidates/{world.xss_id}"' in html, query
        assert "<script>alert" not in html and "<img src=x" not in html, query
        assert "onerror=alert(1)" in html  # shown as text
    html = client.get("/search/?q=script").get_data(as_text=True)
    assert "&lt;<mark>script</mark>&gt;alert(" in html


def test_the_query_itself_is_escaped(client: FlaskClient, auth: AuthActions, world: World) -> None:
    _as(auth, Role.hr)
    query = '"><svg onload=alert(1)>'
    html = client.get("/search/", query_string={"q": query}).get_data(as_text=True)
    assert "<svg" not in html
    assert "&#34;&gt;&lt;svg onload=alert(1)&gt;" in html or "&quot;&gt;&lt;svg" in html


def test_one_kind_pages_through_its_hits(
    app: Flask, client: FlaskClient, auth: AuthActions, world: World
) -> None:
    with app.app_context():
        for n in range(23):
            db.session.add(
                User(
                    email=f"many{n:02d}@mail.example.com", name=f"Many {n:02d}", role=Role.candidate
                )
            )
        db.session.commit()
    _as(auth, Role.hr)
    everything = client.get("/search/?q=many").get_data(as_text=True)
    assert "Candidates (23)" in everything and "Show all 23" in everything
    second = client.get("/search/?q=many&kind=candidates&page=2").get_data(as_text=True)
    assert "Page 2 of 2" in second
    assert "<mark>Many</mark> 20" in second and "<mark>Many</mark> 19" not in second
    assert 'rel="prev"' in second and "kind=candidates" in second
