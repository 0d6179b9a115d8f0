"""The pipeline service (hirebench.jobs.pipeline): moving applications between stages, rejecting
and reopening them, alone and in bulk (all or nothing), each audited and announced; the board's
columns and the stage counts; the scorecard copies the ranked table sorts on; and migration
0019's placing of applications that existed before the pipeline did."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from hirebench import create_app, events
from hirebench.extensions import db
from hirebench.jobs import pipeline
from hirebench.models import (
    Application,
    AuditEvent,
    CandidateScorecard,
    Job,
    Role,
    User,
)
from hirebench.privacy import erasure, retention
from hirebench.services import accounts
from tests.factories import row


@dataclass
class World:
    hr: User
    job: Job
    other_job: Job
    apps: dict[str, Application]  # candidate name -> their application to `job`
    stranger: Application  # an application to `other_job`


def _candidate(name: str) -> User:
    user = User(email=f"{name.lower()}@example.com", name=name, role=Role.candidate)
    db.session.add(user)
    db.session.flush()
    return user


def _scorecard(application: Application, composite: float | None, stages: dict[str, Any]) -> None:
    """A stored scorecard with just the summary the board and the ranked table read."""
    person = application.candidate
    summary = {
        "name": person.name,
        "email": person.email,
        "stages": stages,
        "competencies": {},
        "flags": ["integrity", "disagreement"] if person.name == "Eve" else [],
    }
    db.session.add(
        CandidateScorecard(
            application=application,
            job_id=application.job_id,
            composite=composite,
            recommendation="hold",
            summary=summary,
            data={},
        )
    )


@pytest.fixture
def world(app: Flask) -> Iterator[World]:
    with app.app_context():
        hr, _ = accounts.create_user("hr@example.com", Role.hr, name="王芳", password="x" * 12)
        job = Job(title="AI Trainer")
        other_job = Job(title="Data Annotator")
        db.session.add_all([job, other_job])
        db.session.flush()
        apps = {}
        for name in ("Ada", "Bob", "Carol", "Eve", "张伟"):
            apps[name] = Application(candidate=_candidate(name), job=job)
            db.session.add(apps[name])
        stranger = Application(candidate=_candidate("Zed"), job=other_job)
        db.session.add(stranger)
        db.session.flush()
        _scorecard(apps["Ada"], 80.0, {"exam": 80.0, "interview": None})  # partial
        _scorecard(apps["Bob"], 60.0, {"exam": 60.0, "interview": 60.0})  # complete
        _scorecard(apps["Eve"], 90.0, {"exam": 90.0, "interview": 90.0})
        _scorecard(apps["张伟"], None, {"exam": None, "interview": None})
        db.session.commit()
        yield World(hr, job, other_job, apps, stranger)


@pytest.fixture
def announced() -> Iterator[list[dict[str, Any]]]:
    heard: list[dict[str, Any]] = []

    def receiver(sender: Application, **kwargs: Any) -> None:
        heard.append({"sender": sender.id, **kwargs})

    events.application_moved.connect(receiver)
    yield heard
    events.application_moved.disconnect(receiver)


def audit_rows(action: str) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )


def test_a_new_application_starts_at_applied(world: World) -> None:
    assert all(a.stage == "applied" and a.rejected_at is None for a in world.apps.values())


def test_move_records_audits_and_announces(world: World, announced: list[dict[str, Any]]) -> None:
    ada = world.apps["Ada"]
    pipeline.move(ada, "exam", "  Strong resume  ", actor=world.hr, ip="10.0.0.1")
    db.session.commit()
    assert ada.stage == "exam" and ada.stage_changed_at is not None
    [event] = audit_rows("application.move")
    assert (event.actor_id, event.target_type, event.target_id, event.ip) == (
        world.hr.id,
        "Application",
        str(ada.id),
        "10.0.0.1",
    )
    assert event.detail == {
        "candidate_id": ada.candidate_id,
        "job_id": world.job.id,
        "from": "applied",
        "to": "exam",
        "reason": "Strong resume",
    }
    assert announced == [
        {
            "sender": ada.id,
            "application_id": ada.id,
            "candidate_id": ada.candidate_id,
            "job_id": world.job.id,
            "stage": "exam",
            "previous": "applied",
            "rejected": False,
            "actor_id": world.hr.id,
        }
    ]
    # A move back corrects a mistake; the reason is optional and recorded empty.
    pipeline.move(ada, "applied", actor=world.hr)
    assert ada.stage == "applied"
    assert audit_rows("application.move")[-1].detail["reason"] == ""


@pytest.mark.parametrize(
    ("to_stage", "message"),
    [
        ("", "Choose the stage to move to."),
        ("limbo", "“limbo” is not a stage of the pipeline."),
        ("applied", "Ada is already at the Applied stage."),
        ("rejected", "“rejected” is not a stage of the pipeline."),
    ],
)
def test_invalid_moves_are_refused_with_a_reason(world: World, to_stage: str, message: str) -> None:
    with pytest.raises(pipeline.PipelineError) as refused:
        pipeline.move(world.apps["Ada"], to_stage, actor=world.hr)
    assert str(refused.value) == message
    assert audit_rows("application.move") == []


def test_reject_needs_a_reason_and_keeps_the_stage(
    world: World, announced: list[dict[str, Any]]
) -> None:
    bob = world.apps["Bob"]
    pipeline.move(bob, "interview", actor=world.hr)
    with pytest.raises(pipeline.PipelineError, match="Give a reason for the rejection"):
        pipeline.reject(bob, "   ", actor=world.hr)
    assert bob.rejected_at is None

    pipeline.reject(bob, "Salary far above the budget", actor=world.hr)
    db.session.commit()
    assert bob.stage == "interview" and bob.rejected_at is not None
    assert bob.rejection_reason == "Salary far above the budget"
    [event] = audit_rows("application.reject")
    assert event.detail["stage"] == "interview"
    assert event.detail["reason"] == "Salary far above the budget"
    assert announced[-1]["rejected"] is True and announced[-1]["previous"] == "interview"

    # A rejected application can be neither moved nor rejected again...
    for attempt in (
        lambda: pipeline.move(bob, "offer", actor=world.hr),
        lambda: pipeline.reject(bob, "again", actor=world.hr),
    ):
        with pytest.raises(pipeline.PipelineError, match="Bob was already rejected; reopen"):
            attempt()
    # ...until it is reopened, at the stage it had reached.
    pipeline.reopen(bob, "The budget was raised", actor=world.hr)
    assert bob.rejected_at is None and bob.rejection_reason == "" and bob.stage == "interview"
    [reopened] = audit_rows("application.reopen")
    assert reopened.detail["rejection_reason"] == "Salary far above the budget"
    assert reopened.detail["reason"] == "The budget was raised"
    assert announced[-1]["rejected"] is False
    with pytest.raises(pipeline.PipelineError, match="Bob is not rejected"):
        pipeline.reopen(bob, actor=world.hr)


def test_a_reason_longer_than_the_limit_is_refused(world: World) -> None:
    too_long = "x" * (pipeline.REASON_MAX_CHARS + 1)
    with pytest.raises(pipeline.PipelineError, match="longer than 1000 characters"):
        pipeline.reject(world.apps["Ada"], too_long, actor=world.hr)
    pipeline.reject(world.apps["Ada"], too_long[:-1], actor=world.hr)
    assert len(world.apps["Ada"].rejection_reason) == pipeline.REASON_MAX_CHARS


def test_bulk_moves_are_all_or_nothing(world: World, announced: list[dict[str, Any]]) -> None:
    ada, bob, carol = (world.apps[n] for n in ("Ada", "Bob", "Carol"))
    pipeline.move(carol, "exam", actor=world.hr)
    db.session.commit()
    announced.clear()

    # Carol is at the exam already: nobody moves, and the message names her.
    with pytest.raises(pipeline.PipelineError) as refused:
        pipeline.move_many([ada, bob, carol], "exam", actor=world.hr)
    assert str(refused.value) == "Carol is already at the Exam stage."
    db.session.rollback()
    assert [ada.stage, bob.stage] == ["applied", "applied"]
    assert len(audit_rows("application.move")) == 1 and announced == []

    # A rejected one refuses the lot too, for a move and a rejection alike.
    pipeline.reject(bob, "No show", actor=world.hr)
    db.session.commit()
    with pytest.raises(pipeline.PipelineError, match="Bob was already rejected"):
        pipeline.move_many([ada, bob], "portfolio", actor=world.hr)
    with pytest.raises(pipeline.PipelineError, match="Bob was already rejected"):
        pipeline.reject_many([ada, bob], "Not this time", actor=world.hr)
    db.session.rollback()
    assert ada.stage == "applied" and ada.rejected_at is None

    # Two at once: both move, each with its own audit row saying it was a bulk move.
    announced.clear()
    pipeline.move_many([ada, carol], "portfolio", "Exam passed", actor=world.hr)
    db.session.commit()
    assert [ada.stage, carol.stage] == ["portfolio", "portfolio"]
    rows = audit_rows("application.move")[-2:]
    assert {r.target_id for r in rows} == {str(ada.id), str(carol.id)}
    assert all(r.detail["bulk"] == 2 and r.detail["reason"] == "Exam passed" for r in rows)
    assert [e["application_id"] for e in announced] == [ada.id, carol.id]

    with pytest.raises(pipeline.PipelineError, match="Select at least one candidate"):
        pipeline.move_many([], "offer", actor=world.hr)
    with pytest.raises(pipeline.PipelineError, match="Select at least one candidate"):
        pipeline.reject_many([], "Not this time", actor=world.hr)


def test_applications_of_job_refuse_anything_not_of_the_job(world: World) -> None:
    ada, bob = world.apps["Ada"], world.apps["Bob"]
    found = pipeline.applications_of_job(world.job, [str(bob.id), ada.id, str(bob.id)])
    assert found == [bob, ada]  # in the order asked, each once
    assert pipeline.applications_of_job(world.job, []) == []
    with pytest.raises(pipeline.PipelineError, match="not in this job's pipeline"):
        pipeline.applications_of_job(world.job, [ada.id, world.stranger.id])
    with pytest.raises(pipeline.PipelineError, match="not in this job's pipeline"):
        pipeline.applications_of_job(world.job, [999_999])
    with pytest.raises(pipeline.PipelineError, match="The selection is not valid"):
        pipeline.applications_of_job(world.job, [ada.id, "1 OR 1=1"])
    too_many = range(1, pipeline.BULK_MAX + 2)
    with pytest.raises(pipeline.PipelineError, match="at most 500"):
        pipeline.applications_of_job(world.job, too_many)


def test_stage_counts_leave_the_rejected_apart(world: World) -> None:
    pipeline.move_many([world.apps["Ada"], world.apps["Bob"]], "exam", actor=world.hr)
    pipeline.reject(world.apps["Bob"], "Withdrew", actor=world.hr)
    pipeline.move(world.stranger, "offer", actor=world.hr)
    db.session.commit()
    counts = pipeline.stage_counts([world.job.id, world.other_job.id])
    mine = counts[world.job.id]
    assert mine.by_stage == {
        "applied": 3,
        "exam": 1,
        "portfolio": 0,
        "interview": 0,
        "offer": 0,
        "hired": 0,
    }
    assert (mine.rejected, mine.active) == (1, 4)
    assert counts[world.other_job.id].by_stage["offer"] == 1
    assert pipeline.stage_counts([]) == {}


def test_board_columns_rank_like_the_table(world: World) -> None:
    pipeline.reject(world.apps["Carol"], "Declined the exam", actor=world.hr)
    db.session.commit()
    columns = pipeline.board(world.job)
    assert [c.key for c in columns] == list(pipeline.STAGES)
    applied = columns[0]
    # Complete composites first (Eve 90, Bob 60), then partial (Ada), then none (张伟).
    assert [card.name for card in applied.cards] == ["Eve", "Bob", "Ada", "张伟"]
    assert applied.total == 4 and applied.label == "Applied"
    eve, bob, ada, zhang = applied.cards
    assert (eve.composite, eve.flags, eve.partial) == (90.0, 2, False)
    assert (ada.partial, bob.flags, zhang.composite) == (True, 0, None)
    rejected = pipeline.column(world.job, "rejected")
    assert [card.name for card in rejected.cards] == ["Carol"]
    assert rejected.cards[0].rejection_reason == "Declined the exam"
    assert rejected.cards[0].recommendation is None  # no scorecard yet
    assert rejected.label == "Rejected"

    page = pipeline.column(world.job, "applied", offset=1, limit=2)
    assert [card.name for card in page.cards] == ["Bob", "Ada"] and page.total == 4
    with pytest.raises(pipeline.PipelineError):
        pipeline.column(world.job, "nowhere")


def test_scorecard_sort_copies_follow_every_write(world: World) -> None:
    card = row(CandidateScorecard, world.apps["Ada"].scorecard.id)  # type: ignore[union-attr]
    assert (card.rank_tier, card.sort_name, card.email_key, card.flag_codes) == (
        1,
        "ada",
        "ada@example.com",
        "",
    )
    card.summary = {**card.summary, "stages": {"exam": 80.0, "interview": 70.0}}
    card.summary["flags"] = ["over_budget"]
    db.session.commit()
    assert (card.rank_tier, card.flag_codes) == (0, " over_budget ")
    card.composite = None
    db.session.commit()
    assert card.rank_tier == 2


# ------------------------------------------------------------------- migration 0019's data


def _insert(connection: sa.Connection, table: str, **values: Any) -> int:
    """A row with `values`, every other required column given a placeholder of its type:
    the rows are made at revision 0018, before the models' columns of today existed."""
    reflected = sa.Table(table, sa.MetaData(), autoload_with=connection)
    filler: dict[type, Any] = {
        sa.Integer: 1,
        sa.Float: 1.0,
        sa.Boolean: False,
        sa.DateTime: datetime(2026, 1, 5, 9, 0),
        sa.Date: datetime(2026, 1, 5).date(),
        sa.JSON: {},
    }
    row_values = dict(values)
    for column in reflected.columns:
        if column.name in row_values or column.nullable or column.primary_key:
            continue
        if column.server_default is not None:
            continue
        row_values[column.name] = next(
            (v for t, v in filler.items() if isinstance(column.type, t)), "x"
        )
    result = connection.execute(reflected.insert().values(**row_values))
    return int(result.inserted_primary_key[0])


def test_migration_places_existing_applications(app_config: dict[str, Any], tmp_path: Path) -> None:
    app = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/m.db"})
    with app.app_context():
        upgrade(revision="0018")
        with db.engine.begin() as connection:
            job = _insert(connection, "jobs", title="AI Trainer")
            other = _insert(connection, "jobs", title="Other")
            people = {
                name: _insert(connection, "users", email=f"{name}@example.com", role="candidate")
                for name in (
                    "hired",
                    "declined",
                    "offered",
                    "interviewed",
                    "portfolio",
                    "exam",
                    "new",
                )
            }
            apps = {
                name: _insert(connection, "applications", candidate_id=uid, job_id=job)
                for name, uid in people.items()
            }
            _insert(
                connection,
                "offers",
                candidate_id=people["hired"],
                job_id=job,
                application_id=apps["hired"],
                status="accepted",
            )
            for status in ("sent", "declined"):  # the latest one counts
                _insert(
                    connection,
                    "offers",
                    candidate_id=people["declined"],
                    job_id=job,
                    application_id=apps["declined"],
                    status=status,
                )
            _insert(
                connection,
                "offers",
                candidate_id=people["offered"],
                job_id=job,
                application_id=apps["offered"],
                status="awaiting_approval",
            )
            kit = _insert(connection, "interview_kits", job_id=job, stage="interview")
            other_kit = _insert(connection, "interview_kits", job_id=other, stage="interview")
            _insert(connection, "interviews", kit_id=kit, candidate_id=people["interviewed"])
            _insert(connection, "interviews", kit_id=other_kit, candidate_id=people["portfolio"])
            _insert(connection, "review_items", kind="portfolio", candidate_id=people["portfolio"])
            exam = _insert(connection, "exams", slug="e")
            version = _insert(connection, "exam_versions", exam_id=exam)
            _insert(
                connection,
                "attempts",
                exam_id=exam,
                exam_version_id=version,
                candidate_id=people["exam"],
            )
        upgrade(revision="0019")
        with db.engine.connect() as connection:
            placed = {
                r.id: (r.stage, r.rejection_reason, r.rejected_at is not None)
                for r in connection.execute(
                    sa.text("SELECT id, stage, rejection_reason, rejected_at FROM applications")
                )
            }
        db.engine.dispose()
    assert {name: placed[app_id] for name, app_id in apps.items()} == {
        "hired": ("hired", "", False),
        "declined": ("offer", "Offer declined", True),
        "offered": ("offer", "", False),
        "interviewed": ("interview", "", False),
        "portfolio": ("portfolio", "", False),  # the other job's interview does not count
        "exam": ("exam", "", False),
        "new": ("applied", "", False),
    }


def test_a_rejection_decides_the_application_for_retention(world: World) -> None:
    """docs/privacy.md: HR's rejection starts the retention clock; reopening stops it."""
    bob = world.apps["Bob"]
    assert retention.decided_at(bob) is None  # his scorecard holds: still open
    pipeline.reject(bob, "Role filled", actor=world.hr)
    db.session.commit()
    assert retention.decided_at(bob) == bob.rejected_at
    pipeline.reopen(bob, actor=world.hr)
    db.session.commit()
    assert retention.decided_at(bob) is None
    assert "rejection_reason" in erasure.CLEAR["applications"]
