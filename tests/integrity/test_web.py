"""The similarity pages (hirebench.web.integrity): HR's and reviewers' lists, "run similarity
now" that only queues, the evidence view (fragments in one colour on both sides, starter code
greyed, the histogram, the group, hostile text escaped), blind labels for reviewers, the
decision form with CSRF, and the exported one-file report."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from hirebench.extensions import db
from hirebench.integrity import jobs, service
from hirebench.models import (
    AuditEvent,
    Role,
    SimilarityPair,
    SimilarityRun,
    SimilarityStatus,
    User,
)
from tests.conftest import AuthActions, csrf_from
from tests.factories import row
from tests.integrity.conftest import CODING, Sat, sit
from tests.integrity.material import CODE_ANA

HOSTILE = '# </td></tr></table><script>alert("pwned")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def ran(app: Flask, sat_outside: Sat, make_user: Callable[..., User]) -> dict[str, Any]:
    """The cohort plus Mallory, who also copied Ana's code and left a hostile comment in it;
    every part compared. Ids: the coding run's flagged pairs and the people."""
    mallory = make_user(Role.candidate, email="mallory@example.com", name="Mallory")
    with app.app_context():
        return _compared(sat_outside, mallory.id)


def _compared(sat: Sat, mallory_id: int) -> dict[str, Any]:
    sit(row(User, mallory_id), sat.exam(), {CODING: HOSTILE + "\n" + CODE_ANA})
    service.queue_exam(sat.exam())
    jobs.run_queued(budget_seconds=60)
    run = db.session.scalars(
        sa.select(SimilarityRun).where(
            SimilarityRun.question_id == CODING, SimilarityRun.part == ""
        )
    ).one()
    flagged = [p for p in run.pairs if p.flagged]
    ana, eve = sat.users["ana"], sat.users["eve"]
    copy = next(p for p in flagged if {p.candidate_a_id, p.candidate_b_id} == {ana, eve})
    hostile = next(p for p in flagged if mallory_id in (p.candidate_a_id, p.candidate_b_id))
    return {
        "run": run.id,
        "copy": copy.id,
        "hostile": hostile.id,
        "slug": sat.exam().slug,
        "mallory": mallory_id,
        "sat": sat,
    }


def login(client: FlaskClient, make_user: Callable[..., User], role: Role) -> User:
    user = make_user(role, email=f"{role.value}@staff.example.com", name=f"{role.value} person")
    assert AuthActions(client).login(user.email).status_code == 302
    return user


def text_of(response: Any) -> str:
    return str(response.get_data(as_text=True))


def test_hr_finds_the_exam_its_open_flags_and_the_runs(
    client: FlaskClient, make_user: Callable[..., User], ran: dict[str, Any]
) -> None:
    login(client, make_user, Role.hr)
    index = text_of(client.get("/integrity/"))
    assert f'data-exam="{ran["slug"]}"' in index
    page = client.get(f"/integrity/exams/{ran['slug']}")
    assert page.status_code == 200
    html = text_of(page)
    assert 'data-action="run-similarity"' in html
    assert f'data-pair="{ran["copy"]}"' in html and "Ana Lima" in html
    assert html.count('data-status="done"') == 4
    run = text_of(client.get(f"/integrity/runs/{ran['run']}"))
    assert run.count("data-flagged") == 3  # Ana, Eve and Mallory: each pair of the three
    assert 'data-cluster="0"' in run and 'role="img"' in run
    assert client.get("/integrity/exams/no-such-exam").status_code == 404
    assert client.get("/integrity/runs/99999").status_code == 404


def test_run_now_only_queues_and_needs_csrf(
    app: Flask, client: FlaskClient, make_user: Callable[..., User], ran: dict[str, Any]
) -> None:
    login(client, make_user, Role.hr)
    url = f"/integrity/exams/{ran['slug']}/run"
    assert client.post(url).status_code == 400  # no CSRF token
    token = csrf_from(text_of(client.get(f"/integrity/exams/{ran['slug']}")))
    with app.app_context():
        pairs_before = db.session.scalar(sa.select(sa.func.count(SimilarityPair.id)))
    response = client.post(url, data={"csrf_token": token})
    assert response.status_code == 303
    with app.app_context():
        waiting = db.session.scalars(
            sa.select(SimilarityRun).where(SimilarityRun.status == SimilarityStatus.queued)
        ).all()
        assert len(waiting) == 4 and all(r.requested_by_id is not None for r in waiting)
        # Nothing was compared in the request: the worker does that.
        assert db.session.scalar(sa.select(sa.func.count(SimilarityPair.id))) == pairs_before
    again = client.post(url, data={"csrf_token": token}, follow_redirects=True)
    assert "already waiting" in text_of(again)


def test_the_evidence_view_highlights_greys_and_escapes(
    client: FlaskClient, make_user: Callable[..., User], ran: dict[str, Any]
) -> None:
    login(client, make_user, Role.hr)
    html = text_of(client.get(f"/integrity/pairs/{ran['hostile']}"))
    # Hostile submission text is shown, escaped; nothing of it runs.
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#34;pwned&#34;)&lt;/script&gt;" in html
    # The same fragment has the same colour on both sides.
    for side in ("a", "b"):
        assert re.search(rf'<tr id="{side}-L\d+" class="frag-0[" ]', html), side
    assert 'data-fragment-legend="0"' in html
    assert 'role="img"' in html  # the cohort's histogram
    assert "data-cluster" in html and "Mallory" in html  # a group of three
    copy = text_of(client.get(f"/integrity/pairs/{ran['copy']}"))
    assert "Eve &lt;script&gt;alert(1)&lt;/script&gt;" in copy and "Ana Lima" in copy
    assert client.get("/integrity/pairs/99999").status_code == 404


def test_starter_code_is_greyed(
    client: FlaskClient, make_user: Callable[..., User], ran: dict[str, Any]
) -> None:
    login(client, make_user, Role.hr)
    html = text_of(client.get(f"/integrity/pairs/{ran['copy']}"))
    # Ana (side a) kept the starter's `def add(x):` line; Eve renamed its argument.
    assert re.search(r'<tr id="a-L1" class="[^"]*starter"', html)
    assert not re.search(r'<tr id="b-L1" class="[^"]*starter"', html)


def test_reviewers_see_candidate_numbers_and_cannot_queue(
    app: Flask, client: FlaskClient, make_user: Callable[..., User], ran: dict[str, Any]
) -> None:
    login(client, make_user, Role.reviewer)
    sat: Sat = ran["sat"]
    html = text_of(client.get(f"/integrity/pairs/{ran['copy']}"))
    assert f"Candidate #{sat.users['ana']:04d}" in html
    assert "Ana Lima" not in html and "Eve &lt;script" not in html
    exam = text_of(client.get(f"/integrity/exams/{ran['slug']}"))
    assert 'data-action="run-similarity"' not in exam and "Ana Lima" not in exam
    token = csrf_from(exam)
    assert (
        client.post(f"/integrity/exams/{ran['slug']}/run", data={"csrf_token": token}).status_code
        == 403
    )


def test_reviewers_see_names_when_review_is_not_blind(
    app: Flask, client: FlaskClient, make_user: Callable[..., User], ran: dict[str, Any]
) -> None:
    app.config["REVIEW_BLIND"] = False
    login(client, make_user, Role.reviewer)
    assert "Ana Lima" in text_of(client.get(f"/integrity/pairs/{ran['copy']}"))


@pytest.mark.parametrize("role", [Role.candidate, Role.interviewer, Role.business])
def test_nobody_else_sees_any_of_it(
    client: FlaskClient, make_user: Callable[..., User], ran: dict[str, Any], role: Role
) -> None:
    login(client, make_user, role)
    for url in (
        "/integrity/",
        f"/integrity/exams/{ran['slug']}",
        f"/integrity/runs/{ran['run']}",
        f"/integrity/pairs/{ran['copy']}",
        f"/integrity/pairs/{ran['copy']}/report.html",
    ):
        assert client.get(url).status_code == 403, url
    token = csrf_from(text_of(client.get("/", follow_redirects=True)))
    decision = {"csrf_token": token, "decision": "dismissed"}
    assert client.post(f"/integrity/pairs/{ran['copy']}/decision", data=decision).status_code == 403


def test_a_candidate_never_sees_a_flag_on_their_own_pages(
    client: FlaskClient, ran: dict[str, Any]
) -> None:
    assert AuthActions(client).login("eve@example.com").status_code == 302
    home = text_of(client.get("/exam/", follow_redirects=True))
    assert "similar" not in home.lower() and "/integrity/" not in home


def test_the_decision_form(
    app: Flask, client: FlaskClient, make_user: Callable[..., User], ran: dict[str, Any]
) -> None:
    reviewer = login(client, make_user, Role.reviewer)
    url = f"/integrity/pairs/{ran['copy']}"
    token = csrf_from(text_of(client.get(url)))
    decide = f"{url}/decision"
    assert client.post(decide, data={"decision": "dismissed"}).status_code == 400  # no CSRF
    refused = client.post(decide, data={"csrf_token": token, "decision": "confirmed"})
    assert refused.status_code == 400 and "note" in text_of(refused)
    hostile_note = "<b>shared</b> the whole function"
    done = client.post(
        decide, data={"csrf_token": token, "decision": "confirmed", "note": hostile_note}
    )
    assert done.status_code == 303
    page = text_of(client.get(url))
    assert 'data-decision="confirmed"' in page and "&lt;b&gt;shared&lt;/b&gt;" in page
    with app.app_context():
        pair = row(SimilarityPair, ran["copy"])
        assert pair.decision == "confirmed" and pair.decided_by_id == reviewer.id
        assert db.session.scalar(
            sa.select(AuditEvent.id).where(AuditEvent.action == "integrity.pair_confirmed")
        )


def test_the_export_is_one_self_contained_escaped_file(
    app: Flask, client: FlaskClient, make_user: Callable[..., User], ran: dict[str, Any]
) -> None:
    login(client, make_user, Role.hr)
    response = client.get(f"/integrity/pairs/{ran['hostile']}/report.html")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    html = text_of(response)
    assert html.startswith("<!doctype html>") and "<style>" in html and "<svg" in html
    for outside in ("<script", "<link", 'src="', "src='", 'href="http', "url("):
        assert outside not in html, outside
    assert "&lt;script&gt;alert(&#34;pwned&#34;)&lt;/script&gt;" in html
    assert "frag-0" in html and "Mallory" in html
    with app.app_context():
        assert db.session.scalar(
            sa.select(AuditEvent.id).where(AuditEvent.action == "integrity.report_exported")
        )
    # An image tag or a page on another site cannot make the reader's browser fetch it.
    embedded = client.get(
        f"/integrity/pairs/{ran['copy']}/report.html",
        headers={"Sec-Fetch-Dest": "image", "Sec-Fetch-Site": "cross-site"},
    )
    assert embedded.status_code == 403


def test_the_pages_in_chinese(
    client: FlaskClient, make_user: Callable[..., User], ran: dict[str, Any]
) -> None:
    login(client, make_user, Role.hr)
    token = csrf_from(text_of(client.get("/integrity/")))
    client.post("/language", data={"language": "zh_Hans", "csrf_token": token, "next": "/"})
    html = text_of(client.get(f"/integrity/pairs/{ran['copy']}"))
    assert 'lang="zh-Hans"' in html and 'role="img"' in html
    assert "Ana Lima" in html and 'class="frag-0' in html


def test_paging_the_pairs(
    client: FlaskClient, make_user: Callable[..., User], ran: dict[str, Any]
) -> None:
    login(client, make_user, Role.hr)
    html = text_of(client.get(f"/integrity/runs/{ran['run']}?page=2"))
    assert "data-pair=" not in html  # 15 pairs fit on the first page of 50
    assert text_of(client.get(f"/integrity/runs/{ran['run']}")).count("data-pair=") == 15
