"""The interviewer pages and HR's interview pages: the kit with its guides, the scorecard form,
the panel shown only after one's own scorecard, escaping, and HR building kits and panels."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape

from hirebench.extensions import db
from hirebench.interviews import service
from hirebench.interviews.bank import load_bank_file
from hirebench.jobs import service as jobs
from hirebench.models import AuditEvent, Interview, InterviewKit, Role, Scorecard, User
from hirebench.paths import PROJECT_ROOT
from tests.conftest import AuthActions, csrf_from
from tests.factories import row

SHIPPED = PROJECT_ROOT / "exams" / "interviews" / "behavioural.yaml"
QUESTIONS = ("ambiguous-annotation-cases", "model-needs-changing")
CHECKED_RE = re.compile(r'name="([^"]+)" value="([^"]+)" required checked')
XSS = "<script>alert(1)</script>"


@dataclass(frozen=True)
class World:
    hr: User
    candidate: User
    ann: User
    bob: User
    eve: User
    job_id: int
    kit_id: int
    interview_id: int  # candidate with Ann and Bob
    other_id: int  # another candidate with Eve


@pytest.fixture
def world(app: Flask, make_user: Callable[..., User]) -> World:
    hr = make_user(Role.hr, email="hr@example.com", name="Hana HR")
    candidate = make_user(Role.candidate, email="cand@example.com", name="Li Lei")
    other = make_user(Role.candidate, email="other@example.com", name="Han Meimei")
    ann = make_user(Role.interviewer, email="ann@example.com", name="Ann")
    bob = make_user(Role.interviewer, email="bob@example.com", name="Bob")
    eve = make_user(Role.interviewer, email="eve@example.com", name="Eve")
    with app.app_context():
        service.load_bank(load_bank_file(SHIPPED))
        job = jobs.get_or_create("AI trainer")
        by = row(User, hr.id)
        kit = service.create_kit(job, "behavioural-1", "Behavioural", QUESTIONS, by=by)
        panel = [row(User, ann.id), row(User, bob.id)]
        first = service.schedule(kit, row(User, candidate.id), panel, None, by=by)
        second = service.schedule(kit, row(User, other.id), [row(User, eve.id)], None, by=by)
        return World(hr, candidate, ann, bob, eve, job.id, kit.id, first.id, second.id)


def card_form(rating: str = "4", notes: str = "Gave a STAR answer.") -> dict[str, str]:
    form = {f"rating-{q}": rating for q in QUESTIONS}
    form |= {f"notes-{q}": f"{notes} ({q})" for q in QUESTIONS}
    form |= {"competency-ambiguity": rating, "competency-communication": rating}
    return form | {"recommendation": "yes", "summary": "Solid."}


def post_card(client: FlaskClient, interview_id: int, form: dict[str, str]) -> Any:
    url = f"/interview/{interview_id}"
    token = csrf_from(client.get(url).get_data(as_text=True))
    return client.post(url, data={**form, "csrf_token": token})


def submit_as(
    app: Flask, who: User, interview_id: int, rating: int, notes: str, **extra: Any
) -> None:
    with app.app_context():
        service.submit_scorecard(
            row(Interview, interview_id),
            row(User, who.id),
            question_ratings={q: {"rating": rating, "notes": notes} for q in QUESTIONS},
            competency_ratings={"ambiguity": rating, "communication": rating},
            recommendation=extra.pop("recommendation", "no"),
            **extra,
        )


def scorecards(app: Flask) -> list[Scorecard]:
    with app.app_context():
        rows = db.session.scalars(sa.select(Scorecard).order_by(Scorecard.id)).all()
        db.session.expunge_all()
        return list(rows)


def actions(app: Flask, name: str) -> list[AuditEvent]:
    with app.app_context():
        rows = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == name)).all()
        db.session.expunge_all()
        return list(rows)


# ------------------------------------------------------------------------- interviewer


def test_interviewer_lists_only_their_interviews(
    client: FlaskClient, auth: AuthActions, world: World
) -> None:
    auth.login(world.ann.email)
    html = client.get("/interview/").get_data(as_text=True)
    assert "Li Lei" in html and f"/interview/{world.interview_id}" in html
    assert "Han Meimei" not in html and f"/interview/{world.other_id}" not in html
    auth.logout()
    auth.login(world.eve.email)
    html = client.get("/interview/").get_data(as_text=True)
    assert "Han Meimei" in html and "Li Lei" not in html


def test_page_shows_questions_with_guides(
    app: Flask, client: FlaskClient, auth: AuthActions, world: World
) -> None:
    auth.login(world.ann.email)
    response = client.get(f"/interview/{world.interview_id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    bank = load_bank_file(SHIPPED)
    for slug in QUESTIONS:
        question = bank.question(slug)
        assert str(escape(question.text)) in html
        assert [score for score, _text in question.guide] == [1, 3, 5]
        for score, text in question.guide:
            assert f"A {score} sounds like" in html
            assert str(escape(text)) in html
        assert str(escape(question.follow_ups[0])) in html
        assert f'name="rating-{slug}"' in html and f'name="notes-{slug}"' in html
    assert 'name="competency-ambiguity"' in html and 'name="competency-communication"' in html


def test_panel_hidden_until_own_scorecard(
    app: Flask, client: FlaskClient, auth: AuthActions, world: World
) -> None:
    submit_as(app, world.bob, world.interview_id, 2, "Bob heard no result.")
    auth.login(world.ann.email)
    html = client.get(f"/interview/{world.interview_id}").get_data(as_text=True)
    assert "Submit your own scorecard first" in html
    assert "Bob heard no result." not in html and "<h3>Bob</h3>" not in html

    response = post_card(client, world.interview_id, card_form("4"))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/interview/{world.interview_id}")
    html = client.get(f"/interview/{world.interview_id}").get_data(as_text=True)
    assert "Submit your own scorecard first" not in html
    assert "<h3>Bob</h3>" in html and "Bob heard no result." in html
    assert "<td>2</td>" in html and "<td>4</td>" in html  # Bob's ratings beside Ann's own
    assert "Edit my scorecard" in html


def test_submit_via_form_stores_scorecard_and_audits(
    app: Flask, client: FlaskClient, auth: AuthActions, world: World
) -> None:
    auth.login(world.ann.email)
    form = card_form("4") | {"rating-model-needs-changing": "5", "recommendation": "strong_yes"}
    response = post_card(client, world.interview_id, form)
    assert response.status_code == 302
    [card] = scorecards(app)
    assert (card.interviewer_id, card.version, card.is_current) == (world.ann.id, 1, True)
    assert card.question_ratings["model-needs-changing"] == {
        "rating": 5,
        "notes": "Gave a STAR answer. (model-needs-changing)",
    }
    assert card.competency_ratings == {"ambiguity": 4, "communication": 4}
    assert card.recommendation.value == "strong_yes" and card.summary == "Solid."
    [event] = actions(app, "interview.scorecard")
    assert event.actor_id == world.ann.id and event.target_id == str(world.interview_id)
    followed = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Scorecard submitted." in followed

    assert post_card(client, world.interview_id, card_form("3")).status_code == 302
    assert [(c.version, c.is_current) for c in scorecards(app)] == [(1, False), (2, True)]
    assert len(actions(app, "interview.scorecard_edit")) == 1


def test_bad_rating_is_refused_and_form_keeps_values(
    app: Flask, client: FlaskClient, auth: AuthActions, world: World
) -> None:
    auth.login(world.ann.email)
    form = card_form("4", notes="Typed notes") | {"rating-ambiguous-annotation-cases": "7"}
    response = post_card(client, world.interview_id, form)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "must be a whole number from 1 to 5" in html
    assert scorecards(app) == [] and actions(app, "interview.scorecard") == []
    checked = dict(CHECKED_RE.findall(html))
    assert checked == {
        "rating-model-needs-changing": "4",
        "competency-ambiguity": "4",
        "competency-communication": "4",
        "recommendation": "yes",
    }
    assert "Typed notes (ambiguous-annotation-cases)</textarea>" in html
    assert "Typed notes (model-needs-changing)</textarea>" in html
    assert ">Solid.</textarea>" in html


def test_every_missing_rating_is_named_and_marked(
    app: Flask, client: FlaskClient, auth: AuthActions, world: World
) -> None:
    auth.login(world.ann.email)
    form = card_form("4")
    del form["rating-ambiguous-annotation-cases"], form["competency-communication"]
    form["rating-model-needs-changing"] = ""
    response = post_card(client, world.interview_id, form)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    message = re.search(r"Give a rating for ([^<]*)\.</", html)
    assert message is not None, html
    named = message.group(1).split("; ")
    assert len(named) == 3 and named[-1].startswith("competency")
    missing = ("rating-ambiguous-annotation-cases", "rating-model-needs-changing")
    for key in (*missing, "competency-communication"):
        assert f'class="hb-rating has-error" id="{key}"' in html
    assert 'class="hb-rating" id="competency-ambiguity"' in html  # rated: not marked
    assert scorecards(app) == []


def test_strong_no_against_high_ratings_needs_a_summary(
    app: Flask, client: FlaskClient, auth: AuthActions, world: World
) -> None:
    auth.login(world.ann.email)
    form = card_form("4") | {"recommendation": "strong_no", "summary": ""}
    response = post_card(client, world.interview_id, form)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "contradicts a mean rating of 4.0; say why in the summary" in html
    assert 'aria-invalid="true">' in html
    assert scorecards(app) == []
    form["summary"] = "The examples were rehearsed and fell apart under follow-ups."
    assert post_card(client, world.interview_id, form).status_code == 302
    assert [c.recommendation.value for c in scorecards(app)] == ["strong_no"]


def test_missing_csrf_is_refused(
    app: Flask, client: FlaskClient, auth: AuthActions, world: World
) -> None:
    auth.login(world.ann.email)
    response = client.post(f"/interview/{world.interview_id}", data=card_form())
    assert response.status_code == 400
    assert scorecards(app) == []


def test_interviewer_not_on_panel_gets_404(
    app: Flask, client: FlaskClient, auth: AuthActions, world: World
) -> None:
    auth.login(world.eve.email)
    assert client.get(f"/interview/{world.interview_id}").status_code == 404
    token = csrf_from(client.get("/interview/").get_data(as_text=True))
    response = client.post(
        f"/interview/{world.interview_id}", data={**card_form(), "csrf_token": token}
    )
    assert response.status_code == 404
    assert scorecards(app) == []
    denied = actions(app, "interview.denied")
    # Both refusals of the one interview share a row (audit.record_denial).
    assert [(e.actor_id, e.detail["count"]) for e in denied] == [(world.eve.id, 2)]


def test_notes_are_escaped_for_panel_and_hr(
    app: Flask, client: FlaskClient, auth: AuthActions, world: World
) -> None:
    submit_as(app, world.bob, world.interview_id, 3, XSS, summary=XSS)
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    auth.login(world.bob.email)
    html = client.get(f"/interview/{world.interview_id}").get_data(as_text=True)
    assert escaped in html and XSS not in html
    auth.logout()

    auth.login(world.ann.email)
    assert post_card(client, world.interview_id, card_form()).status_code == 302
    html = client.get(f"/interview/{world.interview_id}").get_data(as_text=True)
    assert escaped in html and XSS not in html
    auth.logout()

    auth.login(world.hr.email)
    html = client.get(f"/hr/candidates/{world.candidate.id}").get_data(as_text=True)
    assert escaped in html and XSS not in html


# ---------------------------------------------------------------------------------- HR


def kit_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(InterviewKit)) or 0


def test_hr_builds_a_kit(app: Flask, client: FlaskClient, auth: AuthActions, world: World) -> None:
    auth.login(world.hr.email)
    page = client.get("/hr/interviews").get_data(as_text=True)
    assert 'value="metric-choice"' in page and "Behavioural" in page
    form = {
        "csrf_token": csrf_from(page),
        "job_id": str(world.job_id),
        "stage": "phone",
        "title": "Phone screen",
        "questions": ["metric-choice", "mistake-owned"],
    }
    response = client.post("/hr/interviews/kits", data=form)
    assert response.status_code == 302
    with app.app_context():
        kit = db.session.scalars(sa.select(InterviewKit).filter_by(stage="phone")).one()
        assert (kit.job_id, kit.title) == (world.job_id, "Phone screen")
        assert [q["id"] for q in kit.questions] == ["metric-choice", "mistake-owned"]
        bank = load_bank_file(SHIPPED)
        assert kit.questions[0]["text"] == bank.question("metric-choice").text
        assert kit.questions[0]["guide"][0]["score"] == 1
        assert kit.questions[1]["competency"] == "quality-ownership"

    response = client.post("/hr/interviews/kits", data={**form, "questions": []})
    assert response.status_code == 400
    assert "Choose at least one question for the kit." in response.get_data(as_text=True)
    response = client.post("/hr/interviews/kits", data={**form, "stage": "behavioural-1"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "This job already has a kit for the stage “behavioural-1”." in html
    assert kit_count(app) == 2


def test_hr_schedules_an_interview(
    app: Flask, client: FlaskClient, auth: AuthActions, world: World
) -> None:
    auth.login(world.hr.email)
    form = {
        "csrf_token": csrf_from(client.get("/hr/interviews").get_data(as_text=True)),
        "kit_id": str(world.kit_id),
        "candidate_id": str(world.candidate.id),
        "interviewer_ids": [str(world.eve.id), str(world.bob.id)],
        "scheduled_at": "2030-03-01T10:30",
    }
    response = client.post("/hr/interviews", data=form)
    assert response.status_code == 302
    with app.app_context():
        newest = db.session.scalars(sa.select(Interview).order_by(Interview.id.desc())).first()
        assert newest is not None
        assert newest.scheduled_at == datetime(2030, 3, 1, 10, 30)
        assert {p.interviewer_id for p in newest.panel} == {world.eve.id, world.bob.id}

    response = client.post("/hr/interviews", data={**form, "interviewer_ids": []})
    assert response.status_code == 400
    assert "Choose at least one interviewer." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Interview)) == 3


def test_candidate_cannot_reach_interview_pages(
    client: FlaskClient, auth: AuthActions, world: World
) -> None:
    auth.login(world.candidate.email)
    assert client.get("/interview/").status_code == 403
    assert client.get(f"/interview/{world.interview_id}").status_code == 403
    assert client.get("/hr/interviews").status_code == 403


def test_hr_candidate_page_shows_every_version(
    app: Flask, client: FlaskClient, auth: AuthActions, world: World
) -> None:
    submit_as(app, world.ann, world.interview_id, 3, "first take", recommendation="yes")
    submit_as(app, world.ann, world.interview_id, 5, "second take", recommendation="strong_yes")
    submit_as(app, world.bob, world.interview_id, 2, "bob take", recommendation="strong_no")
    auth.login(world.hr.email)
    html = client.get(f"/hr/candidates/{world.candidate.id}").get_data(as_text=True)
    assert "Ann · v1 · replaced · Yes" in html
    assert "Ann · v2 · Strong yes" in html
    assert "Bob · v1 · Strong no" in html
    assert "first take" in html and "second take" in html and "bob take" in html
    assert "Rater agreement" in html and "Behavioural" in html
