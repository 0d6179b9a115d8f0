"""The offer pages end to end through the test client: HR's form with the budget, approval by
the named approver only, the candidate's letter and answer with CSRF, and who sees what (another
candidate gets 404, a reviewer 403)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from hirebench.extensions import db
from hirebench.models import Offer, OfferStatus, Onboarding, User
from hirebench.offers import service
from hirebench.web import hr_offers
from tests.conftest import AuthActions, csrf_from
from tests.factories import row
from tests.offers import apply, cast, make_job, terms

HIDDEN_RE = re.compile(r'name="(version|sha256)" type="hidden" value="([^"]*)"')


@dataclass(frozen=True)
class World:
    job_id: int
    candidate_id: int
    other_id: int


@pytest.fixture
def world(app: Flask, make_user: Callable[..., User]) -> World:
    # Not held open during the test: requests would share its `g`, and with it a CSRF token.
    with app.test_request_context():
        people = cast(make_user)
        job = make_job()
        apply(people.candidate, job)
        apply(people.other, job)
        return World(job.id, people.candidate.id, people.other.id)


def as_user(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    assert AuthActions(client).login(email).status_code == 302
    return client


def post_offer(client: FlaskClient, world: World, **changes: str) -> object:
    url = f"/hr/offers/new/{world.job_id}/{world.candidate_id}"
    token = csrf_from(client.get(url).get_data(as_text=True))
    return client.post(url, data={**terms(**changes), "csrf_token": token})


def the_offer(app: Flask) -> Offer:
    with app.app_context():
        offer = db.session.scalars(sa.select(Offer)).one()
        db.session.expunge_all()
        return offer


def press(client: FlaskClient, offer_id: int, action: str) -> object:
    page = client.get(f"/hr/offers/{offer_id}").get_data(as_text=True)
    return client.post(f"/hr/offers/{offer_id}/{action}", data={"csrf_token": csrf_from(page)})


def test_the_form_shows_the_budget_and_has_csrf(app: Flask, world: World) -> None:
    hr = as_user(app, "hr@example.com")
    page = hr.get(f"/hr/offers/new/{world.job_id}/{world.candidate_id}").get_data(as_text=True)
    assert 'name="csrf_token"' in page
    assert "20,000 yuan a month" in page and "anyone with the role admin" in page
    scorecard = hr.get(f"/hr/jobs/{world.job_id}/candidates/{world.candidate_id}")
    assert f"/hr/offers/new/{world.job_id}/{world.candidate_id}" in scorecard.get_data(as_text=True)


def test_bad_input_is_shown_and_nothing_saved(app: Flask, world: World) -> None:
    hr = as_user(app, "hr@example.com")
    response = post_offer(hr, world, monthly_salary="twenty thousand")
    assert response.status_code == 400  # type: ignore[attr-defined]
    page = response.get_data(as_text=True)  # type: ignore[attr-defined]
    assert "must be a whole number, not &#39;twenty thousand&#39;" in page
    assert "data-over-budget" not in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Offer.id))) == 0


def test_post_without_csrf_is_refused(app: Flask, world: World) -> None:
    hr = as_user(app, "hr@example.com")
    url = f"/hr/offers/new/{world.job_id}/{world.candidate_id}"
    assert hr.post(url, data=terms()).status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Offer.id))) == 0


def test_over_budget_flow_approval_send_accept(app: Flask, world: World) -> None:
    hr = as_user(app, "hr@example.com")
    assert post_offer(hr, world, monthly_salary="26000").status_code == 302  # type: ignore[attr-defined]
    offer = the_offer(app)
    page = hr.get(f"/hr/offers/{offer.id}").get_data(as_text=True)
    assert "Ask for approval" in page and 'data-action="send"' not in page
    assert press(hr, offer.id, "send").status_code == 303  # type: ignore[attr-defined]
    assert the_offer(app).status is OfferStatus.draft  # refused with a message
    assert press(hr, offer.id, "request-approval").status_code == 303  # type: ignore[attr-defined]
    assert 'data-action="approve"' not in hr.get(f"/hr/offers/{offer.id}").get_data(as_text=True)

    reviewer = as_user(app, "rev@example.com")
    assert reviewer.get(f"/hr/offers/{offer.id}").status_code == 403
    token = csrf_from(reviewer.get("/", follow_redirects=True).get_data(as_text=True))
    refused = reviewer.post(f"/hr/offers/{offer.id}/approve", data={"csrf_token": token})
    assert refused.status_code == 403
    assert reviewer.get(f"/hr/offers/{offer.id}/v1.pdf").status_code == 403

    admin = as_user(app, "admin@example.com")
    assert 'data-action="approve"' in admin.get(f"/hr/offers/{offer.id}").get_data(as_text=True)
    assert press(admin, offer.id, "approve").status_code == 303  # type: ignore[attr-defined]
    assert press(hr, offer.id, "send").status_code == 303  # type: ignore[attr-defined]
    assert the_offer(app).status is OfferStatus.sent

    candidate = as_user(app, "li.wei@example.com")
    page = candidate.get(f"/offers/{offer.id}").get_data(as_text=True)
    hidden = dict(HIDDEN_RE.findall(page))
    assert hidden["version"] == "1" and len(hidden["sha256"]) == 64
    letter = candidate.get(f"/offers/{offer.id}/letter.pdf")
    assert letter.status_code == 200 and letter.mimetype == "application/pdf"
    assert letter.headers["X-Letter-SHA256"] == hidden["sha256"]
    token = csrf_from(page)
    form = {"csrf_token": token, **hidden}
    wrong = candidate.post(f"/offers/{offer.id}/accept", data={**form, "full_name": "Someone"})
    assert wrong.status_code == 409
    assert "Type your full name as it is on the letter (Li Wei)" in wrong.get_data(as_text=True)
    answer = candidate.post(
        f"/offers/{offer.id}/accept",
        data={**form, "full_name": "li wei"},
        headers={"User-Agent": "OfferTest/1.0"},
    )
    assert answer.status_code == 303
    again = candidate.post(
        f"/offers/{offer.id}/accept", data={**form, "full_name": "li wei"}, follow_redirects=True
    )
    assert "You already accepted this offer; nothing changed." in again.get_data(as_text=True)
    with app.app_context():
        onboarding = db.session.scalars(sa.select(Onboarding.id)).one()
    link = f'href="/onboarding/{onboarding}" data-link="onboarding"'
    assert link in candidate.get(f"/offers/{offer.id}").get_data(as_text=True)
    accepted = the_offer(app)
    assert accepted.status is OfferStatus.accepted
    assert accepted.accepted_ip == "127.0.0.1" and accepted.accepted_user_agent == "OfferTest/1.0"
    assert accepted.accepted_sha256 == hidden["sha256"]
    evidence = hr.get(f"/hr/offers/{offer.id}").get_data(as_text=True)
    assert "OfferTest/1.0" in evidence and hidden["sha256"] in evidence


def test_another_candidate_gets_404_everywhere(app: Flask, world: World) -> None:
    hr = as_user(app, "hr@example.com")
    post_offer(hr, world)
    offer = the_offer(app)
    press(hr, offer.id, "send")
    other = as_user(app, "zhang@example.com")
    assert other.get(f"/offers/{offer.id}").status_code == 404
    assert other.get(f"/offers/{offer.id}/letter.pdf").status_code == 404
    token = csrf_from(other.get("/offers/").get_data(as_text=True))
    data = {"csrf_token": token, "version": "1", "sha256": "x", "full_name": "张伟"}
    assert other.post(f"/offers/{offer.id}/accept", data=data).status_code == 404
    assert other.post(f"/offers/{offer.id}/decline", data=data).status_code == 404
    assert the_offer(app).status is OfferStatus.sent
    # HR's pages are not the candidate's either.
    assert other.get(f"/hr/offers/{offer.id}").status_code == 403


def test_a_draft_is_invisible_to_the_candidate(app: Flask, world: World) -> None:
    post_offer(as_user(app, "hr@example.com"), world)
    offer = the_offer(app)
    candidate = as_user(app, "li.wei@example.com")
    assert candidate.get(f"/offers/{offer.id}").status_code == 404
    assert "You have no offers." in candidate.get("/offers/").get_data(as_text=True)


def test_decline_with_a_reason(app: Flask, world: World) -> None:
    hr = as_user(app, "hr@example.com")
    post_offer(hr, world)
    offer = the_offer(app)
    press(hr, offer.id, "send")
    candidate = as_user(app, "li.wei@example.com")
    page = candidate.get("/offers/", follow_redirects=True).get_data(as_text=True)
    form = {"csrf_token": csrf_from(page), **dict(HIDDEN_RE.findall(page))}
    response = candidate.post(
        f"/offers/{offer.id}/decline", data={**form, "reason": "Accepted another offer"}
    )
    assert response.status_code == 303
    declined = the_offer(app)
    assert declined.status is OfferStatus.declined
    assert declined.decline_reason == "Accepted another offer"
    late = candidate.post(f"/offers/{offer.id}/accept", data={**form, "full_name": "Li Wei"})
    assert late.status_code == 409
    assert "You declined this offer" in late.get_data(as_text=True)


def test_edit_after_sending_shows_the_new_version_only(app: Flask, world: World) -> None:
    hr = as_user(app, "hr@example.com")
    post_offer(hr, world)
    offer = the_offer(app)
    press(hr, offer.id, "send")
    candidate = as_user(app, "li.wei@example.com")
    old = dict(HIDDEN_RE.findall(candidate.get(f"/offers/{offer.id}").get_data(as_text=True)))
    edit_page = hr.get(f"/hr/offers/{offer.id}/edit").get_data(as_text=True)
    assert "saving makes version 2" in edit_page
    assert 'value="上海市浦东新区张江路 88 号"' in edit_page  # the form starts from the terms
    data = {**terms(location="杭州市西湖区"), "csrf_token": csrf_from(edit_page)}
    assert hr.post(f"/hr/offers/{offer.id}/edit", data=data).status_code == 302
    page = candidate.get(f"/offers/{offer.id}").get_data(as_text=True)
    assert "杭州市西湖区" in page and "上海市浦东新区" not in page
    stale = candidate.post(
        f"/offers/{offer.id}/accept",
        data={"csrf_token": csrf_from(page), **old, "full_name": "Li Wei"},
    )
    assert stale.status_code == 409
    assert "The offer changed since you opened it" in stale.get_data(as_text=True)
    with app.test_request_context():
        fresh = row(Offer, offer.id)
        assert fresh.current_version == 2 and fresh.status is OfferStatus.sent
        assert service.history(fresh)[-1].action == "offer.edit"


def test_the_jobs_offers_are_paginated(
    app: Flask, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hr_offers, "PER_PAGE", 1)
    hr = as_user(app, "hr@example.com")
    post_offer(hr, world)
    url = f"/hr/offers/new/{world.job_id}/{world.other_id}"
    token = csrf_from(hr.get(url).get_data(as_text=True))
    hr.post(url, data={**terms(), "csrf_token": token})
    first = hr.get(f"/hr/offers/jobs/{world.job_id}").get_data(as_text=True)
    assert "Page 1 of 2" in first and "张伟" in first and "Li Wei" not in first
    second = hr.get(f"/hr/offers/jobs/{world.job_id}?page=2").get_data(as_text=True)
    assert "Li Wei" in second


def test_the_form_names_the_recommendation_in_the_readers_language(
    app: Flask, world: World
) -> None:
    url = f"/hr/offers/new/{world.job_id}/{world.candidate_id}"
    hr = as_user(app, "hr@example.com")
    english = hr.get(url).get_data(as_text=True)
    assert '<strong data-recommendation="hire">Hire</strong>' in english
    with app.app_context():
        hr_user = db.session.scalars(sa.select(User).filter_by(email="hr@example.com")).one()
        hr_user.locale = "zh_Hans"
        db.session.commit()
    chinese = hr.get(url).get_data(as_text=True)
    assert '<strong data-recommendation="hire">录用</strong>' in chinese
