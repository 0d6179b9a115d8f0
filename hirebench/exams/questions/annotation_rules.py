"""`annotation_rules`: the candidate designs labelling rules for a data set.

They see a sample (with ambiguous cases) and write an ordered rule table: each rule has
conditions on declared fields and a label. The platform applies the rules to a hidden
gold-labelled set and scores agreement; the rationale goes to reviewers with its rubric.

The rule table's meaning (operators, missing cells, the catch-all default) belongs to the
engine, hirebench.exams.annotation: answers are checked with its `parse_rules` and scored
with its `score_rules`, so what autosave accepts is exactly what grading understands. The
engine is imported inside the functions that need it, keeping this registry importable on
its own.

The gold and sample CSVs are read here, every problem listed with its line, and stored in
the spec typed as the engine's `read_rows` types them (declared number fields as floats,
other cells as stripped text, empty cells as None), so a stored exam version is
self-contained."""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from hirebench.authoring import (
    Checker,
    Criterion,
    describe,
    join,
    parse_rubric,
    rubric_from_json,
    rubric_to_json,
)
from hirebench.exams.annotation import OPS_BY_TYPE, RuleError, parse_rules, score_rules
from hirebench.exams.questions.base import (
    AnswerError,
    AuthorContext,
    AutoGrade,
    Prefill,
    Question,
    QuestionType,
    ReviewPart,
    answer_text,
    number_text,
)

GOLD_MIN_ROWS = 200
LABEL_COLUMN = "label"
NONE_LABEL = "(none)"  # the engine's name for "no rule matched"; not usable as a label
FIELD_TYPES = ("category", "number", "text")
FIELD_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
DEFAULT_MAX_RULES = 30
MAX_RULES_CEILING = 200
MAX_LABEL_CHARS = 64
DEFAULT_RATIONALE_MAX_CHARS = 4_000
RATIONALE_MAX_CEILING = 50_000
MAX_ROW_PROBLEMS = 10  # per file: a systematically wrong column would otherwise flood the list


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    values: tuple[str, ...] = ()  # category fields only

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type, "values": list(self.values)}


@dataclass(frozen=True)
class AnnotationRulesSpec:
    labels: tuple[str, ...]
    fields: tuple[Field, ...]
    sample: str  # path of the sample CSV in the exam folder
    sample_columns: tuple[str, ...]
    sample_rows: tuple[dict[str, Any], ...]
    gold: str  # path of the gold CSV in the exam folder
    gold_rows: tuple[dict[str, Any], ...]  # declared fields + `label`
    rationale_rubric: tuple[Criterion, ...]
    max_rules: int = DEFAULT_MAX_RULES
    rationale_max_chars: int = DEFAULT_RATIONALE_MAX_CHARS

    def to_json(self) -> dict[str, Any]:
        return {
            "labels": list(self.labels),
            "fields": [f.to_json() for f in self.fields],
            "sample": self.sample,
            "sample_columns": list(self.sample_columns),
            "sample_rows": [dict(row) for row in self.sample_rows],
            "gold": self.gold,
            "gold_rows": [dict(row) for row in self.gold_rows],
            "rationale_rubric": rubric_to_json(self.rationale_rubric),
            "max_rules": self.max_rules,
            "rationale_max_chars": self.rationale_max_chars,
        }

    @property
    def field_types(self) -> dict[str, str]:
        """Field name -> type, as the engine takes them."""
        return {f.name: f.type for f in self.fields}

    @property
    def categories(self) -> dict[str, list[str]]:
        """Category field -> its values, so the engine rejects a misspelt value."""
        return {f.name: list(f.values) for f in self.fields if f.type == "category"}


# ---------------------------------------------------------------------------- authoring


def _labels(checker: Checker, block: Mapping[str, Any], path: str) -> tuple[str, ...] | None:
    raw = checker.items(block, "labels", path, min_items=2)
    if raw is None:
        return None
    where = join(path, "labels")
    ok = True
    for index, label in enumerate(raw):
        if (
            not isinstance(label, str)
            or not label.strip()
            or label != label.strip()
            or len(label) > MAX_LABEL_CHARS
            or label == NONE_LABEL
        ):
            checker.add(
                join(where, index),
                f"label {describe(label)} is not a usable label",
                f"write labels as text of 1-{MAX_LABEL_CHARS} characters, without surrounding "
                f"spaces, other than {NONE_LABEL!r} (quote true/false/numbers)",
            )
            ok = False
    before = len(checker.problems)
    checker.unique(raw, where, "label", "list each label once")
    return tuple(raw) if ok and len(checker.problems) == before else None


def _fields(checker: Checker, block: Mapping[str, Any], path: str) -> tuple[Field, ...] | None:
    raw = checker.items(block, "fields", path)
    if raw is None:
        return None
    where = join(path, "fields")
    fields: list[Field] = []
    ok = True
    for index, item in enumerate(raw):
        at = join(where, index)
        entry = checker.mapping(item, at, "a field")
        if entry is None:
            ok = False
            continue
        kind = entry.get("type")
        checker.keys(entry, at, ("name", "type"), ("values",) if kind == "category" else ())
        name = checker.ident(
            entry,
            "name",
            at,
            pattern=FIELD_NAME,
            rule="a CSV column name: letters, digits and '_', not starting with a digit",
        )
        if name == LABEL_COLUMN:
            checker.add(
                join(at, "name"),
                f"'{LABEL_COLUMN}' is the gold label column, not a field rules may test",
                "remove this field",
            )
            name = None
        kind = checker.choice(entry, "type", at, FIELD_TYPES)
        values: tuple[str, ...] = ()
        if kind == "category":
            values_raw = checker.items(entry, "values", at)
            if values_raw is None:
                ok = False
            elif not all(isinstance(v, str) and v.strip() == v and v for v in values_raw):
                checker.add(
                    join(at, "values"),
                    "category values must be non-empty text without surrounding spaces",
                    "quote values such as yes, no, true or numbers",
                )
                ok = False
            else:
                before = len(checker.problems)
                checker.unique(values_raw, join(at, "values"), "value", "list each value once")
                ok = ok and len(checker.problems) == before
                values = tuple(values_raw)
            if "values" not in entry:
                checker.add(at, "a category field needs its values", "add `values: [...]`")
        if name is None or kind is None:
            ok = False
            continue
        fields.append(Field(name, kind, values))
    before = len(checker.problems)
    checker.unique([f.name for f in fields], where, "field", "declare each field once")
    return tuple(fields) if ok and len(checker.problems) == before else None


@dataclass
class _Table:
    columns: tuple[str, ...]
    rows: list[dict[str, Any]]


def _read_table(
    ctx: AuthorContext,
    block: Mapping[str, Any],
    key: str,
    path: str,
    fields: tuple[Field, ...] | None,
    labels: tuple[str, ...] | None,
) -> _Table | None:
    """Read the `sample` or `gold` CSV and check its shape against the fields and labels."""
    if key not in block:
        return None
    ref = block[key]
    where = join(path, key)
    gold = key == "gold"
    data = ctx.read_asset(ref, where, suffixes=(".csv",))
    if data is None:
        return None
    file = str(ref)

    def add(message: str, fix: str) -> None:
        ctx.checker.add(where, message, fix, file=file)

    try:
        text = data.decode("utf-8-sig")  # Excel writes a BOM
    except UnicodeDecodeError as exc:
        add(f"not UTF-8 text (bad byte at offset {exc.start})", "save the file as UTF-8 CSV")
        return None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        add(f"line 1: {exc}", "fix the CSV header")
        return None
    if not header:
        add("the file is empty; it needs a header row", "add a header row naming the columns")
        return None
    columns = tuple(cell.strip() for cell in header)
    ok = True
    duplicates = sorted({c for c in columns if columns.count(c) > 1})
    if duplicates or "" in columns:
        add(
            f"the header has {'duplicate' if duplicates else 'empty'} column names"
            + (f" ({', '.join(duplicates)})" if duplicates else ""),
            "give every column its own name",
        )
        ok = False
    if gold and LABEL_COLUMN not in columns:
        add(f"no '{LABEL_COLUMN}' column", f"add a '{LABEL_COLUMN}' column with the gold labels")
        ok = False
    for spec_field in fields or ():
        if spec_field.name not in columns:
            add(
                f"no '{spec_field.name}' column, but '{spec_field.name}' is a declared field",
                f"add the column, or remove the field from {join(path, 'fields')}",
            )
            ok = False
    if not ok or fields is None:
        return None

    types = {f.name: f for f in fields}
    rows: list[dict[str, Any]] = []
    bad_lines = 0
    try:
        for cells in reader:
            if not cells or all(not cell.strip() for cell in cells):
                continue  # blank lines, such as a trailing one, are not rows
            problems = _row_problems(cells, columns, types, labels, gold)
            if problems:
                bad_lines += 1
                if bad_lines <= MAX_ROW_PROBLEMS:
                    for message, fix in problems:
                        add(f"line {reader.line_num}: {message}", fix)
                continue
            rows.append(
                {
                    column: _cell_value(types.get(column), cell)
                    for column, cell in zip(columns, cells, strict=True)
                }
            )
    except csv.Error as exc:
        add(f"line {reader.line_num}: {exc}", "fix the CSV quoting")
        return None
    if bad_lines > MAX_ROW_PROBLEMS:
        add(
            f"{bad_lines - MAX_ROW_PROBLEMS} more lines have problems (only the first "
            f"{MAX_ROW_PROBLEMS} are listed)",
            "fix the lines above, then validate again",
        )
    if bad_lines:
        return None
    if gold and not _gold_ok(rows, labels, add):
        return None
    if not rows:
        add("the sample has no rows", "add the rows the candidate should study")
        return None
    return _Table(columns, rows)


def _gold_ok(
    rows: list[dict[str, Any]], labels: tuple[str, ...] | None, add: Callable[[str, str], None]
) -> bool:
    if len(rows) < GOLD_MIN_ROWS:
        add(
            f"the gold set has {len(rows)} rows; it needs at least {GOLD_MIN_ROWS} for "
            "agreement scores to mean something",
            f"label at least {GOLD_MIN_ROWS} rows",
        )
        return False
    present = {row[LABEL_COLUMN] for row in rows}
    missing = [label for label in labels or () if label not in present]
    if missing:
        add(
            f"label {', '.join(missing)} never occurs in the gold set, so its F1 is undefined",
            "add gold rows with that label, or remove it from labels",
        )
        return False
    return True


def _row_problems(
    cells: list[str],
    columns: tuple[str, ...],
    fields: Mapping[str, Field],
    labels: tuple[str, ...] | None,
    gold: bool,
) -> list[tuple[str, str]]:
    if len(cells) != len(columns):
        return [
            (
                f"{len(cells)} cells, but the header has {len(columns)} columns",
                "give every line one cell per column (quote cells that contain commas)",
            )
        ]
    row = dict(zip(columns, cells, strict=True))
    problems: list[tuple[str, str]] = []
    for name, spec_field in fields.items():
        value = row[name].strip()
        if not value:
            continue  # a missing value; rules can test for it with the `missing` operator
        if spec_field.type == "number" and _number(value) is None:
            problems.append((f"'{name}' is {value!r}, not a number", "write a number like 12.5"))
        elif spec_field.type == "category" and value not in spec_field.values:
            problems.append(
                (
                    f"'{name}' is {value!r}, which is not one of its values",
                    f"use one of {', '.join(spec_field.values)}, or add it to the field's values",
                )
            )
    if LABEL_COLUMN in row and labels is not None:
        label = row[LABEL_COLUMN].strip()
        # A sample may leave a label empty: an ambiguous case for the candidate to decide.
        if (label or gold) and label not in labels:
            problems.append(
                (
                    f"label {label!r} is not one of the labels ({', '.join(labels)})",
                    "use a declared label, or add it to labels" if label else "label the row",
                )
            )
    return problems


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _cell_value(spec_field: Field | None, text: str) -> Any:
    text = text.strip()
    if not text:
        return None
    if spec_field is not None and spec_field.type == "number":
        return _number(text)
    return text


# ---------------------------------------------------------------------------------- type


class AnnotationRules(QuestionType[AnnotationRulesSpec]):
    similarity_parts = (("rules", "text"), ("rationale", "text"))
    name = "annotation_rules"
    label = _l("Annotation rules")
    spec_class = AnnotationRulesSpec
    required_keys = ("labels", "fields", "sample", "gold", "rationale_rubric")
    optional_keys = ("max_rules", "rationale_max_chars")

    def author_schema(
        self, block: Mapping[str, Any], path: str, ctx: AuthorContext, points: float | None
    ) -> AnnotationRulesSpec | None:
        checker = ctx.checker
        labels = _labels(checker, block, path)
        fields = _fields(checker, block, path)
        max_rules = checker.number(
            block,
            "max_rules",
            path,
            required=False,
            default=DEFAULT_MAX_RULES,
            minimum=1,
            maximum=MAX_RULES_CEILING,
            integer=True,
        )
        rationale_max = checker.number(
            block,
            "rationale_max_chars",
            path,
            required=False,
            default=DEFAULT_RATIONALE_MAX_CHARS,
            minimum=1,
            maximum=RATIONALE_MAX_CEILING,
            integer=True,
        )
        rubric = parse_rubric(checker, block, "rationale_rubric", path)
        sample = _read_table(ctx, block, "sample", path, fields, labels)
        gold = _read_table(ctx, block, "gold", path, fields, labels)
        if (
            labels is None
            or fields is None
            or max_rules is None
            or rationale_max is None
            or rubric is None
            or sample is None
            or gold is None
        ):
            return None
        return AnnotationRulesSpec(
            labels=labels,
            fields=fields,
            sample=str(block["sample"]),
            sample_columns=sample.columns,
            sample_rows=tuple(sample.rows),
            gold=str(block["gold"]),
            gold_rows=tuple(gold.rows),
            rationale_rubric=rubric,
            max_rules=int(max_rules),
            rationale_max_chars=int(rationale_max),
        )

    def spec_from_json(self, data: Mapping[str, Any]) -> AnnotationRulesSpec:
        return AnnotationRulesSpec(
            labels=tuple(data["labels"]),
            fields=tuple(Field(f["name"], f["type"], tuple(f["values"])) for f in data["fields"]),
            sample=str(data["sample"]),
            sample_columns=tuple(data["sample_columns"]),
            sample_rows=tuple(dict(row) for row in data["sample_rows"]),
            gold=str(data["gold"]),
            gold_rows=tuple(dict(row) for row in data["gold_rows"]),
            rationale_rubric=rubric_from_json(data["rationale_rubric"]),
            max_rules=int(data["max_rules"]),
            rationale_max_chars=int(data["rationale_max_chars"]),
        )

    def candidate_view(self, question: Question, seed: str | int) -> dict[str, Any]:
        spec = self.spec(question)
        return {
            **self.base_view(question),
            "labels": list(spec.labels),
            "fields": [f.to_json() for f in spec.fields],
            "ops": {f.type: list(OPS_BY_TYPE[f.type]) for f in spec.fields},
            "sample": {
                "columns": list(spec.sample_columns),
                "rows": [dict(row) for row in spec.sample_rows],
            },
            "max_rules": spec.max_rules,
            "rationale_max_chars": spec.rationale_max_chars,
        }

    def parse_rules(self, question: Question, raw: Any) -> list[Any]:
        """The engine's typed rules for a rule table, or AnswerError with the engine's
        message (which names the rule and condition, counted from 1)."""
        spec = self.spec(question)
        if not isinstance(raw, list):
            # The engine also decodes JSON text; a browser payload must already be a list.
            raise AnswerError(_("The rules must be a list."))
        try:
            return parse_rules(
                raw, spec.field_types, list(spec.labels), spec.max_rules, spec.categories
            )
        except RuleError as exc:
            raise AnswerError(str(exc)) from exc

    def validate_answer(self, question: Question, raw: Any) -> dict[str, Any] | None:
        if raw is None:
            return None
        spec = self.spec(question)
        if not isinstance(raw, dict) or not set(raw) <= {"rules", "rationale"}:
            raise AnswerError(_("The answer must have 'rules' and 'rationale' only."))
        rules = raw.get("rules", [])
        # An empty table is an answer in progress (the engine refuses to score one, and
        # auto_grade gives it 0), so autosave keeps the rationale typed so far.
        if rules != []:
            self.parse_rules(question, rules)
        rationale = answer_text(raw.get("rationale", ""), spec.rationale_max_chars, "rationale")
        # The candidate's own JSON is kept (checked, not rewritten), so the table reloads
        # exactly as they wrote it.
        return {"rules": rules, "rationale": rationale}

    def auto_grade(self, question: Question, answer: Any) -> AutoGrade:
        spec = self.spec(question)
        if answer is None or (isinstance(answer, dict) and not answer.get("rules")):
            return AutoGrade(0.0, question.points, {"answered": False})
        try:
            if not isinstance(answer, dict):
                raise AnswerError(_("The stored answer is not a rule table."))
            # Checked again: grading must survive any stored answer and never crash on it.
            rules = self.parse_rules(question, answer["rules"])
            score = score_rules(rules, [dict(row) for row in spec.gold_rows], list(spec.labels))
        except ValueError as exc:  # AnswerError, or the engine refusing the gold set
            return AutoGrade(0.0, question.points, {"answered": True, "error": str(exc)})
        kappa = float(score.kappa)
        # Chance-level agreement earns nothing; kappa below 0 is worse than chance.
        credit = min(1.0, max(0.0, kappa)) if math.isfinite(kappa) else 0.0
        return AutoGrade(
            question.points * credit,
            question.points,
            {
                "answered": True,
                "accuracy": float(score.accuracy),
                "kappa": kappa,
                "per_label_f1": {k: float(v) for k, v in score.per_label_f1.items()},
                "unmatched_share": float(score.unmatched_share),
                "conflict_share": float(score.conflict_share),
                "rules": len(rules),
            },
        )

    def review_view(self, question: Question, answer: Any) -> dict[str, Any]:
        spec = self.spec(question)
        answer = answer if isinstance(answer, dict) else {}
        return {
            **self.base_view(question),
            "labels": list(spec.labels),
            "fields": [f.to_json() for f in spec.fields],
            "rules": answer.get("rules", []),
            "rationale": answer.get("rationale", ""),
            "rationale_rubric": rubric_to_json(spec.rationale_rubric),
        }

    def prefill(self, question: Question, view: Mapping[str, Any], value: Any) -> Prefill:
        text = rationale = ""
        answered = False
        if isinstance(value, dict):
            rules = value.get("rules") or []
            text = json.dumps(rules, indent=2, ensure_ascii=False) if rules else ""
            rationale = str(value.get("rationale") or "")
            # Autosave stores an empty table beside a rationale typed so far.
            answered = bool(rules) or bool(rationale)
        columns = view["sample"]["columns"]
        rows = tuple(
            tuple(number_text(row.get(column)) for column in columns)
            for row in view["sample"]["rows"]
        )
        return Prefill(
            answered=answered,
            text=text,
            rationale=rationale,
            example_rules=example_rules(view),
            sample_rows=rows,
        )

    def review_part(self, question: Question, value: Any) -> ReviewPart:
        # The rules are scored against the gold set; reviewers grade only the rationale.
        rationale = str(value.get("rationale") or "") if isinstance(value, dict) else ""
        return ReviewPart("rationale", self.spec(question).rationale_rubric, rationale)


def example_rules(view: Mapping[str, Any]) -> str:
    """A valid rule table built from the question's own fields and labels, shown as the
    placeholder so the format is documented where it is typed. It says nothing about which
    rules are right."""
    labels = view["labels"]
    rules: list[dict[str, Any]] = []
    category = next((f for f in view["fields"] if f["type"] == "category" and f["values"]), None)
    number = next((f for f in view["fields"] if f["type"] == "number"), None)
    if category is not None:
        condition = {"field": category["name"], "op": "eq", "value": category["values"][0]}
        rules.append({"conditions": [condition], "label": labels[0]})
    if number is not None:
        condition = {"field": number["name"], "op": "lt", "value": 1}
        rules.append({"conditions": [condition], "label": labels[min(1, len(labels) - 1)]})
    rules.append({"conditions": [], "label": labels[-1]})
    lines = ",\n".join("  " + json.dumps(rule, ensure_ascii=False) for rule in rules)
    return f"[\n{lines}\n]"
