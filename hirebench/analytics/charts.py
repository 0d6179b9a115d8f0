"""The analytics charts (issue 15 item 7, docs/charts.md): one declarative Vega-Lite spec per
chart, built with Altair from the dicts the statistics core returns (docs/analytics.md), and
rendered by hirebench/charts.py to inline SVG for the page or PNG for a spreadsheet.

Each function takes the core's dict as it is and returns an Altair chart whose description is
a one-sentence summary in the reader's language (the SVG's aria-label). Data is aggregated
here, before it enters the spec, so a job with 10,000 candidates gives a spec of a few rows:
small to render and a small key for the render cache. Call them inside a request (or app)
context: the texts are translated with flask_babel.

Stage titles: the funnel's stages are fixed and named here; the stages of validity and score
distributions are the job's own, so those functions take an optional `titles` {id: title}.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from hirebench.charts import (
    ACCENT,
    BAD,
    GOOD,
    INK,
    LINE,
    MUTED,
    ROW_HEIGHT,
    WIDTH,
    competency_chart,
    render_png,
    render_svg,
    svg_for,
)

if TYPE_CHECKING:
    import altair as alt

    from hirebench.jobs.profile import JobProfileDefinition

__all__ = [
    "FUNNEL_LABELS",
    "competency_chart",
    "funnel_chart",
    "items_chart",
    "page_charts",
    "render_png",
    "render_svg",
    "score_distribution_chart",
    "svg_for",
    "validity_chart",
    "weights_chart",
]

FUNNEL_LABELS = {
    "screened": _l("Screened"),
    "invited": _l("Invited"),
    "exam_started": _l("Exam started"),
    "exam_submitted": _l("Exam submitted"),
    "portfolio_reviewed": _l("Portfolio reviewed"),
    "interviewed": _l("Interviewed"),
    "offer": _l("Offer"),
    "accepted": _l("Accepted"),
    "started": _l("Started"),
}
# The job's cut-offs on a score distribution (docs/job-profile.md): a stage's minimum, and the
# composite's reject and hire cut-offs, in the recommendation's colours.
CUT_LABELS = {"minimum": _l("minimum"), "reject": _l("reject"), "hire": _l("hire")}
CUT_COLOURS = {"minimum": BAD, "reject": BAD, "hire": GOOD}
DISCRIMINATION_FLOOR = 0.2  # docs/analytics.md: below this a question is flagged for review
SCORE_BINS = 10  # 0-10, 10-20, ... 90-100 (100 falls in the last)


def _title(titles: Mapping[str, str] | None, stage: str) -> str:
    return str((titles or {}).get(stage) or stage)


def _num(value: Any, digits: int = 2) -> str:
    return "—" if value is None else f"{float(value):.{digits}f}"


# -- the funnel -------------------------------------------------------------------------------


def funnel_chart(funnel: Mapping[str, Any]) -> alt.LayerChart:
    """A bar per stage, in hiring order, as long as the number of candidates who reached it;
    the label gives that number and the share who went on to a later stage."""
    import altair as alt  # 0.6 s to import: loaded when a chart is drawn, not at start-up

    rows: list[dict[str, Any]] = []
    order: list[str] = []
    top = 0
    for stage in funnel.get("stages") or []:
        code = str(stage.get("stage"))
        conversion = stage.get("conversion")
        entered = int(stage.get("entered") or 0)
        top = max(top, entered)
        order.append(str(FUNNEL_LABELS.get(code, code)))
        rows.append(
            {
                "stage": order[-1],
                "entered": entered,
                "label": f"{entered:,}"
                if conversion is None
                else _(
                    "%(n)s · %(pct)s%% went on",
                    n=f"{entered:,}",
                    pct=f"{100 * float(conversion):.0f}",
                ),
            }
        )
    base = alt.Chart(alt.Data(values=rows)).encode(
        y=alt.Y("stage:N", sort=order, title=None),
    )
    x = alt.X("entered:Q", title=_("Candidates"), scale=alt.Scale(domain=[0, max(top, 1) * 1.35]))
    bars = base.mark_bar(color=ACCENT).encode(x=x).properties(name="bar")
    labels = base.mark_text(align="left", dx=4).encode(x=x, text="label:N").properties(name="label")
    summary = _(
        "Hiring funnel: %(stages)s.",
        stages=", ".join(f"{r['stage']} {r['entered']:,}" for r in rows) or "—",
    )
    return alt.LayerChart(
        layer=[bars, labels], width=WIDTH - 160, height=alt.Step(ROW_HEIGHT), description=summary
    )


# -- score distributions --------------------------------------------------------------------


def _binned(values: Sequence[float]) -> list[int]:
    counts = [0] * SCORE_BINS
    for value in values:
        if value is None or not math.isfinite(float(value)):
            continue
        index = min(max(int(float(value) // (100 / SCORE_BINS)), 0), SCORE_BINS - 1)
        counts[index] += 1
    return counts


def cutoff_lines(profile: JobProfileDefinition | None) -> dict[str, list[tuple[str, float]]]:
    """The profile's cut-offs where a distribution chart draws them: each stage's minimum on
    that stage, and the reject and hire cut-offs on the composite."""
    if profile is None:
        return {}
    lines: dict[str, list[tuple[str, float]]] = {
        stage: [("minimum", value)] for stage, value in profile.cutoffs.stages
    }
    lines["composite"] = [("reject", profile.cutoffs.reject), ("hire", profile.cutoffs.hire)]
    return lines


def _cut_rows(label: str, cuts: Sequence[tuple[str, float]]) -> list[dict[str, Any]]:
    """The rows that draw a stage's cut-offs: a line each, labelled and coloured by kind."""
    return [
        {
            "stage": label,
            "cut": min(max(float(value), 0.0), 100.0),
            "cut_label": str(CUT_LABELS.get(kind, kind)) + f" {float(value):g}",
            "cut_colour": CUT_COLOURS.get(kind, BAD),
        }
        for kind, value in cuts
    ]


def score_distribution_chart(
    scores: Mapping[str, Sequence[float]],
    titles: Mapping[str, str] | None = None,
    cutoffs: Mapping[str, Sequence[tuple[str, float]]] | None = None,
) -> alt.FacetChart:
    """Per stage, the share of its scored candidates in each ten-point band (a histogram in
    percent, so a stage with 1,000 scores and one with 40 read alike), one small chart per
    stage, with the median as a dashed line. `cutoffs` ({stage: [(kind, score)]}, kinds
    "minimum", "reject", "hire") draws the job's cut-offs as solid labelled lines."""
    import altair as alt

    rows: list[dict[str, Any]] = []
    medians: list[str] = []
    order: list[str] = []
    cut_texts: list[str] = []
    for stage, values in scores.items():
        clean = sorted(float(v) for v in values if v is not None and math.isfinite(float(v)))
        label = _("%(stage)s (n = %(n)s)", stage=_title(titles, stage), n=f"{len(clean):,}")
        order.append(label)
        cuts = _cut_rows(label, (cutoffs or {}).get(stage) or [])
        rows += cuts
        if cuts:
            texts = ", ".join(c["cut_label"] for c in cuts)
            cut_texts.append(f"{_title(titles, stage)} {texts}")
        median = _median(clean)
        if median is not None:
            medians.append(_("%(stage)s median %(median)s", stage=label, median=f"{median:.1f}"))
        for index, count in enumerate(_binned(clean)):
            start = index * 100 / SCORE_BINS
            share = count / len(clean) if clean else 0.0
            # Each row carries its stage's median, so the rule layer needs no second data set
            # (a layer inside a facet sees only the facet's rows).
            rows.append(
                {
                    "stage": label,
                    "start": start,
                    "end": start + 10,
                    "share": share,
                    "median": median,
                }
            )
    x_scale = alt.Scale(domain=[0, 100], nice=False)
    bars = (
        alt.Chart()
        .mark_bar(color=ACCENT, binSpacing=1)
        .encode(
            x=alt.X("start:Q", bin="binned", scale=x_scale, title=_("Score (0–100)")),
            x2="end:Q",
            y=alt.Y("share:Q", axis=alt.Axis(format="%", tickCount=3), title=None),
        )
        .transform_filter("isValid(datum.share)")
        .properties(name="bar")
    )
    # A cut-off's row carries no band, a band's row no cut-off: each layer keeps its own.
    cut = alt.Chart().transform_filter("isValid(datum.cut)")
    cut_rule = (
        cut.mark_rule(strokeWidth=1.5)
        .encode(x=alt.X("cut:Q", scale=x_scale), color=alt.Color("cut_colour:N", scale=None))
        .properties(name="cutoff")
    )
    cut_label = (
        cut.mark_text(align="left", baseline="top", dx=3, y=1, fontSize=10)
        .encode(
            x=alt.X("cut:Q", scale=x_scale),
            text="cut_label:N",
            color=alt.Color("cut_colour:N", scale=None),
        )
        .properties(name="cutoff_label")
    )
    median_rule = (
        alt.Chart()
        .mark_rule(color=INK, strokeDash=[4, 2])
        .encode(x=alt.X("max(median):Q", scale=x_scale))
        .transform_filter("isValid(datum.median)")
        .properties(name="median")
    )
    summary = _(
        "Score distributions per stage, in ten-point bands: %(stages)s.",
        stages=", ".join(medians) or "—",
    )
    if cut_texts:
        summary += " " + _("Cut-offs: %(cutoffs)s.", cutoffs="; ".join(cut_texts))
    layers = [bars, median_rule] + ([cut_rule, cut_label] if cut_texts else [])
    return alt.FacetChart(
        data=alt.Data(values=rows),
        spec=alt.LayerChart(layer=layers, width=WIDTH - 120, height=56),
        facet=alt.Facet(
            "stage:N",
            sort=order,
            title=None,
            header=alt.Header(labelAngle=0, labelAlign="left", labelAnchor="start", labelPadding=2),
        ),
        columns=1,
        # Room above each stage's title, so it reads as the heading of the plot below it and
        # not as a caption of the one above.
        spacing=16,
        description=summary,
    )


def _median(values: Sequence[float]) -> float | None:
    if not values:
        return None
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


# -- validity ----------------------------------------------------------------------------------


def validity_chart(
    validity: Mapping[str, Any], titles: Mapping[str, str] | None = None
) -> alt.LayerChart:
    """Per stage, r with performance among the rated hires as a dot with its 95% interval as a
    bar, and r corrected for range restriction as a hollow diamond beside it; a stage whose r
    cannot be computed says why in place of the dot."""
    import altair as alt

    # The level is a parameter so that "95% i" is not read as a placeholder by the catalogue.
    observed = _("r among rated hires (%(level)s interval)", level="95%")
    corrected = _("r corrected for range restriction")
    rows: list[dict[str, Any]] = []
    empty: list[dict[str, Any]] = []
    order: list[str] = []
    for stage, result in (validity.get("stages") or {}).items():
        label = _("%(stage)s (n = %(n)s)", stage=_title(titles, stage), n=result.get("n", 0))
        order.append(label)
        if result.get("r") is None:
            empty.append({"stage": label, "note": _("not enough data for r")})
            continue
        lo, hi = result.get("ci95") or (None, None)
        rows.append({"stage": label, "kind": observed, "r": result["r"], "lo": lo, "hi": hi})
        if result.get("r_corrected") is not None:
            rows.append({"stage": label, "kind": corrected, "r": result["r_corrected"]})
    x_scale = alt.Scale(domain=[-1, 1], nice=False)
    y = alt.Y("stage:N", sort=order, title=None)
    colour = alt.Color(
        "kind:N",
        scale=alt.Scale(domain=[observed, corrected], range=[ACCENT, GOOD]),
        title=None,
    )
    base = alt.Chart(alt.Data(values=rows)).encode(y=y, yOffset=alt.YOffset("kind:N"))
    layers: list[alt.Chart] = [
        alt.Chart(alt.Data(values=[{"x": 0}]))
        .mark_rule(color=LINE)
        .encode(x=alt.X("x:Q", scale=x_scale)),
        base.mark_rule(strokeWidth=2)
        .encode(x=alt.X("lo:Q", scale=x_scale), x2="hi:Q", color=colour)
        .transform_filter("isValid(datum.lo)")
        .properties(name="interval"),
        base.mark_point(filled=True, size=70)
        .encode(
            x=alt.X("r:Q", scale=x_scale, title=_("Correlation with later performance (r)")),
            color=colour,
            shape=alt.Shape(
                "kind:N",
                scale=alt.Scale(domain=[observed, corrected], range=["circle", "diamond"]),
                title=None,
            ),
        )
        .properties(name="r"),
    ]
    if empty:
        layers.append(
            alt.Chart(alt.Data(values=empty))
            .mark_text(align="center", color=MUTED, fontStyle="italic")
            .encode(y=y, x=alt.datum(0, scale=x_scale), text="note:N")
            .properties(name="note")
        )
    summary = _validity_summary(validity, titles)
    # A fixed height per stage: a Step would apply to each of the two offset rows instead.
    return alt.LayerChart(
        layer=layers, width=WIDTH - 200, height=36 * max(len(order), 1), description=summary
    )


def _validity_summary(validity: Mapping[str, Any], titles: Mapping[str, str] | None) -> str:
    parts = []
    for stage, result in (validity.get("stages") or {}).items():
        if result.get("r") is None:
            parts.append(_("%(stage)s: not enough data", stage=_title(titles, stage)))
            continue
        lo, hi = result.get("ci95") or (None, None)
        parts.append(
            _(
                "%(stage)s: r %(r)s (95%% interval %(lo)s to %(hi)s), corrected %(rc)s, n %(n)s",
                stage=_title(titles, stage),
                r=_num(result["r"]),
                lo=_num(lo),
                hi=_num(hi),
                rc=_num(result.get("r_corrected")),
                n=result.get("n"),
            )
        )
    return _(
        "Predictive validity over %(n)s rated hires. %(stages)s.",
        n=validity.get("n_rated", 0),
        stages="; ".join(parts) or "—",
    )


def weights_chart(
    weights: Mapping[str, Any], titles: Mapping[str, str] | None = None
) -> alt.LayerChart:
    """The current stage weights beside the proposed ones (grouped bars, percent); only the
    current ones when nothing is proposed."""
    import altair as alt

    current_label, proposed_label = _("Current"), _("Proposed")
    current = weights.get("current") or {}
    proposed = weights.get("proposed") or {}
    rows = [
        {"stage": _title(titles, s), "kind": current_label, "weight": float(w)}
        for s, w in current.items()
    ]
    rows += [
        {"stage": _title(titles, s), "kind": proposed_label, "weight": float(w)}
        for s, w in proposed.items()
    ]
    kinds = [current_label, proposed_label] if proposed else [current_label]
    order = list(dict.fromkeys(r["stage"] for r in rows))
    summary = _(
        "Stage weights in percent. Current: %(current)s. Proposed: %(proposed)s.",
        current=", ".join(f"{_title(titles, s)} {float(w):g}" for s, w in current.items()) or "—",
        proposed=", ".join(f"{_title(titles, s)} {float(w):g}" for s, w in proposed.items())
        or _("none"),
    )
    base = alt.Chart(alt.Data(values=rows)).encode(
        y=alt.Y("stage:N", sort=order, title=None),
        yOffset=alt.YOffset("kind:N", sort=kinds),
    )
    x = alt.X("weight:Q", scale=alt.Scale(domain=[0, 100]), title=_("Weight (%)"))
    colour = alt.Color(
        "kind:N", scale=alt.Scale(domain=kinds, range=[MUTED, ACCENT][: len(kinds)]), title=None
    )
    bars = base.mark_bar().encode(x=x, color=colour).properties(name="bar")
    labels = base.mark_text(align="left", dx=3, fontSize=10).encode(
        x=x, text=alt.Text("weight:Q", format=".1f")
    )
    return alt.LayerChart(
        layer=[bars, labels],
        width=WIDTH - 200,
        height=(len(kinds) * 13 + 10) * max(len(order), 1),
        description=summary,
    )


# -- items -----------------------------------------------------------------------------------


def items_chart(items: Mapping[str, Any]) -> alt.LayerChart:
    """Each question as a point, its difficulty (share of points earned) across, its
    discrimination up; the 0.2 line below which a question is flagged, and flagged questions
    red, drawn as a cross and named."""
    import altair as alt

    flagged_label, fine_label = _("flagged for review"), _("fine")
    rows = []
    uncomputed = []
    for item_id, item in (items.get("items") or {}).items():
        if item.get("discrimination") is None or item.get("difficulty") is None:
            uncomputed.append(str(item_id))
            continue
        flagged = bool(item.get("flag")) or item["discrimination"] < DISCRIMINATION_FLOOR
        rows.append(
            {
                "item": str(item_id),
                "difficulty": float(item["difficulty"]),
                "discrimination": float(item["discrimination"]),
                "status": flagged_label if flagged else fine_label,
            }
        )
    low = min([r["discrimination"] for r in rows] + [-0.2])
    y_scale = alt.Scale(domain=[math.floor(low * 10) / 10, 1], nice=False)
    x_scale = alt.Scale(domain=[0, 1], nice=False)
    base = alt.Chart(alt.Data(values=rows))
    status = alt.Color(
        "status:N",
        scale=alt.Scale(domain=[fine_label, flagged_label], range=[ACCENT, BAD]),
        title=None,
    )
    line = alt.Chart(alt.Data(values=[{"y": DISCRIMINATION_FLOOR}]))
    layers: list[alt.Chart] = [
        line.mark_rule(color=BAD, strokeDash=[4, 2])
        .encode(y=alt.Y("y:Q", scale=y_scale))
        .properties(name="floor"),
        line.mark_text(color=BAD, align="right", baseline="bottom", dy=-2, fontSize=10)
        .encode(
            y=alt.Y("y:Q", scale=y_scale),
            x=alt.datum(1, scale=x_scale),
            text=alt.value(_("0.2: below this, review the question")),
        )
        .properties(name="floor_label"),
        base.mark_point(filled=True, size=60)
        .encode(
            x=alt.X("difficulty:Q", scale=x_scale, title=_("Difficulty (share of points earned)")),
            y=alt.Y("discrimination:Q", scale=y_scale, title=_("Discrimination")),
            color=status,
            shape=alt.Shape(
                "status:N",
                scale=alt.Scale(domain=[fine_label, flagged_label], range=["circle", "cross"]),
                title=None,
            ),
        )
        .properties(name="item"),
        base.mark_text(align="left", dx=6, fontSize=10, color=BAD)
        .encode(x="difficulty:Q", y="discrimination:Q", text="item:N")
        .transform_filter(alt.FieldEqualPredicate(field="status", equal=flagged_label))
        .properties(name="item_label"),
    ]
    return alt.LayerChart(
        layer=layers, width=WIDTH - 120, height=260, description=_items_summary(rows, uncomputed)
    )


def _items_summary(rows: Sequence[Mapping[str, Any]], uncomputed: Sequence[str]) -> str:
    flagged = [r["item"] for r in rows if r["status"] != _("fine")] + list(uncomputed)
    text = _(
        "Difficulty against discrimination for %(n)s questions; %(k)s flagged for review "
        "(discrimination below 0.2): %(flagged)s.",
        n=len(rows) + len(uncomputed),
        k=len(flagged),
        flagged=", ".join(flagged) or _("none"),
    )
    return text


# -- the page's charts ---------------------------------------------------------------------------


def page_charts(
    funnel: Mapping[str, Any] | None = None,
    scores: Mapping[str, Sequence[float]] | None = None,
    validity: Mapping[str, Any] | None = None,
    items_by_version: Sequence[tuple[str, Mapping[str, Any]]] = (),
    titles: Mapping[str, str] | None = None,
    cutoffs: Mapping[str, Sequence[tuple[str, float]]] | None = None,
) -> dict[str, Markup]:
    """The `charts` of templates/analytics/job.html, rendered: "funnel", "scores" (with the
    `cutoffs` of score_distribution_chart), "validity", "weights" and "items-0", "items-1",
    ... (one per exam version, in the order of `items_by_version`). A chart with nothing to
    show is left out, and the template then shows its empty state."""
    charts: dict[str, Markup] = {}
    if funnel and funnel.get("n"):
        charts["funnel"] = svg_for(funnel_chart, funnel)
    if scores and any(len(v) for v in scores.values()):
        charts["scores"] = svg_for(score_distribution_chart, scores, titles, cutoffs)
    stages = (validity or {}).get("stages") or {}
    if validity and any(s.get("r") is not None for s in stages.values()):
        charts["validity"] = svg_for(validity_chart, validity, titles)
    if validity and (validity.get("weights") or {}).get("current"):
        charts["weights"] = svg_for(weights_chart, validity["weights"], titles)
    for index, (_label, items) in enumerate(items_by_version):
        if items.get("items"):
            charts[f"items-{index}"] = svg_for(items_chart, items)
    return charts
