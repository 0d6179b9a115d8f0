"""Exam definitions: an exam folder (exam.yaml plus assets) read into typed dataclasses.

`validate_folder` lists every problem; `load_definition` returns the definition or raises
ExamDefinitionError with every problem. Nothing here touches the database. The format is
documented in docs/exam-format.md.

YAML is read with `yaml.safe_load` only (no Python objects from the file). Key paths in
problems count list entries from 0: `sections[1].questions[3].options`.
"""

from __future__ import annotations

import difflib
import enum
import logging
import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hirebench.authoring import (
    TEXT_MAX_CHARS,
    AuthoringError,
    Checker,
    Problem,
    describe,
    join,
    yaml_mapping,
)
from hirebench.authoring.reader import YAML_MAX_BYTES
from hirebench.exams.questions import REGISTRY
from hirebench.exams.questions.base import EXAM_FILE, AuthorContext, Question, content_hash

log = logging.getLogger(__name__)

FORMAT_VERSION = 1  # of the stored (JSON) definition
MAX_TIME_LIMIT = 600
TITLE_MAX_CHARS = 300
COMMON_REQUIRED = ("id", "type", "points", "prompt")
COMMON_OPTIONAL = ("competency", "explanation")
EXAM_REQUIRED = ("id", "title", "time_limit_minutes", "pass_cutoff", "results_policy", "sections")
EXAM_OPTIONAL = ("title_zh", "description", "shuffle_questions")
SECTION_REQUIRED = ("id", "title", "questions")
SECTION_OPTIONAL = ("draw",)


class ExamDefinitionError(AuthoringError):
    """The exam folder cannot be used. `problems` holds every problem found."""

    what = "exam definition"


class ResultsPolicy(enum.StrEnum):
    immediate = "immediate"  # the score shows as soon as everything auto-graded is graded
    after_review = "after_review"  # once reviewers have graded the hand-graded parts
    never = "never"  # candidates never see a score


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    questions: tuple[Question, ...]
    draw: int | None = None  # a pool: each candidate gets `draw` of the questions

    @property
    def max_points(self) -> float:
        if self.draw is not None and self.draw < len(self.questions):
            # Validation makes every question in a drawn pool worth the same.
            return self.draw * self.questions[0].points
        return sum(question.points for question in self.questions)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "draw": self.draw,
            "questions": [question.to_json() for question in self.questions],
        }


@dataclass(frozen=True)
class ExamDefinition:
    id: str
    title: str
    time_limit_minutes: int
    pass_cutoff: float  # percent of max_points
    results_policy: ResultsPolicy
    shuffle_questions: bool
    sections: tuple[Section, ...]
    content_hash: str  # SHA-256 over exam.yaml and every referenced file
    title_zh: str = ""
    description: str = ""
    # Files the coding questions' graders ship, by SHA-256, as read from the folder; the
    # loader stores them. Not part of to_json (the specs name them by hash), so empty in a
    # definition rebuilt from a stored version.
    blobs: Mapping[str, bytes] = field(default_factory=dict, compare=False, repr=False)

    @property
    def max_points(self) -> float:
        return sum(section.max_points for section in self.sections)

    def questions(self) -> Iterator[Question]:
        """Every question of every section (the whole pool), in the author's order."""
        for section in self.sections:
            yield from section.questions

    def question(self, question_id: str) -> Question:
        """The question with this id; KeyError when the exam has none."""
        for question in self.questions():
            if question.id == question_id:
                return question
        raise KeyError(question_id)

    def variant(self, seed: str | int) -> tuple[tuple[Section, tuple[Question, ...]], ...]:
        """One candidate's exam: per section, the drawn questions in their order. The same
        seed always gives the same variant."""
        result = []
        for section in self.sections:
            questions = list(section.questions)
            # Namespaced so a section id equal to a question id gets its own stream.
            rng = random.Random(f"{seed}:section:{section.id}")  # noqa: S311 - not a secret
            if section.draw is not None and section.draw < len(questions):
                questions = rng.sample(questions, section.draw)
                if not self.shuffle_questions:
                    questions.sort(key=section.questions.index)
            elif self.shuffle_questions:
                rng.shuffle(questions)
            result.append((section, tuple(questions)))
        return tuple(result)

    def to_json(self) -> dict[str, Any]:
        """The normalised definition, self-contained (gold rows and grader notebooks inline),
        as stored in ExamVersion.definition."""
        return {
            "format": FORMAT_VERSION,
            "id": self.id,
            "title": self.title,
            "title_zh": self.title_zh,
            "description": self.description,
            "time_limit_minutes": self.time_limit_minutes,
            "pass_cutoff": self.pass_cutoff,
            "results_policy": self.results_policy.value,
            "shuffle_questions": self.shuffle_questions,
            "content_hash": self.content_hash,
            "max_points": self.max_points,
            "sections": [section.to_json() for section in self.sections],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ExamDefinition:
        """Rebuild a definition from `to_json()` output (a stored version); no files read."""
        if data.get("format") != FORMAT_VERSION:
            raise ValueError(f"stored exam definition format {data.get('format')!r} is unknown")
        sections = tuple(
            Section(
                id=section["id"],
                title=section["title"],
                draw=section["draw"],
                questions=tuple(_question_from_json(q) for q in section["questions"]),
            )
            for section in data["sections"]
        )
        return cls(
            id=data["id"],
            title=data["title"],
            title_zh=data["title_zh"],
            description=data["description"],
            time_limit_minutes=int(data["time_limit_minutes"]),
            pass_cutoff=float(data["pass_cutoff"]),
            results_policy=ResultsPolicy(data["results_policy"]),
            shuffle_questions=bool(data["shuffle_questions"]),
            content_hash=data["content_hash"],
            sections=sections,
        )


def _question_from_json(data: Mapping[str, Any]) -> Question:
    return Question(
        id=data["id"],
        type=data["type"],
        points=float(data["points"]),
        prompt=data["prompt"],
        competency=data["competency"],
        explanation=data["explanation"],
        spec=REGISTRY[data["type"]].spec_from_json(data["spec"]),
    )


# ------------------------------------------------------------------------------ reading


def validate_folder(folder: Path, graders_root: Path) -> list[Problem]:
    """Every problem with the exam folder; empty when it is valid."""
    return _read(Path(folder), Path(graders_root))[1]


def load_definition(folder: Path, graders_root: Path) -> ExamDefinition:
    """The exam in `folder`, or ExamDefinitionError listing every problem."""
    definition, problems = _read(Path(folder), Path(graders_root))
    if problems or definition is None:
        raise ExamDefinitionError(problems)
    return definition


def _read(folder: Path, graders_root: Path) -> tuple[ExamDefinition | None, list[Problem]]:
    ctx = AuthorContext(folder, graders_root)
    checker = ctx.checker
    raw = _read_exam_file(folder, checker)
    if raw is None:
        return None, checker.problems
    text, ctx.files[EXAM_FILE] = raw
    block = yaml_mapping(text, checker, "docs/exam-format.md", what=EXAM_FILE)
    if block is None:
        return None, checker.problems
    definition = _exam(ctx, block, folder)
    if checker.problems:
        return None, checker.problems
    assert definition is not None
    log.debug("read exam %s (%s)", definition.id, definition.content_hash[:12])
    return definition, []


def _read_exam_file(folder: Path, checker: Checker) -> tuple[str, bytes] | None:
    """exam.yaml's text and its bytes (which the content hash covers as they are)."""
    path = folder / EXAM_FILE
    if not folder.is_dir():
        checker.add("", f"{folder} is not a folder", "give the path of an exam folder")
        return None
    if not path.is_file():
        checker.add("", f"no {EXAM_FILE} in {folder}", f"create {EXAM_FILE} (docs/exam-format.md)")
        return None
    if not path.resolve().is_relative_to(folder.resolve()):
        checker.add(
            "",
            f"{EXAM_FILE} is a symbolic link to a file outside the exam folder",
            "copy the file into the folder instead of linking to it",
        )
        return None
    size = path.stat().st_size
    if size > YAML_MAX_BYTES:
        checker.add(
            "",
            f"{EXAM_FILE} is {size:,} bytes; the limit is {YAML_MAX_BYTES:,}",
            "move long texts or data into assets",
        )
        return None
    data = path.read_bytes()
    try:
        # Decoded here, not by PyYAML, so the error says what to do; a BOM is tolerated.
        return data.decode("utf-8-sig"), data
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        checker.add("", f"not UTF-8 text (bad byte on line {line})", "save the file as UTF-8")
        return None


# ----------------------------------------------------------------------------- checking


def _exam(ctx: AuthorContext, block: Mapping[str, Any], folder: Path) -> ExamDefinition | None:
    checker = ctx.checker
    checker.keys(block, "", EXAM_REQUIRED, EXAM_OPTIONAL)
    exam_id = checker.ident(block, "id", "")
    folder_name = folder.resolve().name
    if exam_id is not None and exam_id != folder_name:
        checker.add(
            "id",
            f"id '{exam_id}' does not match the folder name '{folder_name}'",
            "rename the folder or change the id so that they match",
        )
    title = checker.text(block, "title", "", max_chars=TITLE_MAX_CHARS)
    title_zh = checker.text(block, "title_zh", "", required=False, max_chars=TITLE_MAX_CHARS)
    description = checker.text(block, "description", "", required=False)
    time_limit = checker.number(
        block, "time_limit_minutes", "", minimum=1, maximum=MAX_TIME_LIMIT, integer=True
    )
    cutoff = checker.number(block, "pass_cutoff", "", minimum=0, maximum=100)
    policy = checker.choice(block, "results_policy", "", [p.value for p in ResultsPolicy])
    shuffle = checker.boolean(block, "shuffle_questions", "", False)
    sections = _sections(ctx, block)
    if checker.problems:
        return None
    assert exam_id is not None and title is not None and time_limit is not None
    assert cutoff is not None and policy is not None and sections is not None
    return ExamDefinition(
        id=exam_id,
        title=title,
        title_zh=title_zh or "",
        description=description or "",
        time_limit_minutes=int(time_limit),
        pass_cutoff=cutoff,
        results_policy=ResultsPolicy(policy),
        shuffle_questions=shuffle,
        sections=sections,
        content_hash=content_hash(ctx.files),
        blobs=dict(ctx.blobs),
    )


def _sections(ctx: AuthorContext, block: Mapping[str, Any]) -> tuple[Section, ...] | None:
    checker = ctx.checker
    raw = checker.items(block, "sections", "")
    if raw is None:
        return None
    sections: list[Section] = []
    section_ids: list[str | None] = []
    question_paths: dict[str, str] = {}
    for index, item in enumerate(raw):
        path = join("sections", index)
        entry = checker.mapping(item, path, "a section")
        if entry is None:
            continue
        checker.keys(entry, path, SECTION_REQUIRED, SECTION_OPTIONAL)
        section_id = checker.ident(entry, "id", path)
        section_ids.append(section_id)
        title = checker.text(entry, "title", path, max_chars=TITLE_MAX_CHARS)
        questions = _questions(ctx, entry, path, question_paths)
        draw = checker.number(entry, "draw", path, required=False, minimum=1, integer=True)
        if draw is not None and questions is not None:
            if draw > len(questions):
                checker.add(
                    join(path, "draw"),
                    f"draw is {draw:g}, but the section has only {len(questions)} questions",
                    f"draw at most {len(questions)}, or add questions to the pool",
                )
            elif len({question.points for question in questions}) > 1:
                # Candidates drawing different questions must be able to earn the same.
                checker.add(
                    join(path, "questions"),
                    "questions in a drawn pool have different points",
                    "give every question in the pool the same points, or remove draw",
                )
        if section_id is None or title is None or questions is None:
            continue
        sections.append(
            Section(section_id, title, questions, int(draw) if draw is not None else None)
        )
    checker.unique(section_ids, "sections", "section id", "give each section its own id")
    return tuple(sections)


def _questions(
    ctx: AuthorContext, block: Mapping[str, Any], path: str, seen: dict[str, str]
) -> tuple[Question, ...] | None:
    raw = ctx.checker.items(block, "questions", path)
    if raw is None:
        return None
    questions: list[Question] = []
    ok = True
    for index, item in enumerate(raw):
        question = _question(ctx, item, join(join(path, "questions"), index), seen)
        if question is None:
            ok = False
        else:
            questions.append(question)
    return tuple(questions) if ok else None


def _question(ctx: AuthorContext, item: Any, path: str, seen: dict[str, str]) -> Question | None:
    checker = ctx.checker
    block = checker.mapping(item, path, "a question")
    if block is None:
        return None
    type_name = block.get("type")
    qtype = REGISTRY.get(type_name) if isinstance(type_name, str) else None
    if qtype is None:
        # Other keys are not checked against an unknown type: they may be right for the
        # type the author meant, and "unknown key" would mislead.
        checker.keys(
            {k: v for k, v in block.items() if k in COMMON_REQUIRED}, path, COMMON_REQUIRED
        )
        if "type" in block:
            close = difflib.get_close_matches(str(type_name), list(REGISTRY), n=1)
            checker.add(
                join(path, "type"),
                f"unknown question type {describe(type_name)}",
                f"did you mean '{close[0]}'?"
                if close
                else f"use one of {', '.join(sorted(REGISTRY))}",
            )
    else:
        checker.keys(
            block,
            path,
            (*COMMON_REQUIRED, *qtype.required_keys),
            (*COMMON_OPTIONAL, *qtype.optional_keys),
        )
    question_id = checker.ident(block, "id", path)
    if question_id is not None:
        if question_id in seen:
            checker.add(
                join(path, "id"),
                f"duplicate question id '{question_id}' (also at {seen[question_id]})",
                "give each question its own id (ids are unique across the whole exam)",
            )
        seen.setdefault(question_id, path)
    points = checker.number(block, "points", path, above=0)
    prompt = checker.text(block, "prompt", path)
    competency = checker.text(block, "competency", path, required=False, max_chars=100)
    explanation = checker.text(block, "explanation", path, required=False, max_chars=TEXT_MAX_CHARS)
    spec = qtype.author_schema(block, path, ctx, points) if qtype is not None else None
    if qtype is None or spec is None or question_id is None or points is None or prompt is None:
        return None
    return Question(
        id=question_id,
        type=qtype.name,
        points=points,
        prompt=prompt,
        spec=spec,
        competency=competency or "",
        explanation=explanation or "",
    )
