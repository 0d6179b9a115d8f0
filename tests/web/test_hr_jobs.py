"""HR's job pages through the test client: the dashboard (ranking, sorting, filters, search,
pagination), the candidate's scorecard page with feedback, the job profile editor, and the
CSV, XLSX and PDF exports with their audit trail and refusals; and who may open them.

The world: the shipped profile of the demo job and six candidates whose portfolio cases two
reviewers have scored, so that the composite (the only scored stage) and the communication
competency rank them differently."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa
import yaml
from flask import Flask, url_for
from flask.testing import FlaskClient
from pypdf import PdfReader

import hirebench
import hirebench.paths
from hirebench.exams import attempts
from hirebench.exams.loader import load_exam
from hirebench.extensions import db
from hirebench.grading import queue as grading_queue
from hirebench.jobs import service as job_service
from hirebench.jobs.profile_file import load_profile_file, parse_profile_text, profile_yaml
from hirebench.models import (
    AuditEvent,
    CandidateScorecard,
    Exam,
    Job,
    JobProfile,
    ReviewItem,
    Role,
    User,
)
from hirebench.paths import PROJECT_ROOT
from hirebench.reviews import rubrics, workflow
from hirebench.scorecards import service as scorecards
from tests.conftest import AuthActions, csrf_from
from tests.factories import application_of, portfolio_item, row

SAMPLE_EXAM = PROJECT_ROOT / "exams" / "ai-trainer-ecommerce"
PROFILE = PROJECT_ROOT / "exams" / "jobs" / "ai-trainer-ecommerce.yaml"
RUBRIC = PROJECT_ROOT / "exams" / "rubrics" / "portfolio-project.yaml"
JOB_TITLE = "AI Trainer — e-commerce"
# The portfolio rubric's criteria (weights 2, 3, 3, 2, 1), levels 1-5.
CRITERIA = ("problem-framing", "data-work", "measured-impact", "ownership", "communication")


def levels(value: int, communication: int | None = None) -> dict[str, int]:
    result = dict.fromkeys(CRITERIA, value)
    if communication is not None:
        result["communication"] = communication
    return result


# name -> the two reviewers' levels on the candidate's one portfolio case (None: no case).
# The composite is the portfolio score (the only scored stage, reweighted); communication is
# the mean communication level, (level - 1) / 4 * 100.
PLAN: dict[str, tuple[dict[str, int], dict[str, int]] | None] = {
    "张伟": (levels(5, 1), levels(5, 1)),  # 10 / 11 = 90.9; communication 0
    "Bob Builder": (levels(4), levels(4)),  # 75.0; communication 75
    "Ada Lovelace": (levels(3, 5), levels(3, 5)),  # 6 / 11 = 54.5; communication 100
    "Eve": (levels(1), levels(5)),  # 0 and 100: disagreement, median 50; communication 50
    "Dan": (levels(1, 2), levels(1, 2)),  # 0.25 / 11 = 2.3: reject; communication 25
    "Carol": None,  # nothing scored
}
COMPOSITES = {
    "张伟": 90.9,
    "Bob Builder": 75.0,
    "Ada Lovelace": 54.5,
    "Eve": 50.0,
    "Dan": 2.3,
    "Carol": None,
}
BY_COMPOSITE = ["张伟", "Bob Builder", "Ada Lovelace", "Eve", "Dan", "Carol"]
BY_COMMUNICATION = ["Ada Lovelace", "Bob Builder", "Eve", "Dan", "张伟", "Carol"]
# A row: the compare box, the name, then the composite cell, whose data-composite is the score
# as shown (the cell draws it as a score chip).
ROW_RE = re.compile(
    r'<tr data-candidate="(\d+)">\s*<td class="hb-pick-col">.*?</td>\s*'
    r'<td class="candidate"><a href="[^"]*" id="name-\d+">([^<]*)</a></td>\s*'
    r'<td class="num composite" data-composite="([^"]*)">'
)


@dataclass
class World:
    job_id: int
    ids: dict[str, int]  # candidate name -> user id
    hr_id: int
    attempt_id: int
    item_ids: dict[str, int]  # candidate name -> review item id

    @property
    def dashboard(self) -> str:
        return f"/hr/jobs/{self.job_id}"

    def card_url(self, name: str) -> str:
        return f"/hr/jobs/{self.job_id}/candidates/{self.ids[name]}"


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "GRADING_WORKERS": 0, "GRADING_AUTOSTART": False}


@pytest.fixture
def world(app: Flask, make_user: Callable[..., User], auth: AuthActions) -> Iterator[World]:
    hr = make_user(Role.hr, email="hr@example.com", name="王芳")
    reviewers = [make_user(Role.reviewer, email=f"r{n}@example.com") for n in (1, 2)]
    with app.app_context():
        rubrics.load_files([RUBRIC])
        load_exam(SAMPLE_EXAM, PROJECT_ROOT / "graders")
        author = db.session.get(User, hr.id)
        profile = job_service.save_profile(load_profile_file(PROFILE), by=author)
        job = row(Job, profile.job_id)
        ids, item_ids = {}, {}
        for name, plan in PLAN.items():
            email = f"{name.split()[0].lower()}@example.com" if name.isascii() else "zw@example.com"
            candidate = new_candidate(job, name, email)
            ids[name] = candidate.id
            if plan is not None:
                item = portfolio_item(candidate, f"{name}'s project")
                item_ids[name] = item.id
                for assignment, given in zip(list(item.assignments), plan, strict=True):
                    workflow.submit_review(assignment, given, {})
        assigned = {
            a.reviewer_id
            for item in db.session.scalars(sa.select(ReviewItem))
            for a in item.assignments
        }
        assert assigned == {r.id for r in reviewers}
        zhang = row(User, ids["张伟"])
        attempt = attempts.start_attempt(zhang, db.session.scalars(sa.select(Exam)).one())
        application = application_of(zhang.id, job.id)
        application.salary_expectation = {"min": 30000, "max": 32000, "period": "month"}
        scorecards.refresh(application)
        db.session.commit()
        built = World(job.id, ids, hr.id, attempt.id, item_ids)
    assert auth.login(hr.email).status_code == 302
    yield built
    grading_queue.shutdown(app)


def new_candidate(job: Job, name: str, email: str) -> User:
    candidate = User(email=email, name=name, role=Role.candidate, password_hash=None)
    db.session.add(candidate)
    db.session.flush()
    scorecards.refresh(job_service.ensure_application(candidate, job))
    db.session.commit()
    return candidate


def html_of(client: FlaskClient, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


def names(html: str) -> list[str]:
    return [name for _id, name, _composite in ROW_RE.findall(html)]


def composites(html: str) -> list[str]:
    return [composite for _id, _name, composite in ROW_RE.findall(html)]


def post(client: FlaskClient, url: str, data: dict[str, str], token_page: str) -> Any:
    token = csrf_from(html_of(client, token_page))
    return client.post(url, data={**data, "csrf_token": token})


def audit_actions(app: Flask, prefix: str = "export.") -> list[tuple[str, int | None, str]]:
    with app.app_context():
        return [
            (e.action, e.actor_id, e.target_id)
            for e in db.session.scalars(
                sa.select(AuditEvent)
                .where(AuditEvent.action.startswith(prefix))
                .order_by(AuditEvent.id)
            )
        ]


# ------------------------------------------------------------------------------ dashboard


def test_dashboard_ranks_by_composite_best_first(client: FlaskClient, world: World) -> None:
    html = html_of(client, world.dashboard)
    assert JOB_TITLE in html and "profile v1" in html and "6 applicants" in html
    assert names(html) == BY_COMPOSITE
    assert composites(html) == ["90.9", "75.0", "54.5", "50.0", "2.3", "—"]
    # Every competency of the profile is a sortable column.
    for key in ("technical", "annotation-quality", "business", "communication"):
        assert f'data-sort="c:{key}"' in html
    # Ascending: the lowest first, and no score still last.
    ascending = names(html_of(client, world.dashboard + "?sort=composite&order=asc"))
    assert ascending == ["Dan", "Eve", "Ada Lovelace", "Bob Builder", "张伟", "Carol"]


def complete_the_record(app: Flask, world: World, name: str) -> None:
    """Gives every stage of the candidate's stored scorecard a score, as a full record would
    have, without changing the composite (the ranking reads the stored summary and data)."""
    with app.app_context():
        card = application_of(world.ids[name], world.job_id).scorecard
        data = json.loads(json.dumps(card.data))
        for stage in data["stages"].values():
            stage.update(score=stage["score"] or 10.0, status="complete")
        card.data = data
        card.summary = scorecards.summarize(data)
        db.session.commit()


def test_complete_records_rank_before_partial_composites(
    app: Flask, client: FlaskClient, world: World
) -> None:
    # Everyone here has a portfolio score only (1 of 4 stages); Dan now has all four.
    complete_the_record(app, world, "Dan")
    html = html_of(client, world.dashboard)
    assert names(html) == ["Dan", *[n for n in BY_COMPOSITE if n != "Dan"]]
    assert composites(html)[:2] == ["2.3", "90.9"]
    # The partial composites say so; the complete one and "no composite" do not.
    badges = re.findall(
        r'<tr data-candidate="(\d+)">.*?<td class="num composite" data-composite="[^"]*">.*?'
        r'(?:<br><span class="badge composite-basis" data-partial>([^<]*)</span>)?</td>',
        html,
        re.S,
    )
    by_name = {name: badge for (_id, badge), name in zip(badges, names(html), strict=True)}
    assert by_name["Dan"] == "" and by_name["Carol"] == ""
    assert by_name["张伟"] == by_name["Eve"] == "partial: 1 of 4 stages"
    # Ascending keeps complete records first too; no composite stays last.
    ascending = names(html_of(client, world.dashboard + "?sort=composite&order=asc"))
    assert ascending == ["Dan", "Eve", "Ada Lovelace", "Bob Builder", "张伟", "Carol"]

    # The exports rank and mark them the same way.
    raw = client.get(f"{world.dashboard}/export.csv").get_data()
    header, *rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert [r[1] for r in rows] == names(html)
    basis = {r[1]: r[header.index("Composite basis")] for r in rows}
    assert basis["Dan"] == "4 of 4 stages" and basis["Carol"] == ""
    assert basis["Bob Builder"] == "partial: 1 of 4 stages"
    pdf = client.get(world.card_url("Eve") + "/scorecard.pdf").get_data()
    pdf_text = " ".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())
    assert "partial: 1 of 4 stages" in pdf_text


def test_why_opens_in_its_own_row(client: FlaskClient, world: World) -> None:
    """The reasons sit in a full-width row under the candidate, not inside a narrow cell."""
    html = html_of(client, world.dashboard)
    zhang = world.ids["张伟"]
    assert f'<summary aria-controls="why-{zhang}">why</summary>' in html
    row_html = re.search(
        rf'<tr class="why" id="why-{zhang}"><td colspan="(\d+)">(.*?)</tr>', html, re.S
    )
    assert row_html is not None
    headers = len(re.findall(r"<th[ >]", html.split("</thead>")[0]))
    assert int(row_html.group(1)) == headers
    assert "Composite 90.9 so far" in row_html.group(2)


def test_sorting_by_a_competency_and_by_name(client: FlaskClient, world: World) -> None:
    url = world.dashboard + "?sort=c:communication"
    assert names(html_of(client, url + "&order=desc")) == BY_COMMUNICATION
    assert names(html_of(client, url + "&order=asc")) == [
        "张伟",
        "Dan",
        "Eve",
        "Bob Builder",
        "Ada Lovelace",
        "Carol",  # no score sorts last in both directions
    ]
    by_name = ["Ada Lovelace", "Bob Builder", "Carol", "Dan", "Eve", "张伟"]
    assert names(html_of(client, world.dashboard + "?sort=name&order=asc")) == by_name
    assert names(html_of(client, world.dashboard + "?sort=name&order=desc")) == by_name[::-1]
    # By a stage: the portfolio is the composite here.
    assert names(html_of(client, world.dashboard + "?sort=s:portfolio")) == BY_COMPOSITE
    # By recommendation: hire, hire with training, hold, reject; the reject last.
    assert names(html_of(client, world.dashboard + "?sort=recommendation&order=asc"))[-1] == "Dan"
    # Nonsense falls back to the composite.
    assert names(html_of(client, world.dashboard + "?sort=bogus")) == BY_COMPOSITE


def test_filters_and_search(client: FlaskClient, world: World) -> None:
    def shown(query: str) -> list[str]:
        return names(html_of(client, world.dashboard + "?" + query))

    assert shown("recommendation=reject") == ["Dan"]
    assert shown("recommendation=hold") == ["张伟", "Bob Builder", "Ada Lovelace", "Eve", "Carol"]
    assert shown("recommendation=hire") == []
    assert shown("flag=disagreement") == ["Eve"]
    assert shown("flag=over_budget") == ["张伟"]
    assert shown("q=lovelace") == ["Ada Lovelace"]
    assert shown("q=DAN%40example") == ["Dan"]  # by email, any case
    assert shown("q=%E5%BC%A0") == ["张伟"]  # 张
    assert shown("q=nobody") == []
    assert "No candidates match." in html_of(client, world.dashboard + "?q=nobody")
    # Filters combine, and keep the sort.
    assert shown("recommendation=hold&flag=over_budget&sort=name") == ["张伟"]
    assert shown("recommendation=hold&sort=c:communication&order=desc") == [
        "Ada Lovelace",
        "Bob Builder",
        "Eve",
        "张伟",
        "Carol",
    ]


def test_pagination_with_more_than_a_hundred_candidates(
    app: Flask, client: FlaskClient, world: World
) -> None:
    with app.app_context():
        job = row(Job, world.job_id)
        for n in range(101):
            new_candidate(job, f"Extra {n:03d}", f"extra{n:03d}@example.com")
        cards = db.session.scalar(
            sa.select(sa.func.count(CandidateScorecard.id)).where(
                CandidateScorecard.job_id == world.job_id
            )
        )
        assert cards == 107

    first = html_of(client, world.dashboard)
    assert "107 applicants" in first and "107 candidates with a scorecard" in first
    assert "Page 1 of 2" in first and "page=2" in first
    assert len(names(first)) == 100
    assert names(first)[:6] == BY_COMPOSITE
    assert composites(first)[5:] == ["—"] * 95

    second = html_of(client, world.dashboard + "?page=2")
    assert "Page 2 of 2" in second
    assert len(names(second)) == 7
    assert composites(second) == ["—"] * 7  # no score sorts last
    assert set(names(first)).isdisjoint(names(second))
    assert len(set(names(first)) | set(names(second))) == 107
    # Ascending still puts those without a score last.
    ascending = html_of(client, world.dashboard + "?sort=composite&order=asc")
    assert names(ascending)[:5] == ["Dan", "Eve", "Ada Lovelace", "Bob Builder", "张伟"]
    assert composites(html_of(client, world.dashboard + "?order=asc&page=2")) == ["—"] * 7
    # A page past the end shows the last one.
    assert names(html_of(client, world.dashboard + "?page=99")) == names(second)


# ------------------------------------------------------------------------- scorecard page


def test_scorecard_page_explains_the_recommendation(
    app: Flask, client: FlaskClient, world: World
) -> None:
    html = html_of(client, world.card_url("张伟"))
    with app.app_context():
        data = application_of(world.ids["张伟"], world.job_id).scorecard.data
        zhang_item = world.item_ids["张伟"]
    assert "张伟" in html and "profile v1" in html
    # Stages, with their status.
    for stage in ("written_test", "portfolio", "interview", "assessment"):
        assert f'data-stage="{stage}"' in html
    assert re.search(r'data-stage="portfolio">.*?90\.9.*?complete', html, re.S)
    assert re.search(r'data-stage="interview">.*?—.*?missing', html, re.S)
    assert re.search(r'data-stage="written_test">.*?pending', html, re.S)
    # Competencies with their indicators and evidence.
    for key in ("technical", "annotation-quality", "business", "communication"):
        assert f'data-competency="{key}"' in html
    assert "Explains annotation-rule logic clearly" in html
    assert "Connects labelling work to the business goal and its metrics" in html
    # The business competency's portfolio evidence (problem framing), one decimal as everywhere.
    assert re.search(r'data-competency="business">.*? 100\.0 ·', html, re.S)
    # The recommendation, its reasons and the flags.
    assert data["recommendation"]["code"] == "hold"
    assert 'data-rec="hold"' in html
    assert data["recommendation"]["reasons"]
    for reason in data["recommendation"]["reasons"]:
        assert reason in html
    assert "still waiting for" in html
    # The evidence is named by its criterion's title, not its id ("communication").
    assert (
        "Communication · 沟通表达 0 is below the floor 60 (Communicating results to business and "
        "algorithm teams · 向业务和算法团队沟通结果 0)"
    ) in html
    assert "Expects at least 30000 a month; the budget is up to 22000" in html
    # Links to the evidence.
    assert f'href="/hr/attempts/{world.attempt_id}"' in html
    with app.test_request_context():
        item_url = url_for("hr.review_item", item_id=zhang_item)
    assert f'href="{item_url}"' in html
    assert f'href="{world.card_url("张伟")}/scorecard.pdf"' in html
    assert "No feedback yet." in html

    eve = html_of(client, world.card_url("Eve"))
    assert "Reviewers disagreed on: Eve&#39;s project" in eve


def test_feedback_is_added_listed_and_escaped(
    app: Flask, client: FlaskClient, world: World
) -> None:
    url = world.card_url("Bob Builder")
    response = post(client, url + "/feedback", {"text": "strong technically"}, url)
    assert response.status_code == 302 and response.headers["Location"].endswith(url)
    html = html_of(client, url)
    assert re.search(r"HR · 王芳 · \d{4}-\d\d-\d\d \d\d:\d\d:\d\d", html)
    assert "strong technically" in html and "No feedback yet." not in html

    for empty in ("", "   "):
        refused = post(client, url + "/feedback", {"text": empty}, url)
        assert refused.status_code == 400
        assert "This field is required." in refused.get_data(as_text=True)

    attack = "<script>alert(1)</script>"
    assert post(client, url + "/feedback", {"text": attack}, url).status_code == 302
    html = html_of(client, url)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and attack not in html

    with app.app_context():
        data = application_of(world.ids["Bob Builder"], world.job_id).scorecard.data
        assert [(f["source"], f["text"]) for f in data["feedback"]] == [
            ("hr", "strong technically"),
            ("hr", attack),
        ]
    assert [a for a, _actor, _target in audit_actions(app, "feedback.")] == ["feedback.add"] * 2


# --------------------------------------------------------------------------- job profiles


def profile_text(app: Flask, job_id: int, change: Callable[[dict[str, Any]], Any]) -> str:
    with app.app_context():
        definition = job_service.definition_of(row(Job, job_id))
        assert definition is not None
        data = yaml.safe_load(profile_yaml(definition))
    change(data)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def versions(app: Flask, job_id: int) -> int:
    with app.app_context():
        count = sa.select(sa.func.count(JobProfile.id)).where(JobProfile.job_id == job_id)
        return db.session.scalar(count) or 0


def test_profile_editor_refuses_problems_and_saves_a_new_version(
    app: Flask, client: FlaskClient, world: World
) -> None:
    url = f"/hr/jobs/{world.job_id}/profile"
    page = html_of(client, url + "?view=yaml")  # the advanced view
    assert "id: ai-trainer-ecommerce" in page and "written_test: 30" in page

    def set_weight(data: dict[str, Any]) -> None:
        data["stages"]["written_test"] = 25

    refused = post(client, url, {"text": profile_text(app, world.job_id, set_weight)}, url)
    assert refused.status_code == 400
    assert "sum to 95" in refused.get_data(as_text=True)

    def bad_mapping(data: dict[str, Any]) -> None:
        data["mapping"]["exam_sections"]["coding"] = "technicl"

    refused = post(client, url, {"text": profile_text(app, world.job_id, bad_mapping)}, url)
    assert refused.status_code == 400
    body = refused.get_data(as_text=True)
    assert "technicl" in body and "does not have" in body
    assert post(client, url, {"text": "stages: ["}, url).status_code == 400
    assert versions(app, world.job_id) == 1

    def reweight(data: dict[str, Any]) -> None:
        data["stages"] = {"written_test": 20, "portfolio": 50, "interview": 20, "assessment": 10}

    saved = post(client, url, {"text": profile_text(app, world.job_id, reweight)}, url)
    assert saved.status_code == 302
    assert saved.headers["Location"].endswith(world.dashboard)
    assert versions(app, world.job_id) == 2
    html = html_of(client, world.dashboard)
    assert "profile v2" in html
    # Every scorecard of the job was recomputed with the new version.
    with app.app_context():
        stored = db.session.scalars(
            sa.select(CandidateScorecard).where(CandidateScorecard.job_id == world.job_id)
        ).all()
        assert len(stored) == 6
        assert {card.data["profile_version"] for card in stored} == {2}
        portfolio = {card.data["stages"]["portfolio"]["weight"] for card in stored}
        assert portfolio == {50.0}
    # The same text again is no new version.
    again = post(client, url, {"text": profile_text(app, world.job_id, reweight)}, url)
    assert again.status_code == 302 and versions(app, world.job_id) == 2


NEW_JOB = """\
id: data-annotator
title: "Data annotator · 数据标注员"
competencies:
  - id: quality
    title: "Annotation quality · 标注质量"
stages: {written_test: 50, interview: 50}
"""


def test_new_job_and_duplicates(app: Flask, client: FlaskClient, world: World) -> None:
    url = "/hr/jobs/new"
    page = html_of(client, url + "?view=yaml")
    assert "New job" in page and "id: data-annotator" in page  # the documented example

    created = post(client, url, {"text": NEW_JOB}, url)
    assert created.status_code == 302
    with app.app_context():
        job = db.session.scalars(
            sa.select(Job).where(Job.title == "Data annotator · 数据标注员")
        ).one()
        assert job.profile is not None and job.profile.version == 1
        job_id = job.id
    assert created.headers["Location"].endswith(f"/hr/jobs/{job_id}")
    assert "profile v1" in html_of(client, f"/hr/jobs/{job_id}")

    same_id = NEW_JOB.replace("Data annotator · 数据标注员", "Another title")
    same_title = NEW_JOB.replace("id: data-annotator", "id: other-id")
    shipped = PROFILE.read_text(encoding="utf-8")
    for duplicate in (NEW_JOB, same_id, same_title, shipped):
        refused = post(client, url, {"text": duplicate}, url)
        assert refused.status_code == 400
        assert "exists already" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Job.id))) == 2


def test_new_job_page_starts_from_the_shipped_template_without_the_docs(
    app: Flask,
    client: FlaskClient,
    make_user: Callable[..., User],
    auth: AuthActions,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    # An install without docs/ (or a doc edited into another shape) still opens the editor.
    monkeypatch.setattr(hirebench.paths, "PROJECT_ROOT", tmp_path)
    monkeypatch.setattr(hirebench, "PROJECT_ROOT", tmp_path, raising=False)
    make_user(Role.hr, email="hr@example.com")
    auth.login("hr@example.com")
    page = html_of(client, "/hr/jobs/new?view=yaml")
    assert "id: data-annotator" in page and "stages: {written_test: 50, interview: 50}" in page


def test_profile_yaml_round_trips(app: Flask, client: FlaskClient, world: World) -> None:
    response = client.get(f"/hr/jobs/{world.job_id}/profile.yaml")
    assert response.status_code == 200
    assert response.mimetype == "application/yaml"
    assert 'filename="ai-trainer-ecommerce.yaml"' in response.headers["Content-Disposition"]
    parsed = parse_profile_text(response.get_data(as_text=True), "download.yaml")
    with app.app_context():
        assert parsed == job_service.definition_of(row(Job, world.job_id))
        bare = job_service.get_or_create("Warehouse lead")
        db.session.commit()
        bare_id = bare.id
    assert client.get(f"/hr/jobs/{bare_id}/profile.yaml").status_code == 404


# -------------------------------------------------------------------------------- exports


def by_id(header: list[Any], rows: list[list[Any]]) -> dict[int, float | None]:
    index = header.index("Composite")
    return {int(r[0]): None if r[index] in (None, "") else float(r[index]) for r in rows if r[0]}


def test_csv_xlsx_and_json_agree(app: Flask, client: FlaskClient, world: World) -> None:
    response = client.get(f"{world.dashboard}/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "ai-trainer-ecommerce-scorecards.csv" in response.headers["Content-Disposition"]
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    header, *rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert len(rows) == 6  # one per candidate
    assert [r[1] for r in rows] == BY_COMPOSITE  # Chinese intact, in dashboard order
    assert "zw@example.com" in [r[2] for r in rows]
    from_csv = by_id(header, rows)

    response = client.get(f"{world.dashboard}/export.xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = openpyxl.load_workbook(io.BytesIO(response.get_data())).active
    assert sheet is not None
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[0] == header
    assert len(values) == 7 and [r[1] for r in values[1:]] == BY_COMPOSITE
    from_xlsx = by_id(values[0], values[1:])

    with app.app_context():
        payload = scorecards.api_payload(row(Job, world.job_id))
    from_json = {c["candidate_id"]: c["composite"] for c in payload["candidates"]}

    expected = {world.ids[name]: composite for name, composite in COMPOSITES.items()}
    assert from_csv == from_xlsx == from_json == expected
    # The communication column agrees too.
    column = header.index("Communication · 沟通表达")
    communication = {int(r[0]): r[column] for r in rows}
    assert communication[world.ids["Ada Lovelace"]] == "100.0"
    assert communication[world.ids["Carol"]] == ""  # no score: empty, never 0

    assert audit_actions(app) == [
        ("export.csv", world.hr_id, str(world.job_id)),
        ("export.xlsx", world.hr_id, str(world.job_id)),
    ]


def test_pdf_is_one_page_with_name_and_recommendation(
    app: Flask, client: FlaskClient, world: World
) -> None:
    response = client.get(world.card_url("张伟") + "/scorecard.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "private, no-store"
    reader = PdfReader(io.BytesIO(response.get_data()))
    assert len(reader.pages) == 1
    text = re.sub(r"\s+", " ", reader.pages[0].extract_text())
    assert "张伟" in text and "Hold" in text and "90.9" in text
    assert audit_actions(app) == [("export.pdf", world.hr_id, str(world.job_id))]


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Dest": "image", "Sec-Fetch-Site": "same-origin"},
        {"Sec-Fetch-Dest": "script", "Sec-Fetch-Site": "same-origin"},
        {"Sec-Fetch-Dest": "style", "Sec-Fetch-Site": "same-origin"},
        {"Sec-Fetch-Dest": "iframe", "Sec-Fetch-Site": "same-origin"},
        {"Sec-Fetch-Dest": "document", "Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Dest": "document", "Sec-Fetch-Site": "same-site"},
    ],
)
def test_exports_an_embedding_or_another_site_requests_are_refused(
    app: Flask, client: FlaskClient, world: World, headers: dict[str, str]
) -> None:
    # <img src="/hr/jobs/1/export.csv"> in anything HR views must not export as HR.
    for url in (
        f"{world.dashboard}/export.csv",
        f"{world.dashboard}/export.xlsx",
        world.card_url("张伟") + "/scorecard.pdf",
    ):
        response = client.get(url, headers=headers)
        assert response.status_code == 403, url
        assert "starts only from a link on this site" in response.get_data(as_text=True)
    assert audit_actions(app) == []


def test_exports_opened_from_a_link_work(app: Flask, client: FlaskClient, world: World) -> None:
    for headers in (
        {"Sec-Fetch-Dest": "document", "Sec-Fetch-Site": "same-origin", "Sec-Fetch-User": "?1"},
        {"Sec-Fetch-Dest": "empty", "Sec-Fetch-Site": "same-origin"},
        {"Sec-Fetch-Dest": "document", "Sec-Fetch-Site": "none"},
    ):
        response = client.get(f"{world.dashboard}/export.csv", headers=headers)
        assert response.status_code == 200 and response.mimetype == "text/csv"
    pdf = client.get(
        world.card_url("张伟") + "/scorecard.pdf",
        headers={"Sec-Fetch-Dest": "document", "Sec-Fetch-Site": "same-origin"},
    )
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert [action for action, _actor, _job in audit_actions(app)] == [
        *["export.csv"] * 3,
        "export.pdf",
    ]


def test_a_job_without_a_profile_cannot_be_exported(
    app: Flask, client: FlaskClient, world: World
) -> None:
    with app.app_context():
        bare = job_service.get_or_create("Warehouse lead · 仓库主管")
        candidate = row(User, world.ids["Carol"])
        job_service.ensure_application(candidate, bare)
        db.session.commit()
        bare_id = bare.id
    assert "has no profile yet" in html_of(client, f"/hr/jobs/{bare_id}")
    for url in (
        f"/hr/jobs/{bare_id}/export.csv",
        f"/hr/jobs/{bare_id}/export.xlsx",
        f"/hr/jobs/{bare_id}/candidates/{world.ids['Carol']}/scorecard.pdf",
    ):
        response = client.get(url)
        assert response.status_code == 409, url
        body = response.get_data(as_text=True)
        assert response.mimetype == "text/html"
        assert "Warehouse lead · 仓库主管" in body and "has no competency model yet" in body
    assert audit_actions(app) == []


def test_a_candidate_without_an_application_is_not_found(
    client: FlaskClient, world: World, make_user: Callable[..., User]
) -> None:
    stranger = make_user(Role.candidate, email="stranger@example.com", name="Stranger")
    base = f"/hr/jobs/{world.job_id}/candidates/{stranger.id}"
    assert client.get(base).status_code == 404
    assert client.get(base + "/scorecard.pdf").status_code == 404
    token_page = world.card_url("Carol")
    assert post(client, base + "/feedback", {"text": "hello"}, token_page).status_code == 404
    assert client.get("/hr/jobs/9999").status_code == 404
    assert client.get("/hr/jobs/9999/export.csv").status_code == 404
    assert client.get(f"/hr/jobs/{world.job_id}/export.pdf").status_code == 404


# ---------------------------------------------------------------------------------- roles


@pytest.mark.parametrize("role", [Role.candidate, Role.reviewer, Role.interviewer])
def test_other_roles_are_forbidden(
    app: Flask, client: FlaskClient, world: World, make_user: Callable[..., User], role: Role
) -> None:
    auth = AuthActions(client)
    auth.logout()
    user = make_user(role)
    assert auth.login(user.email).status_code == 302
    pages = [
        world.dashboard,
        world.dashboard + "?sort=name",
        world.card_url("张伟"),
        world.card_url("张伟") + "/scorecard.pdf",
        f"{world.dashboard}/profile",
        f"{world.dashboard}/profile.yaml",
        f"{world.dashboard}/export.csv",
        f"{world.dashboard}/export.xlsx",
        "/hr/jobs/new",
    ]
    for url in pages:
        assert client.get(url).status_code == 403, url
    token = csrf_from(client.get("/", follow_redirects=True).get_data(as_text=True))
    for url, text in (
        (world.card_url("张伟") + "/feedback", "sneaky"),
        (f"{world.dashboard}/profile", NEW_JOB),
        ("/hr/jobs/new", NEW_JOB),
    ):
        response = client.post(url, data={"text": text, "csrf_token": token})
        assert response.status_code == 403, url
    assert audit_actions(app) == []
    with app.app_context():
        assert versions(app, world.job_id) == 1
        data = application_of(world.ids["张伟"], world.job_id).scorecard.data
        assert data["feedback"] == []
