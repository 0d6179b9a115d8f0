"""hirebench's tables read into the statistics core's inputs: scores, hires and performance;
the funnel's timestamps; item rows per exam version; groups joined with stage outcomes."""

from __future__ import annotations

import math
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
import yaml
from flask import Flask

from hirebench.analytics import gather
from hirebench.analytics.funnel import funnel
from hirebench.exams.loader import load_exam
from hirebench.extensions import db
from hirebench.jobs import service as job_service
from hirebench.models import (
    Answer,
    AnswerState,
    Attempt,
    AttemptStatus,
    Exam,
    Interview,
    InterviewKit,
    Invitation,
    OfferStatus,
    Onboarding,
    Panelist,
    Recommendation,
    Role,
    Scorecard,
    User,
)
from hirebench.models.demographics import GroupData
from tests.analytics.helpers import T0, candidate, hire, make_job, rate, store_scorecard
from tests.factories import application_of


def test_validity_input_reads_scores_hires_and_mean_normalised_performance(app: Flask) -> None:
    with app.app_context():
        job = make_job()
        a, b, c = (candidate(f"{x}@example.com") for x in "abc")
        for user, scores in (
            (a, {"written_test": 80.0, "portfolio": 70.0, "interview": 60.0}),
            (b, {"written_test": 50.0, "portfolio": None, "interview": 90.0}),
            (c, {"written_test": 30.0, "portfolio": 40.0, "interview": 20.0}),
        ):
            store_scorecard(job_service.ensure_application(user, job), scores)
        db.session.flush()
        hire(application_of(a.id, job.id), T0)
        declined = hire(application_of(b.id, job.id), T0)
        declined.status = OfferStatus.declined
        rate(a, job, date(2025, 6, 1), 4, (1, 5))  # 75
        rate(a, job, date(2025, 12, 1), 10, (0, 10))  # 100: another scale, same 0..100
        rate(b, job, date(2025, 6, 1), 5)  # not hired: a data error, never read as performance
        db.session.commit()

        data = gather.validity_input(job)
        assert data.stages == ["written_test", "portfolio", "interview"]
        assert data.weights == {"written_test": 40.0, "portfolio": 30.0, "interview": 30.0}
        frame = data.frame
        assert list(frame.index) == sorted([a.id, b.id, c.id])
        assert frame.loc[a.id, "hired"] == 1 and frame.loc[b.id, "hired"] == 0
        assert frame.loc[a.id, "performance"] == pytest.approx(87.5)
        assert math.isnan(frame.loc[b.id, "performance"])
        assert math.isnan(frame.loc[b.id, "portfolio"])
        assert frame.loc[c.id, "written_test"] == 30.0
        distributions = gather.stage_scores(frame, data.stages)
        assert sorted(distributions["portfolio"]) == [40.0, 70.0]


def test_funnel_rows_take_each_stage_from_its_table(app: Flask) -> None:
    with app.app_context():
        job = make_job()
        other = make_job(profile_id="other", title="Other job")
        hr = User(email="hr@example.com", role=Role.hr)
        interviewer = User(email="int@example.com", role=Role.interviewer)
        db.session.add_all([hr, interviewer])
        full, invited_only, elsewhere = (candidate(f"{x}@example.com") for x in "fie")
        for user in (full, invited_only):
            job_service.ensure_application(user, job)
        job_service.ensure_application(elsewhere, other)
        db.session.flush()
        for user, at in ((full, T0), (full, T0 + timedelta(days=5)), (invited_only, T0)):
            db.session.add(
                Invitation(
                    token_hash=f"{user.id}-{at.isoformat()}",
                    candidate_id=user.id,
                    job_id=job.id,
                    expires_at=at + timedelta(days=7),
                    created_at=at,
                )
            )
        kit = InterviewKit(job_id=job.id, stage="interview", title="Kit", questions=[])
        interview = Interview(kit=kit, candidate_id=full.id)
        interview.panel.append(Panelist(interviewer_id=interviewer.id))
        interview.scorecards.append(
            Scorecard(
                interviewer_id=interviewer.id,
                question_ratings={},
                competency_ratings={},
                recommendation=Recommendation.yes,
                submitted_at=T0 + timedelta(days=10),
            )
        )
        db.session.add(interview)
        db.session.flush()
        offer = hire(application_of(full.id, job.id), T0 + timedelta(days=20))
        db.session.flush()
        db.session.add(
            Onboarding(
                offer_id=offer.id,
                candidate_id=full.id,
                job_id=job.id,
                start_date=date(2025, 4, 21),
                status="started",
                started_at=T0 + timedelta(days=51),
            )
        )
        db.session.commit()

        rows = gather.funnel_rows(job)
        assert list(rows.index) == sorted([full.id, invited_only.id])  # applicants of the job
        assert rows.loc[full.id, "invited"] == pd.Timestamp(T0)  # the earliest of two
        assert rows.loc[full.id, "interviewed"] == pd.Timestamp(T0 + timedelta(days=10))
        assert rows.loc[full.id, "offer"] == pd.Timestamp(T0 + timedelta(days=17))
        assert rows.loc[full.id, "accepted"] == pd.Timestamp(T0 + timedelta(days=20))
        assert rows.loc[full.id, "started"] == pd.Timestamp(T0 + timedelta(days=51))
        assert pd.isna(rows.loc[full.id, "exam_started"])  # the profile names no exam
        assert rows.loc[invited_only.id].notna().sum() == 1

        report = funnel(rows)
        stages = {row["stage"]: row for row in report["stages"]}
        assert stages["invited"] == {
            "stage": "invited",
            "entered": 2,
            "passed": 1,
            "conversion": 0.5,
            "median_days": 10.0,
        }
        assert report["median_days_to_offer"] == 17.0


EXAM = {
    "id": "items-test",
    "title": "Items test",
    "time_limit_minutes": 30,
    "pass_cutoff": 50,
    "results_policy": "immediate",
    "shuffle_questions": False,
    "sections": [
        {
            "id": "quiz",
            "title": "Quiz",
            "questions": [
                {
                    "id": f"q{n}",
                    "type": "single_choice",
                    "points": 1,
                    "prompt": f"Question {n}",
                    "options": [
                        {"id": "a", "text": "A", "correct": True},
                        {"id": "b", "text": "B"},
                        {"id": "c", "text": "C"},
                    ],
                }
                for n in (1, 2)
            ]
            + [
                {
                    "id": "q3",
                    "type": "numeric",
                    "points": 2,
                    "prompt": "Two?",
                    "answer": 2,
                    "tolerance": 0,
                }
            ],
        },
        {
            "id": "pool",
            "title": "Pool",
            "draw": 1,
            "questions": [
                {"id": f"p{n}", "type": "numeric", "points": 1, "prompt": "One?", "answer": 1}
                for n in (1, 2)
            ],
        },
    ],
}


def load_items_exam(tmp_path: Path) -> Exam:
    folder = tmp_path / "exams" / "items-test"
    folder.mkdir(parents=True)
    (folder / "exam.yaml").write_text(yaml.safe_dump(EXAM), encoding="utf-8")
    (tmp_path / "graders").mkdir(exist_ok=True)
    load_exam(folder, tmp_path / "graders")
    return db.session.scalars(sa.select(Exam).where(Exam.slug == "items-test")).one()


def attempt(
    exam: Exam, user: User, answers: dict[str, tuple[object, float | None]], **kw: object
) -> Attempt:
    version = exam.versions[-1]
    made = Attempt(
        candidate_id=user.id,
        exam_id=exam.id,
        exam_version_id=version.id,
        status=kw.get("status", AttemptStatus.graded),
        seed="s",
        question_ids=["q1", "q2", "q3", "p1"],
        started_at=kw.get("started_at", T0),
        deadline_at=T0 + timedelta(hours=1),
        submitted_at=T0 + timedelta(minutes=30),
    )
    for question, (value, points) in answers.items():
        state = kw.get("state", AnswerState.scored)
        made.answers.append(
            Answer(question_id=question, value=value, points=points, max_points=1, state=state)
        )
    db.session.add(made)
    return made


def test_item_input_uses_latest_scored_attempts_and_leaves_pools_out(
    app: Flask, tmp_path: Path
) -> None:
    with app.app_context():
        exam = load_items_exam(tmp_path)
        users = [candidate(f"i{n}@example.com") for n in range(4)]
        attempt(
            exam, users[0], {"q1": ("a", 1.0), "q2": ("b", 0.0), "q3": (2, 2.0), "p1": (1, 1.0)}
        )
        # An older attempt of the same candidate is not read; the newer one is.
        attempt(exam, users[1], {"q1": ("c", 0.0)}, started_at=T0 - timedelta(days=9))
        attempt(exam, users[1], {"q1": ("a", 1.0), "q2": ("a", 1.0), "q3": (3, 0.0)})
        # q2 left unanswered: no row at all, a blank score that the core counts as 0.
        attempt(exam, users[2], {"q1": ("b", 0.0), "q3": (2, 2.0)})
        # Still being reviewed: its blanks are not zeros yet, so the attempt waits.
        attempt(exam, users[3], {"q1": ("a", None)}, state=AnswerState.awaiting_review)
        db.session.commit()

        data = gather.item_input(exam.versions[-1])
        assert data.label == "items-test v1"
        assert data.pooled == ["p1", "p2"]
        assert data.key == {"q1": {"a"}, "q2": {"a"}}
        frame = data.frame
        assert set(frame["candidate"]) == {str(u.id) for u in users[:3]}
        assert set(frame["question"]) == {"q1", "q2", "q3"}
        mine = frame[frame["candidate"] == str(users[1].id)].set_index("question")
        assert mine.loc["q1", "option"] == "a" and mine.loc["q1", "score"] == 1.0
        assert mine.loc["q3", "max_score"] == 2.0 and pd.isna(mine.loc["q3", "option"])
        blank = frame[(frame["candidate"] == str(users[2].id)) & (frame["question"] == "q2")]
        assert math.isnan(blank["score"].iloc[0])
        assert gather.exam_versions("items-test") == exam.versions


def test_adverse_input_joins_groups_with_stage_outcomes(app: Flask) -> None:
    with app.app_context():
        job = make_job()
        users = [candidate(f"g{n}@example.com") for n in range(3)]
        for user in users:
            job_service.ensure_application(user, job)
        db.session.add(GroupData(candidate_id=users[0].id, answers={"gender": "woman"}))
        db.session.add(GroupData(candidate_id=users[1].id, answers={"age_band": "25-34"}))
        db.session.commit()
        rows = pd.DataFrame(
            {
                "invited": [T0, T0, T0],
                "interviewed": [T0 + timedelta(days=3), None, T0 + timedelta(days=4)],
                "offer": [None, None, T0 + timedelta(days=9)],
            },
            index=[u.id for u in users],
        )
        frame = gather.adverse_input(job, "gender", rows)
        assert frame.fillna({"group": "—"}).to_dict("records") == [
            {"candidate": str(users[0].id), "group": "woman", "stage": "invited", "passed": 1},
            {"candidate": str(users[0].id), "group": "woman", "stage": "interviewed", "passed": 0},
            {"candidate": str(users[1].id), "group": "—", "stage": "invited", "passed": 0},
            {"candidate": str(users[2].id), "group": "—", "stage": "invited", "passed": 1},
            {"candidate": str(users[2].id), "group": "—", "stage": "interviewed", "passed": 1},
        ]
        # "offer" is not a selection stage here: what follows it is the candidate's choice.
        assert "offer" not in gather.SELECTION_STAGES
        assert gather.group_answers([users[0].id, users[2].id]) == {
            users[0].id: {"gender": "woman"}
        }
