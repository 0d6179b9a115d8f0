"""The business department's pages: open jobs with their candidates' scorecards (read-only,
paginated), one candidate's scorecard summary with everyone's feedback, the feedback form,
escaping, and the staff pages that stay closed to the business role."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from werkzeug.test import TestResponse

from hirebench.extensions import db
from hirebench.jobs import service as jobs
from hirebench.jobs.profile import Stage
from hirebench.jobs.profile_file import load_profile_file
from hirebench.jobs.service import ensure_application, save_profile
from hirebench.models import Application, AuditEvent, Feedback, Job, Role, User
from hirebench.paths import PROJECT_ROOT
from hirebench.scorecards.compute import N_, Evidence, Item, StageResult, compute, flag, text
from hirebench.scorecards.service import refresh, summarize
from hirebench.services import feedback as feedback_service
from tests.conftest import AuthActions, csrf_from

PROFILE = PROJECT_ROOT / "exams" / "jobs" / "ai-trainer-ecommerce.yaml"
XSS = "<script>alert('feedback')</script>"
ROW_RE = re.compile(r'<tr data-candidate="(\d+)">')


@dataclass(frozen=True)
class World:
    business: User
    hr: User
    interviewer: User
    strong: User  # scored, ranked first
    fresh: User  # applied, no evidence yet
    outsider: User  # a candidate who did not apply for the job
    job_id: int
    closed_job_id: int


def user(key: int) -> User:
    found = db.session.get(User, key)
    assert found is not None
    return found


def job_row(key: int) -> Job:
    found = db.session.get(Job, key)
    assert found is not None
    return found


def store_card(application: Application) -> None:
    """A scorecard computed from synthetic evidence: a composite, a recommendation with its
    reasons, stage details, competencies and a flag."""
    definition = load_profile_file(PROFILE)
    evidence = Evidence(application.candidate_id, "Strong One", "strong@example.com")
    evidence.stages = {
        Stage.written_test: StageResult(90.0, "complete", text(N_("no evidence yet"))),
        Stage.portfolio: StageResult(85.0, "complete"),
        Stage.interview: StageResult(None, "pending"),
    }
    evidence.items = [Item("technical", "exam", "coding", 92.0, 10.0)]
    evidence.flags = [flag("integrity", N_("Exam integrity signals: %(kinds)s"), kinds="tab")]
    data = compute(definition, 1, application.job_id, evidence)
    card = refresh(application)
    assert card is not None
    card.data, card.composite, card.summary = data, data["composite"], summarize(data)
    card.recommendation = data["recommendation"]["code"]
    db.session.commit()


@pytest.fixture
def world(app: Flask, make_user: Callable[..., User]) -> World:
    business = make_user(Role.business, email="bella@example.com", name="Bella Business")
    hr = make_user(Role.hr, email="hana@example.com", name="Hana HR")
    interviewer = make_user(Role.interviewer, email="ivan@example.com", name="Ivan")
    strong = make_user(Role.candidate, email="strong@example.com", name="Strong One")
    fresh = make_user(Role.candidate, email="fresh@example.com", name="Fresh Two")
    outsider = make_user(Role.candidate, email="out@example.com", name="Out Sider")
    with app.app_context():
        profile = save_profile(load_profile_file(PROFILE))
        job = job_row(profile.job_id)
        closed = jobs.get_or_create("Closed role", is_open=False)
        for person in (fresh, strong):
            refresh(ensure_application(user(person.id), job))
        ensure_application(user(outsider.id), closed)
        db.session.commit()
        strong_application = db.session.scalar(
            sa.select(Application).where(Application.candidate_id == strong.id)
        )
        assert strong_application is not None
        store_card(strong_application)
        return World(business, hr, interviewer, strong, fresh, outsider, job.id, closed.id)


def login(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    assert AuthActions(client).login(email).status_code == 302
    return client


def candidate_url(world: World, candidate: User) -> str:
    return f"/business/jobs/{world.job_id}/candidates/{candidate.id}"


def post_feedback(client: FlaskClient, url: str, text_: str) -> TestResponse:
    token = csrf_from(client.get(url).get_data(as_text=True))
    return client.post(f"{url}/feedback", data={"text": text_, "csrf_token": token})


def feedback_rows(app: Flask) -> list[Feedback]:
    with app.app_context():
        rows = db.session.scalars(sa.select(Feedback).order_by(Feedback.id)).all()
        db.session.expunge_all()
        return list(rows)


# --------------------------------------------------------------------------------- list


def test_login_lands_on_the_business_area_with_its_nav_link(app: Flask, world: World) -> None:
    client = app.test_client()
    response = AuthActions(client).login(world.business.email)
    assert response.headers["Location"].endswith("/business/")
    html = client.get("/business/").get_data(as_text=True)
    assert 'href="/business/"' in html and "Candidates" in html
    assert 'href="/hr/"' not in html  # no staff links for the business role


def test_home_lists_open_jobs_and_the_candidates_of_the_first(app: Flask, world: World) -> None:
    client = login(app, world.business.email)
    response = client.get("/business/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "AI Trainer — e-commerce" in html
    assert "Closed role" not in html  # only open jobs
    # Best composite first; a candidate without a score after.
    assert ROW_RE.findall(html) == [str(world.strong.id), str(world.fresh.id)]
    assert world.outsider.name not in html
    strong_row = html[html.index(f'data-candidate="{world.strong.id}"') :]
    strong_row = strong_row[: strong_row.index("</tr>")]
    assert "87.5" in strong_row  # (90 * 30 + 85 * 30) / 60: reweighted over the scored stages
    assert ">partial: 2 of 4 stages</span>" in strong_row  # a partial composite says so
    assert 'data-rec="hold"' in strong_row and ">Hold<" in strong_row
    assert '<td class="status" data-stage="written_test">complete</td>' in strong_row
    assert '<td class="status" data-stage="interview">pending</td>' in strong_row
    assert '<td class="status" data-stage="assessment">missing</td>' in strong_row
    assert f'href="{candidate_url(world, world.strong)}"' in strong_row


def test_chosen_job_and_unknown_or_closed_job(app: Flask, world: World) -> None:
    client = login(app, world.business.email)
    with app.app_context():
        other = jobs.get_or_create("Zeta lead")
        db.session.commit()
        other_id = other.id
    # The first open job by title is the default; another is chosen by its id.
    html = client.get("/business/").get_data(as_text=True)
    assert len(ROW_RE.findall(html)) == 2
    assert f'href="/business/?job={other_id}"' in html
    html = client.get(f"/business/?job={other_id}").get_data(as_text=True)
    assert ROW_RE.findall(html) == [] and "No candidates have applied yet." in html
    assert "This job has no profile yet" in html
    assert client.get(f"/business/?job={world.closed_job_id}").status_code == 404
    assert client.get("/business/?job=999").status_code == 404


def test_home_is_paginated_by_fifty(app: Flask, world: World) -> None:
    with app.app_context():
        job = job_row(world.job_id)
        for n in range(50):
            person = User(email=f"bulk{n}@example.com", name=f"Bulk {n:02d}", role=Role.candidate)
            db.session.add(person)
            db.session.flush()
            ensure_application(person, job)
        db.session.commit()
    client = login(app, world.business.email)
    first = client.get(f"/business/?job={world.job_id}").get_data(as_text=True)
    assert len(ROW_RE.findall(first)) == 50
    assert ROW_RE.findall(first)[0] == str(world.strong.id)
    assert "Page 1 of 2" in first
    second = client.get(f"/business/?job={world.job_id}&page=2").get_data(as_text=True)
    assert len(ROW_RE.findall(second)) == 2
    assert not set(ROW_RE.findall(first)) & set(ROW_RE.findall(second))


def test_a_complete_record_ranks_above_a_higher_partial_composite(app: Flask, world: World) -> None:
    """As on HR's table: a composite built on every stage comes before one built on a few,
    however high the partial one is (docs/scorecard.md, "Ranking")."""
    with app.app_context():
        steady = User(email="steady@example.com", name="Steady Three", role=Role.candidate)
        db.session.add(steady)
        db.session.flush()
        application = ensure_application(steady, job_row(world.job_id))
        definition = load_profile_file(PROFILE)
        evidence = Evidence(steady.id, "Steady Three", "steady@example.com")
        evidence.stages = {stage: StageResult(60.0, "complete") for stage, _w in definition.stages}
        data = compute(definition, 1, world.job_id, evidence)
        card = refresh(application)
        assert card is not None
        card.data, card.composite, card.summary = data, data["composite"], summarize(data)
        card.recommendation = data["recommendation"]["code"]
        db.session.commit()
        steady_id = steady.id
    html = login(app, world.business.email).get("/business/").get_data(as_text=True)
    # Steady's complete 60 first, Strong's partial 87.5 second, no composite last.
    assert ROW_RE.findall(html) == [str(steady_id), str(world.strong.id), str(world.fresh.id)]


def test_no_open_jobs(app: Flask, make_user: Callable[..., User]) -> None:
    business = make_user(Role.business, email="solo@example.com")
    html = login(app, business.email).get("/business/").get_data(as_text=True)
    assert "There are no open jobs." in html


# ---------------------------------------------------------------------- candidate page


def test_candidate_page_summarises_the_scorecard(app: Flask, world: World) -> None:
    client = login(app, world.business.email)
    response = client.get(candidate_url(world, world.strong))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Strong One" in html and "AI Trainer — e-commerce" in html
    assert 'data-rec="hold"' in html and "87.5" in html
    badge = '<span class="badge composite-basis" data-partial>'
    # The composite as a score chip in the hire band (it reaches the cut-off; the partial
    # record still holds the recommendation), then the partial badge.
    assert re.search(
        rf'<p class="score">Composite: <span class="hb-score hb-score-hire"[^>]*>.*?87\.5.*?'
        rf"</span> {badge}",
        html,
        re.S,
    )
    assert ">partial: 2 of 4 stages</span>" in html
    assert "Composite 87.5 so far; still waiting for" in html  # the reason
    assert '<li class="flag" data-flag="integrity">Exam integrity signals: tab</li>' in html
    assert '<tr data-stage="written_test"><td class="nowrap">Written test</td><td>30%</td>' in html
    assert "no evidence yet" in html  # a stage's detail, explained
    assert 'data-competency="technical"' in html and "Technical skill" in html
    assert "No feedback yet." in html
    assert 'name="csrf_token"' in html and 'name="text"' in html
    # Read-only otherwise: no links into HR's pages.
    assert "/hr/" not in html


def test_candidate_without_a_scorecard_yet(app: Flask, world: World) -> None:
    with app.app_context():
        application = db.session.scalar(
            sa.select(Application).where(Application.candidate_id == world.fresh.id)
        )
        assert application is not None
        application.scorecard = None
        db.session.commit()
    html = login(app, world.business.email).get(candidate_url(world, world.fresh))
    assert html.status_code == 200
    assert "There is no scorecard for this candidate yet." in html.get_data(as_text=True)


def test_candidate_without_an_application_is_404(app: Flask, world: World) -> None:
    client = login(app, world.business.email)
    assert client.get(candidate_url(world, world.outsider)).status_code == 404
    assert client.get(f"/business/jobs/999/candidates/{world.strong.id}").status_code == 404
    assert client.get(f"/business/jobs/{world.job_id}/candidates/999").status_code == 404
    token = csrf_from(client.get("/business/").get_data(as_text=True))
    response = client.post(
        f"{candidate_url(world, world.outsider)}/feedback", data={"text": "x", "csrf_token": token}
    )
    assert response.status_code == 404
    assert feedback_rows(app) == []


def test_feedback_from_everyone_with_its_source_and_author(app: Flask, world: World) -> None:
    with app.app_context():
        job = job_row(world.job_id)
        strong = user(world.strong.id)
        feedback_service.add_feedback(strong, job, user(world.hr.id), "HR: strong technically")
        feedback_service.add_feedback(strong, job, user(world.interviewer.id), "Calm under fire")
    client = login(app, world.business.email)
    url = candidate_url(world, world.strong)
    response = post_feedback(client, url, "We need her\nin the Q3 launch team")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(url)
    html = client.get(url).get_data(as_text=True)
    assert "Feedback added to the scorecard." in html
    articles = re.findall(
        r'<article class="feedback" data-source="(\w+)">\s*<p class="muted">([^<]*)</p>\s*'
        r'<p class="prewrap">([^<]*)</p>',
        html,
    )
    assert [(source, meta.split(" · ")[:2], body) for source, meta, body in articles] == [
        ("hr", ["HR", "Hana HR"], "HR: strong technically"),
        ("interviewer", ["Interviewer", "Ivan"], "Calm under fire"),
        (
            "business",
            ["Business department", "Bella Business"],
            "We need her\nin the Q3 launch team",
        ),
    ]
    saved = feedback_rows(app)[-1]
    assert (saved.source, saved.author_id, saved.job_id) == (
        "business",
        world.business.id,
        world.job_id,
    )
    with app.app_context():
        events = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "feedback.add")
        ).all()
        assert [e.actor_id for e in events][-1] == world.business.id
        # The scorecard was recomputed with the feedback in it.
        card = db.session.scalar(
            sa.select(Application).where(Application.candidate_id == world.strong.id)
        )
        assert card is not None and card.scorecard is not None
        assert card.scorecard.data["feedback"][-1]["source"] == "business"


def test_feedback_html_is_escaped(app: Flask, world: World) -> None:
    client = login(app, world.business.email)
    url = candidate_url(world, world.strong)
    post_feedback(client, url, XSS)
    html = client.get(url).get_data(as_text=True)
    assert XSS not in html
    assert str(escape(XSS)) in html


@pytest.mark.parametrize(
    ("text_", "message"),
    [
        ("", "This field is required."),
        ("   \n  ", "This field is required."),
        ("x" * 4001, "Field cannot be longer than 4000 characters."),
    ],
)
def test_bad_feedback_rerenders_and_saves_nothing(
    app: Flask, world: World, text_: str, message: str
) -> None:
    client = login(app, world.business.email)
    response = post_feedback(client, candidate_url(world, world.strong), text_)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html and 'role="alert"' in html
    assert feedback_rows(app) == []


def test_feedback_needs_the_csrf_token(app: Flask, world: World) -> None:
    client = login(app, world.business.email)
    response = client.post(f"{candidate_url(world, world.strong)}/feedback", data={"text": "hi"})
    assert response.status_code == 400
    assert feedback_rows(app) == []


# ------------------------------------------------------------------------------ access


def test_business_stays_out_of_staff_pages(app: Flask, world: World) -> None:
    client = login(app, world.business.email)
    for url in (
        "/hr/",
        "/review/",
        "/interview/",
        "/admin/",
        "/exam/",
        f"/hr/jobs/{world.job_id}",
        f"/hr/jobs/{world.job_id}/candidates/{world.strong.id}",
    ):
        assert client.get(url).status_code == 403, url


@pytest.mark.parametrize("role", [Role.hr, Role.admin, Role.interviewer, Role.candidate])
def test_other_roles_cannot_use_the_business_area(
    app: Flask, world: World, make_user: Callable[..., User], role: Role
) -> None:
    other = make_user(role)
    client = login(app, other.email)
    url = candidate_url(world, world.strong)
    assert client.get("/business/").status_code == 403
    assert client.get(url).status_code == 403
    token = csrf_from(client.get("/", follow_redirects=True).get_data(as_text=True))
    assert (
        client.post(f"{url}/feedback", data={"text": "x", "csrf_token": token}).status_code == 403
    )
    assert feedback_rows(app) == []
