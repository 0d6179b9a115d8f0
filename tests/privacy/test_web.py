"""The pages: a candidate's My data page, their copy and their request for erasure, consent
withdrawal; another candidate's id is a 404 for both the copy and erasure; HR's panel erases
only after the address is typed, and an open offer or a dispute refuses with the reason.
The exam's consent screen records its consents with the text version shown."""

from __future__ import annotations

import io
import json
import re
import zipfile

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from hirebench.extensions import db
from hirebench.models import ConsentRecord, Offer, OfferStatus, PrivacyRequest, User
from hirebench.privacy import consent, erasure
from tests.conftest import AuthActions, csrf_from
from tests.privacy.conftest import DEMO_PASSWORD, RICH


def _login(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    assert AuthActions(client).login(email, DEMO_PASSWORD).status_code == 302
    return client


def _id(app: Flask, email: str) -> int:
    with app.app_context():
        return db.session.scalars(sa.select(User.id).where(User.email == email)).one()


def _token(client: FlaskClient, url: str) -> str:
    return csrf_from(client.get(url).get_data(as_text=True))


def test_a_candidate_downloads_their_copy_and_only_theirs(app: Flask) -> None:
    client = _login(app, RICH)
    page = client.get("/privacy/me").get_data(as_text=True)
    assert "Download my data (ZIP)" in page
    assert 'data-link="my-data"' in client.get("/exam/").get_data(as_text=True)
    token = csrf_from(page)
    mine = client.post(f"/privacy/candidates/{_id(app, RICH)}/copy", data={"csrf_token": token})
    assert mine.status_code == 200 and mine.mimetype == "application/zip"
    document = json.loads(zipfile.ZipFile(io.BytesIO(mine.data)).read("copy.json"))
    assert document["subject"]["email"] == RICH
    other = _id(app, "candidate2@demo.local")
    assert (
        client.post(f"/privacy/candidates/{other}/copy", data={"csrf_token": token}).status_code
        == 404
    )
    asked = client.post(f"/privacy/candidates/{other}/erase", data={"csrf_token": token})
    assert asked.status_code == 404
    assert client.get(f"/privacy/candidates/{other}").status_code == 403  # HR's panel
    with app.app_context():
        logged = db.session.scalars(sa.select(PrivacyRequest)).all()
        assert [(r.kind, r.channel, r.subject_id) for r in logged] == [
            ("export", "candidate", _id(app, RICH))
        ]


def test_a_candidate_asks_for_erasure_and_hr_sees_it(app: Flask) -> None:
    client = _login(app, "candidate2@demo.local")
    me = _id(app, "candidate2@demo.local")
    token = _token(client, "/privacy/me")
    sent = client.post(
        f"/privacy/candidates/{me}/erase", data={"csrf_token": token, "reason": "done"}
    )
    assert sent.status_code == 302
    assert "waiting for HR" in client.get("/privacy/me").get_data(as_text=True)
    hr = _login(app, "hr@demo.local")
    panel = hr.get(f"/privacy/candidates/{me}").get_data(as_text=True)
    assert 'data-outcome="requested"' in panel
    with app.app_context():
        assert not erasure.is_erased(db.session.get(User, me))  # type: ignore[arg-type]


def test_withdrawing_a_consent(app: Flask) -> None:
    with app.app_context():
        candidate = db.session.get(User, _id(app, RICH))
        assert candidate is not None
        consent.give_for_exam(candidate, ip="", user_agent="", future_openings=True)
        db.session.commit()
    client = _login(app, RICH)
    token = _token(client, "/privacy/me")
    done = client.post("/privacy/me/consents/future_openings/withdraw", data={"csrf_token": token})
    assert done.status_code == 302
    refused = client.post("/privacy/me/consents/application/withdraw", data={"csrf_token": token})
    assert "ask for erasure" in client.get(refused.headers["Location"]).get_data(as_text=True)
    unknown = client.post("/privacy/me/consents/nonsense/withdraw", data={"csrf_token": token})
    assert unknown.status_code == 302
    with app.app_context():
        assert consent.future_openings(_id(app, RICH)) == "withdrawn"
        assert consent.current(db.session.get(User, _id(app, RICH))).keys() == {  # type: ignore[arg-type]
            "application",
            "proctoring",
        }


def test_hr_erases_after_typing_the_address_and_holds_refuse(app: Flask) -> None:
    hr = _login(app, "hr@demo.local")
    target = _id(app, "candidate2@demo.local")
    url = f"/privacy/candidates/{target}"
    token = _token(hr, url)
    wrong = hr.post(f"{url}/erase", data={"csrf_token": token, "reason": "mail", "confirm": "x@y"})
    assert "not this candidate" in hr.get(wrong.headers["Location"]).get_data(as_text=True)
    held = hr.post(f"{url}/holds", data={"csrf_token": token, "hold-reason": "appeal 42"})
    assert held.status_code == 302
    refused = hr.post(
        f"{url}/erase",
        data={"csrf_token": token, "reason": "mail", "confirm": "candidate2@demo.local"},
    )
    assert refused.status_code == 409
    panel = hr.get(url).get_data(as_text=True)
    assert "appeal 42" in panel and 'data-outcome="refused"' in panel
    with app.app_context():
        hold_id = db.session.scalars(sa.select(sa.text("id FROM legal_holds"))).one()
    hr.post(f"{url}/holds/{hold_id}/lift", data={"csrf_token": token})
    erased = hr.post(
        f"{url}/erase",
        data={"csrf_token": token, "reason": "mail", "confirm": "Candidate2@demo.local "},
    )
    assert erased.status_code == 302
    assert "has been erased" in hr.get(url).get_data(as_text=True)


def test_an_open_offer_is_a_hold_on_the_panel(app: Flask) -> None:
    with app.app_context():
        offer = db.session.scalars(
            sa.select(Offer).where(Offer.status == OfferStatus.awaiting_approval)
        ).one()
        candidate_id, email = offer.candidate_id, offer.candidate.email
    hr = _login(app, "hr@demo.local")
    url = f"/privacy/candidates/{candidate_id}"
    panel = hr.get(url).get_data(as_text=True)
    assert "awaiting_approval" in panel and 'data-holds="1"' in panel
    refused = hr.post(
        f"{url}/erase", data={"csrf_token": csrf_from(panel), "reason": "r", "confirm": email}
    )
    assert refused.status_code == 409


def test_the_consent_screen_records_what_was_shown(app: Flask) -> None:
    client = _login(app, "candidate1@demo.local")
    home = client.get("/exam/").get_data(as_text=True)
    match = re.search(r'href="([^"]*/exams/[^"/]+)"', home)
    assert match is not None, "candidate1 has an exam to start"
    url = match.group(1)
    page = client.get(url).get_data(as_text=True)
    assert "text version 2026-12-a" in page
    started = client.post(
        url,
        data={"csrf_token": csrf_from(page), "consent": "y", "future_openings": "y"},
    )
    assert started.status_code == 302
    with app.app_context():
        rows = db.session.scalars(
            sa.select(ConsentRecord).where(
                ConsentRecord.candidate_id == _id(app, "candidate1@demo.local")
            )
        ).all()
        assert {r.purpose for r in rows} == {"application", "proctoring", "future_openings"}
        assert all(r.text_version == "2026-12-a" and len(r.text_hash) == 64 for r in rows)
        assert rows[0].user_agent != "" or rows[0].ip != ""


def test_group_data_needs_its_own_consent(app: Flask) -> None:
    client = _login(app, "candidate1@demo.local")
    token = _token(client, "/me/about-you")
    refused = client.post("/me/about-you", data={"csrf_token": token, "gender": "woman"})
    assert refused.status_code == 400
    saved = client.post(
        "/me/about-you", data={"csrf_token": token, "gender": "woman", "consent": "y"}
    )
    assert saved.status_code == 302
    with app.app_context():
        assert consent.current(db.session.get(User, _id(app, "candidate1@demo.local"))).keys() == {  # type: ignore[arg-type]
            "group_data"
        }
