"""JSON log lines, read from the process's real stderr: one request's lines share its id, the
grading job it queues logs under the same id with its job id, and the X-Request-ID header is
echoed when sane and replaced when not."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from redis import Redis
from rq.job import Job as RQJob

from hirebench import create_app
from hirebench.config import ConfigError
from hirebench.extensions import db
from hirebench.grading import claims, redis_jobs
from hirebench.grading import queue as gq
from hirebench.web.access import public
from tests.web.test_candidate_exam import fake_grader


def _lines(text: str) -> list[dict[str, Any]]:
    """Every JSON line on stderr (pytest's own output is not JSON)."""
    found = []
    for line in text.splitlines():
        if line.startswith("{"):
            found.append(json.loads(line))
    return found


@public
def _chatty() -> str:
    logging.getLogger("hirebench.test.one").info("first line")
    logging.getLogger("hirebench.test.two").warning("second line, %s", "formatted")
    return "ok"


@public
def _broken() -> str:
    raise RuntimeError("boom")


@public
def _queue_a_job() -> str:
    job = gq.submit("graders/fake.ipynb", b"def add(x):\n    return x + 10\n", "a.py")
    return str(job.id)


@pytest.fixture
def json_app(
    app_config: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    restore_logging: None,
    capfd: pytest.CaptureFixture[str],
) -> Iterator[Flask]:
    # capfd first: the handler writes to the sys.stderr of the moment it is made.
    monkeypatch.setenv("HIREBENCH_LOG_FORMAT", "json")
    # A crash answers 500 as in production instead of reaching the test.
    app = create_app({**app_config, "PROPAGATE_EXCEPTIONS": False})
    app.add_url_rule("/test/chatty", "test_chatty", _chatty)
    app.add_url_rule("/test/broken", "test_broken", _broken)
    app.add_url_rule("/test/queue", "test_queue", _queue_a_job)
    with app.app_context():
        db.create_all()
    claims.set_grader(fake_grader)
    yield app
    gq.shutdown(app)
    claims.set_grader(None)


@pytest.fixture
def json_client(json_app: Flask) -> FlaskClient:
    return json_app.test_client()


def test_one_request_one_id_in_every_line(
    json_client: FlaskClient, capfd: pytest.CaptureFixture[str]
) -> None:
    capfd.readouterr()
    response = json_client.get("/test/chatty")
    lines = _lines(capfd.readouterr().err)
    mine = [line for line in lines if line["logger"].startswith("hirebench.test.")]
    assert [line["message"] for line in mine] == ["first line", "second line, formatted"]
    request_id = response.headers["X-Request-ID"]
    assert len(request_id) == 32
    for line in mine:
        assert set(line) == {"time", "level", "logger", "message", "request_id"}
        assert line["request_id"] == request_id
        assert line["time"].endswith("+00:00")
    assert [line["level"] for line in mine] == ["INFO", "WARNING"]
    # The next request gets its own id.
    json_client.get("/test/chatty")
    again = [
        line for line in _lines(capfd.readouterr().err) if line["logger"] == "hirebench.test.one"
    ]
    assert again[0]["request_id"] not in (None, request_id)


def test_a_crash_is_logged_under_the_request_id(
    json_client: FlaskClient, capfd: pytest.CaptureFixture[str]
) -> None:
    capfd.readouterr()
    response = json_client.get("/test/broken", headers={"X-Request-ID": "lb-7f3a.42"})
    assert response.status_code == 500
    assert response.headers["X-Request-ID"] == "lb-7f3a.42"
    crash = [line for line in _lines(capfd.readouterr().err) if "exception" in line]
    assert crash and all(line["request_id"] == "lb-7f3a.42" for line in crash)
    assert "RuntimeError: boom" in crash[0]["exception"]


def test_grading_job_logs_carry_the_request_and_job_ids(
    json_app: Flask, json_client: FlaskClient, capfd: pytest.CaptureFixture[str]
) -> None:
    capfd.readouterr()
    response = json_client.get("/test/queue", headers={"X-Request-ID": "submit-0001"})
    job_id = int(response.get_data(as_text=True))
    with json_app.app_context():
        gq.wait(job_id, timeout=30)
    gq.shutdown(json_app)  # the pool threads have written everything
    lines = _lines(capfd.readouterr().err)
    job_lines = [line for line in lines if line.get("job_id") == job_id]
    messages = " | ".join(line["message"] for line in job_lines)
    assert f"grading job {job_id}: done" in messages, messages
    assert len(job_lines) >= 2
    assert all(line["request_id"] == "submit-0001" for line in job_lines)
    # Nothing else in the process claimed that job id or that request.
    assert all(
        line.get("job_id") in (None, job_id)
        for line in lines
        if line["request_id"] == "submit-0001"
    )


@pytest.mark.parametrize(
    "incoming",
    [
        "x" * 129,  # over-long
        "two words",
        'quote"d',
        "new\nline",
        "tab\there",
        "",
        "<script>",
        "é-accent",
    ],
)
def test_unusable_request_ids_are_replaced(client: FlaskClient, incoming: str) -> None:
    try:
        response = client.get("/api/v1/health/live", headers={"X-Request-ID": incoming})
    except ValueError:  # werkzeug refuses a newline in a header before the app sees it
        assert "\n" in incoming
        return
    echoed = response.headers["X-Request-ID"]
    assert echoed != incoming.strip() or not incoming.strip()
    assert len(echoed) == 32 and all(c in "0123456789abcdef" for c in echoed)


@pytest.mark.parametrize(
    "incoming",
    ["0b1a2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "Root=1-5759e988-bd862e3fe1be46a994272793", "a"],
)
def test_sane_request_ids_are_echoed(client: FlaskClient, incoming: str) -> None:
    response = client.get("/api/v1/health/live", headers={"X-Request-ID": incoming})
    assert response.headers["X-Request-ID"] == incoming


def test_every_response_has_an_id(client: FlaskClient) -> None:
    first = client.get("/no/such/page").headers["X-Request-ID"]
    second = client.get("/login").headers["X-Request-ID"]
    assert first and second and first != second


def test_text_is_the_default_and_other_formats_are_refused(
    monkeypatch: pytest.MonkeyPatch, app_config: dict[str, Any]
) -> None:
    assert create_app(app_config).config["LOG_FORMAT"] == "text"
    monkeypatch.setenv("HIREBENCH_LOG_FORMAT", "xml")
    with pytest.raises(ConfigError, match="LOG_FORMAT"):
        create_app(app_config)


@pytest.mark.redis
def test_the_rq_doorbell_carries_the_request_id(
    json_app: Flask, capfd: pytest.CaptureFixture[str], redis_url: str
) -> None:
    """Scale-out mode: the request id rides in the RQ job, and the worker side (grade_job, run
    here in this process as GradingWorker would) logs the job under it."""
    json_app.config["REDIS_URL"] = redis_url
    response = json_app.test_client().get("/test/queue", headers={"X-Request-ID": "rq-req-77"})
    job_id = int(response.get_data(as_text=True))
    doorbell = RQJob.fetch(redis_jobs.doorbell_id(job_id, 0), connection=Redis.from_url(redis_url))
    assert doorbell.args == (job_id, "rq-req-77")
    capfd.readouterr()
    with json_app.app_context():
        redis_jobs.grade_job(*doorbell.args)
    job_lines = [line for line in _lines(capfd.readouterr().err) if line.get("job_id") == job_id]
    assert any("done" in line["message"] for line in job_lines)
    assert {line["request_id"] for line in job_lines} == {"rq-req-77"}
