"""The voluntary group questions (docs/analytics.md, "Group data"): which are asked, the
answers offered, and how both are named on the pages.

ANALYTICS_GROUP_QUESTIONS (hirebench/config.py) maps each question to its answers, in the
order they are offered:

    {"gender": ["woman", "man", "another"], "age_band": ["under_25", "25-34", ...]}

or, to name them in the instance's own words:

    {"region": {"label": "Region", "choices": {"north": "North", "south": "South"}}}

The default questions and answers have labels here, translated into the reader's language;
a label the configuration gives is shown as written; any other code is made readable
("first_generation" -> "First generation"), so no page shows a raw key. That includes answers
stored under a question's earlier configuration and no longer offered.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l

from hirebench.config import DEFAULT_GROUP_QUESTIONS, ConfigError

SETTING = "ANALYTICS_GROUP_QUESTIONS"
#: What `hirebench analytics adverse-impact --job` compares by unless told.
FIRST_QUESTION = next(iter(DEFAULT_GROUP_QUESTIONS))

QUESTION_LABELS = {"gender": _l("Gender"), "age_band": _l("Age band")}
ANSWER_LABELS = {
    "gender": {"woman": _l("Woman"), "man": _l("Man"), "another": _l("Another gender")},
    "age_band": {
        "under_25": _l("Under 25"),
        "25-34": "25–34",
        "35-44": "35–44",
        "45-54": "45–54",
        "55_plus": _l("55 or older"),
    },
}
_RANGE = re.compile(r"^(\d+)\s*-\s*(\d+)$")


@dataclass(frozen=True)
class GroupQuestion:
    code: str
    label: str
    #: (answer code, label) in the order offered.
    choices: tuple[tuple[str, str], ...]

    def answer_label(self, answer: str) -> str:
        return dict(self.choices).get(answer) or answer_label(self.code, answer)


def readable(code: str) -> str:
    """A code nobody named, made readable: separators become spaces and the first letter a
    capital; a number range gets an en dash ("25-34" -> "25–34")."""
    text = str(code).strip()
    span = _RANGE.match(text)
    if span:
        return f"{span.group(1)}–{span.group(2)}"
    words = re.sub(r"[_\-\s]+", " ", text).strip()
    return words[:1].upper() + words[1:] if words else "—"


def question_label(code: str) -> str:
    """The default's translated label, else the code made readable."""
    return str(QUESTION_LABELS.get(code) or readable(code))


def answer_label(question: str, code: str) -> str:
    return str(ANSWER_LABELS.get(question, {}).get(code) or readable(code))


def configured() -> Mapping[str, Any]:
    """The setting of the current app, or the default outside one (a script, a test)."""
    if has_app_context():
        value = current_app.config.get(SETTING)
        if value:
            if not isinstance(value, Mapping):
                raise ConfigError(f"{SETTING} must map each question to its answers")
            return value
    return DEFAULT_GROUP_QUESTIONS


def _choices(code: str, spec: Any) -> tuple[str | None, list[tuple[str, str]]]:
    """A question's own label (None when the configuration gives none) and its choices."""
    label = None
    choices: Any = spec
    if isinstance(spec, Mapping):
        label = str(spec["label"]) if spec.get("label") else None
        choices = spec.get("choices", [])
    if isinstance(choices, Mapping):
        return label, [
            (str(k), str(v) if v else answer_label(code, str(k))) for k, v in choices.items()
        ]
    if isinstance(choices, list | tuple):
        return label, [(str(c), answer_label(code, str(c))) for c in choices]
    raise ConfigError(
        f"{SETTING}[{code!r}]: the answers must be a list of codes or a mapping code -> label"
    )


def questions() -> list[GroupQuestion]:
    """The questions asked, in the configured order, labelled in the reader's language."""
    out = []
    for code, spec in configured().items():
        label, choices = _choices(str(code), spec)
        out.append(GroupQuestion(str(code), label or question_label(str(code)), tuple(choices)))
    return out


def question(code: str) -> GroupQuestion:
    """A question by code; one no longer asked is still named readably, without choices."""
    for asked in questions():
        if asked.code == code:
            return asked
    return GroupQuestion(code, question_label(code), ())


def _offered_order(asked: GroupQuestion, answers: set[str]) -> list[str]:
    """The answers in the order the form offers them ("Under 25" before "25–34"), then any no
    longer offered, by code."""
    offered = [code for code, _ in asked.choices if code in answers]
    return offered + sorted(answers - set(offered))


def labels_for(reports: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """{question: {"label", "answers": {code: label}}} for every question and group of some
    adverse-impact reports, so a page names each one without knowing the configuration; the
    answers in the order the form offers them."""
    out: dict[str, dict[str, Any]] = {}
    for code, report in reports.items():
        asked = question(code)
        stages = report.get("stages", {}).values()
        given = _offered_order(asked, {str(g) for stage in stages for g in stage.get("groups", {})})
        out[code] = {"label": asked.label, "answers": {g: asked.answer_label(g) for g in given}}
    return out
