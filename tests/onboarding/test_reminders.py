"""Reminders: due on the day, overdue the day after and weekly, each mailed once to the task
owner's people in their language, whatever runs twice; a dry run writes nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta

import sqlalchemy as sa
from flask import Flask

from hirebench.extensions import db
from hirebench.models import OfferStatus, OutgoingMail, Role, User
from hirebench.onboarding import reminders, service
from tests.factories import row
from tests.onboarding.conftest import PROFILE, Hire, announce, onboarding_mail

CHECKLIST = (
    PROFILE
    + """\
onboarding:
  guide: {address: A, arrive_at: "09:00"}
  tasks:
    - {key: medical, title: {zh: 体检报告, en: Medical report}, owner: new_hire, due_day: -3,
       upload: required, blocks_day_one: true}
    - {key: laptop, title: Laptop, owner: it, due_day: -3}
    - {key: plan, title: First-week plan, owner: manager, due_day: -3}
    - {key: contract, title: Contract, owner: hr, due_day: 0}
"""
)
START = date(2030, 3, 11)
DUE = START - timedelta(days=3)


def reminder_mail() -> list[OutgoingMail]:
    return [m for m in onboarding_mail() if ":welcome" not in (m.dedupe_key or "")]


def test_slots_due_then_overdue_weekly(hire_of: Callable[..., Hire]) -> None:
    hire = hire_of(START, profile=CHECKLIST)
    task = hire.onboarding.tasks[0]
    slots = {day: reminders.slot_of(task, DUE + timedelta(days=day)) for day in range(-1, 70)}
    assert slots[-1] is None
    assert slots[0] == ("due", DUE)
    assert slots[1] == ("overdue", DUE + timedelta(days=1))
    assert slots[7] == ("overdue", DUE + timedelta(days=1))
    assert slots[8] == ("overdue", DUE + timedelta(days=8))
    assert slots[60] == ("overdue", DUE + timedelta(days=57))
    assert slots[61] is None
    distinct = {slot for slot in slots.values() if slot is not None}
    assert len(distinct) == 1 + 9  # the due day and nine overdue weeks


def test_due_reminders_go_to_each_owner_once_however_often_they_run(
    hire_of: Callable[..., Hire], make_user: Callable[..., User]
) -> None:
    manager = row(User, make_user(Role.business, name="Mo Manager").id)
    hire = hire_of(START, profile=CHECKLIST)
    first = reminders.send_reminders(DUE)
    assert sorted((r.task_key, r.to, status) for r, status in first) == sorted(
        [
            ("medical", hire.candidate.email, "queued"),
            ("laptop", hire.hr.email, "queued"),  # IT: the HR user who made the offer
            ("plan", manager.email, "queued"),
        ]
    )
    again = reminders.send_reminders(DUE)
    assert {status for _, status in again} == {"already sent"}
    mail = reminder_mail()
    assert len(mail) == 3
    medical = next(m for m in mail if m.to == hire.candidate.email)
    assert medical.dedupe_key == (
        f"onboarding-task:{hire.onboarding.tasks[0].id}:due:{DUE.isoformat()}:{hire.candidate.id}"
    )
    assert "体检报告" in medical.subject or "Medical report" in medical.subject
    assert DUE.isoformat() in medical.body and "/onboarding/" in medical.body


def test_overdue_reminders_once_then_weekly_and_never_for_done_tasks(
    hire_of: Callable[..., Hire],
) -> None:
    hire = hire_of(START, profile=CHECKLIST)
    laptop = hire.onboarding.tasks[1]
    service.mark_done(laptop, hire.hr)
    for day in range(1, 16):
        reminders.send_reminders(DUE + timedelta(days=day))
    keys = [m.dedupe_key for m in reminder_mail() if f":{laptop.id}:" not in (m.dedupe_key or "")]
    medical = [
        k for k in keys if k and k.startswith(f"onboarding-task:{hire.onboarding.tasks[0].id}:")
    ]
    assert [k.split(":")[2:4] for k in medical] == [
        ["overdue", (DUE + timedelta(days=1)).isoformat()],
        ["overdue", (DUE + timedelta(days=8)).isoformat()],
        ["overdue", (DUE + timedelta(days=15)).isoformat()],
    ]
    contract_due = [k for k in keys if k and ":due:" in k and START.isoformat() in k]
    assert len(contract_due) == 1  # the HR task due on day one
    assert not any(f"onboarding-task:{laptop.id}:" in (m.dedupe_key or "") for m in reminder_mail())


def test_a_missed_day_still_sends_that_weeks_reminder(hire_of: Callable[..., Hire]) -> None:
    hire_of(START, profile=CHECKLIST)
    # The worker was down on the first overdue day; the contract is not due yet.
    results = reminders.send_reminders(DUE + timedelta(days=2))
    assert {(r.kind, r.slot) for r, _ in results} == {("overdue", DUE + timedelta(days=1))}


def test_withdrawn_onboardings_are_not_reminded(hire_of: Callable[..., Hire]) -> None:
    hire = hire_of(START, profile=CHECKLIST)
    announce(hire.offer, OfferStatus.withdrawn, hire.hr)
    assert reminders.send_reminders(DUE) == []


def test_hr_gets_reminders_when_the_offer_maker_is_gone(
    hire_of: Callable[..., Hire], make_user: Callable[..., User]
) -> None:
    hire = hire_of(START, profile=CHECKLIST)
    others = [row(User, make_user(Role.hr).id) for _ in range(2)]
    hire.hr.active = False
    db.session.commit()
    results = reminders.send_reminders(DUE)
    laptop = sorted(r.to for r, _ in results if r.task_key == "laptop")
    assert laptop == sorted(u.email for u in others)
    # No business user: the manager's task goes to HR too.
    assert sorted(r.to for r, _ in results if r.task_key == "plan") == laptop


def test_mail_is_written_in_the_recipients_language(hire_of: Callable[..., Hire]) -> None:
    hire = hire_of(START, profile=CHECKLIST)
    hire.candidate.locale = "zh_Hans"
    db.session.commit()
    reminders.send_reminders(DUE)
    mail = next(m for m in reminder_mail() if m.to == hire.candidate.email)
    assert "体检报告" in mail.subject
    hire.candidate.locale = "en"
    db.session.commit()
    owed = reminders.due_reminders(DUE)
    assert "Medical report" in next(r.subject for r in owed if r.to == hire.candidate.email)


def test_dry_run_writes_nothing(hire_of: Callable[..., Hire]) -> None:
    hire_of(START, profile=CHECKLIST)
    before = db.session.scalar(sa.select(sa.func.count(OutgoingMail.id)))
    dry = reminders.send_reminders(DUE, dry_run=True)
    assert {status for _, status in dry} == {"would send"} and len(dry) == 3
    assert db.session.scalar(sa.select(sa.func.count(OutgoingMail.id))) == before
    reminders.send_reminders(DUE)
    assert {status for _, status in reminders.send_reminders(DUE, dry_run=True)} == {"already sent"}


def test_the_cli_runs_once_and_dry_runs(app: Flask, hire_of: Callable[..., Hire]) -> None:
    hire_of(START, profile=CHECKLIST)
    runner = app.test_cli_runner()
    dry = runner.invoke(
        args=["onboarding", "remind", "--dry-run", "--json", "--date", DUE.isoformat()]
    )
    assert dry.exit_code == 0, dry.output
    data = json.loads(dry.output)
    assert data["dry_run"] is True and data["date"] == DUE.isoformat()
    assert {r["status"] for r in data["reminders"]} == {"would send"}
    assert {r["task_key"] for r in data["reminders"]} == {"medical", "laptop", "plan"}
    with app.app_context():
        assert reminder_mail() == []
    sent = runner.invoke(args=["onboarding", "remind", "--date", DUE.isoformat()])
    assert sent.exit_code == 0, sent.output
    assert f"{DUE.isoformat()}: 3 queued" in sent.output
    twice = runner.invoke(args=["onboarding", "remind", "--date", DUE.isoformat()])
    assert f"{DUE.isoformat()}: 3 already sent" in twice.output
    with app.app_context():
        assert len(reminder_mail()) == 3


def test_check_command(app: Flask, tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "t.yaml"
    path.write_text('guide: {address: A, arrive_at: "09:00"}\ntasks: [{key: a}]\n', "utf-8")
    result = app.test_cli_runner().invoke(args=["onboarding", "check", str(path)])
    assert result.exit_code != 0 and "missing required key 'title'" in result.output


def test_the_worker_runs_both_periodic_tasks(app: Flask) -> None:
    from hirebench.outbox import dispatcher

    tasks = dispatcher.periodic_tasks()
    assert tasks["onboarding-reminders"][0] is reminders.send_reminders
    assert tasks["onboarding-start-day"][0] is service.start_due


def test_the_worker_without_base_url_or_server_name_still_mails(
    app: Flask, hire_of: Callable[..., Hire]
) -> None:
    hire_of(START, profile=CHECKLIST)
    app.config["SERVER_NAME"] = None
    # The worker: an app context and no request.
    results = reminders.send_reminders(DUE)
    assert [status for _, status in results] == ["queued"] * 3
    assert all("/onboarding/" in r.body for r, _ in results)
