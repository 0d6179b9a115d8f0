"""Charts as data (docs/charts.md): every chart is one declarative Vega-Lite spec, written with
Altair and rendered on the server by vl-convert, so the pages, the PDF and the XLSX show the
same figure and no browser ever loads a charting library from a CDN.

This module is the foundation every chart stands on: the theme (the app's colours and a font
with Chinese glyphs), rendering to accessible inline SVG or to PNG with a cache, and the
competency chart that the scorecard PDF shows. The analytics charts are in
hirebench/analytics/charts.py.

Escaping: user text (competency titles, stage names, question ids) enters a spec only as data
values and titles; Vega writes every text as SVG character data with `<`, `>` and `&`
escaped, and the label put on the root element here is escaped by markupsafe.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import vl_convert as vlc
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape

from hirebench.formatting import format_score

if TYPE_CHECKING:
    import altair as alt

# The app's palette (static/css/app.css): ink, muted text, lines, the accent, and the
# recommendation colours, so a chart's "hold" is the same orange as the page's.
INK = "#1d2430"
MUTED = "#667085"
LINE = "#d0d5dd"
ACCENT = "#2458d6"
GOOD = "#067647"
HOLD = "#b54708"
BAD = "#b42318"
STATUS_COLOURS = {"hire": GOOD, "hire_with_training": GOOD, "hold": HOLD, "reject": BAD}

# Measured by vl-convert with this font and shown by the browser with the same one when it has
# it; the CJK face comes first because its Latin glyphs are fine and the reverse is not true.
FONT = "Noto Sans CJK SC, Noto Sans, PingFang SC, Microsoft YaHei, sans-serif"
FONT_DIRS = ("/usr/share/fonts/opentype/noto", "/usr/share/fonts/truetype/noto")

# Wide enough to read in a card at 1366 px; CSS (max-width: 100%) shrinks it on a phone.
WIDTH = 560
ROW_HEIGHT = 22
TITLE_WIDTH = 190  # competency titles longer than this end in an ellipsis

THEME: dict[str, Any] = {
    "font": FONT,
    "background": "white",
    # Vega's own ARIA texts are English and describe axes, not findings; the root gets one
    # summary in the reader's language instead, and the page puts the numbers in a table.
    "aria": False,
    "view": {"stroke": None},
    "axis": {
        "labelColor": INK,
        "titleColor": INK,
        "labelFontSize": 12,
        "titleFontSize": 12,
        "titleFontWeight": "normal",
        "gridColor": "#eaecf0",
        "domainColor": LINE,
        "tickColor": LINE,
        "labelLimit": 180,
    },
    "header": {"labelColor": INK, "labelFontSize": 12},
    "legend": {
        "labelColor": INK,
        "titleColor": INK,
        "labelFontSize": 12,
        "labelLimit": 320,
        "orient": "bottom",
        "direction": "vertical",
    },
    "title": {"color": INK, "fontSize": 13, "anchor": "start", "fontWeight": "normal"},
    "text": {"color": INK, "fontSize": 12},
    "bar": {"color": ACCENT},
    "point": {"color": ACCENT, "filled": True, "size": 60},
}

SVG_ROOT = re.compile(r"<svg\b([^>]*)>")
# Vega still marks some groups (a facet's cells, layered rules) as unnamed graphics symbols
# with aria:false; inside an image they are noise to a screen reader and fail axe-core's
# svg-img-alt, so only the root's role and name remain.
INNER_ARIA = re.compile(r'\s(?:role|aria-roledescription|aria-label)="[^"]*"')
PNG_SCALE = 2  # crisp in a spreadsheet zoomed to 200%
CACHED_CHARTS = 256
_BY_INPUT: OrderedDict[str, Markup] = OrderedDict()
_BY_INPUT_LOCK = threading.Lock()


@cache
def register_fonts() -> tuple[str, ...]:
    """Tell vl-convert where the CJK fonts are, once per process: the directories fontconfig
    names for Chinese, else the usual Noto folders. vl-convert also reads the system fonts, so
    this matters where fontconfig's folders are not the system's."""
    found: set[str] = set()
    if shutil.which("fc-list"):
        listing = subprocess.run(
            ["fc-list", ":lang=zh", "file"], capture_output=True, text=True, timeout=10
        ).stdout
        found = {str(Path(line.split(":")[0]).parent) for line in listing.splitlines() if line}
    if not found:
        found = {d for d in FONT_DIRS if Path(d).is_dir()}
    for directory in sorted(found):
        vlc.register_font_directory(directory)
    return tuple(sorted(found))


def spec_of(chart: alt.TopLevelMixin) -> dict[str, Any]:
    """The chart's validated Vega-Lite spec with the theme under its own config."""
    spec = chart.to_dict(validate=True)
    spec["config"] = {**THEME, **spec.get("config", {})}
    return spec


@lru_cache(maxsize=CACHED_CHARTS)
def _svg(spec_json: str) -> str:
    register_fonts()
    return str(vlc.vegalite_to_svg(spec_json))


@lru_cache(maxsize=32)
def _png(spec_json: str, scale: float) -> bytes:
    register_fonts()
    return bytes(vlc.vegalite_to_png(spec_json, scale=scale))


def spec_json(chart: alt.TopLevelMixin) -> str:
    # Sorted keys: the same chart is the same cache entry whatever order Altair wrote it in.
    return json.dumps(spec_of(chart), sort_keys=True, ensure_ascii=False)


def render_svg(chart: alt.TopLevelMixin, label: str | None = None) -> Markup:
    """Inline SVG for a page or the PDF: role="img", an aria-label and a <title> with the
    chart's summary (`label`, else the chart's description), and class "chart" so the CSS lets
    it shrink to its container while keeping its proportions."""
    spec = spec_json(chart)
    summary = label if label is not None else str(json.loads(spec).get("description") or "")
    text = str(escape(summary))

    def accessible(match: re.Match[str]) -> str:
        attrs = match.group(1).replace(' class="marks"', "")
        return f'<svg{attrs} class="chart" role="img" aria-label="{text}"><title>{text}</title>'

    svg = SVG_ROOT.sub(accessible, INNER_ARIA.sub("", _svg(spec)), count=1)
    return Markup(svg)  # noqa: S704 - Vega escapes every text it writes; the label is escaped


def svg_for(builder: Callable[..., alt.TopLevelMixin], *args: Any) -> Markup:
    """`render_svg(builder(*args))`, cached on the builder, its arguments (as JSON) and the
    locale. Building an Altair chart costs 30-100 ms (it checks each encoding against the
    schema), more than converting a cached spec, so a page shown again with the same data
    skips both."""
    text = json.dumps(
        [builder.__module__, builder.__qualname__, str(get_locale()), args],
        sort_keys=True,
        default=str,
    )
    # A digest, not the text: the scores of a large job would make each key hundreds of KB.
    key = hashlib.sha256(text.encode()).hexdigest()
    with _BY_INPUT_LOCK:
        cached = _BY_INPUT.get(key)
        if cached is not None:
            _BY_INPUT.move_to_end(key)
            return cached
    svg = render_svg(builder(*args))
    with _BY_INPUT_LOCK:
        _BY_INPUT[key] = svg
        while len(_BY_INPUT) > CACHED_CHARTS:
            _BY_INPUT.popitem(last=False)
    return svg


def render_png(chart: alt.TopLevelMixin, scale: float = PNG_SCALE) -> bytes:
    """A PNG of the chart (for the XLSX, where SVG does not go)."""
    return _png(spec_json(chart), scale)


def clear_cache() -> None:
    with _BY_INPUT_LOCK:
        _BY_INPUT.clear()
    _svg.cache_clear()
    _png.cache_clear()


# -- the competency chart (scorecard PDF) ------------------------------------------------


def competency_chart(
    competencies: Sequence[tuple[str, float | None]], floor: float | None
) -> alt.LayerChart:
    """Horizontal bars 0-100, one per competency in the given order. A competency without a
    score gets a dashed empty frame marked "missing" (no bar, never 0); a score below the floor
    is orange (the app's "hold"); the floor is a dashed red line. Marks are named ("bar",
    "missing", "floor") so their SVG groups can be found by class."""
    import altair as alt  # 0.6 s to import: loaded when a chart is drawn, not at start-up

    rows = []
    for index, (title, score) in enumerate(competencies):
        value = None if score is None else min(max(float(score), 0.0), 100.0)
        rows.append(
            {
                # The index keeps two competencies with one title apart and in order.
                "key": f"{index:03d}",
                "title": title,
                "score": value,
                "label": format_score(score),
                "below": value is not None and floor is not None and value < floor,
            }
        )
    data = alt.Data(values=rows)
    # Titles are drawn as text marks (data, escaped like any value), not axis labels: the axis
    # is keyed by position so that two competencies with one title stay two rows.
    y = alt.Y("key:N", sort=None, title=None, axis=alt.Axis(labels=False, ticks=False))
    base = alt.Chart(data).encode(y=y)
    scale = alt.Scale(domain=[0, 100], nice=False)
    x_axis = alt.Axis(values=[0, 25, 50, 75, 100], title=None)
    scored = "isValid(datum.score)"
    layers: list[alt.Chart] = [
        base.mark_text(align="right", dx=-6, limit=TITLE_WIDTH, ellipsis="…")
        .encode(x=alt.datum(0, scale=scale), text="title:N")
        .properties(name="title"),
        base.mark_bar(height=12)
        .encode(
            x=alt.X("score:Q", scale=scale, axis=x_axis),
            color=alt.Color(
                "below:N", scale=alt.Scale(domain=[False, True], range=[ACCENT, HOLD]), legend=None
            ),
        )
        .transform_filter(scored)
        .properties(name="bar"),
        base.mark_text(align="left", dx=4)
        .encode(x=alt.X("score:Q", scale=scale), text="label:N")
        .transform_filter(scored)
        .properties(name="score"),
        base.mark_bar(height=12, fill=None, stroke="#bbbbbb", strokeDash=[3, 2])
        .encode(x=alt.datum(0, scale=scale), x2=alt.datum(100))
        .transform_filter(f"!{scored}")
        .properties(name="missing"),
        base.mark_text(align="left", dx=4, fontStyle="italic", color=MUTED)
        .encode(x=alt.datum(0, scale=scale), text=alt.value(_("missing")))
        .transform_filter(f"!{scored}")
        .properties(name="missing_label"),
    ]
    layers += _floor_layers(floor, scale)
    missing = _("missing")
    names = ", ".join(
        f"{title} {missing if score is None else format_score(score)}"
        for title, score in competencies
    )
    summary = _("Competency scores out of 100: %(scores)s.", scores=names or "—")
    if floor is not None:
        summary += " " + _("The floor is %(floor)s.", floor=f"{floor:g}")
    return alt.LayerChart(
        layer=layers, width=WIDTH - 240, height=alt.Step(ROW_HEIGHT), description=summary
    )


def _floor_layers(floor: float | None, scale: alt.Scale) -> list[alt.Chart]:
    """The competency floor as a dashed red line labelled "floor 60" above the plot; nothing
    without a floor."""
    import altair as alt

    if floor is None:
        return []
    at = min(max(float(floor), 0.0), 100.0)
    rule = alt.Chart(alt.Data(values=[{"floor": at}]))
    return [
        rule.mark_rule(color=BAD, strokeDash=[4, 2])
        .encode(x=alt.X("floor:Q", scale=scale))
        .properties(name="floor"),
        rule.mark_text(color=BAD, dy=-4, baseline="bottom", fontSize=10)
        .encode(
            x=alt.X("floor:Q", scale=scale),
            y=alt.value(0),
            text=alt.value(_("floor %(floor)s", floor=f"{floor:g}")),
        )
        .properties(name="floor_label"),
    ]


# -- the competency comparison (compare page) ------------------------------------------------

# One colour per compared candidate. None of them is a status colour (green, orange, red,
# grey), so a bar never reads as "hire" or "reject"; and colour is not the only signal, each
# bar and legend entry also carries the candidate's number (①-④).
CANDIDATE_COLOURS = ("#2458d6", "#7839c4", "#0b7a75", "#a1286a")
CANDIDATE_MARKS = ("①", "②", "③", "④")
COMPARE_BAR = 14  # px per slot (the title, each candidate's bar) in a competency's band
COMPARE_PLOT = 340  # px of the 0-100 axis; the scores' labels take about 50 more
TITLE_SLOT = " "  # the title's slot in a band: no candidate label can be a lone space


def candidate_labels(names: Sequence[str]) -> list[str]:
    """'① Name' per candidate: the legend's entries and the compare page's column heads."""
    return [f"{CANDIDATE_MARKS[i]} {name}" for i, name in enumerate(names)]


def competency_compare_chart(
    names: Sequence[str],
    rows: Sequence[tuple[str, Sequence[float | None]]],
    floor: float | None,
) -> alt.LayerChart:
    """The competency chart of several candidates in one: per competency (in the given order)
    its title, then a bar 0-100 per candidate in the order of `names` (at most four), each in
    that candidate's colour and labelled with their number and score. A missing score is
    written "missing" in its place, never drawn as 0; the floor is a dashed red line as on
    the single candidate's chart. Titles sit above their bars rather than beside them, so the
    chart stays narrow enough to read on a phone."""
    import altair as alt

    who = candidate_labels(names[: len(CANDIDATE_COLOURS)])
    missing = _("missing")
    titles, bars = [], []
    for index, (title, scores) in enumerate(rows):
        key = f"{index:03d}"
        titles.append({"key": key, "slot": TITLE_SLOT, "title": title})
        for position, score in enumerate(scores[: len(who)]):
            value = None if score is None else min(max(float(score), 0.0), 100.0)
            mark = CANDIDATE_MARKS[position]
            bars.append(
                {
                    "key": key,
                    "slot": who[position],
                    "score": value,
                    "label": f"{mark} {format_score(score) if value is not None else missing}",
                }
            )
    scale = alt.Scale(domain=[0, 100], nice=False)
    # One band per competency, with room between bands so each reads as one group; inside a
    # band, a slot for the title and one per candidate.
    y = alt.Y(
        "key:N",
        sort=None,
        title=None,
        axis=alt.Axis(labels=False, ticks=False, domain=False),
        scale=alt.Scale(paddingInner=0.25, paddingOuter=0.1),
    )
    offset = alt.YOffset("slot:N", scale=alt.Scale(domain=[TITLE_SLOT, *who], paddingInner=0.2))
    colour = alt.Color(
        "slot:N",
        scale=alt.Scale(domain=who, range=list(CANDIDATE_COLOURS[: len(who)])),
        legend=alt.Legend(title=None),
    )
    x_axis = alt.Axis(values=[0, 25, 50, 75, 100], title=None)
    per_bar = alt.Chart(alt.Data(values=bars)).encode(y=y, yOffset=offset)
    scored = "isValid(datum.score)"
    layers: list[alt.Chart] = [
        alt.Chart(alt.Data(values=titles))
        .mark_text(
            align="left", limit=COMPARE_PLOT + 60, ellipsis="…", fontWeight="bold", fontSize=13
        )
        .encode(y=y, yOffset=offset, x=alt.datum(0, scale=scale), text="title:N")
        .properties(name="title"),
        per_bar.mark_bar()
        .encode(x=alt.X("score:Q", scale=scale, axis=x_axis), color=colour)
        .transform_filter(scored)
        .properties(name="bar"),
        per_bar.mark_text(align="left", dx=3, fontSize=12)
        .encode(x=alt.X("score:Q", scale=scale), text="label:N")
        .transform_filter(scored)
        .properties(name="score"),
        per_bar.mark_text(align="left", dx=3, fontSize=12, fontStyle="italic", color=MUTED)
        .encode(x=alt.datum(0, scale=scale), text="label:N")
        .transform_filter(f"!{scored}")
        .properties(name="missing"),
    ]
    layers += _floor_layers(floor, scale)
    return alt.LayerChart(
        layer=layers,
        width=COMPARE_PLOT,
        # The step is the whole band of a competency (its title and its bars), not one bar.
        height=alt.Step(COMPARE_BAR * (len(who) + 1) + 12, **{"for": "position"}),
        description=_compare_summary(who, rows, floor),
    )


def _compare_summary(
    who: Sequence[str], rows: Sequence[tuple[str, Sequence[float | None]]], floor: float | None
) -> str:
    missing = _("missing")
    parts = [
        f"{title}: "
        + ", ".join(
            f"{name} {missing if score is None else format_score(score)}"
            for name, score in zip(who, scores, strict=False)
        )
        for title, scores in rows
    ]
    summary = _(
        "Competency scores out of 100 of %(names)s. %(scores)s.",
        names=", ".join(who),
        scores="; ".join(parts) or "—",
    )
    if floor is not None:
        summary += " " + _("The floor is %(floor)s.", floor=f"{floor:g}")
    return summary
