"""Erasure is complete, found the same way as the copy: after erasing the demo's richest
candidate no row of any table holds their address, ID or bank numbers, no row that was about
them holds their name, their files are gone from disk (mail copies too), the log says what
kinds were erased and how many, never the data; the analytics of their job still compute.
A legal hold (an open offer, a dispute) refuses the erasure with the reason."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from hirebench.analytics import service as analytics
from hirebench.extensions import db
from hirebench.models import (
    Application,
    AuditEvent,
    Job,
    Offer,
    OfferStatus,
    Onboarding,
    PrivacyRequest,
    User,
)
from hirebench.privacy import erasure, export, service
from hirebench.privacy import linked as linked_mod
from tests.conftest import AuthActions
from tests.privacy.conftest import DEMO_PASSWORD, RICH, enrich, user
from tests.privacy.test_export import rows_about


def _everything() -> dict[str, list[dict[str, Any]]]:
    return {
        t.name: [dict(r) for r in db.session.execute(sa.select(t)).mappings()]
        for t in db.metadata.sorted_tables
    }


def _text(row: dict[str, Any]) -> str:
    return json.dumps(row, default=str, ensure_ascii=False).lower()


def _disk_files(candidate: User) -> list[Path]:
    linked = linked_mod.linked_rows(candidate.id)
    paths = []
    for (table, column), (folder, _shown) in export.STORED_FILES.items():
        for row in linked.rows.get(table, {}).values():
            path = export.stored_path(folder, row[column])
            if path is not None:
                paths.append(path)
    return paths


def _job_of(candidate: User) -> Job:
    application = db.session.scalars(
        sa.select(Application).where(Application.candidate_id == candidate.id)
    ).one()
    return application.job


def test_erasure_leaves_no_trace_and_analytics_still_compute(ctx: Flask) -> None:
    candidate = user(RICH)
    enrich(candidate)
    hr = user("hr@demo.local")
    onboarding = db.session.scalars(
        sa.select(Onboarding).where(Onboarding.candidate_id == candidate.id)
    ).one()
    personal = onboarding.personal or {}
    secrets = [candidate.email, personal["id_number"], personal["bank_account"]]
    name = candidate.name
    about = rows_about(candidate.id)
    files = [p for p in _disk_files(candidate) if p.exists()]
    assert len(files) >= 4
    mail = Path(ctx.config["MAIL_FILE_PATH"])
    mail.mkdir(parents=True, exist_ok=True)
    (mail / "to-them.eml").write_text(f"To: {candidate.email}\n\nDear {name}")
    (mail / "to-someone-else.eml").write_text("To: reviewer@demo.local\n\nHello")
    job = _job_of(candidate)
    before = analytics.validity_report(job)
    funnel_before = analytics.funnel_report(job)

    entry = erasure.erase(candidate, by=hr, channel="hr", reason=f"mail from {name}")
    db.session.commit()

    everything = _everything()
    for table, rows in everything.items():
        for row in rows:
            for secret in secrets:
                assert secret.lower() not in _text(row), (table, row)
    pk = {t.name: [c.name for c in t.primary_key.columns] for t in db.metadata.sorted_tables}
    for table, keys in about.items():
        for row in everything[table]:
            if tuple(row[c] for c in pk[table]) in keys:
                assert name.lower() not in _text(row), (table, row)
    assert not any(p.exists() for p in files)
    assert not (mail / "to-them.eml").exists() and (mail / "to-someone-else.eml").exists()

    tombstone = db.session.get(User, candidate.id)
    assert tombstone is not None and erasure.is_erased(tombstone)
    assert tombstone.name == "" and tombstone.password_hash is None and not tombstone.active
    assert entry.counts["files"] == len(files) and entry.counts["mail_files"] == 1
    assert entry.counts["consent_records"] >= 3 and entry.counts["answers"] >= 1
    assert name not in entry.reason
    logged = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "privacy.erased")
    ).one()
    assert logged.detail["counts"] == entry.counts and logged.target_id == str(candidate.id)

    # Stage scores, outcome and dates survive without identity: the hire still counts.
    offer = db.session.scalars(sa.select(Offer).where(Offer.candidate_id == candidate.id)).one()
    assert offer.status is OfferStatus.accepted and offer.accepted_name == ""
    after = analytics.validity_report(job)
    assert before is not None and after is not None
    assert after["n_rated"] == before["n_rated"] >= 1  # the rating stays, without a name
    assert after["stages"].keys() == before["stages"].keys()
    for stage, validity in after["stages"].items():
        assert validity["n"] <= before["stages"][stage]["n"]
    funnel_after = analytics.funnel_report(job)
    assert funnel_after.keys() == funnel_before.keys()
    analytics.adverse_reports(job)


def test_an_erased_candidate_cannot_log_in(app: Flask) -> None:
    with app.app_context():
        candidate = user(RICH)
        erasure.erase(candidate, by=None, channel="cli", reason="test")
        db.session.commit()
    response = AuthActions(app.test_client()).login(RICH, DEMO_PASSWORD)
    assert response.status_code != 302 or "/login" in response.headers.get("Location", "")


def test_an_open_offer_refuses_erasure_with_the_reason(ctx: Flask) -> None:
    offer = db.session.scalars(
        sa.select(Offer).where(Offer.status == OfferStatus.awaiting_approval)
    ).first()
    assert offer is not None
    candidate = offer.candidate
    email = candidate.email
    with pytest.raises(erasure.ErasureRefused, match=r"offer \d+ is awaiting_approval"):
        erasure.erase(candidate, by=None, channel="cli", reason="asked")
    db.session.commit()
    assert db.session.get(User, candidate.id).email == email  # type: ignore[union-attr]
    refused = db.session.scalars(
        sa.select(PrivacyRequest).where(PrivacyRequest.outcome == "refused")
    ).one()
    assert refused.counts == {"holds": ["offer"]} and refused.subject_id == candidate.id


def test_a_dispute_hold_refuses_until_lifted(ctx: Flask) -> None:
    candidate = user("candidate2@demo.local")
    hr = user("hr@demo.local")
    hold = service.place_hold(candidate, "tribunal claim 2026-17", by=hr)
    db.session.commit()
    with pytest.raises(erasure.ErasureRefused, match="tribunal claim 2026-17"):
        erasure.erase(candidate, by=hr, channel="hr", reason="asked")
    db.session.rollback()
    service.lift_hold(candidate, hold.id, by=hr)
    erasure.erase(candidate, by=hr, channel="hr", reason="asked")
    db.session.commit()
    assert erasure.is_erased(candidate)
    with pytest.raises(erasure.ServiceError, match="already"):
        erasure.erase(candidate, by=hr, channel="hr", reason="again")


def test_a_hold_needs_a_reason(ctx: Flask) -> None:
    with pytest.raises(erasure.ServiceError, match="reason"):
        service.place_hold(user("candidate2@demo.local"), "  ", by=user("hr@demo.local"))
