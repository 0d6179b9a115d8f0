"""The analytics pages: a job's page and the admin overview (HR/admin only, server-side), the
ratings form and list (audited, paginated), the what-if and apply, the candidates' voluntary
group-data form, group data never next to a person, and CSRF on every form. Data is made in
an app context of its own; requests run outside it, as real ones do."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from hirebench.analytics import service
from hirebench.extensions import db
from hirebench.models import AuditEvent, Job, JobProfile, PerformanceRating, Role, User
from hirebench.models.demographics import GroupData
from tests.analytics.helpers import cohort, make_job
from tests.conftest import AuthActions, csrf_from
from tests.factories import row

# A group answer no page could contain by chance, so its absence proves something.
MARKER = "zebra-group"


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "ANALYTICS_GROUP_QUESTIONS": {"gender": [MARKER, "other-group"]}}


@pytest.fixture
def staff(make_user: Callable[..., User]) -> dict[str, str]:
    return {
        role.value: make_user(role, email=f"{role.value}@example.com").email
        for role in (Role.hr, Role.admin, Role.reviewer, Role.interviewer, Role.business)
    }


@pytest.fixture
def job_id(app: Flask) -> int:
    """A job with 60 applicants, 40 rated hires, and group answers: 30 of MARKER."""
    with app.app_context():
        made = cohort(make_job())
        for i, user in enumerate(made.users):
            service.save_group_data(user, {"gender": MARKER if i % 2 else "other-group"})
        db.session.commit()
        return made.job.id


def page(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def test_job_page_for_hr_with_charts_and_aggregates(
    client: FlaskClient, auth: AuthActions, staff: dict[str, str], job_id: int
) -> None:
    auth.login(staff["hr"])
    html = page(client, f"/hr/jobs/{job_id}/analytics")
    assert "Hiring analytics" in html
    for section in ('id="funnel"', 'id="validity"', 'id="weights"', 'id="adverse"'):
        assert section in html
    assert html.count("<svg") >= 4  # funnel, scores, validity, weights
    assert "Based on 40 rated hires." in html
    assert MARKER in html  # a group of 30: its totals are shown, never a person
    assert f"/hr/jobs/{job_id}/analytics/what-if" in html
    assert f'href="/hr/jobs/{job_id}/analytics"' in page(client, f"/hr/jobs/{job_id}")
    assert client.get("/hr/jobs/999/analytics").status_code == 404


def test_only_hr_and_admins_reach_analytics(
    client: FlaskClient,
    auth: AuthActions,
    staff: dict[str, str],
    job_id: int,
    make_user: Callable[..., User],
) -> None:
    urls = [
        f"/hr/jobs/{job_id}/analytics",
        f"/hr/jobs/{job_id}/analytics/what-if",
        f"/hr/jobs/{job_id}/ratings",
        "/admin/analytics",
    ]
    for url in urls:
        assert client.get(url).status_code == 302  # to the login page
    candidate = make_user(Role.candidate, email="cand@example.com")
    for who in ("reviewer", "interviewer", "business"):
        auth.login(staff[who])
        for url in urls:
            assert client.get(url).status_code == 403, (who, url)
        auth.logout()
    auth.login(candidate.email)
    for url in urls:
        assert client.get(url).status_code == 403
    auth.logout()
    auth.login(staff["hr"])
    assert client.get("/admin/analytics").status_code == 403  # the overview is for admins
    assert 'href="/admin/analytics"' not in page(client, "/hr/")
    assert client.get("/me/about-you").status_code == 403  # the form is for candidates
    auth.logout()
    auth.login(staff["admin"])
    html = page(client, "/admin/analytics")
    assert f'data-job="{job_id}"' in html and "proposal ready" in html
    assert 'href="/admin/analytics" aria-current="page"' in html  # the admin's menu
    page(client, f"/hr/jobs/{job_id}/analytics")


def test_group_data_is_never_shown_next_to_a_person(
    app: Flask, client: FlaskClient, auth: AuthActions, staff: dict[str, str], job_id: int
) -> None:
    with app.app_context():
        someone = db.session.scalars(
            sa.select(GroupData.candidate_id).where(
                GroupData.answers["gender"].as_string() == MARKER
            )
        ).first()
    auth.login(staff["hr"])
    for url in (
        f"/hr/jobs/{job_id}",
        f"/hr/jobs/{job_id}/scorecards/{someone}",
        f"/hr/jobs/{job_id}/ratings",
        f"/hr/jobs/{job_id}/analytics/what-if",
    ):
        response = client.get(url)
        assert response.status_code in (200, 404), url
        assert MARKER not in response.get_data(as_text=True), url


def test_small_groups_are_suppressed_on_the_page(
    app: Flask, client: FlaskClient, auth: AuthActions, staff: dict[str, str]
) -> None:
    with app.app_context():
        made = cohort(make_job(), n=30, n_hired=10)
        for user in made.users[:4]:
            service.save_group_data(user, {"gender": MARKER})
        for user in made.users[4:]:
            service.save_group_data(user, {"gender": "other-group"})
        db.session.commit()
        job_id = made.job.id
    auth.login(staff["hr"])
    html = page(client, f"/hr/jobs/{job_id}/analytics")
    assert MARKER not in html
    assert "1 small group left out" in html


def test_ratings_form_list_edit_and_delete_are_audited(
    app: Flask, client: FlaskClient, auth: AuthActions, staff: dict[str, str]
) -> None:
    with app.app_context():
        made = cohort(make_job(), n=8, n_hired=3)
        job_id, hire_id = made.job.id, made.hired[0].id
        before = db.session.scalar(sa.select(sa.func.count()).select_from(PerformanceRating))
    auth.login(staff["hr"])
    url = f"/hr/jobs/{job_id}/ratings"
    form = page(client, url)
    assert "Add a rating" in form and "Candidate 0" in form
    values = {
        "candidate_id": hire_id,
        "rated_on": "2026-04-01",
        "kind": "probation",
        "rating": "7",
        "scale_min": "1",
        "scale_max": "10",
        "comment": "good start",
    }
    bad = client.post(url, data={"csrf_token": csrf_from(form), **values, "rating": "11"})
    assert bad.status_code == 400
    assert "11 is outside the scale 1-10" in bad.get_data(as_text=True)
    done = client.post(url, data={"csrf_token": csrf_from(form), **values})
    assert done.status_code == 302
    with app.app_context():
        rating = db.session.scalars(
            sa.select(PerformanceRating).where(PerformanceRating.comment == "good start")
        ).one()
        rating_id = rating.id
        assert (rating.rating, rating.scale_max, rating.kind) == (7.0, 10.0, "probation")
    listed = page(client, f"{url}?candidate={hire_id}")
    assert "good start" in listed and f'data-rating="{rating_id}"' in listed
    edit_url = f"{url}/{rating_id}"
    edit = page(client, edit_url)
    changed = client.post(
        edit_url,
        data={"csrf_token": csrf_from(edit), "kind": "periodic", "rating": "8", "comment": "c"},
    )
    assert changed.status_code == 302
    delete = client.post(f"{edit_url}/delete", data={"csrf_token": csrf_from(listed)})
    assert delete.status_code == 302
    with app.app_context():
        assert db.session.get(PerformanceRating, rating_id) is None
        actions = db.session.scalars(
            sa.select(AuditEvent.action)
            .where(AuditEvent.action.startswith("performance."))
            .order_by(AuditEvent.id)
        ).all()
        assert actions == [
            "performance.rated",
            "performance.rating_changed",
            "performance.rating_deleted",
        ]
        assert (
            db.session.scalar(sa.select(sa.func.count()).select_from(PerformanceRating)) == before
        )
    assert client.get(f"/hr/jobs/{job_id}/ratings/999999").status_code == 404


def test_ratings_list_is_paginated(
    app: Flask, client: FlaskClient, auth: AuthActions, staff: dict[str, str]
) -> None:
    with app.app_context():
        made = cohort(make_job(), n=40, n_hired=20)  # 40 ratings, 25 a page
        job_id = made.job.id
    auth.login(staff["hr"])
    first = page(client, f"/hr/jobs/{job_id}/ratings")
    assert first.count("data-rating=") == 25 and "Page 1 of 2" in first
    assert page(client, f"/hr/jobs/{job_id}/ratings?page=2").count("data-rating=") == 15


def test_what_if_then_apply(
    app: Flask, client: FlaskClient, auth: AuthActions, staff: dict[str, str], job_id: int
) -> None:
    with app.app_context():
        job = row(Job, job_id)
        report = service.validity_report(job)
        assert report is not None
        proposed = report["weights"]["proposed"]
        expected = service.what_if(job, proposed)
    auth.login(staff["hr"])
    html = page(client, f"/hr/jobs/{job_id}/analytics/what-if")
    assert html.count("data-candidate=") == len(expected["changed"])
    assert f'data-unchanged="{expected["unchanged"]}"' in html
    token = csrf_from(html)
    assert (
        client.post(f"/hr/jobs/{job_id}/analytics/apply", data={"weights": "{}"}).status_code == 400
    )
    stale = client.post(
        f"/hr/jobs/{job_id}/analytics/apply",
        data={"csrf_token": token, "weights": '{"written_test": 100}'},
    )
    assert stale.status_code == 302
    assert "changed since it was shown" in page(client, stale.headers["Location"])
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(JobProfile)) == 1
    weights = html.split('name="weights" type="hidden" value="')[1].split('"')[0]
    applied = client.post(
        f"/hr/jobs/{job_id}/analytics/apply",
        data={"csrf_token": token, "weights": weights.replace("&#34;", '"')},
    )
    assert applied.status_code == 302
    after = page(client, applied.headers["Location"])
    assert "applied as profile version 2" in after
    # The page lists the applied proposal with the evidence from the audit log.
    history = after.split('id="applied"')[1].split("</section>")[0]
    assert "Profile v1 → v2" in history and 'data-version="2"' in history
    assert f"Based on {report['n_rated']} rated hires." in history
    assert page(client, f"/hr/jobs/{job_id}/analytics").count('id="applied"') == 1
    with app.app_context():
        profile = row(Job, job_id).profile
        assert profile is not None and profile.version == 2
        assert profile.definition["stages"] == {k: v for k, v in proposed.items() if v > 0}


def test_candidate_group_form_is_voluntary_and_their_own(
    app: Flask, client: FlaskClient, auth: AuthActions, make_user: Callable[..., User]
) -> None:
    candidate = make_user(Role.candidate, email="vol@example.com")
    auth.login(candidate.email)
    home = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert 'href="/me/about-you"' in home
    html = page(client, "/me/about-you")
    assert "entirely up to you" in html and "Prefer not to say" in html
    assert "checked" not in html  # nothing chosen for them
    assert client.post("/me/about-you", data={"gender": MARKER}).status_code == 400  # CSRF
    saved = client.post(
        "/me/about-you", data={"csrf_token": csrf_from(html), "gender": MARKER, "consent": "y"}
    )
    assert saved.status_code == 302
    with app.app_context():
        assert service.group_data_of(row(User, candidate.id)) == {"gender": MARKER}
    again = page(client, "/me/about-you")
    checked = re.findall(r"<input[^>]*checked[^>]*>", again)
    assert len(checked) == 1 and f'value="{MARKER}"' in checked[0]  # their own answer
    assert client.post("/me/about-you/delete", data={"confirm": "delete"}).status_code == 400
    gone = client.post(
        "/me/about-you/delete", data={"csrf_token": csrf_from(again), "confirm": "delete"}
    )
    assert gone.status_code == 302
    with app.app_context():
        assert service.group_data_of(row(User, candidate.id)) is None


def test_staff_forms_need_their_csrf_token(
    app: Flask, client: FlaskClient, auth: AuthActions, staff: dict[str, str]
) -> None:
    with app.app_context():
        made = cohort(make_job(), n=6, n_hired=2)
        job_id, hire_id = made.job.id, made.hired[0].id
        rating_id = db.session.scalars(sa.select(PerformanceRating.id)).first()
    auth.login(staff["hr"])
    values = {"candidate_id": hire_id, "rated_on": "2026-04-01", "kind": "periodic"}
    assert (
        client.post(
            f"/hr/jobs/{job_id}/ratings",
            data={**values, "rating": "3", "scale_min": "1", "scale_max": "5"},
        ).status_code
        == 400
    )
    assert (
        client.post(
            f"/hr/jobs/{job_id}/ratings/{rating_id}", data={"kind": "periodic", "rating": "2"}
        ).status_code
        == 400
    )
    assert client.post(f"/hr/jobs/{job_id}/ratings/{rating_id}/delete").status_code == 400
    with app.app_context():
        assert db.session.get(PerformanceRating, rating_id) is not None
        assert not db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action.startswith("performance."))
        ).all()
