"""The interview service: loading the bank, kits, scheduling, scorecards and the panel rule."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from hirebench.extensions import db
from hirebench.interviews import service
from hirebench.interviews.bank import BankQuestion, InterviewBank, load_bank_file
from hirebench.interviews.service import InterviewError, NotOnPanel
from hirebench.jobs import service as jobs
from hirebench.models import (
    AuditEvent,
    Interview,
    InterviewKit,
    InterviewQuestion,
    Job,
    Recommendation,
    Role,
    Scorecard,
    User,
)
from hirebench.paths import PROJECT_ROOT
from tests.factories import row

SHIPPED = PROJECT_ROOT / "exams" / "interviews" / "behavioural.yaml"
QUESTIONS = ("ambiguous-annotation-cases", "guideline-silent", "model-needs-changing")


@pytest.fixture
def ctx(app: Flask) -> Iterator[None]:
    with app.app_context():
        yield


def user(make_user: Callable[..., User], role: Role, email: str) -> User:
    return row(User, make_user(role, email=email, name=email.split("@")[0]).id)


@pytest.fixture
def people(ctx: None, make_user: Callable[..., User]) -> dict[str, User]:
    return {
        "hr": user(make_user, Role.hr, "hr@example.com"),
        "candidate": user(make_user, Role.candidate, "cand@example.com"),
        "ann": user(make_user, Role.interviewer, "ann@example.com"),
        "bob": user(make_user, Role.interviewer, "bob@example.com"),
        "eve": user(make_user, Role.interviewer, "eve@example.com"),
    }


@pytest.fixture
def job(people: dict[str, User]) -> Job:
    service.load_bank(load_bank_file(SHIPPED))
    job = jobs.get_or_create("AI trainer")
    db.session.commit()
    return job


@pytest.fixture
def interview(people: dict[str, User], job: Job) -> Interview:
    kit = service.create_kit(job, "behavioural-1", "Behavioural", QUESTIONS, by=people["hr"])
    return service.schedule(
        kit, people["candidate"], [people["ann"], people["bob"]], None, by=people["hr"]
    )


def count(model: type) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def actions(name: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == name)))


def valid_card(rating: int = 4) -> dict[str, Any]:
    return {
        "question_ratings": {q: {"rating": rating, "notes": f"said {q}"} for q in QUESTIONS},
        "competency_ratings": {"ambiguity": rating, "communication": rating},
        "recommendation": "yes",
    }


# ---------------------------------------------------------------------------------- bank


def test_load_bank_counts_and_reload_unchanged(ctx: None) -> None:
    bank = load_bank_file(SHIPPED)
    assert service.load_bank(bank) == (len(bank.questions), 0)
    assert count(InterviewQuestion) == len(bank.questions) == 15
    assert service.load_bank(bank) == (0, 0)
    groups = service.bank_by_competency()
    assert [key for key, _title, _qs in groups] == [c.id for c in bank.competencies]
    assert sum(len(qs) for _key, _title, qs in groups) == 15
    assert groups[0][1] == bank.competencies[0].title


def test_changed_question_counts_as_updated(ctx: None) -> None:
    bank = load_bank_file(SHIPPED)
    service.load_bank(bank)
    first = bank.questions[0].to_json()
    edited = BankQuestion.from_json({**first, "text": "Reworded?"})
    changed = InterviewBank(bank.competencies, (edited, *bank.questions[1:]))
    assert service.load_bank(changed) == (0, 1)
    query = sa.select(InterviewQuestion).filter_by(slug=first["id"])
    edited_row = db.session.scalars(query).one()
    assert edited_row.definition["text"] == "Reworded?"


def test_removed_question_retires_but_kits_keep_it(people: dict[str, User], job: Job) -> None:
    kit = service.create_kit(job, "s1", "Kit", ["ambiguous-annotation-cases"], by=people["hr"])
    bank = load_bank_file(SHIPPED)
    rest = tuple(q for q in bank.questions if q.id != "ambiguous-annotation-cases")
    assert service.load_bank(InterviewBank(bank.competencies, rest)) == (0, 0)

    retired = db.session.scalars(
        sa.select(InterviewQuestion).filter_by(slug="ambiguous-annotation-cases")
    ).one()
    assert retired.active is False
    offered = [q.slug for _key, _title, qs in service.bank_by_competency() for q in qs]
    assert "ambiguous-annotation-cases" not in offered and len(offered) == 14
    db.session.expire_all()
    assert [q["id"] for q in row(InterviewKit, kit.id).questions] == ["ambiguous-annotation-cases"]
    with pytest.raises(InterviewError, match="Unknown question: ambiguous-annotation-cases"):
        service.create_kit(job, "s2", "Kit", ["ambiguous-annotation-cases"], by=people["hr"])

    assert service.load_bank(bank) == (0, 1)  # back in the file: active again
    assert row(InterviewQuestion, retired.id).active is True


# ---------------------------------------------------------------------------------- kits


def test_create_kit_copies_questions(people: dict[str, User], job: Job) -> None:
    slugs = ["model-needs-changing", "ambiguous-annotation-cases", "model-needs-changing"]
    kit = service.create_kit(job, " behavioural-1 ", " Round 1 ", slugs, by=people["hr"])
    assert (kit.stage, kit.title) == ("behavioural-1", "Round 1")
    assert [q["id"] for q in kit.questions] == slugs[:2]
    first = kit.questions[0]
    assert first["competency"] == "communication"
    assert first["competency_title"].startswith("Communication")
    assert [g["score"] for g in first["guide"]] == [1, 3, 5] and first["follow_ups"]
    assert service.kit_competencies(kit) == [
        ("communication", first["competency_title"]),
        ("ambiguity", kit.questions[1]["competency_title"]),
    ]
    assert len(actions("interview.kit_created")) == 1


@pytest.mark.parametrize(
    ("stage", "title", "slugs", "message"),
    [
        ("", "Kit", QUESTIONS, "Give the kit a stage and a title."),
        ("s1", "  ", QUESTIONS, "Give the kit a stage and a title."),
        ("s1", "Kit", [], "Choose at least one question for the kit."),
        ("s1", "Kit", ["guideline-silent", "nope"], "Unknown question: nope."),
    ],
)
def test_create_kit_rejects_bad_input(
    people: dict[str, User], job: Job, stage: str, title: str, slugs: list[str], message: str
) -> None:
    with pytest.raises(InterviewError) as caught:
        service.create_kit(job, stage, title, slugs, by=people["hr"])
    assert str(caught.value) == message
    db.session.rollback()
    assert count(InterviewKit) == 0


def test_create_kit_rejects_duplicate_stage(people: dict[str, User], job: Job) -> None:
    service.create_kit(job, "s1", "Kit", QUESTIONS, by=people["hr"])
    with pytest.raises(InterviewError) as caught:
        service.create_kit(job, "s1", "Other", QUESTIONS, by=people["hr"])
    assert str(caught.value) == "This job already has a kit for the stage “s1”."
    db.session.rollback()
    assert count(InterviewKit) == 1
    other = jobs.get_or_create("Data labeller")
    assert service.create_kit(other, "s1", "Kit", QUESTIONS, by=people["hr"]).stage == "s1"


# ----------------------------------------------------------------------------- schedule


def test_schedule_builds_the_panel(interview: Interview, people: dict[str, User]) -> None:
    assert [p.interviewer_id for p in interview.panel] == [people["ann"].id, people["bob"].id]
    assert interview.candidate_id == people["candidate"].id
    [event] = actions("interview.scheduled")
    assert event.detail["panel"] == ["ann@example.com", "bob@example.com"]
    assert db.session.scalars(service.interviews_query(people["ann"])).all() == [interview]
    assert db.session.scalars(service.interviews_query(people["eve"])).all() == []


def test_an_interviewers_list_puts_what_they_still_owe_first(
    interview: Interview, people: dict[str, User]
) -> None:
    kit, ann = interview.kit, people["ann"]
    january, february = (
        service.schedule(kit, people["candidate"], [ann], datetime(2030, m, 1, 9), by=people["hr"])
        for m in (1, 2)
    )
    # Unscheduled first, then newest first, while nothing is submitted...
    assert db.session.scalars(service.interviews_query(ann)).all() == [
        interview,
        february,
        january,
    ]
    # ...and an interview with the interviewer's scorecard in goes below those still waiting.
    service.submit_scorecard(february, ann, summary="", **valid_card())
    assert db.session.scalars(service.interviews_query(ann)).all() == [
        interview,
        january,
        february,
    ]


def test_schedule_rejects_bad_input(people: dict[str, User], job: Job) -> None:
    kit = service.create_kit(job, "s1", "Kit", QUESTIONS, by=people["hr"])
    ann, hr = people["ann"], people["hr"]
    cases: list[tuple[User, list[User], str]] = [
        (ann, [people["bob"]], "Only a candidate can be interviewed."),
        (people["candidate"], [], "Choose at least one interviewer."),
        (people["candidate"], [ann, hr], "hr@example.com is not an active interviewer."),
    ]
    for candidate, panel, message in cases:
        with pytest.raises(InterviewError) as caught:
            service.schedule(kit, candidate, panel, None, by=hr)
        assert str(caught.value) == message
        db.session.rollback()

    people["eve"].active = False
    db.session.commit()
    with pytest.raises(InterviewError) as caught:
        service.schedule(kit, people["candidate"], [people["eve"]], None, by=hr)
    assert str(caught.value) == "eve@example.com is not an active interviewer."
    db.session.rollback()
    assert count(Interview) == 0
    assert actions("interview.scheduled") == []


# ---------------------------------------------------------------------------- scorecards


def test_submit_scorecard(interview: Interview, people: dict[str, User]) -> None:
    payload = valid_card()
    payload["question_ratings"]["guideline-silent"] = {"rating": "5", "notes": " a\r\nb "}
    card = service.submit_scorecard(interview, people["ann"], summary=" fine ", **payload)
    db.session.expire_all()
    stored = db.session.scalars(sa.select(Scorecard)).one()
    assert stored.id == card.id and stored.version == 1 and stored.is_current
    assert stored.question_ratings["guideline-silent"] == {"rating": 5, "notes": "a\nb"}
    assert stored.question_ratings["model-needs-changing"]["rating"] == 4
    assert stored.competency_ratings == {"ambiguity": 4, "communication": 4}
    assert stored.recommendation is Recommendation.yes and stored.summary == "fine"
    [event] = actions("interview.scorecard")
    assert event.actor_id == people["ann"].id and event.detail["version"] == 1
    assert event.detail["ratings"]["guideline-silent"] == 5


def _set_rating(value: Any) -> Callable[[dict[str, Any]], None]:
    def change(payload: dict[str, Any]) -> None:
        payload["question_ratings"]["guideline-silent"]["rating"] = value

    return change


def _drop_question(payload: dict[str, Any]) -> None:
    del payload["question_ratings"]["guideline-silent"]


def _drop_competency(payload: dict[str, Any]) -> None:
    del payload["competency_ratings"]["communication"]


def _recommend(payload: dict[str, Any]) -> None:
    payload["recommendation"] = "maybe"


def _long_notes(payload: dict[str, Any]) -> None:
    payload["question_ratings"]["guideline-silent"]["notes"] = "x" * 4001


BAD_CARDS = {
    "rating 0": (_set_rating(0), "must be a whole number from 1 to 5"),
    "rating 6": (_set_rating(6), "must be a whole number from 1 to 5"),
    "rating x": (_set_rating("x"), "must be a whole number from 1 to 5"),
    "rating 2.0": (_set_rating(2.0), "must be a whole number from 1 to 5"),
    "rating True": (_set_rating(True), "must be a whole number from 1 to 5"),
    "rating empty": (_set_rating(""), "Give a rating for question"),
    "question missing": (_drop_question, "Give a rating for question"),
    "competency missing": (_drop_competency, "Give a rating for competency “Communication"),
    "recommendation": (_recommend, "Choose an overall recommendation"),
    "notes too long": (_long_notes, "longer than 4000 characters"),
}


@pytest.mark.parametrize("case", BAD_CARDS, ids=list(BAD_CARDS))
def test_bad_scorecard_saves_nothing(
    interview: Interview, people: dict[str, User], case: str
) -> None:
    change, message = BAD_CARDS[case]
    payload = valid_card()
    change(payload)
    with pytest.raises(InterviewError, match=message):
        service.submit_scorecard(interview, people["ann"], **payload)
    db.session.rollback()
    assert count(Scorecard) == 0
    assert actions("interview.scorecard") == []
    assert not service.panel_visible(row(Interview, interview.id), people["ann"])


def test_every_missing_rating_is_named_and_no_question_is_cut_mid_word(
    interview: Interview, people: dict[str, User]
) -> None:
    payload = valid_card()
    payload["question_ratings"]["ambiguous-annotation-cases"]["rating"] = ""
    del payload["question_ratings"]["guideline-silent"]
    del payload["competency_ratings"]["communication"]
    with pytest.raises(InterviewError) as caught:
        service.submit_scorecard(interview, people["ann"], **payload)
    message = str(caught.value)
    assert message.startswith("Give a rating for question “How do you handle ambiguous")
    assert message.count("question “") == 2 and "competency “Communication" in message
    assert "model-needs-changing" not in caught.value.fields
    assert caught.value.fields == [
        "rating-ambiguous-annotation-cases",
        "rating-guideline-silent",
        "competency-communication",
    ]
    texts = {q["id"]: q["text"] for q in interview.kit.questions}
    for question_id in ("ambiguous-annotation-cases", "guideline-silent"):
        shown = message.split("question “", 2)[1 if question_id.startswith("amb") else 2]
        shown = shown.split("”")[0]
        assert shown.endswith("…"), shown
        kept = shown[:-1]
        # Cut where a word ends: the full text goes on with a space or punctuation.
        assert texts[question_id].startswith(kept)
        assert texts[question_id][len(kept)] in " ·?.,", (kept, texts[question_id])
    db.session.rollback()
    assert count(Scorecard) == 0


@pytest.mark.parametrize(
    ("verdict", "rating", "contradicts"),
    [
        ("strong_no", 4, True),  # mean 4.0
        ("strong_yes", 2, True),  # mean 2.0
        ("no", 4, False),  # only the strong verdicts must explain themselves
        ("strong_no", 3, False),
        ("strong_yes", 3, False),
    ],
)
def test_a_verdict_against_the_ratings_needs_a_summary(
    interview: Interview, people: dict[str, User], verdict: str, rating: int, contradicts: bool
) -> None:
    payload = {**valid_card(rating), "recommendation": verdict}
    if contradicts:
        with pytest.raises(InterviewError, match="say why in the summary") as caught:
            service.submit_scorecard(interview, people["ann"], **payload)
        assert f"mean rating of {rating}.0" in str(caught.value)
        assert caught.value.fields == ["summary"]
        db.session.rollback()
        assert count(Scorecard) == 0
        card = service.submit_scorecard(
            row(Interview, interview.id), people["ann"], summary="Fabricated a result.", **payload
        )
    else:
        card = service.submit_scorecard(interview, people["ann"], **payload)
    assert card.recommendation is Recommendation(verdict)


def test_a_mixed_card_uses_the_mean_rating(interview: Interview, people: dict[str, User]) -> None:
    payload = {**valid_card(4), "recommendation": "strong_no"}
    payload["question_ratings"]["guideline-silent"]["rating"] = 2  # mean (4 + 2 + 4) / 3 = 3.3
    card = service.submit_scorecard(interview, people["ann"], **payload)
    assert card.recommendation is Recommendation.strong_no


def test_bad_edit_keeps_the_current_version(interview: Interview, people: dict[str, User]) -> None:
    first = service.submit_scorecard(interview, people["ann"], **valid_card())
    for summary, payload in (
        ("x" * 8001, valid_card()),
        ("", {**valid_card(), "recommendation": ""}),
    ):
        with pytest.raises(InterviewError):
            service.submit_scorecard(interview, people["ann"], summary=summary, **payload)
        assert first.is_current  # not even the session was touched
        assert len(interview.scorecards) == 1
    db.session.rollback()
    assert [(c.version, c.is_current) for c in db.session.scalars(sa.select(Scorecard))] == [
        (1, True)
    ]


def test_edit_makes_version_two(interview: Interview, people: dict[str, User]) -> None:
    service.submit_scorecard(interview, people["ann"], **valid_card(2))
    payload = {**valid_card(5), "recommendation": "strong_yes"}
    second = service.submit_scorecard(interview, people["ann"], **payload)
    db.session.expire_all()
    rows = db.session.scalars(sa.select(Scorecard).order_by(Scorecard.version)).all()
    assert [(r.version, r.is_current) for r in rows] == [(1, False), (2, True)]
    assert rows[0].competency_ratings == {"ambiguity": 2, "communication": 2}
    assert rows[0].recommendation is Recommendation.yes
    assert rows[1].id == second.id and rows[1].recommendation is Recommendation.strong_yes
    reloaded = row(Interview, interview.id)
    own = service.own_scorecard(reloaded, people["ann"])
    assert own is not None and own.version == 2
    assert [c.version for c in service.current_scorecards(reloaded)] == [2]
    assert len(actions("interview.scorecard")) == 1
    [edit] = actions("interview.scorecard_edit")
    assert edit.detail["version"] == 2 and edit.detail["recommendation"] == "strong_yes"


def test_panel_visible_only_after_own_scorecard(
    interview: Interview, people: dict[str, User]
) -> None:
    ann, bob = people["ann"], people["bob"]
    assert not service.panel_visible(interview, ann)
    assert not service.panel_visible(interview, bob)
    service.submit_scorecard(interview, bob, **valid_card())
    assert service.panel_visible(interview, bob)
    assert not service.panel_visible(interview, ann)
    service.submit_scorecard(interview, ann, **valid_card())
    assert service.panel_visible(interview, ann)


def test_interview_for_outsider_is_refused_and_logged(
    interview: Interview, people: dict[str, User]
) -> None:
    assert service.interview_for(interview.id, people["ann"]).id == interview.id
    assert actions("interview.denied") == []
    with pytest.raises(NotOnPanel):
        service.interview_for(interview.id, people["eve"], ip="10.0.0.9")
    with pytest.raises(NotOnPanel):
        service.interview_for(99999, people["ann"])
    denied = actions("interview.denied")
    assert [(e.actor_id, e.detail["interview_id"]) for e in denied] == [
        (people["eve"].id, interview.id),
        (people["ann"].id, 99999),
    ]
    assert denied[0].ip == "10.0.0.9"
    with pytest.raises(NotOnPanel):
        service.submit_scorecard(interview, people["eve"], **valid_card())
    db.session.rollback()
    assert count(Scorecard) == 0
