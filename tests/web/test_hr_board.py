"""The pipeline board through the test client: its columns and cards, one column alone and
paged, moving and rejecting one candidate or many (all or nothing) with the audit trail,
reopening, and the refusals: other roles, a missing CSRF token, another job's candidate, an
unknown stage, a rejection without a reason, a selection that is not a number."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from hirebench.extensions import db
from hirebench.jobs import pipeline
from hirebench.models import Application, AuditEvent, CandidateScorecard, Job, Role, User
from tests.conftest import AuthActions, csrf_from
from tests.factories import row

NAMES = ("Ada", "Bob", "Carol", "<b>Dee</b>")


@dataclass
class World:
    job_id: int
    other_job_id: int
    apps: dict[str, int]  # name -> application id
    candidates: dict[str, int]  # name -> user id
    stranger: int  # an application to the other job
    hr_email: str

    @property
    def board(self) -> str:
        return f"/hr/jobs/{self.job_id}/board"

    @property
    def move_url(self) -> str:
        return f"/hr/jobs/{self.job_id}/board/move"


@pytest.fixture
def world(app: Flask, make_user: Callable[..., User]) -> Iterator[World]:
    hr = make_user(Role.hr, email="hr@example.com", name="王芳")
    with app.app_context():
        job, other = Job(title="AI Trainer"), Job(title="Data Annotator")
        db.session.add_all([job, other])
        db.session.flush()
        apps, candidates = {}, {}
        for n, name in enumerate(NAMES):
            user = User(email=f"c{n}@example.com", name=name, role=Role.candidate)
            application = Application(candidate=user, job=job)
            db.session.add(application)
            db.session.flush()
            apps[name], candidates[name] = application.id, user.id
            summary = {
                "name": name,
                "email": user.email,
                "stages": {"exam": 90.0 - 10 * n},
                "competencies": {},
                "flags": ["integrity"] if name == "Bob" else [],
            }
            db.session.add(
                CandidateScorecard(
                    application=application,
                    job_id=job.id,
                    composite=90.0 - 10 * n,
                    recommendation="hire" if n == 0 else "hold",
                    summary=summary,
                    data={},
                )
            )
        zed = User(email="zed@example.com", name="Zed", role=Role.candidate)
        stranger = Application(candidate=zed, job=other)
        db.session.add(stranger)
        db.session.commit()
        built = World(job.id, other.id, apps, candidates, stranger.id, hr.email)
    # No app context stays open during the test: a shared one would share `g` (the logged-in
    # user) between the requests of different clients.
    yield built


@pytest.fixture
def hr_client(client: FlaskClient, auth: AuthActions, world: World) -> FlaskClient:
    assert auth.login(world.hr_email).status_code == 302
    return client


def html_of(client: FlaskClient, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


def column_names(html: str, key: str) -> list[str]:
    """The names on the cards of one column, top to bottom."""
    section = re.search(
        rf'<section class="hb-column"[^>]*data-stage="{key}">(.*?)</section>', html, re.S
    )
    assert section is not None, key
    return re.findall(r'class="hb-card-name" href="[^"]*">([^<]*)</a>', section.group(1))


def post(client: FlaskClient, world: World, url: str, **data: Any) -> Any:
    token = csrf_from(html_of(client, world.board))
    return client.post(url, data={**data, "csrf_token": token})


def stages(app: Flask, world: World) -> dict[str, tuple[str, bool]]:
    with app.app_context():
        return {
            name: (row(Application, app_id).stage, row(Application, app_id).rejected_at is not None)
            for name, app_id in world.apps.items()
        }


def audit_actions(app: Flask) -> list[tuple[str, str, dict[str, Any]]]:
    with app.app_context():
        return [
            (e.action, e.target_id, e.detail)
            for e in db.session.scalars(
                sa.select(AuditEvent)
                .where(AuditEvent.action.startswith("application."))
                .order_by(AuditEvent.id)
            )
        ]


def test_the_board_shows_a_column_per_stage_and_a_card_per_candidate(
    hr_client: FlaskClient, world: World
) -> None:
    html = html_of(hr_client, world.board)
    assert [k for k in re.findall(r'class="hb-column"[^>]*data-stage="(\w+)"', html)] == list(
        pipeline.STAGES
    )
    # Best composite first; the name is escaped, never markup.
    assert column_names(html, "applied") == ["Ada", "Bob", "Carol", "&lt;b&gt;Dee&lt;/b&gt;"]
    assert "<b>Dee</b>" not in html
    assert 'data-band="hire"' in html and 'data-status="hire"' in html
    assert "1 flag" in html  # Bob's
    # Every card has its own move form and a box that belongs to the bulk form.
    assert html.count('form="board-bulk"') == len(NAMES)
    assert html.count(f'action="/hr/jobs/{world.job_id}/board/move"') == len(NAMES) + 1
    assert 'name="csrf_token"' in html
    assert "All stages (4)" in html and "Rejected (0)" in html
    assert "js/board.js" in html


def test_one_card_moves_with_a_reason_and_is_audited(
    app: Flask, hr_client: FlaskClient, world: World
) -> None:
    response = post(
        hr_client,
        world,
        world.move_url,
        application=world.apps["Ada"],
        to="exam",
        reason="Strong resume",
        action="move",
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith(world.board)
    html = html_of(hr_client, world.board)
    assert "Ada moved to Exam." in html
    assert column_names(html, "exam") == ["Ada"]
    assert stages(app, world)["Ada"] == ("exam", False)
    [(action, target, detail)] = audit_actions(app)
    assert (action, target) == ("application.move", str(world.apps["Ada"]))
    assert (detail["from"], detail["to"], detail["reason"]) == ("applied", "exam", "Strong resume")


def test_bulk_move_and_bulk_reject(app: Flask, hr_client: FlaskClient, world: World) -> None:
    picked = [world.apps["Ada"], world.apps["Bob"], world.apps["Carol"]]
    response = post(
        hr_client, world, world.move_url, application=picked, to="portfolio", action="move"
    )
    assert response.status_code == 303
    assert "3 candidates moved to Portfolio." in html_of(hr_client, world.board)
    response = post(
        hr_client,
        world,
        world.move_url,
        application=picked[:2],
        reason="Below the bar on the portfolio",
        action="reject",
    )
    assert response.status_code == 303
    html = html_of(hr_client, world.board)
    assert "2 candidates were rejected." in html
    assert column_names(html, "portfolio") == ["Carol"]
    assert stages(app, world) == {
        "Ada": ("portfolio", True),
        "Bob": ("portfolio", True),
        "Carol": ("portfolio", False),
        "<b>Dee</b>": ("applied", False),
    }
    rejected = html_of(hr_client, world.board + "?stage=rejected")
    assert column_names(rejected, "rejected") == ["Bob", "Ada"] or column_names(
        rejected, "rejected"
    ) == ["Ada", "Bob"]
    assert "Rejected at Portfolio: Below the bar on the portfolio" in rejected
    assert "board-bulk" not in rejected  # nothing to move there
    actions = [a for a, _t, _d in audit_actions(app)]
    assert actions == ["application.move"] * 3 + ["application.reject"] * 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"to": "limbo", "action": "move"}, "“limbo” is not a stage of the pipeline."),
        ({"to": "", "action": "move"}, "Choose the stage to move to."),
        ({"to": "applied", "action": "move"}, "Ada, Bob are already at the Applied stage."),
        ({"action": "reject", "reason": "  "}, "Give a reason for the rejection."),
        ({"action": "delete", "to": "exam"}, "Choose to move or to reject."),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_changes(
    app: Flask, hr_client: FlaskClient, world: World, data: dict[str, str], message: str
) -> None:
    response = post(
        hr_client, world, world.move_url, application=[world.apps["Ada"], world.apps["Bob"]], **data
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f'<div class="alert alert-danger" role="alert" id="board-error">{message}</div>' in html
    # The selection is kept for another try.
    assert (
        f'value="{world.apps["Ada"]}" form="board-bulk" id="pick-{world.apps["Ada"]}" checked'
        in html
    )
    assert set(stages(app, world).values()) == {("applied", False)}
    assert audit_actions(app) == []


def test_a_selection_from_elsewhere_is_refused_whole(
    app: Flask, hr_client: FlaskClient, world: World
) -> None:
    for picked, message in [
        ([world.apps["Ada"], world.stranger], "not in this job&#39;s pipeline"),
        (["1; DROP TABLE applications"], "The selection is not valid"),
        ([], "Select at least one candidate."),
    ]:
        response = post(
            hr_client, world, world.move_url, application=picked, to="exam", action="move"
        )
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
    assert set(stages(app, world).values()) == {("applied", False)}
    with app.app_context():
        assert row(Application, world.stranger).stage == "applied"


def test_a_rejected_candidate_is_reopened_at_their_stage(
    app: Flask, hr_client: FlaskClient, world: World
) -> None:
    ada = world.apps["Ada"]
    post(hr_client, world, world.move_url, application=ada, to="interview", action="move")
    post(hr_client, world, world.move_url, application=ada, reason="No show", action="reject")
    again = post(hr_client, world, world.move_url, application=ada, to="offer", action="move")
    assert again.status_code == 400
    assert "Ada was already rejected; reopen the application first." in again.get_data(as_text=True)
    reopen = f"/hr/jobs/{world.job_id}/board/reopen"
    response = post(
        hr_client, world, reopen, application=ada, reason="Rescheduled", stage="rejected"
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith(world.board + "?stage=rejected")
    assert stages(app, world)["Ada"] == ("interview", False)
    assert "Ada is back in the running, at the Interview stage." in html_of(hr_client, world.board)
    twice = post(hr_client, world, reopen, application=ada)
    assert twice.status_code == 400 and "Ada is not rejected" in twice.get_data(as_text=True)
    assert post(hr_client, world, reopen, application=[ada, world.apps["Bob"]]).status_code == 400


def test_one_column_alone_is_paged(app: Flask, hr_client: FlaskClient, world: World) -> None:
    with app.app_context():
        job = row(Job, world.job_id)
        for n in range(105):
            user = User(email=f"extra{n}@example.com", name=f"Extra {n:03d}", role=Role.candidate)
            db.session.add(Application(candidate=user, job=job, stage="exam"))
        db.session.commit()
    whole = html_of(hr_client, world.board)
    assert len(column_names(whole, "exam")) == 50  # the board shows a column's first 50
    assert f"/hr/jobs/{world.job_id}/board?stage=exam" in whole and "Show all 105" in whole
    first = html_of(hr_client, world.board + "?stage=exam")
    assert len(column_names(first, "exam")) == 100 and "Page 1 of 2" in first
    assert re.findall(r'data-stage="(\w+)"', first).count("applied") == 0  # one column only
    last = html_of(hr_client, world.board + "?stage=exam&page=9")
    assert column_names(last, "exam") == [f"Extra {n:03d}" for n in range(100, 105)]
    # An unknown column is the whole board, not an error.
    assert "All stages (109)" in html_of(hr_client, world.board + "?stage=nowhere")


def test_only_hr_and_admins_reach_the_board(
    app: Flask, client: FlaskClient, world: World, make_user: Callable[..., User]
) -> None:
    anonymous = client.get(world.board)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    for role in (Role.reviewer, Role.interviewer, Role.business):
        user = make_user(role)
        other = app.test_client()  # a browser of their own
        assert AuthActions(other).login(user.email).status_code == 302
        assert other.get(world.board).status_code == 403
        token = csrf_from(other.get("/notifications/").get_data(as_text=True))
        data = {"csrf_token": token, "application": world.apps["Ada"], "to": "exam"}
        assert other.post(world.move_url, data=data).status_code == 403
        reopen = f"/hr/jobs/{world.job_id}/board/reopen"
        assert other.post(reopen, data=data).status_code == 403
    candidate = make_user(Role.candidate)
    other = app.test_client()
    AuthActions(other).login(candidate.email)
    refused = other.get(world.board)  # 403, or first the consent a candidate must give
    assert refused.status_code in (302, 403)
    assert world.board not in refused.headers.get("Location", "")
    admin = make_user(Role.admin)
    other = app.test_client()
    assert AuthActions(other).login(admin.email).status_code == 302
    assert other.get(world.board).status_code == 200
    assert other.get("/hr/jobs/999/board").status_code == 404
    assert set(stages(app, world).values()) == {("applied", False)}


def test_a_post_without_the_csrf_token_is_refused(
    app: Flask, hr_client: FlaskClient, world: World
) -> None:
    data = {"application": world.apps["Ada"], "to": "exam", "action": "move"}
    assert hr_client.post(world.move_url, data=data).status_code == 400
    reopen = f"/hr/jobs/{world.job_id}/board/reopen"
    assert hr_client.post(reopen, data={"application": world.apps["Ada"]}).status_code == 400
    assert stages(app, world)["Ada"] == ("applied", False)


def test_a_refused_card_form_opens_again_with_what_was_typed(
    hr_client: FlaskClient, world: World
) -> None:
    ada = world.apps["Ada"]
    response = post(
        hr_client,
        world,
        world.move_url,
        application=ada,
        to="applied",
        reason="<i>typo</i>",
        action="move",
        origin="card",
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Ada is already at the Applied stage." in html
    card = re.search(rf'<li class="hb-card" data-application="{ada}".*?</li>', html, re.S)
    assert card is not None
    assert '<details class="hb-card-actions" open>' in card.group(0)
    assert 'value="&lt;i&gt;typo&lt;/i&gt;"' in card.group(0)
    # The bulk form is left alone: no selection, no reason.
    assert "checked" not in html.split('id="board-bulk"')[1].split("</form>")[0]
    assert f'id="pick-{ada}" checked' not in html
