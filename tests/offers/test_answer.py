"""The candidate's answer: acceptance evidence, a second click, someone else's offer, an old
version, expiry (by the worker's task and on reading), and two accepts at once on SQLite and
PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from hirebench import create_app, events
from hirebench.extensions import db
from hirebench.models import AuditEvent, Offer, OfferStatus, OutgoingMail, Role, User
from hirebench.offers import service
from hirebench.offers.terms import OfferError
from hirebench.outbox import dispatcher
from hirebench.services import accounts
from tests.conftest import PASSWORD
from tests.factories import row
from tests.offers import Cast, apply, cast, make_job, terms


@pytest.fixture
def people(app: Flask, make_user: Callable[..., User]) -> Iterator[Cast]:
    with app.test_request_context():
        yield cast(make_user)


@pytest.fixture
def changes() -> Iterator[list[dict[str, Any]]]:
    seen: list[dict[str, Any]] = []

    def receiver(sender: object, **kwargs: Any) -> None:
        seen.append(kwargs)

    with events.offer_status_changed.connected_to(receiver):
        yield seen


def sent_offer(people: Cast, candidate: User | None = None) -> Offer:
    application = apply(candidate or people.candidate, make_job())
    offer = service.create_offer(application, terms(), by=people.hr)
    service.send(offer, by=people.hr)
    db.session.commit()
    return offer


def accept(offer: Offer, candidate: User, name: str = "Li Wei", **extra: Any) -> bool:
    values: dict[str, Any] = {
        "version": offer.current_version,
        "sha256": offer.current.letter_sha256,
        "ip": "203.0.113.7",
        "user_agent": "Mozilla/5.0 (test)",
        **extra,
    }
    return service.accept(offer, candidate, typed_name=name, **values)


def past_validity(offer: Offer) -> None:
    """Move the validity date into the past, as time passing would (the form refuses it)."""
    offer.current.valid_until = date.today() - timedelta(days=1)
    db.session.commit()


def test_acceptance_records_the_evidence(people: Cast, changes: list[dict[str, Any]]) -> None:
    offer = sent_offer(people)
    sha = offer.current.letter_sha256
    assert accept(offer, people.candidate, name="  li   WEI ") is True
    offer = row(Offer, offer.id)
    assert offer.status is OfferStatus.accepted
    assert offer.accepted_name == "li   WEI"
    assert offer.accepted_ip == "203.0.113.7"
    assert offer.accepted_user_agent == "Mozilla/5.0 (test)"
    assert offer.accepted_sha256 == sha and offer.accepted_version == 1
    assert offer.accepted_at is not None and offer.responded_at == offer.accepted_at
    assert changes[-1] == {
        "offer_id": offer.id,
        "candidate_id": people.candidate.id,
        "job_id": offer.job_id,
        "status": "accepted",
        "previous": "sent",
        "actor_id": people.candidate.id,
    }
    audit = service.history(offer)[-1]
    assert audit.action == "offer.accepted" and audit.detail["sha256"] == sha
    assert audit.ip == "203.0.113.7"
    subjects = [m.subject for m in db.session.scalars(sa.select(OutgoingMail))]
    assert "Your offer for AI trainer: accepted" in subjects


def test_a_second_accept_changes_nothing(people: Cast, changes: list[dict[str, Any]]) -> None:
    offer = sent_offer(people)
    assert accept(offer, people.candidate) is True
    first_at = row(Offer, offer.id).accepted_at
    audits = db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))
    assert accept(offer, people.candidate, ip="198.51.100.1") is False
    offer = row(Offer, offer.id)
    assert offer.accepted_at == first_at and offer.accepted_ip == "203.0.113.7"
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))) == audits
    assert [c["status"] for c in changes].count("accepted") == 1


def test_the_typed_name_must_be_the_account_name(people: Cast) -> None:
    offer = sent_offer(people)
    with pytest.raises(OfferError, match=r"Type your full name as it is on the letter \(Li Wei\)"):
        accept(offer, people.candidate, name="Wei Li")
    with pytest.raises(OfferError):
        accept(offer, people.candidate, name="   ")
    assert row(Offer, offer.id).status is OfferStatus.sent


def test_chinese_names_ignore_spaces_including_full_width_ones(people: Cast) -> None:
    offer = sent_offer(people, candidate=people.other)  # 张伟
    assert accept(offer, people.other, name="张　伟") is True


def test_someone_elses_offer_is_not_found(people: Cast) -> None:
    offer = sent_offer(people)
    with pytest.raises(service.NotYourOffer):
        accept(offer, people.other, name="张伟")
    with pytest.raises(service.NotYourOffer):
        service.offer_for_candidate(offer.id, people.other)
    assert row(Offer, offer.id).status is OfferStatus.sent


def test_an_unsent_offer_is_not_the_candidates_to_see(people: Cast) -> None:
    application = apply(people.candidate, make_job())
    offer = service.create_offer(application, terms(), by=people.hr)
    db.session.commit()
    with pytest.raises(service.NotYourOffer):
        service.offer_for_candidate(offer.id, people.candidate)
    assert service.offers_of_candidate(people.candidate) == []


def test_an_old_version_cannot_be_accepted(people: Cast) -> None:
    offer = sent_offer(people)
    old_sha = offer.current.letter_sha256
    service.edit_offer(offer, terms(grade="P6"), by=people.hr)
    db.session.commit()
    with pytest.raises(OfferError, match=r"changed since you opened it.*version 2"):
        accept(offer, people.candidate, version=1, sha256=old_sha)
    with pytest.raises(OfferError, match="changed since you opened it"):
        accept(offer, people.candidate, version=2, sha256=old_sha)  # the right number, old PDF
    assert accept(offer, people.candidate) is True
    assert row(Offer, offer.id).accepted_version == 2


@pytest.mark.parametrize(
    ("close", "message"),
    [
        ("decline", "You declined this offer"),
        ("withdraw", "was withdrawn"),
        ("expire", "expired on"),
    ],
)
def test_a_closed_offer_cannot_be_accepted(people: Cast, close: str, message: str) -> None:
    offer = sent_offer(people)
    if close == "decline":
        assert service.decline(
            offer, people.candidate, version=1, sha256=offer.current.letter_sha256, reason="Pay"
        )
    elif close == "withdraw":
        service.withdraw(offer, by=people.hr)
    else:
        service.expire_offer(offer)
    db.session.commit()
    with pytest.raises(OfferError, match=message):
        accept(offer, people.candidate)
    assert row(Offer, offer.id).accepted_at is None


def test_decline_keeps_the_reason_and_a_second_click_does_nothing(people: Cast) -> None:
    offer = sent_offer(people)
    sha = offer.current.letter_sha256
    assert service.decline(offer, people.candidate, version=1, sha256=sha, reason="Relocating")
    assert not service.decline(offer, people.candidate, version=1, sha256=sha, reason="again")
    offer = row(Offer, offer.id)
    assert offer.status is OfferStatus.declined and offer.decline_reason == "Relocating"
    assert offer.responded_at is not None


def test_reading_past_validity_shows_expired_and_answering_marks_it(
    people: Cast, changes: list[dict[str, Any]]
) -> None:
    offer = sent_offer(people)
    past_validity(offer)
    assert offer.status is OfferStatus.sent
    assert service.shown_status(offer) is OfferStatus.expired
    with pytest.raises(OfferError, match="expired on"):
        accept(offer, people.candidate)
    assert row(Offer, offer.id).status is OfferStatus.expired  # committed before the refusal
    assert changes[-1]["status"] == "expired" and changes[-1]["actor_id"] is None


def test_the_periodic_task_expires_sent_offers_past_validity(
    people: Cast, changes: list[dict[str, Any]], make_user: Callable[..., User]
) -> None:
    due = sent_offer(people)
    past_validity(due)
    current = sent_offer(people, candidate=people.other)
    third = row(User, make_user(Role.candidate, email="wang@example.com", name="Wang Fang").id)
    unsent = service.create_offer(apply(third, make_job()), terms(), by=people.hr)
    db.session.commit()
    assert service.expire_due() == 1
    assert service.expire_due() == 0  # idempotent
    assert row(Offer, due.id).status is OfferStatus.expired
    assert row(Offer, current.id).status is OfferStatus.sent
    assert row(Offer, unsent.id).status is OfferStatus.draft
    assert [c["offer_id"] for c in changes if c["status"] == "expired"] == [due.id]
    expired_mail = [
        m for m in db.session.scalars(sa.select(OutgoingMail)) if "expired" in m.subject
    ]
    assert {m.to for m in expired_mail} == {people.candidate.email, people.hr.email}


def test_expiry_is_registered_with_the_worker(app: Flask) -> None:
    task, every = dispatcher.periodic_tasks()["offers-expiry"]
    assert task is service.expire_due and every <= 3600


# ----------------------------------------------------------------------- two at once


def _race(app: Flask) -> list[Any]:
    """Two requests accept the same offer at the same moment, each in its own session; returns
    what each got (True, False or the error)."""
    with app.test_request_context():
        offer_id = db.session.scalars(sa.select(Offer.id)).one()
        offer = row(Offer, offer_id)
        version, sha = offer.current_version, offer.current.letter_sha256
        candidate_id = offer.candidate_id
        db.session.remove()
    barrier = threading.Barrier(2)
    results: list[Any] = []

    def one(ip: str) -> None:
        with app.test_request_context():
            offer = row(Offer, offer_id)
            candidate = row(User, candidate_id)
            barrier.wait()
            try:
                results.append(
                    service.accept(
                        offer, candidate, typed_name="Li Wei", version=version, sha256=sha, ip=ip
                    )
                )
            except OfferError as exc:  # pragma: no cover - printed by the assertion
                results.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=one, args=(f"192.0.2.{n}",)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def _setup_race(app: Flask, make_user: Callable[..., User]) -> None:
    with app.test_request_context():
        people = cast(make_user)
        sent_offer(people)


def _check_race(app: Flask, results: list[Any]) -> None:
    assert sorted(results, key=str) == [False, True], results
    with app.app_context():
        offer = db.session.scalars(sa.select(Offer)).one()
        accepted = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "offer.accepted")
        ).all()
        assert len(accepted) == 1 and accepted[0].ip == offer.accepted_ip


def test_two_accepts_at_once_on_sqlite(app: Flask, make_user: Callable[..., User]) -> None:
    _setup_race(app, make_user)
    _check_race(app, _race(app))


@pytest.mark.postgres
def test_two_accepts_at_once_on_postgres(app_config: dict[str, Any], postgres_url: str) -> None:
    app = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": postgres_url})
    with app.app_context():
        db.create_all()

    def make_user(role: Any, email: str | None = None, name: str = "") -> User:
        with app.app_context():
            user = User(
                email=email,
                name=name or "Candidate",
                role=role,
                password_hash=accounts.hash_password(PASSWORD),
            )
            db.session.add(user)
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
            return user

    try:
        _setup_race(app, make_user)
        _check_race(app, _race(app))
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
