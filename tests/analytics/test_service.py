"""The analytics service: a job's page results, ratings, group data, the what-if and applying
a weight proposal as a new profile version with its evidence in the audit log."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from hirebench.analytics import gather, service
from hirebench.analytics.service import AnalyticsError
from hirebench.analytics.validity import validity
from hirebench.extensions import db
from hirebench.jobs import service as job_service
from hirebench.models import (
    AuditEvent,
    CandidateScorecard,
    Job,
    JobProfile,
    PerformanceRating,
    Role,
    User,
)
from hirebench.models.demographics import GroupData
from hirebench.services import demo, demo_analytics
from tests.analytics.helpers import Cohort, candidate, cohort, make_job
from tests.factories import row


@pytest.fixture
def hr(app: Flask, make_user: Callable[..., User]) -> int:
    return make_user(Role.hr, email="hr@example.com").id


def test_job_page_on_a_rated_cohort(app: Flask) -> None:
    with app.app_context():
        made = cohort(make_job())
        page = service.job_page(made.job)
        assert page["n_rated"] == 40
        assert page["funnel"]["n"] == 60
        offers = next(s for s in page["funnel"]["stages"] if s["stage"] == "offer")
        assert offers["entered"] == 40 and offers["passed"] == 40
        report = page["validity"]
        data = gather.validity_input(made.job)
        assert report == validity(data.frame, data.stages, data.weights)  # the core, as is
        assert report["stages"]["written_test"]["r"] > 0.3
        proposed = report["weights"]["proposed"]
        assert proposed is not None and sum(proposed.values()) == pytest.approx(100)
        assert proposed["interview"] < proposed["written_test"]
        assert page["can_apply"] is True
        assert {k: len(v) for k, v in page["scores"].items()} == {
            "written_test": 60,
            "portfolio": 60,
            "interview": 60,
        }
        assert page["items_by_version"] == []  # the profile names no exam
        assert set(page["adverse"]) == {"gender", "age_band"}


def test_below_30_rated_hires_nothing_can_be_applied(app: Flask, hr: int) -> None:
    with app.app_context():
        made = cohort(make_job(), n=40, n_hired=20)
        page = service.job_page(made.job)
        assert page["n_rated"] == 20
        assert page["validity"]["weights"]["proposed"] is None
        assert "30" in page["validity"]["weights"]["refused"]
        assert page["can_apply"] is False
        with pytest.raises(AnalyticsError, match="no weights are proposed: Only 20 rated hires"):
            service.apply_proposal(made.job, {}, by=row(User, hr))


def test_what_if_recomputes_with_the_scorecards_own_compute(app: Flask) -> None:
    with app.app_context():
        made = cohort(make_job(), n=30, n_hired=10)
        same = service.what_if(made.job, {"written_test": 40, "portfolio": 30, "interview": 30})
        assert same == {"changed": [], "unchanged": 30}  # today's weights change nothing
        only_interview = service.what_if(made.job, {"interview": 100})
        assert only_interview["changed"]
        assert len(only_interview["changed"]) + only_interview["unchanged"] == 30
        for change in only_interview["changed"]:
            scores = made.scores[change["candidate_id"]]
            assert change["composite_after"] == pytest.approx(scores["interview"], abs=0.05)
            assert change["before"] != change["after"]
            assert change["hired"] == any(u.id == change["candidate_id"] for u in made.hired)
        # Read-only: the stored scorecards are as they were.
        cards = db.session.scalars(sa.select(CandidateScorecard)).all()
        assert {c.recommendation for c in cards} == {
            c["before"] for c in only_interview["changed"]
        } | {c.recommendation for c in cards}
        assert all(c.data["stages"]["interview"]["weight"] == 30 for c in cards)


def _proposal(made: Cohort) -> dict[str, float]:
    report = service.validity_report(made.job)
    assert report is not None and report["weights"]["proposed"] is not None
    return dict(report["weights"]["proposed"])


def test_apply_proposal_saves_a_new_version_with_only_the_weights_changed(
    app: Flask, hr: int
) -> None:
    with app.app_context():
        made = cohort(make_job())
        job = made.job
        before = job_service.definition_of(job)
        assert before is not None and job.profile is not None
        old_version = job.profile.version
        proposal = _proposal(made)
        expected_changes = len(service.what_if(job, proposal)["changed"])

        saved = service.apply_proposal(job, proposal, by=row(User, hr), ip="10.0.0.9")

        job = row(Job, job.id)
        assert saved.version == old_version + 1 and job.profile_id == saved.id
        after = job_service.definition_of(job)
        assert after is not None
        assert dict((s.value, w) for s, w in after.stages) == {
            stage: weight for stage, weight in proposal.items() if weight > 0
        }
        unchanged = {k: v for k, v in after.to_json().items() if k != "stages"}
        assert unchanged == {k: v for k, v in before.to_json().items() if k != "stages"}
        event = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "analytics.weights_applied")
        ).one()
        assert event.actor_id == hr and event.ip == "10.0.0.9"
        assert event.target_type == "Job" and event.target_id == str(job.id)
        detail = event.detail
        assert detail["from_version"] == old_version and detail["to_version"] == saved.version
        assert detail["weights_before"] == {"written_test": 40, "portfolio": 30, "interview": 30}
        assert detail["weights_after"] == proposal
        assert detail["evidence"]["n_rated"] == 40
        assert detail["evidence"]["cv_r_proposed"] is not None
        assert set(detail["evidence"]["stages"]["portfolio"]) == {
            "n",
            "r",
            "ci95",
            "p",
            "r_corrected",
        }
        assert detail["decisions_changed"] == expected_changes
        # The jobs service's save path ran: its own audit row, and the scorecards follow.
        assert (
            db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.action == "job.profile"))
            == 2
        )
        profiles = {c.profile_id for c in db.session.scalars(sa.select(CandidateScorecard))}
        assert profiles == {saved.id}


def test_apply_refuses_a_proposal_that_changed_since_it_was_shown(app: Flask, hr: int) -> None:
    with app.app_context():
        made = cohort(make_job())
        proposal = _proposal(made)
        stale = {**proposal, "written_test": proposal["written_test"] - 1}
        with pytest.raises(AnalyticsError, match="has changed since it was shown"):
            service.apply_proposal(made.job, stale, by=row(User, hr))
        assert db.session.scalar(sa.select(sa.func.count()).select_from(JobProfile)) == 1
        assert not db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "analytics.weights_applied")
        ).all()


def test_proposed_definition_drops_zero_weights_and_guards_minimums(app: Flask) -> None:
    with app.app_context():
        job = make_job(minimums={"written_test": 40})
        profile = job_service.definition_of(job)
        assert profile is not None
        changed = service.proposed_definition(profile, {"written_test": 60.5, "portfolio": 39.5})
        assert [(s.value, w) for s, w in changed.stages] == [
            ("written_test", 60.5),
            ("portfolio", 39.5),
        ]
        with pytest.raises(AnalyticsError, match="remove the minimum"):
            service.proposed_definition(profile, {"portfolio": 50, "interview": 50})


def test_record_rating_checks_and_audits(app: Flask, hr: int) -> None:
    with app.app_context():
        made = cohort(make_job(), n=6, n_hired=2)
        job, hired = made.job, made.hired[0]
        not_hired = next(u for u in made.users if u not in made.hired)
        by = row(User, hr)
        rating = service.record_rating(
            job,
            hired,
            rated_on=date(2026, 6, 1),
            rating=3.5,
            scale=(1, 5),
            kind="probation",
            comment="steady",
            by=by,
            ip="1.2.3.4",
        )
        db.session.commit()
        assert rating.percent == pytest.approx(62.5)
        for kwargs, message in (
            ({"rating": 6.0}, "6 is outside the scale 1-5"),
            ({"rated_on": date(2026, 3, 1)}, "already has a rating on 2026-03-01"),
            ({"scale": (5, 1)}, "has no range"),
            ({"scale": (0, 1000)}, "spans more than 100"),
            ({"kind": "annual"}, "not one of probation, periodic"),
            ({"rated_on": date.today() + timedelta(days=1)}, "in the future"),
        ):
            args = {"rated_on": date(2026, 7, 1), "rating": 4.0, "scale": (1, 5), **kwargs}
            with pytest.raises(AnalyticsError, match=message):
                service.record_rating(job, hired, by=by, **args)  # type: ignore[arg-type]
        with pytest.raises(AnalyticsError, match="only hires are rated"):
            service.record_rating(job, not_hired, rated_on=date(2026, 7, 1), rating=3, scale=(1, 5))
        service.update_rating(rating, rating=4.5, kind="periodic", comment="better", by=by)
        with pytest.raises(AnalyticsError, match="outside the scale"):
            service.update_rating(rating, rating=0, kind="periodic", comment="", by=by)
        db.session.commit()
        events = db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.action.startswith("performance."))
            .order_by(AuditEvent.id)
        ).all()
        assert [e.action for e in events] == ["performance.rated", "performance.rating_changed"]
        assert events[0].ip == "1.2.3.4" and events[0].detail["rating"] == 3.5
        assert events[1].detail["before"]["rating"] == 3.5 and events[1].detail["rating"] == 4.5
        service.delete_rating(rating, by=by)
        db.session.commit()
        assert db.session.get(PerformanceRating, rating.id) is None
        last = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert last is not None and last.action == "performance.rating_deleted"


def test_group_data_is_voluntary_and_prefer_not_to_say_is_not_stored(app: Flask) -> None:
    with app.app_context():
        user = candidate("v@example.com")
        assert service.group_data_of(user) is None
        service.save_group_data(user, {"gender": "woman", "age_band": "prefer_not"})
        db.session.commit()
        assert service.group_data_of(user) == {"gender": "woman"}
        service.save_group_data(user, {"gender": "prefer_not", "age_band": ""})
        db.session.commit()
        assert service.group_data_of(user) is None
        assert db.session.scalars(sa.select(GroupData)).all() == []


def test_adverse_reports_suppress_small_groups(app: Flask) -> None:
    with app.app_context():
        made = cohort(make_job(), n=40, n_hired=20)
        for i, user in enumerate(made.users):
            # 36 split evenly; 3 in a small group; the last gives nothing.
            gender = "small" if i >= 36 else ("woman" if i % 2 else "man")
            if i < 39:
                service.save_group_data(user, {"gender": gender})
        db.session.commit()
        reports = service.adverse_reports(made.job)
        assert set(reports) == {"gender", "age_band"}
        invited = reports["gender"]["stages"]["invited"]  # passed: offered the job
        assert set(invited["groups"]) == {"man", "woman"}
        assert invited["groups"]["man"]["n"] == invited["groups"]["woman"]["n"] == 18
        passed = sum(g["passed"] for g in invited["groups"].values())
        hired = {u.id for u in made.hired}
        assert passed == sum(1 for u in made.users[:36] if u.id in hired)
        assert invited["suppressed"] == 1  # "small": 3 people, never named
        assert reports["age_band"]["stages"]["invited"]["groups"] == {}  # nobody answered


def test_item_reports_and_overview(app: Flask) -> None:
    with app.app_context():
        made = cohort(make_job(), n=10, n_hired=4)
        lines = service.overview()
        assert len(lines) == 1
        line = lines[0]
        assert line["job"].id == made.job.id
        assert (line["applicants"], line["offers"], line["hires"]) == (10, 4, 4)
        assert line["n_rated"] == 4
        assert line["proposal"] is False
        assert service.item_reports("no-such-exam") == []


def test_demo_past_cohort_fills_the_analytics(app: Flask) -> None:
    with app.app_context():
        demo.seed_demo("demo password 1")
        job = db.session.scalars(sa.select(Job).where(Job.title == demo_analytics.PAST_TITLE)).one()
        page = service.job_page(job)
        assert page["funnel"]["n"] == demo_analytics.COHORT
        assert page["n_rated"] == demo_analytics.HIRES
        report = page["validity"]
        assert report["weights"]["refused"] is None and page["can_apply"]
        stages = report["stages"]
        assert stages["written_test"]["r"] > stages["interview"]["r"]
        assert report["weights"]["proposed"]["interview"] < 30
        assert page["items_by_version"] and page["items_by_version"][0][1]["n"] == 60
        groups = page["adverse"]["gender"]["stages"]["invited"]["groups"]
        assert set(groups) == {"woman", "man"}
        # A second run adds nothing.
        demo_analytics.seed_past_cohort()
        ratings = db.session.scalar(sa.select(sa.func.count()).select_from(PerformanceRating))
        assert ratings == 2 * demo_analytics.HIRES
