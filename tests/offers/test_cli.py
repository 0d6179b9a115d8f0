"""`hirebench offers list --job ID [--json]` and `hirebench offers expire`."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta

from flask import Flask
from flask.testing import FlaskCliRunner

from hirebench.extensions import db
from hirebench.models import User
from hirebench.offers import service
from tests.offers import apply, cast, make_job, terms


def _offers(app: Flask, make_user: Callable[..., User]) -> tuple[int, int, int]:
    with app.test_request_context():
        people = cast(make_user)
        job = make_job()
        draft = service.create_offer(apply(people.candidate, job), terms(), by=people.hr)
        late = service.create_offer(
            apply(people.other, job), terms(monthly_salary="19500"), by=people.hr
        )
        service.send(late, by=people.hr)
        db.session.commit()
        late.current.valid_until = date.today() - timedelta(days=2)
        db.session.commit()
        return job.id, draft.id, late.id


def test_list_json(app: Flask, runner: FlaskCliRunner, make_user: Callable[..., User]) -> None:
    job_id, draft_id, late_id = _offers(app, make_user)
    result = runner.invoke(args=["offers", "list", "--job", str(job_id), "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [r["id"] for r in rows] == [late_id, draft_id]  # newest first
    late, draft = rows
    assert late == {
        "id": late_id,
        "candidate_email": "zhang@example.com",
        "status": "expired",  # past validity reads as expired before the worker marks it
        "current_version": 1,
        "monthly_salary": 19_500,
        "currency": "CNY",
        "start_date": (date.today() + timedelta(days=30)).isoformat(),
        "valid_until": (date.today() - timedelta(days=2)).isoformat(),
    }
    assert draft["status"] == "draft" and draft["candidate_email"] == "li.wei@example.com"


def test_list_text_and_unknown_job(
    app: Flask, runner: FlaskCliRunner, make_user: Callable[..., User]
) -> None:
    job_id, _, _ = _offers(app, make_user)
    result = runner.invoke(args=["offers", "list", "--job", str(job_id)])
    assert result.exit_code == 0 and "li.wei@example.com" in result.output
    assert "18,000 CNY" in result.output
    missing = runner.invoke(args=["offers", "list", "--job", "999"])
    assert missing.exit_code != 0 and "no job with id 999" in missing.output


def test_expire(app: Flask, runner: FlaskCliRunner, make_user: Callable[..., User]) -> None:
    _offers(app, make_user)
    assert runner.invoke(args=["offers", "expire"]).output.strip() == "expired 1 offer(s)"
    assert runner.invoke(args=["offers", "expire"]).output.strip() == "expired 0 offer(s)"
