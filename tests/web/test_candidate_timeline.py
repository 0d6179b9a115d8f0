"""The candidate's home as a timeline per application: which stage is done, current, upcoming
or not part of the job at each point of the process, what comes next with its deadline, and
the links the page has always had. Rows are written directly, as each stage leaves them."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from hirebench.exams.loader import load_exam
from hirebench.extensions import db
from hirebench.jobs.profile import Stage
from hirebench.jobs.profile_file import load_profile_file
from hirebench.jobs.service import ensure_application, save_profile
from hirebench.models import (
    Application,
    Attempt,
    AttemptStatus,
    Exam,
    Interview,
    InterviewKit,
    Job,
    Offer,
    OfferStatus,
    OfferVersion,
    Onboarding,
    Portfolio,
    ReviewItem,
    ReviewKind,
    Role,
    User,
)
from hirebench.models.base import utcnow
from hirebench.paths import PROJECT_ROOT
from hirebench.services.timeline import StepState, timelines_of
from tests.conftest import AuthActions

PROFILE = PROJECT_ROOT / "exams" / "jobs" / "ai-trainer-ecommerce.yaml"
MINI = PROJECT_ROOT / "tests" / "exams" / "fixtures" / "exams" / "mini"
GRADERS = PROJECT_ROOT / "tests" / "exams" / "fixtures" / "graders"
STEP = re.compile(r'data-step="(\w+)" data-step-state="(\w+)"')


@dataclass
class World:
    candidate_id: int
    job_id: int


def _job(title: str, **changes: object) -> Job:
    """A job whose profile is the demo's, under another id and title, taking the mini exam."""
    definition = replace(
        load_profile_file(PROFILE), id=title.lower().replace(" ", "-"), title=title, exam="mini"
    )
    profile = save_profile(replace(definition, **changes))  # type: ignore[arg-type]
    job = db.session.get(Job, profile.job_id)
    assert job is not None
    return job


@pytest.fixture
def world(app: Flask, make_user: Callable[..., User], auth: AuthActions) -> World:
    person = make_user(Role.candidate, email="lin@example.com", name="林小雨")
    with app.app_context():
        load_exam(MINI, GRADERS)
        job = _job("Data Annotator")
        candidate = db.session.get(User, person.id)
        assert candidate is not None
        ensure_application(candidate, job)
        db.session.commit()
        world = World(person.id, job.id)
    assert auth.login("lin@example.com").status_code == 302
    return world


def _candidate() -> User:
    found = db.session.scalar(sa.select(User).where(User.email == "lin@example.com"))
    assert found is not None
    return found


def _application(world: World) -> Application:
    found = db.session.scalar(
        sa.select(Application).where(
            Application.candidate_id == world.candidate_id, Application.job_id == world.job_id
        )
    )
    assert found is not None
    return found


def _attempt(world: World, status: AttemptStatus, minutes_left: int = 30) -> Attempt:
    exam = db.session.scalar(sa.select(Exam).where(Exam.slug == "mini"))
    assert exam is not None
    now = utcnow()
    attempt = Attempt(
        candidate_id=world.candidate_id,
        exam_id=exam.id,
        exam_version_id=exam.versions[-1].id,
        status=status,
        seed="s",
        question_ids=[],
        started_at=now - timedelta(minutes=10),
        deadline_at=now + timedelta(minutes=minutes_left),
        submitted_at=None if status is AttemptStatus.in_progress else now,
    )
    db.session.add(attempt)
    db.session.commit()
    return attempt


def _portfolio(world: World, reviewed: bool = False) -> Portfolio:
    case = Portfolio(
        candidate_id=world.candidate_id,
        title="Labelling 40k product reviews",
        description="Sentiment labels for reviews.",
        role="Lead annotator",
        data_volume="40,000 reviews",
        results="Agreement up from 0.71 to 0.86.",
    )
    db.session.add(case)
    db.session.flush()
    db.session.add(
        ReviewItem(
            kind=ReviewKind.portfolio,
            candidate_id=world.candidate_id,
            portfolio_id=case.id,
            rubric_key="portfolio-project",
            title=case.title,
            rubric={},
            complete=reviewed,
        )
    )
    db.session.commit()
    return case


def _interview(world: World, at_offset: timedelta | None) -> Interview:
    kit = db.session.scalar(sa.select(InterviewKit).where(InterviewKit.job_id == world.job_id))
    if kit is None:
        kit = InterviewKit(job_id=world.job_id, stage="interview", title="Panel", questions=[])
        db.session.add(kit)
        db.session.flush()
    interview = Interview(
        kit_id=kit.id,
        candidate_id=world.candidate_id,
        scheduled_at=None if at_offset is None else utcnow() + at_offset,
    )
    db.session.add(interview)
    db.session.commit()
    return interview


def _offer(world: World, status: OfferStatus, valid_days: int = 7) -> Offer:
    application = _application(world)
    today = date.today()
    offer = Offer(
        application_id=application.id,
        candidate_id=world.candidate_id,
        job_id=world.job_id,
        status=status,
        sent_at=None if status in (OfferStatus.draft, OfferStatus.awaiting_approval) else utcnow(),
        responded_at=utcnow() if status in (OfferStatus.accepted, OfferStatus.declined) else None,
    )
    offer.versions.append(
        OfferVersion(
            version=1,
            job_title="Data Annotator",
            monthly_salary=18000,
            probation_salary=16000,
            start_date=today + timedelta(days=30),
            valid_until=today + timedelta(days=valid_days),
        )
    )
    db.session.add(offer)
    db.session.commit()
    return offer


def _steps(client: FlaskClient, job_id: int | None = None) -> dict[str, str]:
    html = client.get("/exam/").get_data(as_text=True)
    if job_id is not None:
        html = html.split(f'data-application="{job_id}"', 1)[1].split("</section>", 1)[0]
    return dict(STEP.findall(html))


def test_just_invited_the_exam_is_next_and_the_rest_to_come(
    client: FlaskClient, world: World
) -> None:
    html = client.get("/exam/").get_data(as_text=True)
    assert dict(STEP.findall(html)) == {
        "invited": "done",
        "exam": "current",
        "portfolio": "upcoming",
        "interview": "upcoming",
        "decision": "upcoming",
    }
    # An ordered list, the current stage marked for assistive technology, states in words.
    assert '<ol class="hb-timeline"' in html and 'aria-current="step"' in html
    assert "Coming up" in html and "Done" in html and "Invited on" in html
    assert "Your next step" in html and 'href="/exam/exams/mini"' in html
    # No offer or onboarding stage before there is one.
    assert 'data-step="offer"' not in html and 'data-step="onboarding"' not in html


def test_an_exam_in_progress_shows_its_deadline_and_continue(
    app: Flask, client: FlaskClient, world: World
) -> None:
    with app.app_context():
        attempt = _attempt(world, AttemptStatus.in_progress, minutes_left=25)
        deadline = attempt.deadline_at.strftime("%Y-%m-%d %H:%M")
        attempt_id = attempt.id
    html = client.get("/exam/").get_data(as_text=True)
    assert dict(STEP.findall(html))["exam"] == "current"
    assert f"Submit by {deadline} UTC" in html
    assert f'href="/exam/attempts/{attempt_id}"' in html
    assert "minutes left" in html


def test_after_the_exam_and_portfolio_an_interview_on_its_date(
    app: Flask, client: FlaskClient, world: World
) -> None:
    with app.app_context():
        attempt = _attempt(world, AttemptStatus.graded)
        _portfolio(world)
        interview = _interview(world, timedelta(days=2))
        assert interview.scheduled_at is not None
        when = interview.scheduled_at.strftime("%Y-%m-%d %H:%M")
        attempt_id = attempt.id
    html = client.get("/exam/").get_data(as_text=True)
    assert dict(STEP.findall(html)) == {
        "invited": "done",
        "exam": "done",
        "portfolio": "done",
        "interview": "current",
        "decision": "upcoming",
    }
    assert f"Interview on {when} UTC" in html
    # The team's move, not the candidate's.
    assert "What happens next" in html and "Your next step" not in html
    assert f'href="/exam/attempts/{attempt_id}/result"' in html
    assert "reviewers are looking at it" in html


def test_an_unscheduled_interview_is_being_arranged(
    app: Flask, client: FlaskClient, world: World
) -> None:
    with app.app_context():
        _attempt(world, AttemptStatus.graded)
        _portfolio(world, reviewed=True)
        _interview(world, None)
    html = client.get("/exam/").get_data(as_text=True)
    assert dict(STEP.findall(html))["interview"] == "current"
    assert "being arranged" in html and "Your project has been reviewed." in html


def test_after_the_interview_the_decision_is_current(
    app: Flask, client: FlaskClient, world: World
) -> None:
    with app.app_context():
        _attempt(world, AttemptStatus.graded)
        _portfolio(world)
        _interview(world, -timedelta(days=1))
        # A draft offer is HR's business until it is sent.
        _offer(world, OfferStatus.awaiting_approval)
    steps = _steps(client)
    assert steps["interview"] == "done" and steps["decision"] == "current"
    assert "offer" not in steps


def test_a_sent_offer_is_answered_by_its_date(
    app: Flask, client: FlaskClient, world: World
) -> None:
    with app.app_context():
        _attempt(world, AttemptStatus.graded)
        _portfolio(world)
        _interview(world, -timedelta(days=3))
        offer = _offer(world, OfferStatus.sent, valid_days=5)
        offer_id, valid_until = offer.id, offer.current.valid_until
    html = client.get("/exam/").get_data(as_text=True)
    steps = dict(STEP.findall(html))
    assert steps["decision"] == "done" and steps["offer"] == "current"
    assert f"Reply by {valid_until.isoformat()}" in html
    assert f'href="/offers/{offer_id}"' in html
    assert "Your next step" in html


def test_an_accepted_offer_leads_to_onboarding_with_the_first_day(
    app: Flask, client: FlaskClient, world: World
) -> None:
    with app.app_context():
        _attempt(world, AttemptStatus.graded)
        _portfolio(world)
        _interview(world, -timedelta(days=3))
        offer = _offer(world, OfferStatus.accepted)
        first_day = date.today() + timedelta(days=14)
        db.session.add(
            Onboarding(
                offer_id=offer.id,
                candidate_id=world.candidate_id,
                job_id=world.job_id,
                start_date=first_day,
            )
        )
        db.session.commit()
    html = client.get("/exam/").get_data(as_text=True)
    steps = dict(STEP.findall(html))
    assert steps["offer"] == "done" and steps["onboarding"] == "current"
    assert f"First day: {first_day.isoformat()}" in html
    assert "You accepted the offer" in html


def test_an_expired_offer_is_done_and_nothing_waits(
    app: Flask, client: FlaskClient, world: World
) -> None:
    with app.app_context():
        _attempt(world, AttemptStatus.graded)
        _portfolio(world)
        _interview(world, -timedelta(days=30))
        # Sent, but past its date: expired even before the periodic task marks it.
        _offer(world, OfferStatus.sent, valid_days=-1)
    html = client.get("/exam/").get_data(as_text=True)
    assert dict(STEP.findall(html))["offer"] == "done"
    assert "The offer expired on" in html
    assert 'data-next="none"' in html


def test_an_offer_made_before_a_stage_leaves_that_stage_skipped(
    app: Flask, client: FlaskClient, world: World
) -> None:
    with app.app_context():
        _portfolio(world)
        _offer(world, OfferStatus.declined)
    html = client.get("/exam/").get_data(as_text=True)
    assert dict(STEP.findall(html)) == {
        "invited": "done",
        "exam": "passed",
        "portfolio": "done",
        "interview": "passed",
        "decision": "done",
        "offer": "done",
    }
    assert "No longer needed." in html and "Skipped" in html
    # Nothing is current: the box says where the application ended, with no exam to start.
    assert 'data-next="none"' in html and "You declined the offer" in html
    assert 'href="/exam/exams/mini"' in html  # the exams list still offers it


def test_a_rejection_closes_the_application_without_its_reason(
    app: Flask, client: FlaskClient, world: World
) -> None:
    with app.app_context():
        _attempt(world, AttemptStatus.graded)
        application = _application(world)
        application.rejected_at = utcnow()
        application.rejection_reason = "Exam score below the bar (internal note)"
        db.session.commit()
    html = client.get("/exam/").get_data(as_text=True)
    assert dict(STEP.findall(html)) == {
        "invited": "done",
        "exam": "done",
        "portfolio": "passed",
        "interview": "passed",
        "decision": "done",
    }
    assert "We decided not to go on with your application." in html
    assert "internal note" not in html and 'data-next="none"' in html


def test_stages_the_job_does_not_have_are_marked_not_part_of_it(
    app: Flask, client: FlaskClient, world: World
) -> None:
    with app.app_context():
        job = _job(
            "Rater",
            exam=None,
            stages=((Stage.screening, 50.0), (Stage.written_test, 50.0)),
        )
        ensure_application(_candidate(), job)
        db.session.commit()
        rater_id = job.id
    steps = _steps(client, rater_id)
    assert steps == {
        "invited": "done",
        "exam": "skipped",
        "portfolio": "skipped",
        "interview": "skipped",
        "decision": "current",
    }
    html = client.get("/exam/").get_data(as_text=True)
    assert "Not part of this job" in html and "This job has no interview." in html


def test_each_application_has_its_own_timeline(
    app: Flask, client: FlaskClient, world: World
) -> None:
    with app.app_context():
        other = _job("Search Rater", stages=((Stage.written_test, 60.0), (Stage.interview, 40.0)))
        ensure_application(_candidate(), other)
        _attempt(world, AttemptStatus.graded)
        db.session.commit()
        other_id = other.id
        timelines = timelines_of(_candidate())
        # Newest application first.
        assert [t.application.job_id for t in timelines] == [other_id, world.job_id]
        assert all(t.current is not None for t in timelines)
    html = client.get("/exam/").get_data(as_text=True)
    assert html.count('<ol class="hb-timeline"') == 2
    # The exam is the same for both jobs; the second job has no portfolio stage.
    assert _steps(client, other_id)["portfolio"] == "skipped"
    assert _steps(client, world.job_id)["portfolio"] == "current"


def test_the_timeline_reads_only_the_candidates_own_rows(
    app: Flask, client: FlaskClient, world: World, make_user: Callable[..., User]
) -> None:
    other = make_user(Role.candidate, email="other@example.com", name="Other")
    with app.app_context():
        _attempt(World(other.id, world.job_id), AttemptStatus.graded)
        _portfolio(World(other.id, world.job_id))
        for timeline in timelines_of(_candidate()):
            states = {s.key.value: s.state for s in timeline.steps}
            assert states["exam"] is StepState.current
            assert states["portfolio"] is StepState.upcoming


def test_no_application_says_so_and_keeps_every_link(
    app: Flask, client: FlaskClient, make_user: Callable[..., User], auth: AuthActions
) -> None:
    make_user(Role.candidate, email="new@example.com", name="New")
    auth.login("new@example.com")
    html = client.get("/exam/").get_data(as_text=True)
    assert "You have no applications yet." in html
    for link in ("offers", "portfolio", "about-you", "my-data"):
        assert f'data-link="{link}"' in html
    assert 'id="exams"' in html


def test_the_exam_list_stays_below_the_timelines(client: FlaskClient, world: World) -> None:
    html = client.get("/exam/").get_data(as_text=True)
    assert 'data-exam="mini" data-state="not_started"' in html
    assert html.index('class="hb-timeline"') < html.index('id="exams"')


def test_the_page_renders_in_chinese(client: FlaskClient, world: World) -> None:
    response = client.get("/exam/", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="zh' in html and dict(STEP.findall(html))["exam"] == "current"
