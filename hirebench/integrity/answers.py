"""hirebench's own answers as the similarity engine's submissions (docs/integrity.md, "In
hirebench"): which parts of an exam version are compared, whose answers count (each
candidate's latest closed attempt), and what is subtracted (the question's starter code and
the grader's own cells).

The evidence view rebuilds a pair's two submissions with the same functions, so the line
numbers of the stored fragments always refer to the text it shows."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import sqlalchemy as sa

from hirebench.exams.definition import ExamDefinition
from hirebench.exams.questions import get_type
from hirebench.exams.questions.base import Question
from hirebench.extensions import db
from hirebench.grading.formats import GraderError, load_grader
from hirebench.integrity.submissions import (
    Kind,
    Problem,
    Submission,
    from_notebook,
    from_python,
    from_rules,
    from_text,
)
from hirebench.models import Answer, Attempt, AttemptStatus


@dataclass(frozen=True)
class Target:
    """One comparable part of a question: `part` is "" for the whole answer."""

    question_id: str
    part: str
    kind: Kind


def _parts(question: Question) -> dict[str, Kind]:
    """The question type's comparable parts (QuestionType.similarity_parts), part -> kind."""
    return {part: cast(Kind, kind) for part, kind in get_type(question.type).similarity_parts}


def targets(definition: ExamDefinition) -> list[Target]:
    """Every comparable part of every question of a version, in the author's order."""
    return [
        Target(question.id, part, kind)
        for question in definition.questions()
        for part, kind in _parts(question).items()
    ]


@dataclass
class Cohort:
    """One part's submissions, the answers behind them (by submission id), the answers that
    could not be compared with their reasons, and the code subtracted from every one."""

    submissions: list[Submission] = field(default_factory=list)
    answers: dict[str, Answer] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    starter: tuple[str, ...] = ()


def closed_answers(version_id: int, question_id: str) -> list[Answer]:
    """The answers to a question from each candidate's latest closed attempt at the version.
    Earlier attempts are left out: a candidate's retake resembles their first try honestly."""
    attempts = db.session.scalars(
        sa.select(Attempt)
        .where(
            Attempt.exam_version_id == version_id,
            Attempt.status != AttemptStatus.in_progress,
        )
        .order_by(Attempt.candidate_id, Attempt.started_at.desc(), Attempt.id.desc())
    )
    latest: dict[int, Attempt] = {}
    for attempt in attempts:
        if question_id in attempt.question_ids:  # a drawn pool gives some candidates others
            latest.setdefault(attempt.candidate_id, attempt)
    if not latest:
        return []
    return list(
        db.session.scalars(
            sa.select(Answer)
            .where(
                Answer.attempt_id.in_([a.id for a in latest.values()]),
                Answer.question_id == question_id,
            )
            .order_by(Answer.id)
        )
    )


@functools.lru_cache(maxsize=32)
def _grader_cells(source: str, autotest_templates: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(setup sources, every other grader cell's source) of a stored grader notebook."""
    try:
        grader = load_grader(source.encode("utf-8"), autotest_templates=autotest_templates)
    except GraderError:
        return (), ()
    setup = tuple(cell.source for cell in grader.cells if cell.role == "setup")
    others = tuple(cell.source for cell in grader.cells if cell.role != "setup")
    visible = tuple(test.visible_source for test in grader.tests if test.visible_source)
    return setup, others + visible


def starter_of(question: Question) -> tuple[str, ...]:
    """What every candidate was given, so it counts for nobody: the starter code, and the
    grader's setup cells (a candidate may paste them into a .py answer)."""
    if _parts(question).get("") != "code":
        return ()
    setup, _ = _grader_cells(question.spec.grader_source, question.spec.autotest_templates)
    return tuple(s for s in (question.spec.starter_code, *setup) if s.strip())


def _looks_like_notebook(text: str) -> bool:
    head = text.lstrip()[:2000]
    return head.startswith("{") and '"cells"' in text[:1_000_000]


def _rule_rows(rules: Any) -> list[list[object]]:
    """A stored rule table as rows of (conditions, label): the conditions of a rule sorted,
    so that reordering them hides nothing."""
    rows: list[list[object]] = []
    for rule in rules if isinstance(rules, list) else []:
        if not isinstance(rule, dict):
            continue
        conditions = rule.get("conditions")
        parts = [
            f"{c.get('field')} {c.get('op')} {c.get('value')}"
            for c in (conditions if isinstance(conditions, list) else [])
            if isinstance(c, dict)
        ]
        rows.append([" and ".join(sorted(parts)) or "*", str(rule.get("label", ""))])
    return rows


def submission_of(answer: Answer, question: Question, part: str) -> Submission | Problem:
    """One answer as the engine reads it, or why it cannot be compared."""
    sid, value = str(answer.id), answer.value
    if part:  # one named part of a structured answer (a rule table and its rationale)
        value = value if isinstance(value, dict) else {}
        if part == "rules":
            return from_rules(sid, _rule_rows(value.get("rules")))
        value = value.get(part)
    if value is None or not isinstance(value, str):
        return Problem(sid, sid, "empty submission")
    data = value.encode("utf-8")
    if _parts(question).get(part) != "code":
        return from_text(sid, data)
    if _looks_like_notebook(value):
        _, grader_cells = _grader_cells(
            question.spec.grader_source, question.spec.autotest_templates
        )
        setup = starter_of(question)
        return from_notebook(sid, data, exclude_sources=(*setup, *grader_cells))
    return from_python(sid, data)


def cohort(answers: Iterable[Answer], question: Question, part: str) -> Cohort:
    built = Cohort(starter=starter_of(question))
    for answer in answers:
        loaded = submission_of(answer, question, part)
        if isinstance(loaded, Problem):
            built.problems.append(loaded)
        else:
            built.submissions.append(loaded)
            built.answers[loaded.id] = answer
    return built


def starter_lines(text: str, starter: Sequence[str]) -> set[int]:
    """Lines of `text` (from 1) that are the starter's own lines, to be greyed out: the same
    code once its spacing is ignored. Blank lines and lone brackets are too common to say."""
    given = {" ".join(line.split()) for source in starter for line in source.splitlines() if line}
    greyed = set()
    for number, line in enumerate(text.splitlines(), start=1):
        key = " ".join(line.split())
        if len(key) > 3 and key in given:
            greyed.add(number)
    return greyed
