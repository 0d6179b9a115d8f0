"""One chart, three places (issue 17 item 4): the competency chart of the PDF scorecard is the
chart of the web scorecard (HR's and the business department's) and goes into the job's
XLSX; the job's score distributions carry its cut-offs, on the analytics page and in the
XLSX; the compare page's chart has every candidate; and what vl-convert writes is a static
image, whatever the titles say."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from typing import Any

import openpyxl
import pytest
from flask import Flask
from flask.testing import FlaskClient

from hirebench import charts
from hirebench.analytics import charts as analytics_charts
from hirebench.extensions import db
from hirebench.jobs import service as job_service
from hirebench.jobs.profile import Stage
from hirebench.jobs.profile_file import load_profile_file
from hirebench.models import Job, Role, User
from hirebench.paths import PROJECT_ROOT
from hirebench.scorecards import dashboard, exports
from hirebench.scorecards.compute import N_, Evidence, Item, StageResult, compute, text
from hirebench.scorecards.service import refresh, summarize
from tests.conftest import AuthActions
from tests.factories import application_of, row

PROFILE = PROJECT_ROOT / "exams" / "jobs" / "ai-trainer-ecommerce.yaml"
HOSTILE = "<script>alert(1)</script> javascript:x onload=y"
# What a static SVG must never hold: elements that run or embed something, event handlers,
# and links (the titles may say anything, as escaped text).
ACTIVE_ELEMENTS = {"script", "foreignobject", "iframe", "object", "embed", "a", "image", "use"}
SVG_RE = re.compile(r'<div [^>]*data-chart="competencies"[^>]*>(<svg.*?</svg>)', re.S)
# candidate name -> (written test, portfolio) scores and technical evidence
PLAN = {"Ada": (92.0, 85.0, 88.0), "Bo": (35.0, 55.0, 40.0), "Cy": (70.0, None, None)}


@pytest.fixture
def ctx(app: Flask) -> Iterator[None]:
    with app.test_request_context():
        charts.clear_cache()
        yield


@pytest.fixture
def world(app: Flask, make_user: Callable[..., User]) -> dict[str, Any]:
    """A job with the shipped profile and three applicants with stored scorecards computed
    from synthetic evidence; HR and the business department to read them."""
    hr = make_user(Role.hr, email="hr@example.com")
    business = make_user(Role.business, email="biz@example.com")
    with app.app_context():
        definition = load_profile_file(PROFILE)
        job = row(Job, job_service.save_profile(definition).job_id)
        ids = {}
        for name, (written, portfolio, technical) in PLAN.items():
            person = User(email=f"{name.lower()}@example.com", name=name, role=Role.candidate)
            db.session.add(person)
            db.session.flush()
            application = job_service.ensure_application(person, job)
            refresh(application)
            evidence = Evidence(person.id, name, person.email)
            evidence.stages = {Stage.written_test: StageResult(written, "complete", text(N_("x")))}
            if portfolio is not None:
                evidence.stages[Stage.portfolio] = StageResult(portfolio, "complete")
            if technical is not None:
                evidence.items = [Item("technical", "exam", "coding", technical, 10.0)]
            data = compute(definition, 1, job.id, evidence)
            card = application.scorecard
            assert card is not None
            card.data, card.composite, card.summary = data, data["composite"], summarize(data)
            card.recommendation = data["recommendation"]["code"]
            ids[name] = person.id
        db.session.commit()
        return {"job_id": job.id, "ids": ids, "hr": hr.email, "business": business.email}


def logged_in(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    assert AuthActions(client).login(email).status_code == 302
    return client


def page_svg(client: FlaskClient, url: str, **headers: str) -> str:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, url
    found = SVG_RE.search(response.get_data(as_text=True))
    assert found, "the page has no competency chart"
    return found.group(1)


def card_of(app: Flask, world: dict[str, Any], name: str) -> dict[str, Any]:
    application = application_of(world["ids"][name], world["job_id"])
    assert application.scorecard is not None
    return dashboard.localized(application.scorecard.data)


# --------------------------------------------------------------- the competency chart


def test_the_web_scorecard_shows_the_pdfs_chart(app: Flask, world: dict[str, Any]) -> None:
    url = f"/hr/jobs/{world['job_id']}/candidates/{world['ids']['Ada']}"
    svg = page_svg(logged_in(app, world["hr"]), url)
    for title in ("Technical skill", "Annotation quality", "Business understanding"):
        assert title in svg
    assert "floor 60" in svg and "missing" in svg and 'role="img"' in svg
    # The very SVG that the PDF's HTML embeds for the same card.
    with app.test_request_context():
        card = card_of(app, world, "Ada")
        definition = job_service.definition_of(row(Job, world["job_id"]))
        assert definition is not None
        pdf_html = exports.render_html(card, dashboard.columns(definition), 1000)
    assert svg in pdf_html


def test_the_business_department_sees_the_same_chart(app: Flask, world: dict[str, Any]) -> None:
    path = f"jobs/{world['job_id']}/candidates/{world['ids']['Bo']}"
    business = page_svg(logged_in(app, world["business"]), f"/business/{path}")
    hr = page_svg(logged_in(app, world["hr"]), f"/hr/{path}")
    assert business == hr


def test_the_chart_speaks_the_readers_language(app: Flask, world: dict[str, Any]) -> None:
    url = f"/hr/jobs/{world['job_id']}/candidates/{world['ids']['Ada']}"
    svg = page_svg(logged_in(app, world["hr"]), url, **{"Accept-Language": "zh-CN"})
    assert "技术能力" in svg and "Technical skill" not in svg  # the Chinese half of the title
    assert "缺失" in svg or "missing" not in svg


def test_a_scorecard_without_competencies_has_no_chart(ctx: None) -> None:
    assert exports.competency_chart_of(None) is None
    assert exports.competency_chart_of({"competencies": {}}) is None


# --------------------------------------------------------------------------- the XLSX


def test_the_job_xlsx_carries_the_charts(app: Flask, world: dict[str, Any]) -> None:
    client = logged_in(app, world["hr"])
    response = client.get(
        f"/hr/jobs/{world['job_id']}/export.xlsx",
        headers={"Sec-Fetch-Site": "same-origin", "Sec-Fetch-User": "?1"},
    )
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames[1] == "Charts"
    sheet = book["Charts"]
    captions = [r[0] for r in sheet.iter_rows(values_only=True) if r and r[0]]
    assert captions == ["Scores per stage", "Median competency scores of the scored candidates"]
    images = sheet._images
    assert len(images) == 2
    embedded = [image._data() for image in images]
    assert all(data.startswith(b"\x89PNG") for data in embedded)
    # The same PNGs as the charts built from the job's cards: the same spec functions.
    with app.test_request_context():
        job = row(Job, world["job_id"])
        definition = job_service.definition_of(job)
        assert definition is not None
        cards = dashboard.with_data(dashboard.rows(job, dashboard.Query()))
        expected = exports.job_charts(dashboard.columns(definition), cards, definition)
    assert [png for _caption, png in expected] == embedded
    # The second image sits below the first, not on top of it.
    assert images[1].anchor._from.row > images[0].anchor._from.row + 10


def test_job_charts_use_the_shared_spec_functions(
    ctx: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    called: list[str] = []

    def spy(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            called.append(name)
            return real(*args, **kwargs)

        return wrapped

    monkeypatch.setattr(charts, "competency_chart", spy("competency", charts.competency_chart))
    monkeypatch.setattr(
        analytics_charts,
        "score_distribution_chart",
        spy("distribution", analytics_charts.score_distribution_chart),
    )
    columns = exports.Columns([("written_test", "Written test")], [("technical", "Technical")])
    cards = [
        {"stages": {"written_test": {"score": s}}, "composite": s, "competencies": {}}
        for s in (40.0, 60.0, 80.0)
    ]
    cards[0]["competencies"] = {"technical": {"score": 70.0}}
    images = exports.job_charts(columns, cards, load_profile_file(PROFILE))
    assert called == ["distribution", "competency"]
    assert [caption for caption, _png in images] == [
        "Scores per stage",
        "Median competency scores of the scored candidates",
    ]


def test_a_job_without_scores_exports_no_charts(ctx: None) -> None:
    columns = exports.Columns([("written_test", "Written test")], [("technical", "Technical")])
    empty: list[dict[str, Any]] = [{"stages": {}, "composite": None, "competencies": {}}]
    assert exports.job_charts(columns, empty, load_profile_file(PROFILE)) == []
    book = openpyxl.load_workbook(io.BytesIO(exports.to_xlsx(["a"], [[1]], "Job")))
    assert book.sheetnames == ["Job"]


# --------------------------------------------------------------- the score distribution


def marks(svg: str, name: str) -> list[str]:
    """Vega's elements for the mark named `name` (all facets)."""
    groups = re.findall(rf'<g class="mark-\w+ role-mark [^"]*{name}_marks"[^>]*>(.*?)</g>', svg)
    return [e for g in groups for e in re.findall(r"<(?:path|text|line)\b.*?(?:/>|</text>)", g)]


def test_the_distribution_marks_the_cutoffs(ctx: None) -> None:
    cutoffs = analytics_charts.cutoff_lines(load_profile_file(PROFILE))
    assert cutoffs["written_test"] == [("minimum", 40.0)]
    assert cutoffs["composite"] == [("reject", 50.0), ("hire", 75.0)]
    scores = {"written_test": [30.0, 45.0, 80.0], "composite": [40.0, 60.0, 90.0]}
    titles = {"written_test": "Written test", "composite": "Composite"}
    chart = analytics_charts.score_distribution_chart(scores, titles, cutoffs)
    svg = str(charts.render_svg(chart))
    assert len(marks(svg, "cutoff")) == 3
    labels = [re.sub(r"<[^>]+>", "", e) for e in marks(svg, "cutoff_label")]
    assert sorted(labels) == ["hire 75", "minimum 40", "reject 50"]
    assert "Cut-offs: Written test minimum 40; Composite reject 50, hire 75." in svg
    # Without cut-offs the chart is as before: no rule, no label.
    plain = str(charts.render_svg(analytics_charts.score_distribution_chart(scores, titles)))
    assert not marks(plain, "cutoff") and "Cut-offs" not in plain


def test_the_analytics_page_draws_the_cutoffs_and_the_composite(
    app: Flask, world: dict[str, Any]
) -> None:
    html = logged_in(app, world["hr"]).get(f"/hr/jobs/{world['job_id']}/analytics")
    body = html.get_data(as_text=True)
    figure = body[body.index('id="scores"') :]
    figure = figure[: figure.index("</section>")]
    assert "Composite (n = 3)" in figure and "minimum 40" in figure and "hire 75" in figure
    assert 'data-stage="composite"' in figure and 'data-cutoff="hire"' in figure


# --------------------------------------------------------------- the comparison chart


def test_the_compare_chart_has_every_candidate(ctx: None) -> None:
    rows: list[tuple[str, list[float | None]]] = [
        ("Technical", [81.0, None, 40.5]),
        ("Communication", [55.0, 90.0, 100.0]),
    ]
    svg = str(charts.render_svg(charts.competency_compare_chart(["Ada", "Bo", "Cy"], rows, 60)))
    assert len(marks(svg, "bar")) == 5  # one per score; the missing one drawn as a word
    missing = [re.sub(r"<[^>]+>", "", e) for e in marks(svg, "missing")]
    assert missing == ["② missing"]
    for legend in ("① Ada", "② Bo", "③ Cy"):
        assert legend in svg
    # Each candidate in their own colour, none of them a status colour.
    fills = set(re.findall(r'fill="(#[0-9a-f]{6})"', "".join(marks(svg, "bar"))))
    assert fills == set(charts.CANDIDATE_COLOURS[:3])
    assert not fills & set(charts.STATUS_COLOURS.values())
    assert "floor 60" in svg and "The floor is 60." in svg


def test_the_compare_chart_takes_at_most_four(ctx: None) -> None:
    names = ["A", "B", "C", "D", "E"]
    chart = charts.competency_compare_chart(names, [("T", [1.0, 2.0, 3.0, 4.0, 5.0])], None)
    svg = str(charts.render_svg(chart))
    assert len(marks(svg, "bar")) == 4 and "⑤" not in svg


# ------------------------------------------------------------- static, escaped images


@pytest.mark.parametrize("kind", ["competency", "compare", "distribution"])
def test_vl_convert_writes_no_active_content(ctx: None, kind: str) -> None:
    chart: Any
    if kind == "competency":
        chart = charts.competency_chart([(HOSTILE, 50.0), ("ok", None)], 60.0)
    elif kind == "compare":
        chart = charts.competency_compare_chart([HOSTILE, "B"], [(HOSTILE, [50.0, None])], 60)
    else:
        chart = analytics_charts.score_distribution_chart(
            {"s": [10.0, 90.0]}, {"s": HOSTILE}, {"s": [("minimum", 40.0)]}
        )
    svg = str(charts.render_svg(chart))
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    tags = re.findall(r"<([A-Za-z][\w:-]*)([^>]*)>", svg)
    assert {name.lower() for name, _attrs in tags}.isdisjoint(ACTIVE_ELEMENTS)
    for _name, attrs in tags:
        # Attribute names outside quoted values: no handler, no link.
        names = re.findall(r'\s([\w:-]+)="[^"]*"', attrs)
        assert not [n for n in names if n.lower().startswith("on") or n.endswith("href")]
    assert "&lt;script&gt;" in svg  # the title is there, as text
