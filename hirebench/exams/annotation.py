"""The annotation-rule engine behind the `annotation_rules` question type.

A candidate labels data by writing an *ordered rule table*: each rule is a list of conditions on
the item's fields, all of which must hold (AND), and the label it gives. The first matching rule
labels the item, so exceptions go above the general rules. The platform applies the table to a
hidden gold-labelled set and scores agreement (`score_rules`).

The candidate's table is JSON, a list of rules:

    [
      {"conditions": [{"field": "is_bot", "op": "eq", "value": 1}], "label": "browse"},
      {"conditions": [{"field": "action", "op": "eq", "value": "pay"},
                      {"field": "price", "op": "missing", "value": false}], "label": "purchase"},
      {"conditions": [], "label": "browse"}
    ]

`parse_rules` checks it strictly and raises `RuleError`, whose message is fit to show the
candidate ("rule 3, condition 1: unknown field 'dwel_seconds' (did you mean 'dwell_seconds'?)").
Rules and conditions are numbered from 1 in messages; `RuleError.index` and `.condition` are
0-based positions (None when the problem is with the table as a whole).

Semantics, in full:

* Operators by field type (`fields` maps a name to "number", "category" or "text"):
  number: eq ne in lt le gt ge missing; category: eq ne in missing;
  text: eq ne in contains missing.
* `value` has the field's type: a JSON number (not true/false, finite) for number fields, a
  string for category and text fields. `in` takes a non-empty list of such values (at most
  `MAX_IN_VALUES`). `missing` takes true (the cell is empty) or false (the cell has a value);
  without `value` it means true. Strings are at most `MAX_STRING` characters. When the caller
  passes `categories`, category values must be among the field's declared values.
* `eq`, `ne`, `in` compare exactly (case-sensitive); `contains` is a case-insensitive substring
  test.
* A missing cell (None, NaN, or a field absent from the row) makes every comparison False,
  except `ne` (True: an empty cell is not equal to anything) and `missing`.
* A cell of the wrong type (text in a number field, say) makes the condition False, whatever
  the operator (`missing` only asks whether the cell is empty). Applying a parsed table never
  raises on odd data.
* A rule with no conditions is a catch-all default. It is allowed only as the last rule.
* `apply_rules` returns the first matching rule's label and whether a *later* rule with a
  *different* label also matched (a conflict). The catch-all default never counts as a
  conflict: by its position it is the fallback, not a competing rule. No match gives None.
* `score_rules` counts an unmatched item as wrong (predicted label "(none)").
"""

from __future__ import annotations

import csv
import difflib
import json
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from flask_babel import gettext as _

NONE_LABEL = "(none)"
MAX_CONDITIONS = 8
MAX_IN_VALUES = 50
MAX_STRING = 200

FIELD_TYPES = ("number", "category", "text")
OPS_BY_TYPE: dict[str, tuple[str, ...]] = {
    "number": ("eq", "ne", "in", "lt", "le", "gt", "ge", "missing"),
    "category": ("eq", "ne", "in", "missing"),
    "text": ("eq", "ne", "in", "contains", "missing"),
}
ALL_OPS = ("eq", "ne", "in", "lt", "le", "gt", "ge", "contains", "missing")
RULE_KEYS = ("conditions", "label")
CONDITION_KEYS = ("field", "op", "value")


class RuleError(ValueError):
    """A problem with the candidate's rule table, worded for the candidate.

    `index` is the 0-based position of the offending rule (None for the table as a whole) and
    `condition` the 0-based position of the offending condition within it, if any."""

    def __init__(self, message: str, index: int | None = None, condition: int | None = None):
        super().__init__(message)
        self.index = index
        self.condition = condition


@dataclass(frozen=True)
class Condition:
    field: str
    op: str
    value: Any  # float | str | bool (missing) | tuple of float or str (in)


@dataclass(frozen=True)
class Rule:
    conditions: tuple[Condition, ...]
    label: str

    @property
    def is_default(self) -> bool:
        """A rule without conditions: the catch-all default."""
        return not self.conditions


@dataclass(frozen=True)
class RuleScore:
    accuracy: float
    kappa: float
    per_label_f1: dict[str, float]
    unmatched_share: float
    conflict_share: float
    confusion: dict[str, dict[str, int]]  # gold label -> predicted label (or "(none)") -> count
    n: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# --- parsing ----------------------------------------------------------------------------------


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return _("a number")
    if isinstance(value, str):
        return _("text")
    if isinstance(value, list | tuple):
        return _("a list")
    if isinstance(value, dict):
        return _("an object")
    return type(value).__name__


def _show(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= 40 else text[:37] + "..."


def _suggest(word: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    if not close:
        close = [c for c in choices if c.casefold() == word.casefold()]
    return _(" (did you mean %(word)r?)", word=close[0]) if close else ""


def _check_config(fields: Mapping[str, str], labels: Sequence[str]) -> None:
    """The question's own definition; a problem here is the author's, not the candidate's."""
    for name, kind in fields.items():
        if kind not in FIELD_TYPES:
            raise ValueError(f"field {name!r} has type {kind!r}; expected one of {FIELD_TYPES}")
    if not labels or len(set(labels)) != len(labels) or NONE_LABEL in labels:
        raise ValueError(f"labels must be unique, non-empty and not {NONE_LABEL!r}: {labels!r}")


def parse_rules(
    raw: Any,
    fields: Mapping[str, str],
    labels: Sequence[str],
    max_rules: int = 30,
    categories: Mapping[str, Sequence[str]] | None = None,
) -> list[Rule]:
    """Check the candidate's rule table and return it as `Rule`s, or raise `RuleError`.

    `raw` is the decoded JSON (a JSON string is decoded first). `categories` optionally maps a
    category field to its allowed values, so that a misspelt value is an error rather than a
    condition that silently never matches."""
    _check_config(fields, labels)
    if isinstance(raw, str | bytes):
        try:
            raw = json.loads(raw)
        except ValueError as exc:
            raise RuleError(_("the rule table is not valid JSON: %(error)s", error=exc)) from None
    if not isinstance(raw, list):
        raise RuleError(
            _("the rule table must be a list of rules, got %(type)s", type=_json_type(raw))
        )
    if not raw:
        raise RuleError(_("the rule table is empty: write at least one rule"))
    if len(raw) > max_rules:
        raise RuleError(
            _("too many rules: %(count)d (at most %(limit)d)", count=len(raw), limit=max_rules)
        )
    rules = [_parse_rule(i, item, fields, labels, categories) for i, item in enumerate(raw)]
    for i, rule in enumerate(rules[:-1]):
        if rule.is_default:
            raise RuleError(
                _(
                    "rule %(n)d: a rule without conditions matches everything, so it is "
                    "allowed only as the last rule (the default); add conditions or move it "
                    "to the end",
                    n=i + 1,
                ),
                i,
            )
    return rules


def _parse_rule(
    i: int,
    item: Any,
    fields: Mapping[str, str],
    labels: Sequence[str],
    categories: Mapping[str, Sequence[str]] | None,
) -> Rule:
    where = _("rule %(n)d", n=i + 1)

    def fail(problem: str) -> RuleError:
        return RuleError(_("%(where)s: %(problem)s", where=where, problem=problem), i)

    if not isinstance(item, dict):
        raise fail(
            _('must be an object {"conditions": [...], "label": ...}, got %(type)s')
            % {"type": _json_type(item)}
        )
    extra = [str(k) for k in item if k not in RULE_KEYS]
    if extra:
        raise fail(
            _("unknown key %(key)r (a rule has only 'conditions' and 'label')", key=extra[0])
        )
    if "label" not in item:
        raise fail(_("no label"))
    label = item["label"]
    if not isinstance(label, str):
        raise fail(_("the label must be text, got %(type)s", type=_json_type(label)))
    if label not in labels:
        raise fail(
            _(
                "unknown label %(label)s%(hint)s; labels are %(labels)s",
                label=_show(label),
                hint=_suggest(label, labels),
                labels=", ".join(labels),
            )
        )
    conditions = item.get("conditions", None)
    if not isinstance(conditions, list):
        got = _("none") if "conditions" not in item else _json_type(conditions)
        raise fail(
            _("'conditions' must be a list (empty for a default rule), got %(type)s", type=got)
        )
    if len(conditions) > MAX_CONDITIONS:
        raise fail(
            _(
                "too many conditions: %(count)d (at most %(limit)d)",
                count=len(conditions),
                limit=MAX_CONDITIONS,
            )
        )
    parsed = tuple(
        _parse_condition(i, j, cond, fields, categories) for j, cond in enumerate(conditions)
    )
    return Rule(conditions=parsed, label=label)


def _parse_condition(
    i: int,
    j: int,
    cond: Any,
    fields: Mapping[str, str],
    categories: Mapping[str, Sequence[str]] | None,
) -> Condition:
    where = _("rule %(n)d, condition %(m)d", n=i + 1, m=j + 1)

    def fail(problem: str) -> RuleError:
        return RuleError(_("%(where)s: %(problem)s", where=where, problem=problem), i, j)

    if not isinstance(cond, dict):
        raise fail(
            _('must be an object {"field", "op", "value"}, got %(type)s')
            % {"type": _json_type(cond)}
        )
    extra = [str(k) for k in cond if k not in CONDITION_KEYS]
    if extra:
        raise fail(
            _("unknown key %(key)r (a condition has 'field', 'op' and 'value')", key=extra[0])
        )
    name = cond.get("field")
    if not isinstance(name, str):
        raise fail(
            _("no field")
            if name is None
            else _("the field must be text, got %(type)s", type=_json_type(name))
        )
    if name not in fields:
        raise fail(
            _(
                "unknown field %(field)s%(hint)s; fields are %(fields)s",
                field=_show(name),
                hint=_suggest(name, list(fields)),
                fields=", ".join(fields),
            )
        )
    kind = fields[name]
    op = cond.get("op")
    if not isinstance(op, str):
        raise fail(
            _("no op")
            if op is None
            else _("the op must be text, got %(type)s", type=_json_type(op))
        )
    if op not in ALL_OPS:
        raise fail(
            _(
                "unknown op %(op)s%(hint)s; ops are %(ops)s",
                op=_show(op),
                hint=_suggest(op, ALL_OPS),
                ops=", ".join(ALL_OPS),
            )
        )
    if op not in OPS_BY_TYPE[kind]:
        raise fail(
            _(
                "op %(op)r does not apply to %(kind)s field %(field)r; use one of %(ops)s",
                op=op,
                kind=kind,
                field=name,
                ops=", ".join(OPS_BY_TYPE[kind]),
            )
        )

    if op == "missing":
        value = cond.get("value", True)
        if not isinstance(value, bool):
            raise fail(
                _(
                    "'missing' takes true (the cell is empty) or false (it has a value), "
                    "got %(type)s",
                    type=_json_type(value),
                )
            )
        return Condition(name, op, value)
    if "value" not in cond:
        raise fail(_("op %(op)r needs a value", op=op))
    allowed = categories.get(name) if categories is not None and kind == "category" else None

    def scalar(value: Any, what: str) -> float | str:
        if kind == "number":
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise fail(
                    _(
                        "%(what)s for number field %(field)r must be a number, got %(value)s",
                        what=what,
                        field=name,
                        value=_show(value),
                    )
                )
            try:
                number = float(value)
            except OverflowError:
                number = math.inf
            if not math.isfinite(number):
                raise fail(
                    _("%(what)s for %(field)r must be a finite number", what=what, field=name)
                )
            return number
        if not isinstance(value, str):
            raise fail(
                _(
                    "%(what)s for %(kind)s field %(field)r must be text, got %(value)s",
                    what=what,
                    kind=kind,
                    field=name,
                    value=_show(value),
                )
            )
        if len(value) > MAX_STRING:
            raise fail(
                _(
                    "%(what)s is too long (%(count)d characters, at most %(limit)d)",
                    what=what,
                    count=len(value),
                    limit=MAX_STRING,
                )
            )
        if allowed is not None and value not in allowed:
            raise fail(
                _(
                    "%(value)s is not a value of %(field)r%(hint)s; values are %(values)s",
                    value=_show(value),
                    field=name,
                    hint=_suggest(value, allowed),
                    values=", ".join(allowed),
                )
            )
        if op == "contains":
            if not value:
                raise fail(_("'contains' needs non-empty text"))
            return value.casefold()
        return value

    value = cond["value"]
    if op == "in":
        if not isinstance(value, list):
            raise fail(_("'in' takes a list of values, got %(type)s", type=_json_type(value)))
        if not value:
            raise fail(_("'in' needs at least one value"))
        if len(value) > MAX_IN_VALUES:
            raise fail(
                _(
                    "'in' takes at most %(limit)d values, got %(count)d",
                    limit=MAX_IN_VALUES,
                    count=len(value),
                )
            )
        return Condition(
            name,
            op,
            tuple(scalar(v, _("value %(k)d of the list", k=k + 1)) for k, v in enumerate(value)),
        )
    return Condition(name, op, scalar(value, _("the value")))


# --- applying ---------------------------------------------------------------------------------


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _same_kind(cell: Any, value: Any) -> bool:
    """A number condition needs a number cell, a text condition a text cell."""
    return _is_number(cell) if _is_number(value) else isinstance(cell, str)


def condition_holds(cond: Condition, row: Mapping[str, Any]) -> bool:
    """Whether one condition holds for the row. Never raises on odd cell values."""
    cell = row.get(cond.field)
    if isinstance(cell, float) and math.isnan(cell):
        cell = None
    if cond.op == "missing":
        return (cell is None) is bool(cond.value)
    if cell is None:
        return cond.op == "ne"
    value = cond.value
    if cond.op == "in":
        return any(_same_kind(cell, v) and cell == v for v in value)
    if not _same_kind(cell, value):
        return False
    match cond.op:
        case "eq":
            return bool(cell == value)
        case "ne":
            return bool(cell != value)
        case "lt":
            return bool(cell < value)
        case "le":
            return bool(cell <= value)
        case "gt":
            return bool(cell > value)
        case "ge":
            return bool(cell >= value)
        case "contains":
            return str(value) in cell.casefold()
    raise ValueError(f"unknown op {cond.op!r}")  # only reachable for a hand-built Condition


def rule_matches(rule: Rule, row: Mapping[str, Any]) -> bool:
    return all(condition_holds(c, row) for c in rule.conditions)


def apply_rules(rules: Sequence[Rule], row: Mapping[str, Any]) -> tuple[str | None, bool]:
    """The first matching rule's label (None if none matched), and whether a later non-default
    rule with a different label also matched."""
    for k, rule in enumerate(rules):
        if rule_matches(rule, row):
            conflict = any(
                not later.is_default and later.label != rule.label and rule_matches(later, row)
                for later in rules[k + 1 :]
            )
            return rule.label, conflict
    return None, False


def format_condition(cond: Condition) -> str:
    """A readable form for reviewers, e.g. `dwell_seconds < 1` or `price is empty`."""
    if cond.op == "missing":
        return f"{cond.field} is {'empty' if cond.value else 'present'}"
    symbols = {"eq": "=", "ne": "≠", "lt": "<", "le": "≤", "gt": ">", "ge": "≥"}

    def show(v: Any) -> str:
        return f"{v:g}" if _is_number(v) else json.dumps(v, ensure_ascii=False)

    if cond.op == "in":
        return f"{cond.field} in [{', '.join(show(v) for v in cond.value)}]"
    if cond.op == "contains":
        return f"{cond.field} contains {show(cond.value)}"
    return f"{cond.field} {symbols[cond.op]} {show(cond.value)}"


def format_rule(rule: Rule) -> str:
    if rule.is_default:
        return f"otherwise → {rule.label}"
    return f"if {' and '.join(format_condition(c) for c in rule.conditions)} → {rule.label}"


# --- data -------------------------------------------------------------------------------------


def read_rows(path: Path, fields: Mapping[str, str]) -> list[dict[str, Any]]:
    """Read a CSV (header row first) into typed rows: number fields as float, category and
    text fields as stripped strings, empty cells as None. Columns not in `fields` (the gold
    `label`, say) are kept as stripped strings, empty as None. Raises ValueError naming the file,
    line and column for a missing column or a cell that is not a finite number."""
    for kind in fields.values():
        if kind not in FIELD_TYPES:
            raise ValueError(f"unknown field type {kind!r}")
    with Path(path).open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            raise ValueError(f"{path}: the file is empty (it needs a header row)")
        header = [h.strip() for h in header]
        duplicated = [h for h, count in Counter(header).items() if count > 1]
        if duplicated:
            raise ValueError(f"{path}: column {duplicated[0]!r} appears twice in the header")
        absent = [name for name in fields if name not in header]
        if absent:
            raise ValueError(f"{path}: no column {absent[0]!r} (the header has {header})")
        rows: list[dict[str, Any]] = []
        for cells in reader:
            line = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(header):
                raise ValueError(
                    f"{path}, line {line}: {len(cells)} cells, but the header has {len(header)}"
                )
            row: dict[str, Any] = {}
            for name, cell in zip(header, cells, strict=True):
                text = cell.strip()
                if not text:
                    row[name] = None
                elif fields.get(name) == "number":
                    try:
                        number = float(text)
                    except ValueError:
                        number = math.nan
                    if not math.isfinite(number):
                        raise ValueError(
                            f"{path}, line {line}, column {name!r}: {text!r} is not a number"
                        )
                    row[name] = number
                else:
                    row[name] = text
            rows.append(row)
    return rows


# --- scoring ----------------------------------------------------------------------------------


def score_rules(
    rules: Sequence[Rule], gold_rows: Sequence[Mapping[str, Any]], labels: Sequence[str]
) -> RuleScore:
    """Agreement of the rules' labels with the gold `label` column.

    Unmatched items are predicted "(none)" and count as wrong. Kappa is Cohen's kappa over all
    items with "(none)" as an extra category (1.0 when expected agreement is 1 and observed
    agreement is 1, else 0.0 in that degenerate case). F1 is per gold label, 0 when undefined."""
    _check_config({}, labels)
    if not gold_rows:
        raise ValueError("the gold set is empty")
    n = len(gold_rows)
    columns = [*labels, NONE_LABEL]
    confusion = {g: dict.fromkeys(columns, 0) for g in labels}
    unmatched = conflicts = 0
    for row in gold_rows:
        gold = row.get("label")
        if gold not in confusion:
            raise ValueError(f"gold label {gold!r} is not one of {list(labels)}")
        predicted, conflict = apply_rules(rules, row)
        unmatched += predicted is None
        conflicts += conflict
        confusion[gold][predicted if predicted is not None else NONE_LABEL] += 1

    correct = sum(confusion[g][g] for g in labels)
    gold_totals = {g: sum(confusion[g].values()) for g in labels}
    predicted_totals = {c: sum(confusion[g][c] for g in labels) for c in columns}
    # kappa = (p_o - p_e) / (1 - p_e); times n*n both sides, in exact integers
    chance = sum(gold_totals[g] * predicted_totals[g] for g in labels)
    if chance == n * n:
        kappa = 1.0 if correct == n else 0.0
    else:
        kappa = (n * correct - chance) / (n * n - chance)

    f1: dict[str, float] = {}
    for g in labels:
        tp = confusion[g][g]
        denominator = gold_totals[g] + predicted_totals[g]  # 2tp + fp + fn
        f1[g] = 2 * tp / denominator if denominator else 0.0

    return RuleScore(
        accuracy=correct / n,
        kappa=kappa,
        per_label_f1=f1,
        unmatched_share=unmatched / n,
        conflict_share=conflicts / n,
        confusion=confusion,
        n=n,
    )
