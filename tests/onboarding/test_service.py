"""Onboarding starts on acceptance, follows a withdrawal, completes once, and starts once."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from hirebench import events
from hirebench.extensions import db
from hirebench.models import AuditEvent, OfferStatus, Onboarding, Role, User
from hirebench.onboarding import personal, service
from tests.factories import row
from tests.onboarding.conftest import PROFILE, Hire, announce, onboarding_mail

INLINE = (
    PROFILE
    + """\
onboarding:
  guide: {address: 上海市徐汇区 1 号, arrive_at: "09:30"}
  tasks:
    - {key: bank, title: 工资卡, owner: new_hire, due_day: -5, collects: personal}
    - {key: contract, title: {zh: 签合同, en: Sign}, owner: hr, due_day: 0, blocks_day_one: true}
"""
)


@pytest.fixture
def received() -> Iterator[list[tuple[str, dict[str, Any]]]]:
    seen: list[tuple[str, dict[str, Any]]] = []

    def on_completed(sender: Any, **kwargs: Any) -> None:
        seen.append(("completed", kwargs))

    def on_started(sender: Any, **kwargs: Any) -> None:
        seen.append(("started", kwargs))

    events.onboarding_completed.connect(on_completed)
    events.hire_started.connect(on_started)
    yield seen
    events.onboarding_completed.disconnect(on_completed)
    events.hire_started.disconnect(on_started)


def test_acceptance_starts_onboarding_from_the_default_template(
    hire_of: Callable[..., Hire],
) -> None:
    start = date.today() + timedelta(days=20)
    hire = hire_of(start)
    onboarding = hire.onboarding
    assert (onboarding.candidate_id, onboarding.job_id) == (hire.candidate.id, hire.job_id)
    assert onboarding.start_date == start
    assert onboarding.status == "active"
    assert onboarding.guide["arrive_at"] == "09:00"
    keys = [task.key for task in onboarding.tasks]
    assert "medical-report" in keys and len(keys) == 9
    medical = next(t for t in onboarding.tasks if t.key == "medical-report")
    assert medical.due_date == start - timedelta(days=3)
    assert medical.title.startswith("上传入职体检报告") and medical.title_en.startswith("Upload")
    audit = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert "onboarding.start" in audit
    # The welcome mail is queued in the outbox, in the same transaction.
    mail = onboarding_mail()
    assert [m.to for m in mail] == [hire.candidate.email]
    assert "09:00" in mail[0].body and "/onboarding/" in mail[0].body


def test_a_second_acceptance_event_starts_nothing_new(hire_of: Callable[..., Hire]) -> None:
    hire = hire_of()
    announce(hire.offer, OfferStatus.accepted, hire.candidate)
    assert db.session.scalar(sa.select(sa.func.count(Onboarding.id))) == 1
    assert len(onboarding_mail()) == 1


def test_other_statuses_start_nothing(
    hire_of: Callable[..., Hire], make_user: Callable[..., User]
) -> None:
    hire = hire_of()
    announce(hire.offer, OfferStatus.declined, hire.candidate)
    assert hire.onboarding.status == "active"


def test_inline_checklist_from_the_job_profile(hire_of: Callable[..., Hire]) -> None:
    hire = hire_of(profile=INLINE)
    onboarding = hire.onboarding
    assert [t.key for t in onboarding.tasks] == ["bank", "contract"]
    assert onboarding.guide["address"] == {"zh": "上海市徐汇区 1 号", "en": ""}
    contract = onboarding.tasks[1]
    assert (contract.title, contract.title_en, contract.blocks_day_one) == ("签合同", "Sign", True)


def test_a_broken_shared_template_falls_back_to_the_default(
    hire_of: Callable[..., Hire], app: Any
) -> None:
    from pathlib import Path

    folder = Path(app.instance_path) / "onboarding"
    folder.mkdir(parents=True)
    (folder / "office.yaml").write_text(
        'guide: {address: A, arrive_at: "09:00"}\n'
        "tasks: [{key: a, title: A, owner: hr, due_day: 1}]\n",
        encoding="utf-8",
    )
    profile = PROFILE + "onboarding: {template: office}\n"
    # The profile was valid when saved; the file broke afterwards.
    original = (folder / "office.yaml").read_text(encoding="utf-8")
    hire_of(profile=profile)
    (folder / "office.yaml").write_text(original.replace("owner: hr", "owner: boss"), "utf-8")
    second = hire_of(profile=profile, email="second@example.com")
    assert len(second.onboarding.tasks) == 9
    fallback = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "onboarding.template_fallback")
    ).one()
    assert "owner" in fallback.detail["problems"][0]


def test_withdrawing_the_offer_withdraws_the_onboarding(hire_of: Callable[..., Hire]) -> None:
    hire = hire_of()
    announce(hire.offer, OfferStatus.withdrawn, hire.hr)
    onboarding = hire.onboarding
    assert onboarding.status == "withdrawn"
    task = next(t for t in onboarding.tasks if t.owner == "new_hire" and t.upload == "none")
    with pytest.raises(service.OnboardingError, match="withdrawn"):
        service.mark_done(task, hire.candidate)
    assert service.start_due(onboarding.start_date + timedelta(days=1)) == []


def _finish_all(hire: Hire, hr: User) -> None:
    onboarding = hire.onboarding
    for task in list(onboarding.tasks):
        if task.collects:
            service.save_personal(
                onboarding,
                hire.candidate,
                personal.PersonalFields("passport", "E12345678", "招商银行", "6225880137706868"),
            )
        elif task.upload == "required":
            service.attach_file(task, hire.candidate, "report.pdf", b"%PDF-1.4\n%%EOF\n")
        elif task.owner == "new_hire":
            service.mark_done(task, hire.candidate)
        else:
            service.mark_done(task, hr)


def test_the_last_task_completes_the_onboarding_once(
    hire_of: Callable[..., Hire], received: list[tuple[str, dict[str, Any]]]
) -> None:
    hire = hire_of(profile=INLINE)
    onboarding = hire.onboarding
    contract = onboarding.tasks[1]
    service.mark_done(contract, hire.hr)
    assert received == [] and onboarding.status == "active"
    service.mark_done(contract, hire.hr)  # a second click does nothing
    _finish_all(hire, hire.hr)
    onboarding = hire.onboarding
    assert onboarding.status == "completed" and onboarding.completed_at is not None
    assert received == [
        (
            "completed",
            {
                "onboarding_id": onboarding.id,
                "offer_id": hire.offer_id,
                "candidate_id": hire.candidate.id,
            },
        )
    ]
    assert {t.done_by_id for t in onboarding.tasks} == {hire.candidate.id, hire.hr.id}


def test_who_may_complete_which_task(
    hire_of: Callable[..., Hire], make_user: Callable[..., User]
) -> None:
    hire = hire_of()
    tasks = {t.key: t for t in hire.onboarding.tasks}
    other = row(User, make_user(Role.candidate, name="Other").id)
    reviewer = row(User, make_user(Role.reviewer).id)
    with pytest.raises(service.NotYours):
        service.mark_done(tasks["handbook"], other)
    with pytest.raises(service.NotYours):
        service.mark_done(tasks["it-account"], hire.candidate)
    with pytest.raises(service.NotYours):
        service.mark_done(tasks["it-account"], reviewer)
    with pytest.raises(service.NotYours):
        service.mark_done(tasks["handbook"], hire.hr)  # the new hire's own task
    with pytest.raises(service.OnboardingError, match="Upload the file first"):
        service.mark_done(tasks["medical-report"], hire.candidate)
    with pytest.raises(service.NotYours):  # done by entering the details
        service.mark_done(tasks["personal-details"], hire.candidate)
    service.mark_done(tasks["it-account"], hire.hr)
    service.mark_done(tasks["manager-first-week"], hire.hr)
    assert tasks["it-account"].done and tasks["manager-first-week"].done


def test_the_start_day_starts_the_hire_once(
    hire_of: Callable[..., Hire], received: list[tuple[str, dict[str, Any]]]
) -> None:
    start = date.today() + timedelta(days=10)
    hire = hire_of(start)
    assert service.start_due(start - timedelta(days=1)) == []
    onboarding_id = hire.onboarding.id
    assert service.start_due(start) == [onboarding_id]
    assert service.start_due(start) == []
    assert service.start_due(start + timedelta(days=3)) == []
    onboarding = hire.onboarding
    assert onboarding.status == "started" and onboarding.started_at is not None
    assert [name for name, _ in received] == ["started"]
    assert received[0][1]["onboarding_id"] == onboarding_id
    # Completing the checklist later still announces completion, and keeps "started".
    _finish_all(hire, hire.hr)
    assert hire.onboarding.status == "started"
    assert [name for name, _ in received] == ["started", "completed"]
