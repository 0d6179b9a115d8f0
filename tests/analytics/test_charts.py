"""The analytics charts (hirebench/analytics/charts.py) and their pages' templates: each chart
is valid Vega-Lite and its SVG names what it shows; Chinese labels render; user text comes out
escaped; the SVG is labelled for screen readers; rendering is cached; and the templates show
figures, tables and empty states from the context the views pass (docs/charts.md)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import altair as alt
import pytest
from flask import Blueprint, Flask, render_template
from flask_babel import gettext

from hirebench import charts as base_charts
from hirebench.analytics import charts, csvinput
from hirebench.analytics.funnel import FUNNEL_STAGES, funnel
from hirebench.analytics.items import item_analysis
from hirebench.analytics.validity import validity

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples" / "analytics"
HOSTILE = "<script>alert(1)</script>"


@pytest.fixture
def ctx(app: Flask) -> Iterator[None]:
    with app.test_request_context():
        yield


@pytest.fixture(scope="module")
def validity_report() -> dict[str, Any]:
    frame, stages = csvinput.read_validity(EXAMPLES / "validity.csv")
    report = validity(frame, stages)
    # A stage no rated hire was scored on: r cannot be computed.
    report["stages"]["essay"] = {
        "n": 2,
        "r": None,
        "ci95": None,
        "p": None,
        "r_corrected": None,
        "u": None,
        "note": "fewer than 3 rated hires",
    }
    return report


@pytest.fixture(scope="module")
def stage_scores() -> dict[str, list[float]]:
    frame, stages = csvinput.read_validity(EXAMPLES / "validity.csv")
    return {stage: frame[stage].dropna().tolist() for stage in stages}


@pytest.fixture(scope="module")
def items_report() -> dict[str, Any]:
    report = item_analysis(csvinput.read_items(EXAMPLES / "items.csv"))
    # A question that rewards the wrong people, and one whose discrimination is undefined.
    report["items"]["q9"] = {"n": 40, "difficulty": 0.6, "discrimination": -0.15, "flag": True}
    report["items"][HOSTILE] = {"n": 40, "difficulty": 1.0, "discrimination": None, "flag": None}
    return report


def cohort() -> list[dict[str, datetime]]:
    """Ten candidates: all screened, eight invited (two stop at screening), then one fewer at
    each later stage, down to one who started."""
    start = datetime(2025, 3, 3, 9)
    return [
        {stage: start + timedelta(days=2 * s) for s, stage in enumerate(FUNNEL_STAGES[: 9 - c])}
        for c in range(9)
    ] + [{"screened": start}]


def texts(svg: str) -> list[str]:
    return re.findall(r"<text\b[^>]*>([^<]*)</text>", svg)


def marks(svg: str, name: str) -> list[str]:
    """The elements Vega drew for the mark named `name`."""
    found = re.search(rf'<g class="mark-\w+ role-mark {name}_marks"[^>]*>(.*?)</g>', svg)
    return re.findall(r"<(?:path|text|line)\b.*?(?:/>|</text>)", found.group(1)) if found else []


def valid(chart: alt.TopLevelMixin) -> dict[str, Any]:
    """The themed spec, validated against the Vega-Lite schema (raises when it is not)."""
    spec = base_charts.spec_of(chart)
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/v")
    return spec


# -- the charts -----------------------------------------------------------------------------


def test_funnel_chart_shows_each_stage_in_order_with_counts(ctx: None) -> None:
    report = funnel(cohort())
    chart = charts.funnel_chart(report)
    valid(chart)
    svg = str(charts.render_svg(chart))
    shown = texts(svg)
    labels = ["Screened", "Invited", "Exam started", "Offer", "Accepted", "Started"]
    positions = [shown.index(label) for label in labels]
    assert positions == sorted(positions)  # hiring order, not alphabetical
    assert len(marks(svg, "bar")) == 9
    # 10 screened, 8 of them went on; "started" (the last) has no share.
    assert shown[-9:] == ["10 · 80% went on", "8 · 88% went on", *shown[-7:-1], "1"]
    assert 'aria-label="Hiring funnel: Screened 10, Invited 8, Exam started 7,' in svg


def test_score_distribution_chart_bins_each_stage(
    ctx: None, stage_scores: dict[str, list[float]]
) -> None:
    chart = charts.score_distribution_chart(stage_scores, {"exam": "笔试"})
    spec = valid(chart)
    # Ten bands per stage, aggregated before the spec: 3 stages -> 30 rows, not 270 scores.
    assert len(spec["data"]["values"]) == 30
    assert all(0 <= row["share"] <= 1 for row in spec["data"]["values"])
    exam = [row["share"] for row in spec["data"]["values"] if row["stage"].startswith("笔试")]
    assert sum(exam) == pytest.approx(1.0)
    svg = str(charts.render_svg(chart))
    assert "笔试 (n = 90)" in texts(svg) and "portfolio (n = 87)" in texts(svg)
    # Faceted: a bar group and a median line per stage.
    assert svg.count("role-mark bar_marks") == 3 and svg.count("role-mark median_marks") == 3
    assert "Score (0–100)" in texts(svg)


def test_validity_chart_has_r_interval_and_corrected_r(
    ctx: None, validity_report: dict[str, Any]
) -> None:
    chart = charts.validity_chart(validity_report, {"interview": HOSTILE})
    valid(chart)
    svg = str(charts.render_svg(chart))
    # Three stages with r: an interval each, and two points each (r and corrected r).
    assert len(marks(svg, "interval")) == 3
    assert len(marks(svg, "r")) == 6
    assert "exam (n = 40)" in texts(svg) and "essay (n = 2)" in texts(svg)
    assert texts("".join(marks(svg, "note"))) == ["not enough data for r"]
    assert "r among rated hires (95% interval)" in texts(svg)
    assert "r corrected for range restriction" in texts(svg)
    exam = validity_report["stages"]["exam"]
    lo, hi = exam["ci95"]
    assert f"exam: r {exam['r']:.2f} (95% interval {lo:.2f} to {hi:.2f})" in svg


def test_weights_chart_sets_current_beside_proposed(
    ctx: None, validity_report: dict[str, Any]
) -> None:
    chart = charts.weights_chart(validity_report["weights"])
    valid(chart)
    svg = str(charts.render_svg(chart))
    assert len(marks(svg, "bar")) == 6
    for value in ("33.4", "33.3", "54.7", "45.3", "0.0"):
        assert value in texts(svg), value
    refused = {**validity_report["weights"], "proposed": None}
    svg = str(charts.render_svg(charts.weights_chart(refused)))
    assert len(marks(svg, "bar")) == 3 and "Proposed" not in texts(svg)


def test_items_chart_marks_flagged_questions_and_the_line(
    ctx: None, items_report: dict[str, Any]
) -> None:
    chart = charts.items_chart(items_report)
    spec = valid(chart)
    assert len(spec["layer"][2]["data"]["values"]) == 7  # q1-q6 and q9; the undefined one left out
    svg = str(charts.render_svg(chart))
    assert len(marks(svg, "item")) == 7
    assert texts("".join(marks(svg, "item_label"))) == ["q9"]  # only flagged ones are named
    assert len(marks(svg, "floor")) == 1
    assert texts("".join(marks(svg, "floor_label"))) == ["0.2: below this, review the question"]
    assert "2 flagged for review" in svg and "q9, &lt;script&gt;alert(1)&lt;/script&gt;" in svg


# -- rendering --------------------------------------------------------------------------------


def test_user_text_is_escaped_everywhere(ctx: None, validity_report: dict[str, Any]) -> None:
    scores = {"exam": [50.0, 60.0]}
    titles = {"exam": HOSTILE}
    for chart in (
        charts.validity_chart(validity_report, {"exam": HOSTILE}),
        charts.score_distribution_chart(scores, titles),
        charts.weights_chart(validity_report["weights"], {"exam": HOSTILE}),
        charts.competency_chart([(HOSTILE, 50.0)], 60.0),
    ):
        svg = str(charts.render_svg(chart))
        assert "<script" not in svg
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in svg
    # The label given to render_svg is escaped too, quotes included (it sits in an attribute).
    svg = str(charts.render_svg(charts.competency_chart([], None), label='"><script>'))
    assert 'aria-label="&#34;&gt;&lt;script&gt;"' in svg and "<script" not in svg


def test_chinese_labels_render(app: Flask, validity_report: dict[str, Any]) -> None:
    titles = {"exam": "笔试", "portfolio": "作品集", "interview": "结构化面试"}
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        chart = charts.validity_chart(validity_report, titles)
        svg = str(charts.render_svg(chart))
        png = charts.render_png(chart)
        # The catalogue may word the label its own way (full-width brackets in Chinese).
        labels = [gettext("%(stage)s (n = %(n)s)", stage=t, n=40) for t in titles.values()]
    for label in labels:
        assert label in texts(svg)
    assert 'font-family="Noto Sans CJK SC' in svg
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5_000
    assert base_charts.register_fonts()  # fontconfig's folders with Chinese fonts, registered


def test_svg_is_an_accessible_image_that_shrinks(ctx: None) -> None:
    svg = str(charts.render_svg(charts.funnel_chart(funnel(cohort()))))
    root = re.match(r"<svg\b[^>]*>", svg)
    assert root is not None
    tag = root.group(0)
    assert 'role="img"' in tag and 'class="chart"' in tag and 'viewBox="0 0 ' in tag
    assert re.search(r'aria-label="Hiring funnel: [^"]+"', tag)
    assert svg[len(tag) :].startswith("<title>Hiring funnel: ")
    width = int(re.search(r'width="(\d+)"', tag).group(1))  # type: ignore[union-attr]
    assert width <= 1366 - 100  # fits the page; CSS max-width: 100% shrinks it on a phone
    css = (Path(__file__).resolve().parents[2] / "static/css/app.css").read_text()
    assert "svg.chart { display: block; max-width: 100%; height: auto; }" in css


def test_rendering_is_cached(ctx: None, items_report: dict[str, Any]) -> None:
    base_charts.clear_cache()
    started = time.perf_counter()
    first = charts.render_svg(charts.items_chart(items_report))
    cold = time.perf_counter() - started
    hits = base_charts._svg.cache_info().hits
    started = time.perf_counter()
    again = charts.render_svg(charts.items_chart(items_report))
    warm = time.perf_counter() - started
    assert again == first and base_charts._svg.cache_info().hits == hits + 1
    assert warm < cold and warm < 0.5


def test_page_charts_are_cached_per_data_and_language(app: Flask) -> None:
    base_charts.clear_cache()
    report = funnel(cohort())
    with app.test_request_context():
        first = charts.page_charts(report)["funnel"]
        started = time.perf_counter()
        again = charts.page_charts(report)["funnel"]
        assert time.perf_counter() - started < 0.05  # neither built nor converted again
        assert again is first
        other = charts.page_charts(funnel(cohort()[:5]))["funnel"]
        assert other != first
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        chinese = charts.page_charts(report)["funnel"]
    assert chinese != first and "候选人" in chinese  # the axis title, translated
    assert base_charts._svg.cache_info().misses == 3


def test_page_charts_leaves_out_what_has_no_data(
    ctx: None,
    validity_report: dict[str, Any],
    stage_scores: dict[str, list[float]],
    items_report: dict[str, Any],
) -> None:
    full = charts.page_charts(
        funnel(cohort()), stage_scores, validity_report, [("v1", items_report), ("v2", {})]
    )
    assert set(full) == {"funnel", "scores", "validity", "weights", "items-0"}
    assert all(str(svg).startswith("<svg") for svg in full.values())
    empty = charts.page_charts(funnel([]), {"exam": []}, None, [])
    assert empty == {}


# -- the templates ------------------------------------------------------------------------------


@pytest.fixture
def page_app(app: Flask) -> Flask:
    """The app with the analytics endpoints the templates link to; AN2's blueprint when it is
    registered, else stand-ins with the same names so the templates can be rendered alone."""
    if "analytics" not in app.blueprints:
        stand_in = Blueprint("analytics", __name__)
        for rule, endpoint in (
            ("/analytics", "overview"),
            ("/jobs/<int:job_id>/analytics", "job_page"),
            ("/jobs/<int:job_id>/ratings", "ratings"),
            ("/jobs/<int:job_id>/analytics/what-if", "what_if"),
        ):
            stand_in.add_url_rule(rule, endpoint, lambda **_: "")
        app.register_blueprint(stand_in)
    return app


def job_context(
    validity_report: dict[str, Any] | None,
    scores: dict[str, list[float]],
    items: list[tuple[str, dict[str, Any]]],
    adverse: dict[str, Any],
    report: dict[str, Any],
) -> dict[str, Any]:
    n_rated = validity_report["n_rated"] if validity_report else 0
    return {
        "job": SimpleNamespace(id=7, title="AI 训练师 <b>"),
        "funnel": report,
        "items_by_version": items,
        "adverse": adverse,
        "validity": validity_report,
        "scores": scores,
        "charts": charts.page_charts(report, scores, validity_report, items),
        "can_apply": bool(validity_report and validity_report["weights"]["proposed"]),
        "n_rated": n_rated,
    }


ADVERSE = {
    "gender": {
        "min_group": 5,
        "stages": {
            "invited": {
                "groups": {
                    "men": {"n": 41, "passed": 26, "rate": 0.634},
                    "women": {"n": 34, "passed": 15, "rate": 0.441},
                },
                "reference": "men",
                "ratios": {"men": 1.0, "women": 0.696},
                "fisher_p": {"women": 0.109},
                "z": {"women": -1.67},
                "flag": True,
                "suppressed": 1,
            }
        },
    },
    "age_band": {"min_group": 5, "stages": {}},
}


def test_job_page_shows_each_figure_with_its_table(
    page_app: Flask,
    validity_report: dict[str, Any],
    stage_scores: dict[str, list[float]],
    items_report: dict[str, Any],
) -> None:
    with page_app.test_request_context():
        context = job_context(
            validity_report, stage_scores, [("v1", items_report)], ADVERSE, funnel(cohort())
        )
        html = render_template("analytics/job.html", **context)
    assert "AI 训练师 &lt;b&gt;" in html and "<b>" not in html.split("<main")[-1][:2000]
    for figure in ("funnel", "scores", "validity", "weights", "items-0"):
        box = re.search(
            rf'<div class="chart-box" data-chart="{figure}"><svg\b[^>]*role="img"', html
        )
        assert box, figure
    assert html.count('<p class="explain">') == 6  # every figure explained, adverse included
    assert "data-empty" not in html
    assert '<tr data-stage="screened"><th scope="row">Screened</th><td class="num">10</td>' in html
    assert "Based on 40 rated hires." in html
    assert 'data-link="what-if"' in html
    # Adverse impact: the flagged stage, the suppressed count, never a suppressed group's name.
    assert 'data-flag="1"' in html and "below four-fifths" in html
    assert "1 small group left out" in html and ">0.70</td>" in html
    assert '<tr data-item="q9" data-flag="1">' in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and HOSTILE not in html


def test_job_page_without_data_says_what_is_missing(page_app: Flask) -> None:
    with page_app.test_request_context():
        context = job_context(None, {}, [], {"gender": {"min_group": 5, "stages": {}}}, funnel([]))
        html = render_template("analytics/job.html", **context)
    assert "<svg" not in html
    assert html.count("data-empty") == 5
    for text in (
        "No candidates yet",
        "No stage scores yet",
        "This job has no profile yet",
        "Not enough data yet: a group is shown once at least 5",
        "No exam answers to analyse yet.",
    ):
        assert text in html, text


def test_job_page_below_thirty_rated_hires_says_how_many_are_needed(
    page_app: Flask, validity_report: dict[str, Any]
) -> None:
    few = {
        **validity_report,
        "n_rated": 12,
        "weights": {
            **validity_report["weights"],
            "proposed": None,
            "refused": "Only 12 rated hires: at least 30 are needed.",
        },
    }
    with page_app.test_request_context():
        html = render_template("analytics/job.html", **job_context(few, {}, [], {}, funnel([])))
    assert "No weights proposed: Only 12 rated hires" in html
    assert "Not enough data yet: needs 30 rated hires; this job has 12." in html
    assert 'data-link="what-if"' not in html


def test_job_page_in_chinese(page_app: Flask, validity_report: dict[str, Any]) -> None:
    with page_app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        context = job_context(validity_report, {}, [], {}, funnel(cohort()))
        html = render_template("analytics/job.html", **context)
    assert 'lang="zh' in html
    assert context["charts"]["funnel"] in html


def test_overview_lists_each_job(page_app: Flask) -> None:
    rows = [
        {
            "job": SimpleNamespace(id=1, title="标注员"),
            "applicants": 120,
            "offers": 9,
            "hires": 7,
            "n_rated": 7,
            "proposal": False,
            "flagged": ["invited"],
            "median_days_to_offer": 17.5,
        },
        {
            "job": SimpleNamespace(id=2, title="Reviewer"),
            "applicants": 300,
            "offers": 40,
            "hires": 35,
            "n_rated": 33,
            "proposal": True,
            "flagged": [],
            "median_days_to_offer": None,
        },
    ]
    with page_app.test_request_context():
        html = render_template("analytics/overview.html", rows=rows)
        empty = render_template("analytics/overview.html", rows=[])
    assert '<tr data-job="1">' in html and "标注员" in html
    assert "needs 23 more rated hires" in html and "proposal ready" in html
    assert '<span class="flag">Invited</span>' in html and "none flagged" in html
    assert ">17.5</td>" in html and ">—</td>" in html
    assert "No jobs yet." in empty
