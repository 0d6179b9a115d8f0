"""Compare candidates (issue 17 item 3): GET /hr/jobs/<id>/compare?candidate=…&candidate=…
shows two to four applicants of one job side by side; who may open it; every malformed
selection answered with a message, never a 500; and what the page says of each candidate,
escaped."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape

from hirebench.extensions import db
from hirebench.interviews import service as interviews
from hirebench.interviews.bank import load_bank_file
from hirebench.jobs import service as job_service
from hirebench.jobs.profile_file import load_profile_file
from hirebench.models import Job, Role, User
from hirebench.paths import PROJECT_ROOT
from hirebench.reviews import rubrics, workflow
from hirebench.scorecards import service as scorecards
from hirebench.scorecards.compare import CompareError, candidate_ids, check_count
from hirebench.services import feedback as feedback_service
from tests.conftest import AuthActions
from tests.factories import portfolio_item, row

PROFILE = PROJECT_ROOT / "exams" / "jobs" / "ai-trainer-ecommerce.yaml"
RUBRIC = PROJECT_ROOT / "exams" / "rubrics" / "portfolio-project.yaml"
BANK = PROJECT_ROOT / "exams" / "interviews" / "behavioural.yaml"
KIT = ["ambiguous-annotation-cases", "model-needs-changing", "business-vs-algorithm"]
XSS = "<script>alert('compare')</script>"
# The portfolio rubric's criteria, each level 1-5 (exams/rubrics/portfolio-project.yaml).
CRITERIA = ("problem-framing", "data-work", "measured-impact", "ownership", "communication")
# name -> the two reviewers' level on every criterion of their one portfolio case.
# Cy's reviewers disagree (1 and 5), which flags the case.
PLAN = {"Ada": (5, 4), "Bo": (2, 2), "Cy": (1, 5), "Di": (4, 4), XSS: (1, 1)}


@dataclass(frozen=True)
class World:
    job_id: int
    other_job_id: int
    ids: dict[str, int]  # candidate name -> user id
    outsider_id: int  # applied to the other job only
    staff: dict[str, str]  # role -> email

    def url(self, *names: str, job_id: int | None = None) -> str:
        query = "&".join(f"candidate={self.ids[n]}" for n in names)
        return f"/hr/jobs/{job_id or self.job_id}/compare?{query}"


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "GRADING_WORKERS": 0, "GRADING_AUTOSTART": False}


@pytest.fixture
def world(app: Flask, make_user: Callable[..., User]) -> World:
    staff = {
        role.value: make_user(role, email=f"{role.value}@example.com", name=f"{role.value} Lee")
        for role in (Role.hr, Role.admin, Role.business, Role.reviewer, Role.interviewer)
    }
    for n in (1, 2):
        make_user(Role.reviewer, email=f"r{n}@example.com", name=f"Reviewer {n}")
    with app.app_context():
        rubrics.load_files([RUBRIC])
        interviews.load_bank(load_bank_file(BANK))
        hr = row(User, staff["hr"].id)
        job = row(Job, job_service.save_profile(load_profile_file(PROFILE), by=hr).job_id)
        other = job_service.get_or_create("Another role")
        ids = {name: _candidate(job, name, levels) for name, levels in PLAN.items()}
        outsider = User(email="out@example.com", name="Out Sider", role=Role.candidate)
        db.session.add(outsider)
        db.session.flush()
        job_service.ensure_application(outsider, other)
        _interview(job, hr, row(User, ids["Ada"]), row(User, staff["interviewer"].id))
        feedback_service.add_feedback(
            row(User, ids["Bo"]), job, row(User, staff["business"].id), f"Bo's feedback {XSS}"
        )
        db.session.commit()
        return World(job.id, other.id, ids, outsider.id, {k: u.email for k, u in staff.items()})


def _candidate(job: Job, name: str, levels: tuple[int, int]) -> int:
    email = f"{name.lower()}@example.com" if name.isalpha() else "xss@example.com"
    candidate = User(email=email, name=name, role=Role.candidate)
    db.session.add(candidate)
    db.session.flush()
    scorecards.refresh(job_service.ensure_application(candidate, job))
    db.session.commit()
    item = portfolio_item(candidate, f"{name}'s case")
    for assignment, level in zip(list(item.assignments), levels, strict=True):
        summary = f"{name} reviewed by {assignment.reviewer.name}"
        workflow.submit_review(assignment, dict.fromkeys(CRITERIA, level), {}, summary)
    return candidate.id


def _interview(job: Job, hr: User, candidate: User, interviewer: User) -> None:
    kit = interviews.create_kit(job, "behavioural-1", "Behavioural", KIT, by=hr)
    interview = interviews.schedule(kit, candidate, [interviewer], None, by=hr)
    interviews.submit_scorecard(
        interview,
        interviewer,
        question_ratings={q["id"]: {"rating": 4, "notes": "A STAR story."} for q in kit.questions},
        competency_ratings={q["competency"]: 4 for q in kit.questions},
        recommendation="strong_yes",
        summary=f"Ada explains rules well {XSS}",
    )


def client_for(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    assert AuthActions(client).login(email).status_code == 302
    return client


def page(client: FlaskClient, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


def columns(html: str) -> list[str]:
    """The compared candidates' ids, in column order (the head links to each scorecard)."""
    head = html[html.index("<thead>") : html.index("</thead>")]
    return re.findall(r'data-candidate="(\d+)"', head)


# ------------------------------------------------------------------------------- who may


@pytest.mark.parametrize("role", ["hr", "admin", "business"])
def test_hr_admins_and_the_business_department_may_compare(
    app: Flask, world: World, role: str
) -> None:
    html = page(client_for(app, world.staff[role]), world.url("Ada", "Bo"))
    assert columns(html) == [str(world.ids["Ada"]), str(world.ids["Bo"])]


@pytest.mark.parametrize("role", ["reviewer", "interviewer"])
def test_reviewers_and_interviewers_may_not(app: Flask, world: World, role: str) -> None:
    page(client_for(app, world.staff[role]), world.url("Ada", "Bo"), 403)


def test_a_visitor_is_sent_to_log_in(app: Flask, world: World) -> None:
    visitor = app.test_client().get(world.url("Ada", "Bo"))
    assert visitor.status_code == 302 and "/login" in visitor.headers["Location"]


def test_a_candidate_may_not(app: Flask, world: World, make_user: Callable[..., User]) -> None:
    candidate = make_user(Role.candidate, email="nosy@example.com")
    page(client_for(app, candidate.email), world.url("Ada", "Bo"), 403)


def test_each_role_links_to_the_scorecards_it_can_open(app: Flask, world: World) -> None:
    ada = world.ids["Ada"]
    hr = page(client_for(app, world.staff["hr"]), world.url("Ada", "Bo"))
    assert f'href="/hr/jobs/{world.job_id}/candidates/{ada}"' in hr
    business = page(client_for(app, world.staff["business"]), world.url("Ada", "Bo"))
    assert f'href="/business/jobs/{world.job_id}/candidates/{ada}"' in business
    assert f'href="/hr/jobs/{world.job_id}/candidates/' not in business
    assert f'href="/business/?job={world.job_id}"' in business  # back to the job's list


# --------------------------------------------------------------------------- bad input


# (query, what the message says); {Ada} and the like stand for the candidates' ids.
REFUSED = [
    ("", "Choose at least 2 candidates to compare; 0 were chosen."),
    ("candidate={Ada}", "Choose at least 2 candidates to compare; 1 was chosen."),
    ("candidate={Ada}&candidate={Ada}", "1 was chosen."),  # the same one twice
    (
        "candidate={Ada}&candidate={Bo}&candidate={Cy}&candidate={Di}&candidate={xss}",
        "Compare at most 4 candidates at a time; 5 were chosen.",
    ),
    ("candidate={Ada}&candidate=abc", "“abc” is not a candidate."),
    ("candidate={Ada}&candidate=-3", "“-3” is not a candidate."),
    ("candidate={Ada}&candidate=１２", "“１２” is not a candidate."),  # full-width digits
    ("candidate={Ada}&candidate=99999999999999999999", "is not a candidate."),
    ("candidate={Ada}&candidate=424242", "Candidate 424242 has not applied to this job."),
    ("candidate={Ada}&candidate={outsider}", "has not applied to this job."),
    ("candidate={Ada}" + "&candidate=1" * 30, "Compare at most 4 candidates at a time"),
]


def test_a_selection_that_cannot_be_compared_says_why(app: Flask, world: World) -> None:
    hr = client_for(app, world.staff["hr"])
    ids = {"xss" if not k.isalpha() else k: v for k, v in world.ids.items()}
    for query, message in REFUSED:
        url = f"/hr/jobs/{world.job_id}/compare?" + query.format(**ids, outsider=world.outsider_id)
        html = page(hr, url, 400)
        assert message in html, (query, message)
        assert 'role="alert"' in html
        assert f'href="/hr/jobs/{world.job_id}"' in html  # the way back to choose again


def test_candidates_of_another_job_are_refused_there(app: Flask, world: World) -> None:
    html = page(
        client_for(app, world.staff["hr"]), world.url("Ada", "Bo", job_id=world.other_job_id), 400
    )
    assert "have not applied to this job" in html


def test_an_unknown_job_is_not_found(app: Flask, world: World) -> None:
    page(client_for(app, world.staff["hr"]), "/hr/jobs/9999/compare?candidate=1&candidate=2", 404)


def test_the_selection_is_read_strictly() -> None:
    assert candidate_ids(["3", " 5 ", "", "3"]) == [3, 5]
    for bad in (["x"], ["1.5"], ["0x10"], ["٣"]):  # Arabic-Indic three is a digit to Python
        with pytest.raises(CompareError):
            candidate_ids(bad)
    check_count([1, 2])
    check_count([1, 2, 3, 4])
    for wrong in ([], [1], [1, 2, 3, 4, 5]):
        with pytest.raises(CompareError):
            check_count(wrong)


# ------------------------------------------------------------------------------ content


def test_the_page_sets_the_candidates_side_by_side(app: Flask, world: World) -> None:
    hr = client_for(app, world.staff["hr"])
    html = page(hr, world.url("Di", "Ada", "Bo"))
    # In the order asked for, each with a link to compare without them.
    assert columns(html) == [str(world.ids[n]) for n in ("Di", "Ada", "Bo")]
    assert html.count("Remove ") == 3
    # The composite and recommendation row, and a row per stage of the profile.
    for row_name in ("composite", "recommendation"):
        assert f'data-row="{row_name}"' in html
    for stage in ("written_test", "portfolio", "interview", "assessment"):
        assert f'data-stage="{stage}"' in html
    # Scores as chips, recommendations as status badges.
    composite_row = html[
        html.index('data-row="composite"') : html.index('data-row="recommendation"')
    ]
    assert composite_row.count('class="hb-score hb-score-') == 3
    assert 'data-status="' in html[html.index('data-row="recommendation"') :]
    # The stage minimum of the profile is shown with its stage.
    assert "minimum 40.0" in html


def test_the_competencies_are_one_chart_with_a_table(app: Flask, world: World) -> None:
    html = page(client_for(app, world.staff["hr"]), world.url("Ada", "Bo"))
    chart = html[html.index('data-chart="competencies"') :]
    chart = chart[: chart.index("</svg>")]
    assert 'role="img"' in chart and "<title>" in chart
    # Every competency of the profile and both candidates, by number, in the chart.
    for title in ("Technical skill", "Annotation quality", "Communication"):
        assert title in chart
    assert "① Ada" in chart and "② Bo" in chart
    assert "<script" not in chart
    details = html[html.index("<details") : html.index("</details>")]
    assert "The competency scores as a table" in details and "<table" in details


def test_flags_feedback_and_the_panels_notes_are_shown_escaped(app: Flask, world: World) -> None:
    html = page(client_for(app, world.staff["hr"]), world.url("Ada", "Bo", XSS))
    assert XSS not in html
    assert str(escape(XSS)) in html
    # The interviewer's verdict and summary, and each reviewer's score and summary.
    ada = html[html.index(f'id="candidate-{world.ids["Ada"]}"') :]
    assert "Strong yes" in ada and "Ada explains rules well" in ada
    assert ada.count("Ada reviewed by ") == 2
    assert "review 100.0" in ada and "review 75.0" in ada  # levels 5 and 4 of 5
    # Feedback from the business department.
    bo = html[html.index(f'id="candidate-{world.ids["Bo"]}"') :]
    assert "Bo&#39;s feedback" in bo and "Business department" in bo


def test_the_business_department_sees_no_panel_notes(app: Flask, world: World) -> None:
    html = page(client_for(app, world.staff["business"]), world.url("Ada", "Bo"))
    assert "Ada explains rules well" not in html
    assert "Ada reviewed by" not in html
    assert "data-notes" not in html
    assert "Bo&#39;s feedback" in html  # the scorecard's feedback, as on its own page


def test_a_disagreement_is_a_flag_on_the_page(app: Flask, world: World) -> None:
    html = page(client_for(app, world.staff["hr"]), world.url("Cy", "Di"))
    cy = html[html.index(f'id="candidate-{world.ids["Cy"]}"') :]
    cy = cy[: cy.index(f'id="candidate-{world.ids["Di"]}"')]
    assert 'data-flag="disagreement"' in cy and "Reviewers disagreed on" in cy
    di = html[html.index(f'id="candidate-{world.ids["Di"]}"') :]
    assert "data-flag=" not in di and "No flags." in di


def test_chinese_readers_get_the_page_in_chinese(app: Flask, world: World) -> None:
    hr = client_for(app, world.staff["hr"])
    html = hr.get(world.url("Ada", "Bo"), headers={"Accept-Language": "zh-CN"}).get_data(
        as_text=True
    )
    assert 'lang="zh-Hans"' in html
    # The competency titles in the chart are the Chinese halves of "English · 中文".
    chart = html[html.index('data-chart="competencies"') :]
    chart = chart[: chart.index("</svg>")]
    assert "技术能力" in chart and "Technical skill ·" not in chart


def test_the_business_list_offers_the_comparison(app: Flask, world: World) -> None:
    html = page(client_for(app, world.staff["business"]), f"/business/?job={world.job_id}")
    action = f'action="/hr/jobs/{world.job_id}/compare"'
    assert re.search(rf'<form id="compare-form"[^>]* method="get" {action}>', html)
    boxes = re.findall(r'name="candidate" value="(\d+)" form="compare-form"', html)
    assert sorted(boxes) == sorted(str(i) for i in world.ids.values())
    assert 'aria-label="Compare Ada"' in html
