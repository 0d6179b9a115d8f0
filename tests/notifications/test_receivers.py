"""Each domain event reaches the right staff, in the app and by mail: a reviewer for each
assignment (round robin, by hand), each interviewer on a scheduled panel, HR for a settled
recommendation (once per change, never on an unchanged recompute), an offer's approvers and
its maker. Receivers join the sender's transaction, so a rollback notifies nobody."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from hirebench import events
from hirebench.extensions import db
from hirebench.interviews import service as interviews
from hirebench.interviews.bank import load_bank_file
from hirebench.jobs import service as job_service
from hirebench.jobs.profile_file import load_profile_file
from hirebench.models import (
    Application,
    Interview,
    Job,
    Notification,
    Offer,
    OfferStatus,
    ReviewItem,
    Role,
    User,
)
from hirebench.notifications import kinds, receivers, service
from hirebench.paths import PROJECT_ROOT
from hirebench.reviews import rubrics, workflow
from hirebench.scorecards import service as scorecards
from tests.factories import portfolio_item, row
from tests.notifications.conftest import inbox, kinds_of, mails

RUBRIC = PROJECT_ROOT / "exams" / "rubrics" / "portfolio-project.yaml"
BANK = PROJECT_ROOT / "exams" / "interviews" / "behavioural.yaml"
QUESTIONS = ("model-needs-changing", "explain-to-business")
# A job judged on the interview alone, so one scorecard settles its recommendation.
INTERVIEW_ONLY = """\
id: notify-test-job
title: "Notification test job"
competencies:
  - id: communication
    title: "Communication"
stages: {interview: 100}
cutoffs: {hire: 70, reject: 45}
mapping:
  interview_competencies: {communication: communication}
"""


# ------------------------------------------------------------------------------- reviews


def test_each_reviewer_assigned_by_round_robin_is_notified(staff: dict[str, User]) -> None:
    rubrics.load_files([RUBRIC])
    item = portfolio_item(staff["cand"], title="Search relevance project")
    for reviewer in (staff["r1"], staff["r2"]):
        [note] = inbox(reviewer)
        assert note.kind == kinds.REVIEW_ASSIGNED
        assert note.params["item"] == "Search relevance project"
        assert note.link == f"/review/items/{item.id}"
        [mail] = mails(reviewer.email)
        assert mail.subject == "New review: Search relevance project"
        # Reviews are blind: nothing of the candidate is in what the reviewer is told.
        assert "Chen" not in mail.body and "Chen" not in str(note.params)
    assert inbox(staff["hr"]) == [] and inbox(staff["ann"]) == []


def test_a_reviewer_assigned_by_hand_is_notified(staff: dict[str, User], make_user: Any) -> None:
    rubrics.load_files([RUBRIC])
    item = portfolio_item(staff["cand"])
    third = row(User, make_user(Role.reviewer, email="r3@example.com", name="Ria").id)
    workflow.assign(item, third, by=staff["hr"])
    db.session.commit()
    assert kinds_of(third) == [kinds.REVIEW_ASSIGNED]
    assert len(inbox(staff["r1"])) == len(inbox(staff["r2"])) == 1


def test_a_rolled_back_assignment_notifies_nobody(staff: dict[str, User], make_user: Any) -> None:
    rubrics.load_files([RUBRIC])
    item = portfolio_item(staff["cand"])
    third = row(User, make_user(Role.reviewer, email="r3@example.com", name="Ria").id)
    mails_before = len(mails())
    workflow.assign(row(ReviewItem, item.id), third, by=staff["hr"])
    assert kinds_of(third) == [kinds.REVIEW_ASSIGNED]  # in the transaction...
    db.session.rollback()
    assert kinds_of(third) == []  # ...and gone with it, mail included
    assert len(mails()) == mails_before


# ---------------------------------------------------------------------------- interviews


def _kit(staff: dict[str, User]) -> Any:
    interviews.load_bank(load_bank_file(BANK))
    job = job_service.get_or_create("AI trainer")
    db.session.commit()
    return interviews.create_kit(job, "behavioural-1", "Behavioural", QUESTIONS, by=staff["hr"])


def test_each_interviewer_on_the_panel_is_notified(staff: dict[str, User]) -> None:
    kit = _kit(staff)
    when = datetime(2030, 3, 4, 9, 30)
    interview = interviews.schedule(
        kit, staff["cand"], [staff["ann"], staff["bob"], staff["ann"]], when, by=staff["hr"]
    )
    for person in (staff["ann"], staff["bob"]):
        [note] = inbox(person)
        assert note.kind == kinds.INTERVIEW_SCHEDULED
        assert note.params == {
            "interview_id": interview.id,
            "candidate": "Chen Candidate",
            "kit": "Behavioural",
            "when": "2030-03-04 09:30 UTC",
        }
        assert note.link == f"/interview/{interview.id}"
        assert kinds.body(note.kind, note.params) == (
            "You are on the panel of “Behavioural” with Chen Candidate, 2030-03-04 09:30 UTC."
        )
        assert len(mails(person.email)) == 1
    assert inbox(staff["hr"]) == [] and mails(staff["hr"].email) == []


def test_a_muted_interviewer_gets_mail_only(staff: dict[str, User]) -> None:
    service.save_preferences(
        staff["bob"], {kinds.INTERVIEW_SCHEDULED: service.Channels(app=False, mail=True)}
    )
    interviews.schedule(
        _kit(staff), staff["cand"], [staff["ann"], staff["bob"]], None, by=staff["hr"]
    )
    assert inbox(staff["bob"]) == [] and len(mails(staff["bob"].email)) == 1
    assert len(inbox(staff["ann"])) == 1
    assert inbox(staff["ann"])[0].params["when"] == ""


# ----------------------------------------------------------------------- recommendations


def _interview_only_job(staff: dict[str, User], tmp_path: Path) -> Job:
    path = tmp_path / "notify-test-job.yaml"
    path.write_text(INTERVIEW_ONLY, encoding="utf-8")
    profile = job_service.save_profile(load_profile_file(path), by=staff["hr"])
    return row(Job, profile.job_id)


def _rate(interview: Interview, interviewer: User, rating: int) -> None:
    interviews.submit_scorecard(
        interview,
        interviewer,
        question_ratings={q: {"rating": rating, "notes": ""} for q in QUESTIONS},
        competency_ratings={"communication": rating},
        recommendation="yes" if rating >= 3 else "no",
        summary="As rated.",
    )


def test_hr_hears_of_a_settled_recommendation_once_per_change(
    staff: dict[str, User], tmp_path: Path
) -> None:
    job = _interview_only_job(staff, tmp_path)
    interviews.load_bank(load_bank_file(BANK))
    db.session.add(Application(candidate_id=staff["cand"].id, job_id=job.id))
    events.evidence_changed.send(None, candidate_id=staff["cand"].id)
    db.session.commit()
    kit = interviews.create_kit(job, "behavioural-1", "Behavioural", QUESTIONS, by=staff["hr"])
    interview = interviews.schedule(kit, staff["cand"], [staff["ann"]], None, by=staff["hr"])
    application = db.session.scalars(sa.select(Application)).one()
    # A new application, then an interview without a scorecard: on hold, waiting. Not news.
    assert application.scorecard is not None and application.scorecard.recommendation == "hold"
    assert kinds_of(staff["hr"]) == []

    _rate(interview, staff["ann"], 5)
    hr_notes = [n for n in inbox(staff["hr"]) if n.kind == kinds.RECOMMENDATION_REACHED]
    assert [n.params["recommendation"] for n in hr_notes] == ["hire"]
    assert hr_notes[0].params["candidate"] == "Chen Candidate"
    assert hr_notes[0].params["job"] == "Notification test job"
    assert hr_notes[0].link == f"/hr/jobs/{job.id}/candidates/{staff['cand'].id}"
    # Every HR user hears of it; admins, interviewers and the hiring department do not.
    assert kinds_of(staff["hr2"]) == [kinds.RECOMMENDATION_REACHED]
    assert kinds.RECOMMENDATION_REACHED not in kinds_of(staff["admin"]) + kinds_of(staff["biz"])
    assert kinds.RECOMMENDATION_REACHED not in kinds_of(staff["ann"])
    mailed = [m for m in mails(staff["hr"].email) if m.subject.endswith(": Hire")]
    assert len(mailed) == 1

    # Recomputing what did not change says nothing again.
    scorecards.refresh(row(Application, application.id))
    events.evidence_changed.send(None, candidate_id=staff["cand"].id)
    db.session.commit()
    assert len(inbox(staff["hr"])) == 1

    _rate(interview, staff["ann"], 1)  # a new version of the scorecard: now a reject
    codes = [n.params["recommendation"] for n in inbox(staff["hr"])]
    assert codes == ["hire", "reject"]
    assert inbox(staff["hr"])[1].params["previous"] == "hire"


def test_settled_recommendation_ignores_a_hold_that_only_waits() -> None:
    complete = {"status": "complete"}
    waiting = {"status": "pending"}
    card = {"recommendation": {"code": "hold"}, "stages": {"interview": waiting}}
    assert scorecards.settled_recommendation(card) is None
    card["stages"] = {"interview": complete}
    assert scorecards.settled_recommendation(card) == "hold"
    card["recommendation"] = {"code": "reject"}
    card["stages"] = {"interview": waiting}
    assert scorecards.settled_recommendation(card) == "reject"
    assert scorecards.settled_recommendation(None) is None
    assert scorecards.settled_recommendation({}) is None


# --------------------------------------------------------------------------------- offers


def _offer(staff: dict[str, User], status: OfferStatus, **fields: Any) -> Offer:
    job = job_service.get_or_create("AI trainer")
    db.session.flush()
    application = Application(candidate_id=staff["cand"].id, job_id=job.id)
    db.session.add(application)
    db.session.flush()
    offer = Offer(
        application_id=application.id,
        candidate_id=staff["cand"].id,
        job_id=job.id,
        status=status,
        created_by_id=staff["hr"].id,
        **fields,
    )
    db.session.add(offer)
    db.session.flush()
    return offer


def _changed(offer: Offer, status: OfferStatus, previous: OfferStatus) -> None:
    events.offer_status_changed.send(
        offer,
        offer_id=offer.id,
        candidate_id=offer.candidate_id,
        job_id=offer.job_id,
        status=status.value,
        previous=previous.value,
        actor_id=offer.created_by_id,
    )


def test_an_offer_awaiting_approval_tells_every_admin_by_default(
    staff: dict[str, User], make_user: Any
) -> None:
    other_admin = row(User, make_user(Role.admin, email="root2@example.com", name="Root").id)
    offer = _offer(staff, OfferStatus.awaiting_approval)
    _changed(offer, OfferStatus.awaiting_approval, OfferStatus.draft)
    db.session.commit()
    for admin in (staff["admin"], other_admin):
        [note] = inbox(admin)
        assert note.kind == kinds.OFFER_NEEDS_APPROVAL
        assert note.params == {
            "offer_id": offer.id,
            "candidate": "Chen Candidate",
            "job": "AI trainer",
        }
        assert len(mails(admin.email)) == 1
    assert inbox(staff["hr"]) == [] and inbox(staff["hr2"]) == []


def test_an_offer_with_a_named_approver_tells_only_that_person(staff: dict[str, User]) -> None:
    offer = _offer(staff, OfferStatus.awaiting_approval, approver_id=staff["biz"].id)
    _changed(offer, OfferStatus.awaiting_approval, OfferStatus.draft)
    db.session.commit()
    assert kinds_of(staff["biz"]) == [kinds.OFFER_NEEDS_APPROVAL]
    assert inbox(staff["admin"]) == []


def test_the_profile_names_the_approving_role_and_the_maker_never_approves(
    staff: dict[str, User], tmp_path: Path
) -> None:
    path = tmp_path / "notify-test-job.yaml"
    path.write_text(INTERVIEW_ONLY + "offer:\n  approver: {role: hr}\n", encoding="utf-8")
    job_service.save_profile(load_profile_file(path), by=staff["hr"])
    job = db.session.scalars(sa.select(Job)).one()
    application = Application(candidate_id=staff["cand"].id, job_id=job.id)
    db.session.add(application)
    db.session.flush()
    offer = Offer(
        application_id=application.id,
        candidate_id=staff["cand"].id,
        job_id=job.id,
        status=OfferStatus.awaiting_approval,
        created_by_id=staff["hr"].id,
    )
    db.session.add(offer)
    db.session.flush()
    _changed(offer, OfferStatus.awaiting_approval, OfferStatus.draft)
    db.session.commit()
    assert kinds.OFFER_NEEDS_APPROVAL in kinds_of(staff["hr2"])
    assert kinds.OFFER_NEEDS_APPROVAL not in kinds_of(staff["hr"])  # the offer's own maker
    assert inbox(staff["admin"]) == []


@pytest.mark.parametrize(
    ("status", "kind", "title"),
    [
        (OfferStatus.accepted, kinds.OFFER_ACCEPTED, "Offer accepted: Chen Candidate"),
        (OfferStatus.declined, kinds.OFFER_DECLINED, "Offer declined: Chen Candidate"),
    ],
)
def test_the_offers_maker_hears_the_answer(
    staff: dict[str, User], status: OfferStatus, kind: str, title: str
) -> None:
    offer = _offer(staff, status)
    # Called directly: onboarding and the hand-off also react to an answered offer, and they
    # need a whole offer with its letter, which is not what is tested here.
    receivers.on_offer_status_changed(offer, offer_id=offer.id, status=status.value)
    db.session.commit()
    [note] = inbox(staff["hr"])
    assert note.kind == kind and kinds.title(note.kind, note.params) == title
    assert note.link in (
        f"/hr/offers/{offer.id}",
        f"/hr/jobs/{offer.job_id}/candidates/{offer.candidate_id}",
    )
    assert [m.subject for m in mails(staff["hr"].email)] == [title]
    assert inbox(staff["hr2"]) == []


def test_other_offer_steps_notify_nobody(staff: dict[str, User]) -> None:
    offer = _offer(staff, OfferStatus.sent)
    for status in ("draft", "approved", "sent", "expired", "withdrawn", "no-such-status"):
        receivers.on_offer_status_changed(offer, offer_id=offer.id, status=status)
    receivers.on_offer_status_changed(offer, offer_id=10_000, status="accepted")
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(Notification.id))) == 0
    assert mails() == []


def test_an_answer_to_an_offer_nobody_is_on_record_for_tells_all_hr(
    staff: dict[str, User],
) -> None:
    offer = _offer(staff, OfferStatus.declined)
    offer.created_by_id = None
    db.session.flush()
    receivers.on_offer_status_changed(offer, offer_id=offer.id, status="declined")
    db.session.commit()
    assert kinds_of(staff["hr"]) == kinds_of(staff["hr2"]) == [kinds.OFFER_DECLINED]
