"""GET /api/v1/hires: the hires:read scope, the filter's validation, the full records, the
audit row and no caching; and the scorecards endpoint now asks for scorecards:read."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from hirebench import create_app
from hirebench.extensions import db
from hirebench.handoff import schema
from hirebench.models import AuditEvent, Job
from hirebench.models.offers import OfferStatus
from hirebench.services import api_tokens
from tests.handoff import helpers
from tests.handoff.helpers import BANK_ACCOUNT, ID_NUMBER


def bearer(app: Flask, *scopes: str) -> dict[str, str]:
    with app.app_context():
        _token, raw = api_tokens.create("Payroll", by=None, scopes=scopes)
        db.session.commit()
    return {"Authorization": f"Bearer {raw}"}


@pytest.fixture
def hires(app: Flask) -> dict[str, int]:
    """Two jobs: one hire accepted on 2 March (onboarded), one on 20 March; a declined and a
    sent offer that are not hires."""
    with app.app_context():
        first = helpers.offer()
        helpers.onboard(first)
        second = helpers.offer(on_job=first.job, accepted_at=datetime(2026, 3, 20, 23, 59))
        other = helpers.offer(on_job=helpers.job("数据分析师"))
        helpers.offer(OfferStatus.declined, on_job=first.job)
        helpers.offer(OfferStatus.sent, on_job=first.job)
        db.session.commit()
        return {
            "job": first.job.id,
            "other_job": other.job.id,
            "first": first.offer.id,
            "second": second.offer.id,
            "other": other.offer.id,
        }


def test_without_a_token_it_is_401(client: FlaskClient, hires: dict[str, int]) -> None:
    response = client.get("/api/v1/hires")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="hirebench"'


def test_a_token_without_the_scope_is_403(
    app: Flask, client: FlaskClient, hires: dict[str, int]
) -> None:
    response = client.get("/api/v1/hires", headers=bearer(app, "scorecards:read"))
    assert response.status_code == 403
    body = response.get_json()
    assert body["status"] == 403 and "hires:read" in body["message"]
    with app.app_context():
        assert db.session.scalars(sa.select(AuditEvent.action)).all() == ["api_token.create"]


def test_a_hires_token_reads_full_records_audited_and_uncached(
    app: Flask, client: FlaskClient, hires: dict[str, int]
) -> None:
    response = client.get(
        f"/api/v1/hires?job={hires['job']}&from=2026-03-01&to=2026-03-31",
        headers=bearer(app, "hires:read"),
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body["job_id"] == hires["job"] and body["count"] == 2
    assert (body["from"], body["to"]) == ("2026-03-01", "2026-03-31")
    assert [r["offer"]["id"] for r in body["hires"]] == [hires["second"], hires["first"]]
    for record in body["hires"]:
        assert schema.problems(record) == []
    onboarded = body["hires"][1]
    assert onboarded["employee"]["id_number"] == ID_NUMBER  # the machine hand-off: in full
    assert onboarded["bank"]["account"] == BANK_ACCOUNT
    with app.app_context():
        event = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "export.hires_api")
        ).one()
        assert event.target_type == "Job" and event.target_id == str(hires["job"])
        assert event.detail["hires"] == 2 and event.detail["token_name"] == "Payroll"
        assert event.detail["range"] == {
            "job": str(hires["job"]),
            "from": "2026-03-01",
            "to": "2026-03-31",
        }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"first", "second", "other"}),
        ("from=2026-03-03", {"second"}),
        ("to=2026-03-02", {"first", "other"}),
        ("from=2026-03-20&to=2026-03-20", {"second"}),  # the last second of the day counts
        ("from=2026-03-21", set()),
    ],
)
def test_the_range_includes_both_days(
    app: Flask, client: FlaskClient, hires: dict[str, int], query: str, expected: set[str]
) -> None:
    response = client.get(f"/api/v1/hires?{query}", headers=bearer(app, "hires:read"))
    assert response.status_code == 200
    got = {r["offer"]["id"] for r in response.get_json()["hires"]}
    assert got == {hires[key] for key in expected}


@pytest.mark.parametrize(
    "query",
    [
        "from=2026-3-1",
        "from=20260301",
        "to=2026-02-30",
        "from=yesterday",
        "from=2026-03-31&to=2026-03-01",
        "job=abc",
        "job=-1",
        "job=99999999999999999999999",
    ],
)
def test_bad_filters_are_400(
    app: Flask, client: FlaskClient, hires: dict[str, int], query: str
) -> None:
    response = client.get(f"/api/v1/hires?{query}", headers=bearer(app, "hires:read"))
    assert response.status_code == 400
    body = response.get_json()
    assert body["status"] == 400 and body["message"]


def test_an_unknown_job_is_404(app: Flask, client: FlaskClient, hires: dict[str, int]) -> None:
    response = client.get("/api/v1/hires?job=4242", headers=bearer(app, "hires:read"))
    assert response.status_code == 404
    assert response.get_json()["message"] == "There is no job 4242."


def test_scorecards_need_their_own_scope(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        job = Job(title="Data labeller")
        db.session.add(job)
        db.session.commit()
        job_id = job.id
    url = f"/api/v1/jobs/{job_id}/scorecards"
    assert client.get(url, headers=bearer(app, "hires:read")).status_code == 403
    # A token with the old access gets past the scope check (to the job's own 409: no model).
    both = bearer(app, "scorecards:read", "hires:read")
    assert client.get(url, headers=both).status_code == 409


@pytest.mark.postgres
def test_hires_on_postgres(app_config: dict[str, Any], postgres_url: str) -> None:
    app = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": postgres_url})
    with app.app_context():
        db.create_all()
        hire = helpers.offer(accepted_at=datetime(2026, 3, 31, 23, 59, 59))
        helpers.onboard(hire)
        helpers.offer(on_job=hire.job, accepted_at=datetime(2026, 4, 1, 0, 0))
        db.session.commit()
        job_id = hire.job.id
    client = app.test_client()
    response = client.get(
        f"/api/v1/hires?job={job_id}&to=2026-03-31", headers=bearer(app, "hires:read")
    )
    assert response.status_code == 200
    [record] = response.get_json()["hires"]
    assert record["employee"]["id_number"] == ID_NUMBER and schema.problems(record) == []
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
