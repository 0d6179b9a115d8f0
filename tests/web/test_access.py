"""The roles matrix: every URL rule, every role. A new route without a declared policy, or
whose policy differs from this table, fails here."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from hirebench import create_app
from hirebench.extensions import db
from hirebench.models import Role, User
from hirebench.services.accounts import hash_password
from hirebench.web.access import PUBLIC, policy_for
from tests.conftest import PASSWORD, AuthActions

ADM, HR, REV, INT, CAN = Role.admin, Role.hr, Role.reviewer, Role.interviewer, Role.candidate
BUS = Role.business
EXPECTED: dict[str, Any] = {
    "static": PUBLIC,
    "auth.index": PUBLIC,
    "auth.login": PUBLIC,
    "auth.logout": PUBLIC,
    "auth.accept_invitation": PUBLIC,
    "auth.set_language": PUBLIC,
    "auth.change_password": {ADM, HR, REV, INT, CAN, BUS},
    "api.health_check": PUBLIC,
    "api.health_live": PUBLIC,
    "api.health_ready": PUBLIC,
    # Public to the session check only: the view answers loopback or a bearer token.
    "metrics.metrics": PUBLIC,
    # Public to the session check only: the view itself demands an API token (401 without).
    "api.job_scorecards": PUBLIC,
    "api.hires_list": PUBLIC,
    "hr_hires.hires_page": {HR, ADM},
    "hr_hires.export": {HR, ADM},
    "admin.home": {ADM},
    "admin.create_user": {ADM},
    "admin.edit_user": {ADM},
    "admin.deactivate_user": {ADM},
    "admin.reactivate_user": {ADM},
    "hr.home": {HR, ADM},
    "hr.invite": {HR, ADM},
    "hr.resend_invitation": {HR, ADM},
    "hr.revoke_invitation": {HR, ADM},
    "hr.audit_log": {HR, ADM},
    "hr.attempts_list": {HR, ADM},
    "hr.attempt_detail": {HR, ADM},
    # Similarity (issue 16): HR and reviewers read and decide; only HR queues a run.
    "integrity.index": {HR, ADM, REV},
    "integrity.exam_page": {HR, ADM, REV},
    "integrity.run_now": {HR, ADM},
    "integrity.run_page": {HR, ADM, REV},
    "integrity.pair_page": {HR, ADM, REV},
    "integrity.decide": {HR, ADM, REV},
    "integrity.export": {HR, ADM, REV},
    "review.home": {REV},
    "search.results": {ADM, HR, REV, INT, BUS},
    "interview.home": {INT},
    "candidate.home": {CAN},
    "candidate.consent": {CAN},
    "candidate.attempt": {CAN},
    "candidate.confirm_submit": {CAN},
    "candidate.result": {CAN},
    "candidate.save": {CAN},
    "candidate.event": {CAN},
    "candidate.flag": {CAN},
    # The exam's clock and breaks (docs/accommodations.md): the candidate's own attempt only.
    "candidate.clock": {CAN},
    "candidate.take_break": {CAN},
    "candidate.resume": {CAN},
    "candidate.run_tests": {CAN},
    "candidate.run_status": {CAN},
    "candidate.survey": {CAN},
    "admin.rubrics_list": {ADM},
    "admin.rubric_edit": {ADM},
    "admin.tokens": {ADM},
    "admin.create_token": {ADM},
    "admin.revoke_token": {ADM},
    "admin.confirm_revoke_token": {ADM},
    "admin_webhooks.endpoints": {ADM},
    "admin_webhooks.create_endpoint": {ADM},
    "admin_webhooks.disable": {ADM},
    "admin_webhooks.enable": {ADM},
    "admin_webhooks.confirm_delete": {ADM},
    "admin_webhooks.delete": {ADM},
    "admin_webhooks.deliveries": {ADM},
    "admin_webhooks.delivery": {ADM},
    "admin_webhooks.resend": {ADM},
    "hr.candidates": {HR, ADM},
    "hr.candidate": {HR, ADM},
    "hr.set_accommodation": {HR, ADM},
    "hr.extend_attempt": {HR, ADM},
    "hr.review_items": {HR, ADM},
    "hr.review_item": {HR, ADM},
    "hr.assign_reviewer": {HR, ADM},
    "hr.unassign_reviewer": {HR, ADM},
    "hr.portfolio_file": {HR, ADM},
    "hr.portfolio_file_preview": {HR, ADM},
    "hr.portfolio_file_preview_document": {HR, ADM},
    "hr.agreement": {HR, ADM},
    "hr.interviews_page": {HR, ADM},
    "hr.create_kit": {HR, ADM},
    "hr.schedule_interview": {HR, ADM},
    "hr.job_dashboard": {HR, ADM},
    "hr.board": {HR, ADM},
    "hr.board_move": {HR, ADM},
    "hr.board_reopen": {HR, ADM},
    "hr.scorecard": {HR, ADM},
    # The business department reads every applicant's scorecard, so it may compare them too.
    "hr.compare_candidates": {HR, ADM, BUS},
    "hr.add_feedback": {HR, ADM},
    "hr.job_profile": {HR, ADM},
    "hr.job_profile_file": {HR, ADM},
    "hr.export_job": {HR, ADM},
    "hr.export_pdf": {HR, ADM},
    "hr.screening": {HR, ADM},
    "hr.upload_resumes": {HR, ADM},
    "hr.invite_shortlist": {HR, ADM},
    "hr.include_resume": {HR, ADM},
    "review.item": {REV},
    "review.submit": {REV},
    "review.download": {REV},
    "review.file_preview": {REV},
    "review.file_preview_document": {REV},
    "interview.interview": {INT},
    "interview.submit": {INT},
    "interview.feedback": {INT},
    "business.home": {BUS},
    "business.candidate": {BUS},
    "business.add_feedback": {BUS},
    "portfolio.home": {CAN},
    "portfolio.create": {CAN},
    "portfolio.download": {CAN},
    "notifications.index": {ADM, HR, REV, INT, BUS},
    "notifications.mark_read": {ADM, HR, REV, INT, BUS},
    "notifications.open_notification": {ADM, HR, REV, INT, BUS},
    "notifications.mark_all_read": {ADM, HR, REV, INT, BUS},
    "notifications.preferences": {ADM, HR, REV, INT, BUS},
    # Offers: HR and admins manage; the approver a job profile names may be any staff role,
    # so those views let staff in and check the offer's approver themselves.
    "offers.new": {HR, ADM},
    "offers.edit": {HR, ADM},
    "offers.offer": {ADM, HR, REV, INT, BUS},
    "offers.request_approval": {HR, ADM},
    "offers.approve": {ADM, HR, REV, INT, BUS},
    "offers.send": {HR, ADM},
    "offers.withdraw": {HR, ADM},
    "offers.letter": {ADM, HR, REV, INT, BUS},
    "offers.job_offers": {HR, ADM},
    "candidate_offers.offers": {CAN},
    "candidate_offers.offer": {CAN},
    "candidate_offers.letter": {CAN},
    "candidate_offers.accept": {CAN},
    "candidate_offers.decline": {CAN},
    "onboarding.home": {CAN},
    "onboarding.mine": {CAN},
    "onboarding.done": {CAN},
    "onboarding.upload": {CAN},
    "onboarding.save_personal": {CAN},
    "onboarding.own_file": {CAN},
    "onboarding.hr_list": {HR, ADM},
    "onboarding.hr_detail": {HR, ADM},
    "onboarding.hr_done": {HR, ADM},
    "onboarding.hr_file": {HR, ADM},
    "analytics.job_page": {HR, ADM},
    "analytics.overview": {ADM},
    "analytics.what_if": {HR, ADM},
    "analytics.apply": {HR, ADM},
    "analytics.ratings": {HR, ADM},
    "analytics.edit_rating": {HR, ADM},
    "analytics.delete_rating": {HR, ADM},
    "analytics.group_data": {CAN},
    "analytics.delete_group_data": {CAN},
    # Personal data (issue 19): a candidate reaches only their own copy and erasure request
    # (another candidate's id is a 404); HR's panel, erasure and holds are HR's.
    "privacy.my_data": {CAN},
    "privacy.withdraw": {CAN},
    "privacy.give_future_openings": {CAN},
    "privacy.copy": {CAN, HR, ADM},
    "privacy.erase": {CAN, HR, ADM},
    "privacy.panel": {HR, ADM},
    "privacy.place_hold": {HR, ADM},
    "privacy.lift_hold": {HR, ADM},
}
TOKEN_AUTH = {"api.job_scorecards", "api.hires_list"}
DUMMY_ARGS = {
    "token": "not-a-token",
    "filename": "css/app.css",
    "attempt_id": 1,
    "slug": "no-such-exam",
    "question_id": "no-such-question",
    "job_id": 1,
    "rubric_id": 1,
    "candidate_id": 1,
    "item_id": 1,
    "assignment_id": 1,
    "portfolio_id": 1,
    "file_id": 1,
    "interview_id": 1,
    "fmt": "csv",
    "resume_id": 1,
    "token_id": 1,
    "endpoint_id": 1,
    "delivery_id": 1,
    "invitation_id": 1,
    "user_id": 1,
    "notification_id": 1,
    "offer_id": 1,
    "version": 1,
    "onboarding_id": 1,
    "task_id": 1,
    "rating_id": 1,
    "run_id": 1,
    "pair_id": 1,
    "purpose": "proctoring",
    "hold_id": 1,
}


@pytest.fixture
def matrix_app(app_config: dict[str, Any]) -> Flask:
    # CSRF off only here, so an allowed POST reaches its view (and fails validation with 400)
    # while a forbidden one is stopped by the access check with 403.
    app = create_app({**app_config, "WTF_CSRF_ENABLED": False})
    with app.app_context():
        db.create_all()
    return app


def _rules(app: Flask) -> list[tuple[str, str, str]]:
    cases = []
    for rule in app.url_map.iter_rules():
        url = rule.build({arg: DUMMY_ARGS[arg] for arg in rule.arguments}, append_unknown=False)
        assert url is not None
        path = url[1]
        method = "GET" if "GET" in (rule.methods or ()) else "POST"
        cases.append((rule.endpoint, method, path))
    return cases


def test_every_endpoint_declares_the_expected_policy(matrix_app: Flask) -> None:
    endpoints = {rule.endpoint for rule in matrix_app.url_map.iter_rules()}
    assert endpoints == set(EXPECTED), "add new routes to EXPECTED with their roles"
    for endpoint in endpoints:
        policy = policy_for(matrix_app, endpoint)
        assert policy is not None, f"{endpoint} has no access policy"
        expected = EXPECTED[endpoint]
        assert policy == (PUBLIC if expected == PUBLIC else frozenset(expected)), endpoint


def test_undeclared_endpoint_is_refused(matrix_app: Flask) -> None:
    matrix_app.add_url_rule("/forgotten", "forgotten", lambda: "secret")
    assert policy_for(matrix_app, "forgotten") is None
    assert matrix_app.test_client().get("/forgotten").status_code == 403


@pytest.mark.parametrize("role", [None, *Role])
def test_roles_matrix(matrix_app: Flask, role: Role | None) -> None:
    client = matrix_app.test_client()
    if role is not None:
        with matrix_app.app_context():
            user = User(
                email="matrix@example.com", role=role, password_hash=hash_password(PASSWORD)
            )
            db.session.add(user)
            db.session.commit()
        assert AuthActions(client).login("matrix@example.com").status_code == 302
    for endpoint, method, path in _rules(matrix_app):
        if endpoint == "auth.logout":
            continue  # would end this client's session mid-matrix
        response = client.open(path, method=method)
        expected = EXPECTED[endpoint]
        if endpoint in TOKEN_AUTH:
            # Open to the session check; the view itself demands an API token.
            assert response.status_code == 401, (endpoint, role)
        elif expected == PUBLIC:
            assert response.status_code not in (401, 403), (endpoint, role)
        elif role is None:
            assert response.status_code == 302, (endpoint, role)
            assert "/login" in response.headers["Location"], (endpoint, role)
        elif role in expected:
            # An allowed POST whose empty form is valid (no fields but the CSRF token, which the
            # matrix app does not check) does its work and redirects, never to the login page.
            allowed = response.status_code in (200, 400, 404) or (
                response.status_code in (302, 303)
                and method == "POST"
                and "/login" not in response.headers["Location"]
            )
            assert allowed, (endpoint, role, response.status_code)
        else:
            assert response.status_code == 403, (endpoint, role, response.status_code)
