"""The agreement report over the database: reviews per rubric and scorecards per interview kit,
checked against kappa computed directly on the same levels."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from flask import Flask
from sklearn.metrics import cohen_kappa_score

from hirebench.authoring import Criterion
from hirebench.extensions import db
from hirebench.interviews import service
from hirebench.interviews.bank import load_bank_file
from hirebench.jobs import service as jobs
from hirebench.models import Interview, InterviewKit, ReviewItem, ReviewKind, Role, User
from hirebench.paths import PROJECT_ROOT
from hirebench.reviews import workflow
from hirebench.reviews.agreement import weighted_kappa
from hirebench.reviews.reports import InstrumentAgreement, agreement_report, keys_for_candidate

SHIPPED = PROJECT_ROOT / "exams" / "interviews" / "behavioural.yaml"
SCALE = [1, 2, 3, 4, 5]
LEVELS = ((1, "a"), (3, "b"), (5, "c"))
CRITERIA = (Criterion("c1", "Clarity", 1.0, LEVELS), Criterion("c2", "Depth", 2.0, LEVELS))
QUESTIONS = ("ambiguous-annotation-cases", "model-needs-changing")

Levels = dict[str, int]
# Reviewers' levels per item: R2 is R1 give or take one (evenly both ways), so the two fair
# reviewers sit close to each other and a reviewer two levels above R1 stands out.
R1: list[Levels] = [{"c1": 1, "c2": 2}, {"c1": 2, "c2": 3}, {"c1": 3, "c2": 3}]
R2: list[Levels] = [{"c1": 2, "c2": 1}, {"c1": 2, "c2": 3}, {"c1": 4, "c2": 2}]
LENIENT: list[Levels] = [{key: level + 2 for key, level in item.items()} for item in R1]
# Interviewers' ratings per interview, question by question.
I1: list[Levels] = [{QUESTIONS[0]: 2, QUESTIONS[1]: 4}, {QUESTIONS[0]: 5, QUESTIONS[1]: 1}]
I2: list[Levels] = [{QUESTIONS[0]: 3, QUESTIONS[1]: 4}, {QUESTIONS[0]: 4, QUESTIONS[1]: 2}]


@dataclass(frozen=True)
class People:
    hr: User
    alice: User  # candidate with the portfolio items and the first interview
    bert: User  # candidate with the second interview of the same kit
    carol: User  # candidate with another rubric and another kit
    r1: User
    r2: User
    r3: User
    i1: User
    i2: User


@pytest.fixture
def people(app: Flask, make_user: Callable[..., User]) -> Iterator[People]:
    made = People(
        hr=make_user(Role.hr, email="hr@example.com", name="HR"),
        alice=make_user(Role.candidate, email="alice@example.com", name="Alice"),
        bert=make_user(Role.candidate, email="bert@example.com", name="Bert"),
        carol=make_user(Role.candidate, email="carol@example.com", name="Carol"),
        r1=make_user(Role.reviewer, email="r1@example.com", name="R1"),
        r2=make_user(Role.reviewer, email="r2@example.com", name="R2"),
        r3=make_user(Role.reviewer, email="r3@example.com", name="R3"),
        i1=make_user(Role.interviewer, email="i1@example.com", name="I1"),
        i2=make_user(Role.interviewer, email="i2@example.com", name="I2"),
    )
    with app.app_context():
        service.load_bank(load_bank_file(SHIPPED))
        yield made


def get(person: User) -> User:
    found = db.session.get(User, person.id)
    assert found is not None
    return found


def make_items(candidate: User, rubric_key: str, count: int) -> list[ReviewItem]:
    # A threshold no spread can exceed: no flag, so no tie-break reviewer joins by itself.
    rubric = workflow.snapshot(CRITERIA, threshold=100)
    items = [
        workflow.create_item(
            ReviewKind.portfolio,
            get(candidate),
            rubric_key=rubric_key,
            title=f"Portfolio {n}",
            rubric=rubric,
        )
        for n in range(1, count + 1)
    ]
    db.session.commit()
    return items


def review(item: ReviewItem, reviewer: User, levels: Mapping[str, int], hr: User) -> None:
    assignment = next((a for a in item.assignments if a.reviewer_id == reviewer.id), None)
    if assignment is None:
        assignment = workflow.assign(item, get(reviewer), by=get(hr))
    workflow.submit_review(assignment, levels, {})


def score_items(items: list[ReviewItem], reviewer: User, levels: list[Levels], hr: User) -> None:
    for item, given in zip(items, levels, strict=True):
        review(item, reviewer, given, hr)


def make_kit(p: People, stage: str, candidates: list[User]) -> InterviewKit:
    kit = service.create_kit(
        jobs.get_or_create("AI trainer"), stage, f"Kit {stage}", QUESTIONS, by=get(p.hr)
    )
    for candidate, first, second in zip(candidates, I1, I2, strict=False):
        interview = service.schedule(
            kit, get(candidate), [get(p.i1), get(p.i2)], None, by=get(p.hr)
        )
        for interviewer, ratings in ((p.i1, first), (p.i2, second)):
            service.submit_scorecard(
                interview,
                get(interviewer),
                question_ratings={q: {"rating": r, "notes": ""} for q, r in ratings.items()},
                competency_ratings={"ambiguity": 3, "communication": 3},
                recommendation="yes",
            )
    return kit


def paired(a: list[Levels], b: list[Levels]) -> tuple[list[int], list[int]]:
    left = [level for item in a for _key, level in sorted(item.items())]
    right = [level for item in b for _key, level in sorted(item.items())]
    return left, right


def by_key(report: list[InstrumentAgreement]) -> dict[str, InstrumentAgreement]:
    return {entry.key: entry for entry in report}


def test_report_has_rubric_and_kit_with_kappa(people: People) -> None:
    p = people
    items = make_items(p.alice, "portfolio-basic", 3)
    score_items(items, p.r1, R1, p.hr)
    score_items(items, p.r2, R2, p.hr)
    kit = make_kit(p, "behavioural-1", [p.alice, p.bert])

    report = by_key(agreement_report())
    assert set(report) == {"rubric:portfolio-basic", f"kit:{kit.id}"}

    rubric = report["rubric:portfolio-basic"]
    assert (rubric.kind, rubric.title, rubric.items, rubric.raters) == (
        "rubric",
        "Portfolio 1",
        3,
        2,
    )
    [pair] = rubric.pairs
    assert (pair.rater_a, pair.rater_b, pair.items, pair.ratings) == (p.r1.id, p.r2.id, 3, 6)
    a, b = paired(R1, R2)
    assert pair.kappa == pytest.approx(weighted_kappa(a, b, SCALE))
    assert pair.kappa == pytest.approx(cohen_kappa_score(a, b, weights="quadratic", labels=SCALE))
    assert pair.exact == pytest.approx(2 / 6)
    assert rubric.names[p.r1.id] == "R1" and rubric.flagged_raters == []

    interviews = report[f"kit:{kit.id}"]
    assert (interviews.kind, interviews.title) == ("interview", "AI trainer · Kit behavioural-1")
    assert (interviews.items, interviews.raters) == (2, 2)
    [pair] = interviews.pairs
    assert (pair.rater_a, pair.rater_b, pair.items, pair.ratings) == (p.i1.id, p.i2.id, 2, 4)
    a, b = paired(I1, I2)
    assert pair.kappa == pytest.approx(weighted_kappa(a, b, SCALE))
    assert pair.kappa == pytest.approx(cohen_kappa_score(a, b, weights="quadratic", labels=SCALE))
    assert pair.exact == pytest.approx(1 / 4)


def test_lenient_reviewer_is_flagged(people: People) -> None:
    p = people
    items = make_items(p.alice, "portfolio-basic", 3)
    score_items(items, p.r1, R1, p.hr)
    score_items(items, p.r2, R2, p.hr)
    score_items(items, p.r3, LENIENT, p.hr)

    [rubric] = agreement_report()
    assert (rubric.items, rubric.raters, len(rubric.pairs)) == (3, 3, 3)
    [flagged] = rubric.flagged_raters
    assert flagged.rater == p.r3.id and flagged.items == 3
    assert flagged.difference == pytest.approx(4 / 3)
    fair = {d.rater: d.difference for d in rubric.drift if not d.flagged}
    assert fair == {p.r1.id: pytest.approx(-2 / 3), p.r2.id: pytest.approx(-2 / 3)}


def test_drift_needs_three_shared_items(people: People) -> None:
    p = people
    items = make_items(p.alice, "portfolio-basic", 3)
    score_items(items, p.r1, R1, p.hr)
    score_items(items, p.r2, R2, p.hr)
    score_items(items[:2], p.r3, LENIENT[:2], p.hr)
    [rubric] = agreement_report()
    assert rubric.flagged_raters == []
    assert {d.rater: d.items for d in rubric.drift}[p.r3.id] == 2


def test_keys_for_candidate_limit_the_report(people: People) -> None:
    p = people
    alice_items = make_items(p.alice, "portfolio-basic", 3)
    carol_items = make_items(p.carol, "writing-sample", 1)
    for items in (alice_items, carol_items):
        score_items(items, p.r1, R1[: len(items)], p.hr)
        score_items(items, p.r2, R2[: len(items)], p.hr)
    first = make_kit(p, "behavioural-1", [p.alice, p.bert])
    second = make_kit(p, "behavioural-2", [p.carol])

    alice = keys_for_candidate(get(p.alice))
    assert alice == {"rubric:portfolio-basic", f"kit:{first.id}"}
    assert keys_for_candidate(get(p.bert)) == {f"kit:{first.id}"}
    assert keys_for_candidate(get(p.carol)) == {"rubric:writing-sample", f"kit:{second.id}"}
    assert keys_for_candidate(get(p.hr)) == set()

    assert {e.key for e in agreement_report(alice)} == alice
    assert [e.key for e in agreement_report(keys_for_candidate(get(p.bert)))] == [f"kit:{first.id}"]
    assert agreement_report(set()) == []
    assert len(agreement_report()) == 4
    # The kit entry covers every interview of the kit, not only this candidate's.
    assert by_key(agreement_report(alice))[f"kit:{first.id}"].items == 2


def test_only_current_versions_count(people: People) -> None:
    p = people
    items = make_items(p.alice, "portfolio-basic", 3)
    score_items(items, p.r1, [{"c1": 5, "c2": 5}] * 3, p.hr)
    score_items(items, p.r2, R2, p.hr)
    score_items(items, p.r1, R1, p.hr)  # R1 edits every review
    assert all(len(item.reviews) == 3 for item in items)

    [pair] = agreement_report()[0].pairs
    assert (pair.items, pair.ratings) == (3, 6)
    a, b = paired(R1, R2)
    assert pair.kappa == pytest.approx(weighted_kappa(a, b, SCALE))
    old, _ = paired([{"c1": 5, "c2": 5}] * 3, R2)
    assert pair.kappa != pytest.approx(weighted_kappa(old, b, SCALE))

    kit = make_kit(p, "behavioural-1", [p.alice])
    [interview] = db.session.scalars(sa.select(Interview).filter_by(kit_id=kit.id)).all()
    service.submit_scorecard(  # I1 edits to agree with I2 on every question
        interview,
        get(p.i1),
        question_ratings={q: {"rating": r, "notes": ""} for q, r in I2[0].items()},
        competency_ratings={"ambiguity": 3, "communication": 3},
        recommendation="yes",
    )
    [pair] = by_key(agreement_report())[f"kit:{kit.id}"].pairs
    assert (pair.items, pair.ratings, pair.exact) == (1, 2, 1.0)
