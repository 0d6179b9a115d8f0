"""Similarity on hirebench's own attempts (hirebench.integrity.service): which parts are
compared and whose answers count, runs queued once and carried out with the copied pair
flagged in every part, what is subtracted, bad answers reported without stopping the run,
the decision flow (audited, carried over to a rerun) and the scorecard's integrity flag."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from hirebench import events
from hirebench.exams.loader import load_exam, version_definition
from hirebench.extensions import db
from hirebench.grading import queue as grading_queue
from hirebench.integrity import answers as cohorts
from hirebench.integrity import jobs, service
from hirebench.integrity.flags import open_pairs_for_attempt
from hirebench.jobs import service as job_service
from hirebench.jobs.profile_file import load_profile_file
from hirebench.models import (
    Answer,
    AuditEvent,
    Exam,
    Job,
    Role,
    SimilarityPair,
    SimilarityRun,
    SimilarityStatus,
    User,
)
from hirebench.paths import PROJECT_ROOT
from hirebench.services import invitations
from tests.factories import application_of, row
from tests.integrity.conftest import CODING, RULES, SHORT, Sat, sit
from tests.integrity.material import CODE_ANA, CODE_COPY, COHORT, TEXT_ANA, TEXT_COPY

PARTS = {(CODING, ""), (SHORT, ""), (RULES, "rules"), (RULES, "rationale")}


def run_all() -> list[SimilarityRun]:
    return jobs.run_queued(budget_seconds=60)


def runs_by_part() -> dict[tuple[str, str], SimilarityRun]:
    return {(r.question_id, r.part): r for r in db.session.scalars(sa.select(SimilarityRun))}


def answer_of(sat: Sat, key: str, question_id: str) -> Answer:
    return db.session.scalars(
        sa.select(Answer).where(
            Answer.attempt_id == sat.attempts[key], Answer.question_id == question_id
        )
    ).one()


@pytest.fixture
def hr(make_user: Callable[..., User]) -> int:
    return int(make_user(Role.hr, email="hr@example.com", name="HR").id)


def test_parts_compared_are_code_short_answers_and_both_halves_of_a_rule_task(
    sat: Sat,
) -> None:
    version = sat.exam().versions[-1]
    found = cohorts.targets(version_definition(version))
    assert {(t.question_id, t.part) for t in found} == PARTS
    assert {t.kind for t in found if t.question_id == CODING} == {"code"}
    assert {t.kind for t in found if t.question_id != CODING} == {"text"}


def test_queueing_adds_one_run_per_part_once_and_is_audited(sat: Sat, hr: int) -> None:
    first = service.queue_exam(sat.exam(), row(User, hr), ip="10.1.1.1")
    assert {(r.question_id, r.part) for r in first.added} == PARTS and not first.waiting
    assert all(r.status is SimilarityStatus.queued for r in first.added)
    again = service.queue_exam(sat.exam(), row(User, hr))
    assert not again.added and {r.id for r in again.waiting} == {r.id for r in first.added}
    logged = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "integrity.run_requested")
    ).all()
    assert len(logged) == 2 and logged[0].ip == "10.1.1.1"
    assert sorted(logged[0].detail["runs"]) == sorted(r.id for r in first.added)
    # Queueing computes nothing: that is the worker's.
    assert not db.session.scalars(sa.select(SimilarityPair)).all()


def test_one_closed_attempt_is_nothing_to_compare(
    app: Flask, make_user: Callable[..., User], exam_loaded: int
) -> None:
    alone = make_user(Role.candidate, email="alone@example.com")
    with app.app_context():
        exam = row(Exam, exam_loaded)
        sit(row(User, alone.id), exam, {CODING: CODE_ANA})
        assert service.comparable_versions(exam) == []
        assert service.queue_exam(exam) == service.Queued([], [])


def test_a_run_flags_the_disguised_copy_in_every_part(sat: Sat) -> None:
    service.queue_exam(sat.exam())
    finished = run_all()
    assert len(finished) == 4 and all(r.status is SimilarityStatus.done for r in finished)
    ana, eve = sat.users["ana"], sat.users["eve"]
    for part, run in runs_by_part().items():
        assert run.submissions == 5 and run.finished_at is not None and not run.error, part
        flagged = [p for p in run.pairs if p.flagged]
        assert [(p.candidate_a_id, p.candidate_b_id) for p in flagged] == [(ana, eve)], part
        pair = flagged[0]
        assert pair.answer_a_id < pair.answer_b_id and run.threshold is not None
        threshold = run.threshold
        assert pair.score >= threshold and pair.fragments, part
        # Every other pair of the cohort is kept (10 pairs < the top 20), none flagged.
        assert len(run.pairs) == 10
        assert all(p.score < threshold for p in run.pairs if not p.flagged)
        assert run.distribution["pairs"] == 10 and sum(run.distribution["bins"]) == 10
        assert run.problems == [] and run.clusters == []
    code = runs_by_part()[(CODING, "")]
    (pair,) = [p for p in code.pairs if p.flagged]
    fragment = pair.fragments[0]
    # The copy is Ana's whole answer, from its first line to (about) its last.
    assert fragment["a_lines"][0] <= 2 and fragment["a_lines"][1] >= 18


def test_answers_from_open_attempts_are_not_compared(
    sat: Sat, make_user: Callable[..., User]
) -> None:
    late = make_user(Role.candidate, email="late@example.com")
    sit(row(User, late.id), sat.exam(), {CODING: CODE_COPY, SHORT: TEXT_COPY}, submit=False)
    service.queue_exam(sat.exam())
    run_all()
    run = runs_by_part()[(CODING, "")]
    assert run.submissions == 5
    assert late.id not in {c for p in run.pairs for c in (p.candidate_a_id, p.candidate_b_id)}


def test_starter_code_and_the_graders_cells_are_subtracted(sat: Sat) -> None:
    question = version_definition(sat.exam().versions[-1]).question(CODING)
    starter = cohorts.starter_of(question)
    assert "BASE = 10" in starter  # the grader's setup cell
    assert any(s.startswith("def add(x):") for s in starter)  # the question's starter code
    text = "BASE = 10\n\ndef add(x):\n    return x + BASE\n"
    assert cohorts.starter_lines(text, starter) == {1, 3}
    # A notebook answer: the grader's setup and visible test cells are left out.
    notebook: dict[str, Any] = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {},
        "cells": [
            {"cell_type": "code", "metadata": {}, "source": "BASE = 10", "outputs": []},
            {"cell_type": "code", "metadata": {}, "source": "def add(x):\n    return x + 10"},
            {"cell_type": "code", "metadata": {}, "source": "assert add(1) == 11"},
        ],
    }
    for cell in notebook["cells"]:
        cell.setdefault("outputs", [])
        cell["execution_count"] = None
    answer = Answer(id=999, value=json.dumps(notebook))
    loaded = cohorts.submission_of(answer, question, "")
    assert not isinstance(loaded, cohorts.Problem)
    assert "def add(x)" in loaded.text
    assert "BASE = 10" not in loaded.text and "assert add(1)" not in loaded.text


def test_bad_answers_are_reported_and_the_run_goes_on(
    sat: Sat, make_user: Callable[..., User]
) -> None:
    broken = make_user(Role.candidate, email="broken@example.com")
    empty = make_user(Role.candidate, email="empty@example.com")
    sit(row(User, broken.id), sat.exam(), {CODING: '{"cells": [ not json', SHORT: "  "})
    untokenized = CODE_COPY.replace("return output", 'return output + """')
    sit(row(User, empty.id), sat.exam(), {CODING: untokenized, SHORT: ""})
    service.queue_exam(sat.exam())
    run_all()
    code = runs_by_part()[(CODING, "")]
    assert code.status is SimilarityStatus.done
    reasons = {p["candidate_id"]: p for p in code.problems}
    assert "not valid JSON" in reasons[broken.id]["reason"]
    assert reasons[broken.id]["compared"] is False
    # Code that does not tokenize is compared as text, and the problem says so.
    assert reasons[empty.id]["compared"] is True and "text" in reasons[empty.id]["reason"]
    short = runs_by_part()[(SHORT, "")]
    assert {p["candidate_id"] for p in short.problems if not p["compared"]} == {
        broken.id,
        empty.id,
    }
    assert all("empty" in p["reason"] for p in short.problems)
    # The copy is still found, in both the readable copy and the one read as text.
    assert {(p.candidate_a_id, p.candidate_b_id) for p in code.pairs if p.flagged} >= {
        (sat.users["ana"], sat.users["eve"]),
        (sat.users["ana"], empty.id),
    }


@pytest.fixture
def flagged(sat: Sat) -> SimilarityPair:
    service.queue_exam(sat.exam())
    run_all()
    (pair,) = [p for p in runs_by_part()[(CODING, "")].pairs if p.flagged]
    return pair


@pytest.fixture
def changed() -> Iterator[list[int]]:
    seen: list[int] = []

    def receiver(sender: object, *, candidate_id: int, **_: object) -> None:
        seen.append(candidate_id)

    events.evidence_changed.connect(receiver)
    yield seen
    events.evidence_changed.disconnect(receiver)


def test_a_decision_is_recorded_audited_and_announced(
    sat: Sat, flagged: SimilarityPair, hr: int, changed: list[int]
) -> None:
    actor = row(User, hr)
    with pytest.raises(service.SimilarityError, match="note"):
        service.decide(flagged, "confirmed", "   ", actor)
    with pytest.raises(service.SimilarityError):
        service.decide(flagged, "guilty", "", actor)
    with pytest.raises(service.SimilarityError):
        service.decide(flagged, "dismissed", "x" * 2001, actor)
    assert flagged.decision is None and changed == []

    service.decide(flagged, "confirmed", "Same function, renamed.", actor, ip="10.2.2.2")
    assert flagged.decision == "confirmed" and flagged.decided_by_id == hr
    assert sorted(changed) == sorted([sat.users["ana"], sat.users["eve"]])
    service.decide(flagged, "dismissed", "Talked to both: a shared tutorial.", actor)
    logged = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action.like("integrity.pair_%"))
    ).all()
    assert [e.action for e in logged] == ["integrity.pair_confirmed", "integrity.pair_dismissed"]
    assert logged[0].detail["note"] == "Same function, renamed." and logged[0].ip == "10.2.2.2"
    assert logged[1].detail["previous"] == "confirmed"


def test_reviewers_decide_too_and_candidates_never(
    flagged: SimilarityPair, make_user: Callable[..., User], sat: Sat
) -> None:
    reviewer = make_user(Role.reviewer, email="rev@example.com")
    service.decide(flagged, "dismissed", "", row(User, reviewer.id))
    assert flagged.decision == "dismissed"
    with pytest.raises(service.SimilarityError):
        service.decide(flagged, "dismissed", "", sat.user("ana"))


def test_a_rerun_keeps_the_decision_on_the_same_answers(
    sat: Sat, flagged: SimilarityPair, hr: int, make_user: Callable[..., User]
) -> None:
    service.decide(flagged, "dismissed", "Both followed the course notes.", row(User, hr))
    extra = make_user(Role.candidate, email="extra@example.com")
    sit(row(User, extra.id), sat.exam(), {CODING: CODE_ANA.replace("cleaned", "kept")})
    service.queue_exam(sat.exam())
    run_all()
    rerun = runs_by_part()[(CODING, "")]
    assert rerun.id != flagged.run_id
    same = next(
        p
        for p in rerun.pairs
        if (p.answer_a_id, p.answer_b_id) == (flagged.answer_a_id, flagged.answer_b_id)
    )
    assert same.decision == "dismissed" and same.decision_note == "Both followed the course notes."
    # The new copy of Ana's answer makes a group of three: one cluster.
    assert rerun.clusters and len(rerun.clusters[0]) == 3
    assert {p.cluster for p in rerun.pairs if p.flagged} == {0}


def test_open_flags_follow_the_latest_run_and_the_decision(
    sat: Sat, flagged: SimilarityPair, hr: int
) -> None:
    assert [p.id for p in open_pairs_for_attempt(sat.attempts["ana"])] != []
    assert open_pairs_for_attempt(sat.attempts["bo"]) == []
    for pair in service.candidates_of([flagged]):
        assert pair in (sat.users["ana"], sat.users["eve"])
    for pair in db.session.scalars(service.open_flag_pairs(sat.exam())):
        service.decide(pair, "dismissed", "", row(User, hr))
    assert open_pairs_for_attempt(sat.attempts["ana"]) == []
    assert open_pairs_for_attempt(sat.attempts["eve"]) == []


def test_a_failing_run_is_stored_as_failed_and_the_next_one_still_runs(
    sat: Sat, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = service.compare
    calls: list[str] = []

    def flaky(submissions: Any, **kwargs: Any) -> Any:
        calls.append(kwargs["kind"])
        if len(calls) == 1:
            raise RuntimeError("engine exploded")
        return real(submissions, **kwargs)

    monkeypatch.setattr(service, "compare", flaky)
    service.queue_exam(sat.exam())
    finished = run_all()
    statuses = sorted(r.status.value for r in finished)
    assert statuses == ["done", "done", "done", "failed"]
    failed = next(r for r in finished if r.status is SimilarityStatus.failed)
    assert "engine exploded" in failed.error and failed.pairs == []


# ------------------------------------------------------------------- the scorecard's flag

SAMPLE_EXAM = PROJECT_ROOT / "exams" / "ai-trainer-ecommerce"
PROFILE = PROJECT_ROOT / "exams" / "jobs" / "ai-trainer-ecommerce.yaml"
REASON = "similar to another submission, awaiting review"


@pytest.fixture
def sample_job(app: Flask, hr: int) -> Iterator[int]:
    with app.app_context():
        load_exam(SAMPLE_EXAM, PROJECT_ROOT / "graders")
        saved = job_service.save_profile(load_profile_file(PROFILE), by=row(User, hr))
        db.session.commit()
        yield saved.job_id
        grading_queue.shutdown(app)


def _invite(job: Job, hr: User, name: str, email: str) -> User:
    issued = invitations.invite_candidate(
        name=name, email=email, job=job, invited_by=hr, ttl_hours=72
    )
    db.session.commit()
    return row(User, issued.candidate.id)


def _card(candidate: User, job: Job) -> dict[str, Any]:
    application = application_of(candidate.id, job.id)
    db.session.refresh(application)
    assert application.scorecard is not None
    return dict(application.scorecard.data)


def _similarity_flags(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in card["flags"] if f["code"] == "integrity" and f["msgid"] == REASON]


def test_the_scorecard_shows_the_flag_until_a_decision_and_no_score_moves(
    app: Flask, sample_job: int, hr: int
) -> None:
    job, staff = row(Job, sample_job), row(User, hr)
    exam = db.session.scalars(sa.select(Exam).where(Exam.slug == "ai-trainer-ecommerce")).one()
    people = {
        key: _invite(job, staff, name, f"{key}@example.com")
        for key, (name, *_rest) in COHORT.items()
        if key in ("ana", "bo", "eve")
    }
    short = "explain-gd"
    texts = {"ana": TEXT_ANA, "bo": COHORT["bo"][2], "eve": TEXT_COPY}
    for key, user in people.items():
        sit(user, exam, {short: texts[key]})
    before = {key: _card(user, job) for key, user in people.items()}
    assert not any(_similarity_flags(card) for card in before.values())

    service.queue_exam(exam)
    run_all()
    after = {key: _card(user, job) for key, user in people.items()}
    assert len(_similarity_flags(after["ana"])) == 1 and len(_similarity_flags(after["eve"])) == 1
    assert _similarity_flags(after["bo"]) == []
    for key in people:  # a flag is not a score, nor a recommendation
        assert after[key]["stages"] == before[key]["stages"]
        assert after[key]["composite"] == before[key]["composite"]
        assert after[key]["recommendation"] == before[key]["recommendation"]
    assert all(f["advisory"] for f in _similarity_flags(after["eve"]))

    for pair in db.session.scalars(service.open_flag_pairs(exam)).all():
        service.decide(pair, "confirmed", "Copied from Ana's answer.", staff)
    decided = {key: _card(user, job) for key, user in people.items()}
    assert not any(_similarity_flags(card) for card in decided.values())
    assert decided["eve"]["stages"] == before["eve"]["stages"]


def test_the_database_keeps_one_row_per_pair_of_answers(flagged: SimilarityPair) -> None:
    reversed_pair = SimilarityPair(
        run_id=flagged.run_id,
        answer_a_id=flagged.answer_b_id,
        answer_b_id=flagged.answer_a_id,
        candidate_a_id=flagged.candidate_b_id,
        candidate_b_id=flagged.candidate_a_id,
        score=flagged.score,
    )
    db.session.add(reversed_pair)
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()


# ---------------------------------------------------------------- the CLI on hirebench's data


def test_the_cli_compares_an_exams_attempts(
    app: Flask, sat_outside: Sat, make_user: Callable[..., User]
) -> None:
    runner = app.test_cli_runner()
    args = ["integrity", "similarity", "--exam", "mini", "--question", CODING, "--json"]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    flagged = [(p["a"], p["b"]) for p in report["pairs"] if p["flagged"]]
    assert [tuple(sorted(pair)) for pair in flagged] == [("ana@example.com", "eve@example.com")]
    assert len(report["pairs"]) == 10 and report["threshold"] > 0
    rules = runner.invoke(args=[*args[:5], RULES, "--part", "rules", "--json"])
    assert rules.exit_code == 0 and json.loads(rules.output)["pairs"][0]["flagged"]
    text = runner.invoke(args=[*args[:5], SHORT])
    assert text.exit_code == 0 and "FLAG" in text.output and "ana@example.com" in text.output
    for wrong, message in (
        (["--exam", "nope", "--question", CODING], "no exam"),
        (["--exam", "mini", "--question", "gd-step"], "no comparable question"),
        (["--exam", "mini"], "--question"),
        (["--exam", "mini", "--question", CODING, "--version", "7"], "no version"),
    ):
        refused = runner.invoke(args=["integrity", "similarity", *wrong])
        assert refused.exit_code == 2 and message in refused.output, (wrong, refused.output)
    with app.app_context():  # the CLI stores nothing: it only reports
        assert db.session.scalars(sa.select(SimilarityRun)).all() == []
