"""The evidence view of one similarity pair (docs/integrity.md, "The evidence view"): the two
submissions side by side, line by line, each matched fragment in its own colour on both sides,
the starter code greyed out, the cohort's histogram with this pair marked, and the cluster the
pair belongs to. The page and the exported one-file report are drawn from the same view.

Submission text is hostile: it is only ever handed to templates as plain strings, which Jinja
escapes, and to the chart as nothing at all (the chart holds numbers and our own labels)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flask_babel import gettext as _
from markupsafe import Markup

from hirebench.charts import ACCENT, BAD, MUTED, WIDTH, render_svg
from hirebench.exams.loader import version_definition
from hirebench.extensions import db
from hirebench.integrity import answers as cohorts
from hirebench.integrity import service
from hirebench.integrity.submissions import Problem
from hirebench.models import Answer, SimilarityPair, SimilarityRun

if TYPE_CHECKING:
    import altair as alt

#: Fragments get colours 0..FRAGMENT_COLOURS-1 in turn (CSS classes frag-0 ...).
FRAGMENT_COLOURS = 8
#: Lines shown per side: a capped 1 MB paste would make a page nobody can read.
MAX_LINES = 3_000


@dataclass(frozen=True)
class Line:
    number: int
    text: str
    fragment: int | None  # index into the pair's fragments, or None
    starter: bool  # the question's own starter code (or the grader's setup)

    @property
    def colour(self) -> int | None:
        return None if self.fragment is None else self.fragment % FRAGMENT_COLOURS


@dataclass(frozen=True)
class Side:
    label: str
    candidate_id: int
    answer_id: int
    lines: list[Line]
    problem: str = ""  # why the text cannot be shown (it was not compared as text)
    cut: int = 0  # lines left out past MAX_LINES


@dataclass(frozen=True)
class PairView:
    pair: SimilarityPair
    run: SimilarityRun
    title: str  # the exam, version and question
    a: Side
    b: Side
    fragments: list[dict[str, Any]]  # {"index", "colour", "a_lines", "b_lines"}
    histogram: Markup
    cluster: list[str] = field(default_factory=list)  # every member's label, this pair's too


def _line_map(fragments: Sequence[Mapping[str, Any]], key: str) -> dict[int, int]:
    """Line number -> the first fragment that covers it on this side."""
    covered: dict[int, int] = {}
    for index, fragment in enumerate(fragments):
        start, end = fragment[key]
        for number in range(int(start), int(end) + 1):
            covered.setdefault(number, index)
    return covered


def _side(
    answer: Answer,
    run: SimilarityRun,
    label: str,
    fragments: Sequence[Mapping[str, Any]],
    key: str,
) -> Side:
    version = run.version
    question = version_definition(version).question(run.question_id)
    loaded = cohorts.submission_of(answer, question, run.part)
    candidate_id = answer.attempt.candidate_id
    if isinstance(loaded, Problem):
        return Side(label, candidate_id, answer.id, [], problem=loaded.reason)
    covered = _line_map(fragments, key)
    greyed = cohorts.starter_lines(loaded.text, cohorts.starter_of(question))
    texts = loaded.text.splitlines()
    lines = [
        Line(number, text, covered.get(number), number in greyed)
        for number, text in enumerate(texts[:MAX_LINES], start=1)
    ]
    return Side(label, candidate_id, answer.id, lines, cut=max(0, len(texts) - MAX_LINES))


def histogram(run: SimilarityRun, score: float | None) -> alt.LayerChart | alt.FacetChart:
    """The cohort's pair scores in bands of 0.05, the flag threshold as a dashed line and this
    pair's score as a red line, so a reader sees how far from the bulk the pair is."""
    import altair as alt

    bins = list(run.distribution.get("bins") or [])
    width = 1 / len(bins) if bins else 0.05
    rows = [
        {"start": i * width, "end": (i + 1) * width, "pairs": count} for i, count in enumerate(bins)
    ]
    x = alt.X("start:Q", bin="binned", scale=alt.Scale(domain=[0, 1]), title=_("Similarity"))
    bars = (
        alt.Chart(alt.Data(values=rows))
        .mark_bar(color=ACCENT, binSpacing=1)
        .encode(
            x=x,
            x2="end:Q",
            y=alt.Y("pairs:Q", scale=alt.Scale(type="symlog"), title=_("Pairs")),
        )
        .properties(name="bars")
    )
    marks = [{"at": run.threshold, "what": "threshold"}] if run.threshold is not None else []
    if score is not None:
        marks.append({"at": score, "what": "pair"})
    rules = (
        alt.Chart(alt.Data(values=marks))
        .mark_rule(strokeWidth=2)
        .encode(
            x=alt.X("at:Q", scale=alt.Scale(domain=[0, 1])),
            color=alt.Color(
                "what:N",
                scale=alt.Scale(domain=["threshold", "pair"], range=[MUTED, BAD]),
                legend=None,
            ),
            strokeDash=alt.StrokeDash(
                "what:N",
                scale=alt.Scale(domain=["threshold", "pair"], range=[[4, 3], [1, 0]]),
                legend=None,
            ),
        )
        .properties(name="marks")
    )
    summary = _(
        "Similarity of all %(pairs)s pairs of this question's cohort; the flag threshold is "
        "%(threshold)s and this pair scores %(score)s.",
        pairs=f"{int(run.distribution.get('pairs') or 0):,}",
        threshold=f"{run.threshold:.2f}" if run.threshold is not None else "—",
        score=f"{score:.2f}" if score is not None else "—",
    )
    return alt.layer(bars, rules).properties(width=WIDTH - 80, height=140, description=summary)


def pair_view(pair: SimilarityPair, label: Callable[[int], str]) -> PairView:
    """Everything the evidence page and the report show. `label` names a candidate by id (a
    name for HR, "Candidate #0012" for a reviewer who grades blind)."""
    run = pair.run
    fragments = list(pair.fragments or [])
    a = db.session.get(Answer, pair.answer_a_id)
    b = db.session.get(Answer, pair.answer_b_id)
    assert a is not None and b is not None
    title = _(
        "%(exam)s, version %(version)s, question %(question)s",
        exam=run.exam.title,
        version=run.version.number,
        question=run.question_id + (f" ({part_label(run.part)})" if run.part else ""),
    )
    cluster: list[str] = []
    groups = service.cluster_candidates(run)
    if pair.cluster is not None and pair.cluster < len(groups):
        cluster = [label(candidate_id) for candidate_id in groups[pair.cluster]]
    return PairView(
        pair=pair,
        run=run,
        title=title,
        a=_side(a, run, label(pair.candidate_a_id), fragments, "a_lines"),
        b=_side(b, run, label(pair.candidate_b_id), fragments, "b_lines"),
        fragments=[
            {"index": i, "colour": i % FRAGMENT_COLOURS, **f} for i, f in enumerate(fragments)
        ],
        cluster=cluster,
        histogram=render_svg(histogram(run, pair.score)),
    )


def part_label(part: str) -> str:
    return {"rules": _("rule table"), "rationale": _("rationale")}.get(part, part)
