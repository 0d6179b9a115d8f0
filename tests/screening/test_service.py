"""The screening service: importing a batch (every file gets a row), re-importing, ranking
with the over-budget override, rescreening after a profile change, and inviting a shortlist
(docs/screening.md)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator
from datetime import date

import pytest
import sqlalchemy as sa
from flask import Flask

from hirebench.extensions import db
from hirebench.jobs.profile import JobProfileDefinition, Skill, Stage
from hirebench.jobs.profile_file import load_profile_file
from hirebench.jobs.service import save_profile
from hirebench.models import Application, AuditEvent, Invitation, Job, Resume, Role, User
from hirebench.screening import service
from hirebench.screening.service import ScreeningError
from hirebench.services import invitations
from tests.screening import BAD, CORPUS, LINK_RE, OVER, PARTIAL, PROFILE, STRONG, WEAK

TODAY = date(2026, 11, 1)
NO_EMAIL = """Dan Nomail
Phone: 13800000005
Expected salary: 16k-18k/month

SKILLS
- Python: expert, 4 years
- Data annotation: 2 years
- Machine learning: familiar
"""


def txt(text: str) -> bytes:
    return text.encode("utf-8")


def bad_files() -> list[tuple[str, bytes, str]]:
    listed = json.loads((BAD / "bad.json").read_text(encoding="utf-8"))
    return [(item["file"], (BAD / item["file"]).read_bytes(), item["code"]) for item in listed]


def corpus(name: str) -> tuple[str, bytes]:
    return name, (CORPUS / name).read_bytes()


@pytest.fixture
def hr_id(make_user: Callable[..., User]) -> int:
    return make_user(Role.hr, email="hana@example.com", name="Hana HR").id


@pytest.fixture
def ctx(app: Flask, hr_id: int) -> Iterator[None]:
    with app.app_context():
        yield


@pytest.fixture
def definition() -> JobProfileDefinition:
    return load_profile_file(PROFILE)


def make_job(definition: JobProfileDefinition) -> Job:
    profile = save_profile(definition)
    job = db.session.get(Job, profile.job_id)
    assert job is not None and job.profile is not None
    return job


@pytest.fixture
def job(ctx: None, definition: JobProfileDefinition) -> Job:
    return make_job(definition)


def hr(hr_id: int) -> User:
    user = db.session.get(User, hr_id)
    assert user is not None
    return user


def by_name(job: Job, files: dict[str, str]) -> dict[str, Resume]:
    resumes = service.import_files(job, [(n, txt(t)) for n, t in files.items()], today=TODAY)
    return {r.file_name: r for r in resumes}


def resume_rows(job: Job) -> list[Resume]:
    return list(db.session.scalars(sa.select(Resume).where(Resume.job_id == job.id)))


def outbox(app: Flask) -> list:  # type: ignore[type-arg]
    # The locmem backend creates the outbox with the first mail.
    return getattr(app.extensions["mailman"], "outbox", [])


def link_for(token: str) -> str:
    return f"http://hirebench.test/invite/{token}"


# ------------------------------------------------------------------------------ import


def test_a_mixed_batch_gets_one_row_per_file_in_order(job: Job, hr_id: int) -> None:
    bad = bad_files()
    good = [("strong.txt", txt(STRONG)), corpus("en-02.txt"), corpus("zh-04.docx")]
    good_tail = [corpus("en-05.pdf")]
    files = good + [(name, data) for name, data, _ in bad] + good_tail
    resumes = service.import_files(job, files, by=hr(hr_id), today=TODAY)

    assert [r.file_name for r in resumes] == [name for name, _ in files]
    assert all(r.id is not None and r.job_id == job.id for r in resumes)
    assert len(resume_rows(job)) == len(files)
    codes = {name: code for name, _, code in bad}
    for resume in resumes:
        if resume.file_name in codes:
            assert resume.status == "error", resume.file_name
            assert resume.error_code == codes[resume.file_name]
            assert resume.file_name in resume.error
            assert resume.score is None and resume.match is None and resume.fields is None
        else:
            assert resume.status == "ok", (resume.file_name, resume.error)
            assert resume.error_code == "" and resume.error == ""
            assert resume.score is not None and 0 <= resume.score <= 100
            explanation = resume.match["explanation"]
            # One line per requirement of the profile, at least.
            assert len(explanation) >= 4
            assert any("Python" in line for line in explanation)
            assert resume.imported_by_id == hr_id
    strong = resumes[0]
    assert strong.score == 100.0
    assert all(line.startswith("+ ") for line in strong.match["explanation"])
    assert strong.fields["email"] == "alice.strong@example.com"

    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "screening.import")
    ).one()
    assert event.actor_id == hr_id
    assert event.detail["files"] == len(files) and event.detail["errors"] == len(bad)


def test_file_names_are_stored_clean_with_their_extension(job: Job) -> None:
    long_name = "x" * 300 + ".txt"
    files = [
        ("resumes/cv\u202egnp.txt", txt(STRONG)),  # shown as "cvtxt.png" if kept
        ("bob\x00\u200b.txt", txt(WEAK)),
        (long_name, txt(PARTIAL)),
    ]
    stored = [r.file_name for r in service.import_files(job, files, today=TODAY)]
    assert stored == ["cvgnp.txt", "bob.txt", "x" * 196 + ".txt"]
    # The extension survived to the type check, so the long-named file was read.
    assert all(r.status == "ok" for r in resume_rows(job))


def test_the_same_bytes_again_update_the_row(job: Job) -> None:
    (first,) = service.import_files(job, [("alice.txt", txt(STRONG))], today=TODAY)
    first_id = first.id
    # The row was edited since (say by an older parser): importing again recomputes it.
    first.score, first.match = 1.0, None
    db.session.commit()

    (again,) = service.import_files(job, [("alice-2026.txt", txt(STRONG))], today=TODAY)
    assert again.id == first_id
    assert again.file_name == "alice-2026.txt"
    assert again.score == 100.0 and again.match is not None
    assert len(resume_rows(job)) == 1

    # Other bytes are another resume.
    service.import_files(job, [("bob.txt", txt(WEAK))], today=TODAY)
    assert len(resume_rows(job)) == 2


def test_an_unreadable_copy_never_erases_a_readable_resume(job: Job) -> None:
    (first,) = service.import_files(job, [("alice.txt", txt(STRONG))], today=TODAY)
    first_id, fields, score = first.id, first.fields, first.score

    # The same bytes under a name whose type hirebench refuses.
    (copy,) = service.import_files(job, [("alice-copy.doc", txt(STRONG))], today=TODAY)
    assert copy.status == "error" and copy.error_code == "unsupported_type"
    assert copy.id is None  # reported, not stored

    (row,) = resume_rows(job)
    assert row.id == first_id and row.status == "ok" and row.file_name == "alice.txt"
    assert row.fields == fields and row.score == score


def test_copies_in_one_batch_keep_the_readable_one_whichever_comes_first(job: Job) -> None:
    data = txt(STRONG)
    results = service.import_files(
        job,
        [("a.txt", data), ("a.doc", data), ("b.doc", txt(WEAK)), ("b.txt", txt(WEAK))],
        today=TODAY,
    )
    assert results[1].status == "error" and results[1].id is None  # a.doc: reported only
    assert results[2] is results[3]  # b.doc's row, read as b.txt
    rows = {r.file_name: r for r in resume_rows(job)}
    assert set(rows) == {"a.txt", "b.txt"}
    assert all(r.status == "ok" and r.score is not None for r in rows.values())


def test_the_same_bytes_for_another_job_are_another_row(
    job: Job, definition: JobProfileDefinition
) -> None:
    other = make_job(dataclasses.replace(definition, id="other-job", title="Other job"))
    (mine,) = service.import_files(job, [("alice.txt", txt(STRONG))], today=TODAY)
    (theirs,) = service.import_files(other, [("alice.txt", txt(STRONG))], today=TODAY)
    assert mine.id != theirs.id
    assert len(resume_rows(job)) == 1 and len(resume_rows(other)) == 1


def test_a_job_without_a_profile_cannot_screen(ctx: None) -> None:
    job = Job(title="No profile yet")
    db.session.add(job)
    db.session.commit()
    with pytest.raises(ScreeningError, match="no job profile"):
        service.import_files(job, [("alice.txt", txt(STRONG))], today=TODAY)
    db.session.rollback()
    assert resume_rows(job) == []
    with pytest.raises(ScreeningError):
        service.rescreen(job)


# ----------------------------------------------------------------------------- ranking


def test_ranking_orders_best_first_and_keeps_over_budget_out(job: Job) -> None:
    files = {
        "weak.txt": WEAK,
        "over.txt": OVER,
        "strong.txt": STRONG,
        "partial.txt": PARTIAL,
        "broken.doc": "not a resume format",
    }
    rows = by_name(job, files)
    assert rows["over.txt"].over_budget and rows["over.txt"].fields["salary_expectation"] == {
        "min": 30000,
        "max": 35000,
        "period": "month",
    }
    assert any("over budget" in line for line in rows["over.txt"].match["explanation"])
    assert not rows["strong.txt"].over_budget

    ranking = service.ranking(job)
    assert [r.file_name for r in ranking.ranked] == ["strong.txt", "partial.txt", "weak.txt"]
    scores = [r.score for r in ranking.ranked]
    assert scores == sorted(scores, reverse=True) and scores[0] > scores[-1]
    assert [r.file_name for r in ranking.over_budget] == ["over.txt"]
    assert [(r.file_name, r.error_code) for r in ranking.errors] == [
        ("broken.doc", "unsupported_type")
    ]


def test_keeping_an_over_budget_resume_needs_a_reason(job: Job, hr_id: int) -> None:
    over = by_name(job, {"over.txt": OVER, "partial.txt": PARTIAL})["over.txt"]
    for blank in ("", "   "):
        with pytest.raises(ScreeningError, match="reason"):
            service.set_included(over, True, blank, by=hr(hr_id))
        db.session.rollback()
    with pytest.raises(ScreeningError):
        service.set_included(over, True, "x" * 501, by=hr(hr_id))
    db.session.rollback()
    assert not over.included
    assert [r.file_name for r in service.ranking(job).over_budget] == ["over.txt"]
    assert not db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "screening.override")
    ).all()

    service.set_included(over, True, "  Rare NLP background  ", by=hr(hr_id), ip="10.0.0.9")
    ranking = service.ranking(job)
    assert [r.file_name for r in ranking.ranked] == ["over.txt", "partial.txt"]
    assert ranking.over_budget == []
    assert over.override_reason == "Rare NLP background"
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "screening.override")
    ).one()
    assert event.actor_id == hr_id
    assert (event.target_type, event.target_id) == ("Resume", str(over.id))
    assert event.detail["reason"] == "Rare NLP background" and event.detail["include"] is True
    assert event.ip == "10.0.0.9"

    # Taken out again: excluded once more, the reason cleared, and that is logged too.
    service.set_included(over, False, "", by=hr(hr_id))
    assert [r.file_name for r in service.ranking(job).over_budget] == ["over.txt"]
    assert over.override_reason == ""
    assert (
        len(
            db.session.scalars(
                sa.select(AuditEvent).where(AuditEvent.action == "screening.override")
            ).all()
        )
        == 2
    )


def test_a_profile_change_rescreens_the_job(job: Job, definition: JobProfileDefinition) -> None:
    rows = by_name(job, {"weak.txt": WEAK, "over.txt": OVER, "strong.txt": STRONG})
    weak_before = rows["weak.txt"].score
    assert weak_before is not None and weak_before < 50
    assert rows["over.txt"].over_budget

    # Python at familiar is enough now, and the budget goes up to 40,000.
    changed = dataclasses.replace(
        definition,
        skills=(Skill("python", "Python", "familiar"),),
        salary_max=40000,
    )
    save_profile(changed, job=job)
    db.session.expire_all()
    weak, over = (
        db.session.get(Resume, rows["weak.txt"].id),
        db.session.get(Resume, rows["over.txt"].id),
    )
    assert weak is not None and over is not None
    assert weak.score == 100.0 != weak_before
    assert len(weak.match["explanation"]) == 1
    assert not over.over_budget and "over_budget" not in over.match["flags"]
    assert [r.file_name for r in service.ranking(job).over_budget] == []


def test_rescreen_recomputes_every_readable_resume(job: Job) -> None:
    rows = by_name(job, {"strong.txt": STRONG, "weak.txt": WEAK, "broken.doc": "x"})
    for resume in rows.values():
        resume.score = 42.0
    db.session.commit()
    service.rescreen(job, today=TODAY)
    assert rows["strong.txt"].score == 100.0
    assert rows["weak.txt"].score is not None and rows["weak.txt"].score < 50
    assert rows["broken.doc"].score == 42.0  # unreadable: never matched


# ---------------------------------------------------------------------------- invites


def weighted_definition(definition: JobProfileDefinition) -> JobProfileDefinition:
    stages = (
        (Stage.screening, 20.0),
        (Stage.written_test, 30.0),
        (Stage.portfolio, 20.0),
        (Stage.interview, 20.0),
        (Stage.assessment, 10.0),
    )
    assert sum(weight for _, weight in stages) == 100
    return dataclasses.replace(definition, stages=stages)


def application_of(candidate_id: int, job: Job) -> Application:
    found = db.session.scalar(
        sa.select(Application).where(
            Application.candidate_id == candidate_id, Application.job_id == job.id
        )
    )
    assert found is not None
    return found


def test_inviting_a_shortlist(
    app: Flask, ctx: None, hr_id: int, definition: JobProfileDefinition
) -> None:
    job = make_job(weighted_definition(definition))
    rows = by_name(job, {"strong.txt": STRONG, "weak.txt": WEAK, "partial.txt": PARTIAL})
    chosen = [rows["strong.txt"], rows["weak.txt"]]

    outcomes = service.invite_shortlist(
        job, [r.id for r in chosen], by=hr(hr_id), link_for=link_for, ip="10.0.0.1"
    )
    assert [(o.resume.id, o.invited) for o in outcomes] == [(r.id, True) for r in chosen]
    assert [o.message for o in outcomes] == ["alice.strong@example.com", "bob.weak@example.com"]

    mails = outbox(app)
    assert sorted(m.to[0] for m in mails) == ["alice.strong@example.com", "bob.weak@example.com"]
    for mail in mails:
        assert job.title in mail.body
        match = LINK_RE.search(mail.body)
        assert match, mail.body
        # The mailed link is a live invitation for this candidate and job.
        invitation = invitations.lookup(match.group(1))
        assert invitation.candidate.email == mail.to[0] and invitation.job_id == job.id

    for resume, salary in zip(
        chosen,
        ({"min": 18000, "max": 20000, "period": "month"}, {"min": 15000, "max": 16000}),
        strict=True,
    ):
        candidate = db.session.scalar(sa.select(User).where(User.email == resume.fields["email"]))
        assert candidate is not None and candidate.role is Role.candidate
        assert candidate.name == resume.fields["name"]
        assert resume.candidate_id == candidate.id
        assert service.resume_for(candidate.id, job.id) == resume
        application = application_of(candidate.id, job)
        assert application.salary_expectation is not None
        assert application.salary_expectation.items() >= salary.items()
        card = application.scorecard
        assert card is not None
        assert card.data["stages"]["screening"]["score"] == resume.score
        assert card.summary["stages"]["screening"] == resume.score
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(Invitation).where(Invitation.job_id == job.id)
        )
        == 2
    )
    assert rows["partial.txt"].candidate_id is None
    assert (
        db.session.scalar(sa.select(User).where(User.email == "carol.partial@example.com")) is None
    )


def test_no_screening_stage_when_the_profile_does_not_weigh_it(
    app: Flask, job: Job, hr_id: int
) -> None:
    assert Stage.screening not in dict(
        JobProfileDefinition.from_json(job.profile.definition).stages
    )
    strong = by_name(job, {"strong.txt": STRONG})["strong.txt"]
    (outcome,) = service.invite_shortlist(job, [strong.id], by=hr(hr_id), link_for=link_for)
    assert outcome.invited and len(outbox(app)) == 1
    card = application_of(strong.candidate_id, job).scorecard
    assert card is not None
    assert "screening" not in card.data["stages"]
    assert "written_test" in card.data["stages"]


def test_a_resume_without_an_email_is_reported_and_the_others_go_ahead(
    app: Flask, job: Job, hr_id: int
) -> None:
    rows = by_name(job, {"nomail.txt": NO_EMAIL, "strong.txt": STRONG, "weak.txt": WEAK})
    assert rows["nomail.txt"].fields["email"] is None
    ids = [rows["nomail.txt"].id, rows["strong.txt"].id, rows["weak.txt"].id]
    outcomes = service.invite_shortlist(job, ids, by=hr(hr_id), link_for=link_for)
    assert [(o.resume.file_name, o.invited) for o in outcomes] == [
        ("nomail.txt", False),
        ("strong.txt", True),
        ("weak.txt", True),
    ]
    assert "email" in outcomes[0].message
    assert rows["nomail.txt"].candidate_id is None
    assert sorted(m.to[0] for m in outbox(app)) == [
        "alice.strong@example.com",
        "bob.weak@example.com",
    ]


def test_a_failing_mail_is_reported_and_the_others_go_ahead(
    app: Flask, job: Job, hr_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = by_name(job, {"strong.txt": STRONG, "weak.txt": WEAK})
    send = invitations.send_invitation_mail

    def flaky(issued: invitations.IssuedInvitation, link: str) -> None:
        if issued.invitation.candidate.email == "alice.strong@example.com":
            raise OSError("connection refused")
        send(issued, link)

    monkeypatch.setattr(invitations, "send_invitation_mail", flaky)
    outcomes = service.invite_shortlist(
        job, [rows["strong.txt"].id, rows["weak.txt"].id], by=hr(hr_id), link_for=link_for
    )
    assert [o.invited for o in outcomes] == [False, True]
    assert "mail" in outcomes[0].message
    assert [m.to for m in outbox(app)] == [["bob.weak@example.com"]]
    assert rows["strong.txt"].candidate_id is None
    # Nothing of the failed invitation was kept.
    assert (
        db.session.scalar(sa.select(User).where(User.email == "alice.strong@example.com")) is None
    )


def test_an_empty_shortlist_is_refused(job: Job, hr_id: int) -> None:
    with pytest.raises(ScreeningError, match="at least one"):
        service.invite_shortlist(job, [], by=hr(hr_id), link_for=link_for)


def test_a_resume_of_another_job_is_refused_before_anyone_is_invited(
    app: Flask, job: Job, hr_id: int, definition: JobProfileDefinition
) -> None:
    other = make_job(dataclasses.replace(definition, id="other-job", title="Other job"))
    mine = by_name(job, {"strong.txt": STRONG, "broken.doc": "x"})
    (foreign,) = service.import_files(other, [("weak.txt", txt(WEAK))], today=TODAY)

    for ids in ([mine["strong.txt"].id, foreign.id], [mine["broken.doc"].id], [987654]):
        with pytest.raises(ScreeningError, match="not in this job"):
            service.invite_shortlist(job, ids, by=hr(hr_id), link_for=link_for)
        db.session.rollback()
    assert outbox(app) == []
    assert mine["strong.txt"].candidate_id is None
    assert db.session.scalars(sa.select(Invitation)).all() == []


def test_a_repeated_id_is_invited_once(app: Flask, job: Job, hr_id: int) -> None:
    strong = by_name(job, {"strong.txt": STRONG})["strong.txt"]
    outcomes = service.invite_shortlist(
        job, [strong.id, strong.id], by=hr(hr_id), link_for=link_for
    )
    assert len(outcomes) == 1 and outcomes[0].invited
    assert len(outbox(app)) == 1
