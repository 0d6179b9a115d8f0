"""HR's home page: each open job with its counts per stage (linked to the board's columns) and
what needs attention, each linked to where it is handled: reviews overdue past the SLA,
similarity flags nobody has decided on, offers awaiting approval, interviews a panelist has
not scored. A candidate HR rejected needs nobody's attention; a closed job is not listed."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from hirebench import attention
from hirebench.exams import attempts
from hirebench.exams.loader import load_exam
from hirebench.extensions import db
from hirebench.grading import queue as grading_queue
from hirebench.jobs import pipeline
from hirebench.models import (
    Answer,
    Application,
    Exam,
    Interview,
    InterviewKit,
    Job,
    Offer,
    OfferStatus,
    Panelist,
    Recommendation,
    ReviewAssignment,
    ReviewItem,
    ReviewKind,
    Role,
    Scorecard,
    SimilarityDecision,
    SimilarityPair,
    SimilarityRun,
    SimilarityStatus,
    User,
)
from hirebench.models.base import utcnow
from hirebench.paths import PROJECT_ROOT
from tests.conftest import AuthActions
from tests.factories import row

SAMPLE_EXAM = PROJECT_ROOT / "exams" / "ai-trainer-ecommerce"


@dataclass
class World:
    job_id: int
    closed_job_id: int
    ids: dict[str, int]  # object name -> id


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "GRADING_WORKERS": 0, "GRADING_AUTOSTART": False, "REVIEW_SLA_HOURS": 72}


def _person(name: str, role: Role = Role.candidate) -> User:
    user = User(email=f"{name.lower()}@example.com", name=name, role=role)
    db.session.add(user)
    db.session.flush()
    return user


def _review(candidate: User, reviewer: User, title: str, hours_ago: float) -> ReviewAssignment:
    item = ReviewItem(
        kind=ReviewKind.portfolio,
        candidate=candidate,
        rubric_key="portfolio-project",
        title=title,
        rubric={},
    )
    assignment = ReviewAssignment(
        item=item, reviewer=reviewer, created_at=utcnow() - timedelta(hours=hours_ago)
    )
    db.session.add(assignment)
    db.session.flush()
    return assignment


def _interview(
    kit: InterviewKit, candidate: User, panel: list[User], scored: list[User], **kw: Any
) -> Interview:
    interview = Interview(kit=kit, candidate=candidate, **kw)
    interview.panel = [Panelist(interviewer=p) for p in panel]
    interview.scorecards = [
        Scorecard(
            interviewer=p,
            question_ratings={},
            competency_ratings={},
            recommendation=Recommendation.yes,
        )
        for p in scored
    ]
    db.session.add(interview)
    db.session.flush()
    return interview


def _flagged_pair(a: User, b: User, exam: Exam, question: str, **kw: Any) -> SimilarityPair:
    """A flagged pair of the latest finished run of `question` (one run per question: a later
    run of the same question would make this one history)."""
    answers = []
    for person in (a, b):
        attempt = attempts.start_attempt(person, exam)
        answer = Answer(attempt_id=attempt.id, question_id=question, value="a")
        db.session.add(answer)
        db.session.flush()
        answers.append(answer)
    run = SimilarityRun(
        exam_id=exam.id,
        exam_version_id=exam.versions[-1].id,
        question_id=question,
        kind="text",
        status=SimilarityStatus.done,
    )
    pair = SimilarityPair(
        run=run,
        answer_a_id=answers[0].id,
        answer_b_id=answers[1].id,
        candidate_a_id=a.id,
        candidate_b_id=b.id,
        score=0.93,
        flagged=True,
        **kw,
    )
    db.session.add(pair)
    db.session.flush()
    return pair


@pytest.fixture
def world(app: Flask, make_user: Callable[..., User], auth: AuthActions) -> Iterator[World]:
    hr = make_user(Role.hr, email="hr@example.com", name="王芳")
    with app.app_context():
        load_exam(SAMPLE_EXAM, PROJECT_ROOT / "graders")
        exam = db.session.scalars(sa.select(Exam)).one()
        job = Job(title="AI Trainer", department="Data")
        closed = Job(title="Old cohort", is_open=False)
        db.session.add_all([job, closed])
        reviewer = _person("Rui", Role.reviewer)
        ivan, zhou = _person("Ivan", Role.interviewer), _person("Zhou", Role.interviewer)
        people = {n: _person(n) for n in ("Ada", "Bob", "Cy", "Dee", "Eve", "Old")}
        apps = {n: Application(candidate=u, job=job) for n, u in people.items() if n != "Old"}
        apps["Old"] = Application(candidate=people["Old"], job=closed)
        db.session.add_all(apps.values())
        db.session.flush()
        hr_user = row(User, hr.id)
        pipeline.move_many([apps["Ada"], apps["Bob"]], "interview", actor=hr_user)
        pipeline.move(apps["Cy"], "offer", actor=hr_user)
        pipeline.reject(apps["Eve"], "Withdrew", actor=hr_user)
        ids: dict[str, int] = {}
        # Reviews: Ada's is overdue (80 h > 72 h), Bob's is not yet, Eve's is but she is out.
        ids["overdue"] = _review(people["Ada"], reviewer, "Ada's search project", 80).item_id
        ids["fresh"] = _review(people["Bob"], reviewer, "Bob's project", 10).item_id
        ids["moot"] = _review(people["Eve"], reviewer, "Eve's project", 200).item_id
        # Offers: Cy's waits for approval; Old's, of the closed job, is not listed.
        cy_offer = Offer(
            application=apps["Cy"],
            candidate=people["Cy"],
            job=job,
            status=OfferStatus.awaiting_approval,
        )
        db.session.add_all(
            [
                cy_offer,
                Offer(
                    application=apps["Old"],
                    candidate=people["Old"],
                    job=closed,
                    status=OfferStatus.awaiting_approval,
                ),
            ]
        )
        # Interviews: Ada's took place yesterday and Zhou has not scored; Bob's is tomorrow;
        # Dee's has no time but Ivan has scored, so it happened and Zhou owes one.
        kit = InterviewKit(job=job, stage="interview", title="Behavioural · 行为面试", questions=[])
        past = _interview(
            kit, people["Ada"], [ivan, zhou], [ivan], scheduled_at=utcnow() - timedelta(days=1)
        )
        _interview(kit, people["Bob"], [ivan], [], scheduled_at=utcnow() + timedelta(days=1))
        untimed = _interview(kit, people["Dee"], [ivan, zhou], [ivan])
        _interview(kit, people["Cy"], [ivan], [])  # no time, nobody scored: not yet
        # Similarity: Ada and Dee flagged, undecided; Bob and Cy's pair was dismissed.
        open_pair = _flagged_pair(people["Ada"], people["Dee"], exam, "gd-update-rule")
        _flagged_pair(
            people["Bob"], people["Cy"], exam, "lr-diverges", decision=SimilarityDecision.dismissed
        )
        db.session.commit()
        ids |= {"offer": cy_offer.id, "past": past.id, "untimed": untimed.id, "pair": open_pair.id}
        ids |= {name: user.id for name, user in people.items()}
        built = World(job.id, closed.id, ids)
    assert auth.login("hr@example.com").status_code == 302
    yield built
    grading_queue.shutdown(app)


def test_each_open_job_with_its_counts_per_stage(client: FlaskClient, world: World) -> None:
    html = client.get("/hr/").get_data(as_text=True)
    assert "AI Trainer" in html and "Old cohort" not in html
    counts = dict(
        re.findall(
            rf'href="/hr/jobs/{world.job_id}/board\?stage=(\w+)" data-stage="\w+">'
            r'<span class="hb-stage-count">(\d+)</span>',
            html,
        )
    )
    assert counts == {
        "applied": "1",  # Dee
        "exam": "0",
        "portfolio": "0",
        "interview": "2",
        "offer": "1",
        "hired": "0",
        "rejected": "1",
    }
    assert "4 in the running" in html
    assert f'href="/hr/jobs/{world.job_id}/board"' in html
    assert f'href="/hr/jobs/{world.job_id}"' in html
    # The invitation form and the recent invitations stay.
    assert 'action="/hr/invitations"' in html and "Recent invitations" in html


def test_what_needs_attention_links_to_where_it_is_handled(
    client: FlaskClient, world: World
) -> None:
    html = client.get("/hr/").get_data(as_text=True)
    links = re.findall(r'<a href="([^"]*)" data-kind="(\w+)">([^<]*)</a>', html)
    by_kind: dict[str, list[tuple[str, str]]] = {}
    for href, kind, text in links:
        by_kind.setdefault(kind, []).append((href, text))
    ids = world.ids
    assert by_kind["review"] == [(f"/hr/reviews/{ids['overdue']}", "Ada&#39;s search project")]
    assert "Rui, assigned 3 days ago" in html
    assert by_kind["offer"] == [(f"/hr/offers/{ids['offer']}", "Offer to Cy")]
    assert by_kind["interview"] == [
        (f"/hr/candidates/{ids['Ada']}", "Ada · Behavioural · 行为面试"),
        (f"/hr/candidates/{ids['Dee']}", "Dee · Behavioural · 行为面试"),
    ]
    assert html.count("no scorecard from Zhou") == 2
    assert by_kind["flag"] == [(f"/integrity/pairs/{ids['pair']}", "Similar answers: Ada and Dee")]
    assert "similarity 0.93" in html


def test_overviews_count_beyond_what_they_list(app: Flask, world: World) -> None:
    with app.app_context():
        job = row(Job, world.job_id)
        reviewer = db.session.scalars(sa.select(User).where(User.role == Role.reviewer)).one()
        ada = row(User, world.ids["Ada"])
        for n in range(attention.SHOWN + 2):
            _review(ada, reviewer, f"Case {n}", 100 + n)
        db.session.commit()
        [overview] = attention.overviews([job])
        assert overview.overdue_reviews.total == attention.SHOWN + 3
        assert len(overview.overdue_reviews.items) == attention.SHOWN
        # Oldest first.
        titles = [a.item.title for a in overview.overdue_reviews.items]
        assert titles[0] == f"Case {attention.SHOWN + 1}"
        assert overview.needs_attention == attention.SHOWN + 3 + 1 + 2 + 1
        assert attention.overviews([]) == []


def test_the_sla_is_a_setting(app: Flask, world: World) -> None:
    with app.app_context():
        app.config["REVIEW_SLA_HOURS"] = 8
        [overview] = attention.overviews([row(Job, world.job_id)])
        assert {a.item_id for a in overview.overdue_reviews.items} == {
            world.ids["overdue"],
            world.ids["fresh"],
        }


def test_nothing_waiting_says_so(app: Flask, client: FlaskClient, world: World) -> None:
    with app.app_context():
        for name in ("Ada", "Bob", "Cy", "Dee"):
            application = db.session.scalars(
                sa.select(Application).where(Application.candidate_id == world.ids[name])
            ).one()
            pipeline.reject(application, "Role filled", actor=None)
        db.session.commit()
    html = client.get("/hr/").get_data(as_text=True)
    assert "Nothing is waiting on anyone." in html
    assert 'data-kind="' not in html
