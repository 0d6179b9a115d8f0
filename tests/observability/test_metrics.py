"""/metrics after real requests: request latency by endpoint, autosaves, the grading queue,
grading outcomes and the outbox lag; who may read it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from hirebench.extensions import db
from hirebench.grading import claims
from hirebench.grading import queue as gq
from hirebench.models import GradingJob, Role, User
from hirebench.models.api_tokens import SCOPE_METRICS_READ, SCOPE_SCORECARDS_READ
from hirebench.models.base import utcnow
from hirebench.models.grading import GradingMode, JobStatus
from hirebench.models.outbox import (
    DeliveryStatus,
    MailStatus,
    OutgoingMail,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookMessage,
)
from hirebench.services import api_tokens
from tests.conftest import AuthActions
from tests.observability.conftest import sample, scrape
from tests.web.test_candidate_exam import MINI, Api, _load, _start, fake_grader

REMOTE = {"REMOTE_ADDR": "203.0.113.7"}
DURATION_COUNT = "hirebench_http_request_duration_seconds_count"


def test_request_latency_is_counted_by_endpoint(client: FlaskClient) -> None:
    labels = {"endpoint": "api.health_live", "method": "GET", "status": "200"}
    before = sample(scrape(client), DURATION_COUNT, **labels)
    for _ in range(3):
        assert client.get("/api/v1/health/live").status_code == 200
    text = scrape(client)
    assert sample(text, DURATION_COUNT, **labels) == before + 3
    assert "hirebench_http_request_duration_seconds_bucket" in text


def test_labels_never_carry_the_raw_path(client: FlaskClient) -> None:
    before = sample(
        scrape(client), DURATION_COUNT, endpoint="<unmatched>", method="GET", status="404"
    )
    assert client.get("/no/such/page-8c1f").status_code == 404
    # An id in the URL: the label is the endpoint, shared by every id.
    assert client.get("/api/v1/jobs/987654/scorecards").status_code == 401
    assert client.open("/api/v1/health/live", method="BREW").status_code == 405
    text = scrape(client)
    assert "8c1f" not in text and "987654" not in text and "BREW" not in text
    unmatched = {"endpoint": "<unmatched>", "method": "GET", "status": "404"}
    assert sample(text, DURATION_COUNT, **unmatched) == before + 1
    assert (
        sample(text, DURATION_COUNT, endpoint="api.job_scorecards", method="GET", status="401") >= 1
    )
    # An unknown method matches no route either; its name is not a label value.
    assert sample(text, DURATION_COUNT, endpoint="<unmatched>", method="other", status="405")


@pytest.fixture
def _fake_grading(app: Flask) -> Iterator[None]:
    claims.set_grader(fake_grader)
    yield
    gq.shutdown(app)
    claims.set_grader(None)


@pytest.mark.usefixtures("_fake_grading")
def test_autosave_shows_up(
    app: Flask, client: FlaskClient, make_user: Callable[..., User], auth: AuthActions
) -> None:
    slug = _load(app, MINI)
    user = make_user(Role.candidate, name="Li Lei")
    assert auth.login(user.email).status_code == 302
    attempt_id = _start(client, slug)
    before = scrape(client)
    api = Api(client, attempt_id)
    assert api.save("gd-step", "a").status_code == 200
    assert api.save("gd-step", "b").status_code == 200
    assert api.save("no-such-question", "a").status_code in (400, 404)
    after = scrape(client)
    for outcome, added in (("saved", 2), ("rejected", 1)):
        name = "hirebench_autosave_duration_seconds_count"
        assert sample(after, name, outcome=outcome) == sample(before, name, outcome=outcome) + added
    # The autosave route is also a route like any other.
    saves = {"endpoint": "candidate.save", "method": "POST", "status": "200"}
    assert sample(after, DURATION_COUNT, **saves) == sample(before, DURATION_COUNT, **saves) + 2


def _job(status: JobStatus, age: timedelta) -> GradingJob:
    return GradingJob(
        grader_ref="graders/none.ipynb",
        submission=b"print(1)",
        submission_name="a.py",
        mode=GradingMode.full,
        status=status,
        submitted_at=utcnow() - age,
    )


def test_queue_depth_and_age_come_from_the_jobs_table(app: Flask, client: FlaskClient) -> None:
    text = scrape(client)
    assert sample(text, "hirebench_grading_queue_jobs", status="queued") == 0
    assert sample(text, "hirebench_grading_queue_oldest_seconds") == 0
    with app.app_context():
        db.session.add_all(
            [
                _job(JobStatus.queued, timedelta(minutes=5)),
                _job(JobStatus.queued, timedelta(seconds=1)),
                _job(JobStatus.queued, timedelta(0)),
                _job(JobStatus.running, timedelta(minutes=30)),
                _job(JobStatus.done, timedelta(hours=2)),
            ]
        )
        db.session.commit()
    text = scrape(client)
    assert sample(text, "hirebench_grading_queue_jobs", status="queued") == 3
    assert sample(text, "hirebench_grading_queue_jobs", status="running") == 1
    # The oldest *queued* job: not the running or finished ones.
    assert 300 <= sample(text, "hirebench_grading_queue_oldest_seconds") < 400
    assert sample(text, "hirebench_metrics_database_up") == 1


def test_outbox_lag_is_the_oldest_pending_row(app: Flask, client: FlaskClient) -> None:
    now = utcnow()
    with app.app_context():
        db.session.add_all(
            [
                OutgoingMail(
                    to="a@example.com",
                    subject="s",
                    body="b",
                    next_attempt_at=now,
                    created_at=now - timedelta(minutes=10),
                ),
                OutgoingMail(
                    to="b@example.com",
                    subject="s",
                    body="b",
                    next_attempt_at=now,
                    status=MailStatus.sent,
                    created_at=now - timedelta(hours=5),
                ),
            ]
        )
        endpoint = WebhookEndpoint(url="https://example.com/hook", secret="whsec_x", events=[])
        message = WebhookMessage(id="msg_1", event_type="offer.accepted", body="{}")
        db.session.add_all([endpoint, message])
        db.session.flush()
        db.session.add(
            WebhookDelivery(
                message_id=message.id,
                endpoint_id=endpoint.id,
                next_attempt_at=now,
                status=DeliveryStatus.pending,
                created_at=now - timedelta(seconds=90),
            )
        )
        db.session.commit()
    text = scrape(client)
    assert 600 <= sample(text, "hirebench_outbox_lag_seconds", outbox="mail") < 700
    assert 90 <= sample(text, "hirebench_outbox_lag_seconds", outbox="webhook") < 190
    assert sample(text, "hirebench_outbox_pending", outbox="mail") == 1
    assert sample(text, "hirebench_outbox_pending", outbox="webhook") == 1


@pytest.mark.usefixtures("_fake_grading")
def test_grading_latency_and_outcomes(app: Flask, client: FlaskClient) -> None:
    before = scrape(client)
    with app.app_context():
        job = gq.submit("graders/fake.ipynb", b"def add(x):\n    return x + 10\n", "a.py")
        assert gq.wait(job.id, timeout=30).status is JobStatus.done
        refused = gq.submit("graders/fake.ipynb", b"x" * (6 * 1024 * 1024), "big.py")
        assert refused.status is JobStatus.done
    after = scrape(client)

    def grew(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert grew("hirebench_grading_jobs_total", outcome="graded") == 1
    assert grew("hirebench_grading_jobs_total", outcome="refused") == 1
    assert grew("hirebench_grading_duration_seconds_count", mode="full", outcome="graded") == 1
    assert grew("hirebench_grading_turnaround_seconds_count", mode="full") == 1
    assert "hirebench_sandbox_warm_pool_ready" in after


# --- who may read it ---------------------------------------------------------------------------


def _token(app: Flask, *scopes: str) -> str:
    with app.app_context():
        _row, raw = api_tokens.create("Prometheus", by=None, scopes=scopes)
        db.session.commit()
    return raw


def test_loopback_reads_without_a_token(client: FlaskClient) -> None:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    assert response.headers["Cache-Control"] == "no-store"


def test_remote_client_without_token_gets_404(client: FlaskClient) -> None:
    assert client.get("/metrics", environ_base=REMOTE).status_code == 404
    # Through a reverse proxy on this host the peer is loopback, but the client is not.
    proxied = client.get("/metrics", headers={"X-Forwarded-For": "198.51.100.4"})
    assert proxied.status_code == 404


def test_loopback_can_be_switched_off(app: Flask, client: FlaskClient) -> None:
    app.config["METRICS_ALLOW_LOOPBACK"] = False
    assert client.get("/metrics").status_code == 404


def test_api_token_needs_the_metrics_scope(app: Flask, client: FlaskClient) -> None:
    good = _token(app, SCOPE_METRICS_READ)
    other = _token(app, SCOPE_SCORECARDS_READ)

    def get(raw: str) -> Any:
        return client.get(
            "/metrics", environ_base=REMOTE, headers={"Authorization": f"Bearer {raw}"}
        )

    assert get(good).status_code == 200
    assert "hirebench_http_request_duration_seconds" in get(good).get_data(as_text=True)
    assert get(other).status_code == 403
    assert get("hb_" + "x" * 43).status_code == 403
    # A bad token is refused even from loopback: the sender meant to use it.
    assert client.get("/metrics", headers={"Authorization": f"Bearer {other}"}).status_code == 403


def test_configured_metrics_token(app: Flask, client: FlaskClient) -> None:
    app.config["METRICS_TOKEN"] = "scrape-me-0123456789"
    ok = client.get(
        "/metrics", environ_base=REMOTE, headers={"Authorization": "Bearer scrape-me-0123456789"}
    )
    assert ok.status_code == 200
    wrong = client.get(
        "/metrics", environ_base=REMOTE, headers={"Authorization": "Bearer scrape-me-012345678"}
    )
    assert wrong.status_code == 403


def test_metrics_is_get_only_and_needs_no_csrf(app: Flask, client: FlaskClient) -> None:
    assert app.config.get("WTF_CSRF_ENABLED", True)
    assert client.post("/metrics").status_code == 405
    assert client.get("/metrics").status_code == 200
