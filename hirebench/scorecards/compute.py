"""The composite scorecard as a pure function of a job profile and a candidate's evidence,
so the same inputs always give the same scorecard (docs/scorecard.md has the rules).

Texts are stored in English with their message id and parameters, so every page can show
them in the reader's language: `explain(entry)` translates one."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

# Under another name, so Babel does not extract the variable ids passed to it.
from flask_babel import gettext as translate

from hirebench.formatting import N_, round_score
from hirebench.jobs.profile import Cutoffs, JobProfileDefinition, MissingStage, Stage
from hirebench.models.base import utcnow

STAGE_TITLES = {
    Stage.screening: N_("Resume screening"),
    Stage.written_test: N_("Written test"),
    Stage.portfolio: N_("Portfolio"),
    Stage.interview: N_("Behavioural interview"),
    Stage.assessment: N_("Assessments"),
}
RECOMMENDATIONS = {
    "hire": N_("Hire"),
    "hire_with_training": N_("Hire, with training in %(competencies)s"),
    "hold": N_("Hold"),
    "reject": N_("Reject"),
}
# Flags that stop an automatic "hire" until someone has looked at them.
BLOCKING_FLAGS = ("integrity", "disagreement")


# Interview verdicts as the scorecard's texts name them (the same words as the interview form).
VERDICTS = {
    "strong_no": N_("Strong no"),
    "no": N_("No"),
    "yes": N_("Yes"),
    "strong_yes": N_("Strong yes"),
}


def text(msgid: str, terms: Mapping[str, list[str]] | None = None, **params: Any) -> dict[str, Any]:
    """A stored text: English now, translatable later. `terms` are parameters that are lists
    of message ids (stage titles, verdicts): they are kept as ids, so that explain() can put
    them in the reader's language too instead of leaving English words inside a translation."""
    params = {**params, **{name: ", ".join(ids) for name, ids in (terms or {}).items()}}
    entry: dict[str, Any] = {
        "msgid": msgid,
        "params": params,
        "text": msgid % params if params else msgid,
    }
    if terms:
        entry["terms"] = {name: list(ids) for name, ids in terms.items()}
    return entry


def flag(
    code: str,
    msgid: str,
    terms: Mapping[str, list[str]] | None = None,
    *,
    advisory: bool = False,
    **params: Any,
) -> dict[str, Any]:
    """A flag for people to look at. An `advisory` flag is shown like any other of its code but
    never stops an automatic hire: the similarity flag must not change a recommendation by
    itself (docs/integrity.md)."""
    entry = text(msgid, terms, **params)
    result = {"code": code, "message": entry["text"], "msgid": msgid, "params": entry["params"]}
    if terms:
        result["terms"] = entry["terms"]
    if advisory:
        result["advisory"] = True
    return result


# The parts of a question that are scored on their own (Item.part).
EVIDENCE_PARTS = {"rationale": N_("rationale")}


def evidence_name(entry: Mapping[str, Any], *, translated: bool = True) -> str:
    """A piece of evidence as people name it: its title (and scored part), or its id when an
    older scorecard stored none. Stored texts take it untranslated (translated=False)."""
    title = str(entry.get("title") or entry["label"])
    part = entry.get("part")
    if part not in EVIDENCE_PARTS:
        return title
    return f"{title} · {translate(EVIDENCE_PARTS[part]) if translated else EVIDENCE_PARTS[part]}"


def explain(entry: Mapping[str, Any], gettext: Callable[..., str] = translate) -> str:
    """A stored text in the current language. `gettext` may be one that looked the
    translations up once (scorecards.dashboard, for a page of scorecards)."""
    params = dict(entry.get("params", {}))
    for name, ids in entry.get("terms", {}).items():
        params[name] = ", ".join(gettext(msgid) for msgid in ids)
    return gettext(entry["msgid"], **params)


@dataclass(frozen=True)
class StageResult:
    score: float | None
    status: str  # complete | partial | pending | missing
    detail: dict[str, Any] = field(default_factory=lambda: text(N_("no evidence yet")))


MISSING = StageResult(None, "missing")


@dataclass(frozen=True)
class Item:
    """One piece of evidence for a competency, scored 0-100."""

    competency: str
    source: str  # exam | assessment | portfolio | interview
    label: str  # an id (question, section, criterion, interview competency): for programs
    score: float
    weight: float
    # What people call it: the authored title (often "English · 中文"); `part` names the part
    # of it that was scored ("rationale"), which evidence_name() translates.
    title: str = ""
    part: str = ""


@dataclass
class Evidence:
    candidate_id: int
    name: str
    email: str
    stages: dict[Stage, StageResult] = field(default_factory=dict)
    items: list[Item] = field(default_factory=list)
    flags: list[dict[str, Any]] = field(default_factory=list)
    feedback: list[dict[str, Any]] = field(default_factory=list)


def compute(
    profile: JobProfileDefinition, profile_version: int, job_id: int, evidence: Evidence
) -> dict[str, Any]:
    stages = {}
    for stage, weight in profile.stages:
        result = evidence.stages.get(stage, MISSING)
        stages[stage.value] = {
            "title": STAGE_TITLES[stage],
            "score": _round(result.score),
            "status": result.status,
            "weight": weight,
            "detail": result.detail,
        }
    competencies = _competencies(profile, evidence.items)
    composite = _composite(profile, stages)
    recommendation = _recommend(profile, stages, competencies, composite, evidence.flags)
    return {
        "candidate_id": evidence.candidate_id,
        "name": evidence.name,
        "email": evidence.email,
        "job_id": job_id,
        "job_title": profile.title,
        "profile_version": profile_version,
        "stages": stages,
        "competencies": competencies,
        "composite": _round(composite),
        "coverage": coverage({key: s["score"] for key, s in stages.items()}),
        "competency_floor": profile.cutoffs.competency_floor,
        "recommendation": recommendation,
        "flags": evidence.flags,
        "feedback": evidence.feedback,
        "computed_at": utcnow().isoformat(timespec="seconds"),
    }


def _round(value: float | None) -> float | None:
    return round_score(value)


def coverage(stage_scores: Mapping[str, object]) -> dict[str, Any]:
    """How much of the record a composite stands on: the weighted stages with a score, out of
    all of them. A composite is `partial` when a stage has none yet (its weight went to the
    others), so 70.8 from the interview alone is never mistaken for a full record."""
    total = len(stage_scores)
    scored = sum(1 for score in stage_scores.values() if score is not None)
    return {"scored": scored, "stages": total, "partial": 0 < scored < total}


def rank_key(
    composite: float | None, stage_scores: Mapping[str, object], *, descending: bool = True
) -> tuple[int, float]:
    """The default ranking's sort key (docs/scorecard.md, "Ranking"): complete composites
    first, then partial ones, then those without a composite, whichever the direction; each
    tier ordered by composite. A composite standing on one stage is not comparable with a
    full one, so the tier comes before the score."""
    if composite is None:
        return (2, 0.0)
    tier = 1 if coverage(stage_scores)["partial"] else 0
    return (tier, -composite if descending else composite)


def _competencies(profile: JobProfileDefinition, items: list[Item]) -> dict[str, dict[str, Any]]:
    grouped: dict[str, list[Item]] = defaultdict(list)
    for item in items:
        grouped[item.competency].append(item)
    result = {}
    for competency in profile.competencies:
        evidence = grouped.get(competency.id, [])
        total = sum(item.weight for item in evidence)
        score = sum(i.score * i.weight for i in evidence) / total if total > 0 else None
        result[competency.id] = {
            "title": competency.title,
            "score": _round(score),
            "evidence": [
                {
                    "source": i.source,
                    "label": i.label,
                    **({"title": i.title} if i.title else {}),
                    **({"part": i.part} if i.part else {}),
                    "score": _round(i.score),
                    "weight": i.weight,
                }
                for i in evidence
            ],
        }
    return result


def _composite(profile: JobProfileDefinition, stages: dict[str, dict[str, Any]]) -> float | None:
    scored = [(s["weight"], s["score"]) for s in stages.values() if s["score"] is not None]
    if not scored:
        return None
    missing = len(scored) < len(stages)
    if profile.missing_stage is MissingStage.hold and missing:
        return None
    if profile.missing_stage is MissingStage.reweight:
        total = sum(weight for weight, _score in scored)
        return sum(w * s for w, s in scored) / total if total > 0 else None
    return sum(w * s for w, s in scored) / 100  # zero: a missing stage adds nothing


@dataclass(frozen=True)
class _Facts:
    """What the recommendation rules read, worked out once."""

    cut: Cutoffs
    composite: float | None
    weak: list[str]  # competencies below the floor, weakest first
    missing: list[str]  # titles of the stages that are not complete
    failed: list[tuple[str, float, float]]  # (stage title, score, minimum) below a minimum
    blocking: list[dict[str, Any]]  # open flags that stop an automatic hire


@dataclass(frozen=True)
class _Verdict:
    code: str
    reasons: list[dict[str, Any]]  # shown before the weak competencies' reasons


def _facts(
    profile: JobProfileDefinition,
    stages: dict[str, dict[str, Any]],
    competencies: dict[str, dict[str, Any]],
    composite: float | None,
    flags: list[dict[str, Any]],
) -> _Facts:
    cut = profile.cutoffs
    weak = sorted(
        (
            key
            for key, c in competencies.items()
            if c["score"] is not None and c["score"] < cut.competency_floor
        ),
        key=lambda key: competencies[key]["score"],
    )
    failed = [
        (stages[key]["title"], stages[key]["score"], minimum)
        for key, minimum in dict(cut.stages).items()
        if key in stages and stages[key]["score"] is not None and stages[key]["score"] < minimum
    ]
    return _Facts(
        cut=cut,
        composite=composite,
        weak=weak,
        # A partial stage (a score with more evidence to come) is not final either.
        missing=[s["title"] for s in stages.values() if s["status"] != "complete"],
        failed=failed,
        blocking=[f for f in flags if f["code"] in BLOCKING_FLAGS and not f.get("advisory")],
    )


def _no_composite(f: _Facts) -> _Verdict | None:
    """Rule 1: nothing to weigh yet."""
    if f.composite is not None:
        return None
    return _Verdict(
        "hold", [text(N_("No composite yet: waiting for %(stages)s"), {"stages": f.missing})]
    )


def _below_a_cut_off(f: _Facts) -> _Verdict | None:
    """Rule 2: the composite below the reject cut-off, or a stage below its minimum."""
    if f.composite is None:
        return None
    below = f.composite < f.cut.reject
    if not below and not f.failed:
        return None
    reasons = [
        text(
            N_("%(stage)s %(score).1f is below its minimum %(minimum).0f"),
            {"stage": [title]},
            score=score,
            minimum=minimum,
        )
        for title, score, minimum in reversed(f.failed)
    ]
    if below:
        reasons.append(
            text(
                N_("Composite %(score).1f is below the reject cut-off %(cut).0f"),
                score=f.composite,
                cut=f.cut.reject,
            )
        )
    return _Verdict("reject", reasons)


def _incomplete(f: _Facts) -> _Verdict | None:
    """Rule 3: nobody is hired on a half-finished record."""
    if not f.missing:
        return None
    waiting = text(
        N_("Composite %(score).1f so far; still waiting for %(stages)s"),
        {"stages": f.missing},
        score=f.composite,
    )
    return _Verdict("hold", [waiting])


def _reaches_hire(f: _Facts) -> _Verdict | None:
    """Rule 4: at or above the hire cut-off; on hold while a blocking flag is open, with
    training when a competency is below the floor."""
    if f.composite is None or f.composite < f.cut.hire:
        return None
    reaches = text(
        N_("Composite %(score).1f reaches the hire cut-off %(cut).0f"),
        score=f.composite,
        cut=f.cut.hire,
    )
    if f.blocking:
        held = text(
            N_("On hold until someone has looked at: %(flags)s"),
            flags="; ".join(flag["message"] for flag in f.blocking),
        )
        return _Verdict("hold", [reaches, held])
    return _Verdict("hire_with_training" if f.weak else "hire", [reaches])


def _between(f: _Facts) -> _Verdict:
    """Rule 5: between the two cut-offs."""
    between = text(
        N_(
            "Composite %(score).1f is between the reject (%(reject).0f) and hire "
            "(%(hire).0f) cut-offs"
        ),
        score=f.composite,
        reject=f.cut.reject,
        hire=f.cut.hire,
    )
    return _Verdict("hold", [between])


# docs/scorecard.md "Recommendation rules", in order: the first that matches decides.
_RULES: tuple[Callable[[_Facts], _Verdict | None], ...] = (
    _no_composite,
    _below_a_cut_off,
    _incomplete,
    _reaches_hire,
    _between,
)


def _weak_reasons(f: _Facts, competencies: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Every competency below the floor, with its score and evidence, whatever the verdict."""
    reasons = []
    for key in f.weak:
        c = competencies[key]
        reasons.append(
            text(
                N_("%(competency)s %(score).0f is below the floor %(floor).0f (%(evidence)s)"),
                competency=c["title"],
                score=c["score"],
                floor=f.cut.competency_floor,
                evidence=", ".join(
                    f"{evidence_name(e, translated=False)} {e['score']:.0f}" for e in c["evidence"]
                ),
            )
        )
    return reasons


def _recommend(
    profile: JobProfileDefinition,
    stages: dict[str, dict[str, Any]],
    competencies: dict[str, dict[str, Any]],
    composite: float | None,
    flags: list[dict[str, Any]],
) -> dict[str, Any]:
    facts = _facts(profile, stages, competencies, composite, flags)
    verdict = next(v for rule in _RULES if (v := rule(facts)) is not None)
    reasons = verdict.reasons + _weak_reasons(facts, competencies)
    code = verdict.code
    titles = ", ".join(competencies[key]["title"] for key in facts.weak)
    label = (
        text(RECOMMENDATIONS[code], competencies=titles)
        if code == "hire_with_training"
        else text(RECOMMENDATIONS[code])
    )
    return {
        "code": code,
        "label": label["text"],
        "label_text": label,
        "reasons": [r["text"] for r in reasons],
        "reason_texts": reasons,
        "competencies": facts.weak,
    }
