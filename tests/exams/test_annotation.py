"""The annotation-rule engine (hirebench/exams/annotation.py) and the sample exam's behaviour data
(exams/ai-trainer-ecommerce/assets: generator, sample, gold set and the README's answer key)."""

from __future__ import annotations

import json
import math
import random
import re
import subprocess
import sys
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from hirebench.exams.annotation import (
    NONE_LABEL,
    Condition,
    Rule,
    RuleError,
    apply_rules,
    format_rule,
    parse_rules,
    read_rows,
    score_rules,
)

ASSETS = Path(__file__).resolve().parents[2] / "exams" / "ai-trainer-ecommerce" / "assets"
GENERATOR = ASSETS / "make_behaviour_sets.py"
LABELS = ["browse", "click", "purchase"]
FIELDS = {
    "event_id": "number",
    "session_id": "text",
    "action": "category",
    "dwell_seconds": "number",
    "page_type": "category",
    "price": "number",
    "is_bot": "number",
}
CATEGORIES = {
    "action": ["view", "scroll", "click", "add_to_cart", "pay", "refund_request"],
    "page_type": ["home", "search", "product", "cart", "checkout"],
}


def cond(field: str, op: str, value: Any = None, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"field": field, "op": op, **extra}
    if value is not None:
        out["value"] = value
    return out


def rule(label: str, *conditions: dict[str, Any]) -> dict[str, Any]:
    return {"conditions": list(conditions), "label": label}


def parse(raw: Any, **kwargs: Any) -> list[Rule]:
    return parse_rules(raw, FIELDS, LABELS, **kwargs)


def reference_rules_json() -> Any:
    blocks = re.findall(r"```json\n(.*?)\n```", (ASSETS / "README.md").read_text(), re.S)
    assert len(blocks) == 1, "README.md should hold exactly one json block: the reference rules"
    return json.loads(blocks[0])


NAIVE = [rule("purchase", cond("action", "eq", "pay")), rule("browse")]
BY_ACTION = [
    rule("purchase", cond("action", "eq", "pay")),
    rule("click", cond("action", "in", ["click", "add_to_cart", "refund_request"])),
    rule("browse"),
]


# --- parse_rules: every malformed shape is a RuleError naming the rule ------------------------

GOOD = rule("click", cond("action", "eq", "click"))

MALFORMED: list[tuple[str, Any, str, int | None, int | None]] = [
    # (case, raw, message fragment, rule index, condition index)
    ("object", {"rules": []}, "must be a list of rules, got an object", None, None),
    ("number", 3, "must be a list of rules, got a number", None, None),
    ("null", None, "must be a list of rules, got null", None, None),
    ("bad json text", "[{", "not valid JSON", None, None),
    ("empty", [], "the rule table is empty", None, None),
    ("rule not object", [GOOD, ["action", "eq"]], "rule 2: must be an object", 1, None),
    ("rule unknown key", [{**GOOD, "note": "x"}], "rule 1: unknown key 'note'", 0, None),
    ("no label", [{"conditions": []}], "rule 1: no label", 0, None),
    ("label not text", [rule("click") | {"label": 1}], "rule 1: the label must be text", 0, None),
    (
        "unknown label",
        [GOOD, GOOD, rule("Purchase", cond("action", "eq", "pay"))],
        "rule 3: unknown label 'Purchase' (did you mean 'purchase'?)",
        2,
        None,
    ),
    ("no conditions key", [{"label": "click"}], "rule 1: 'conditions' must be a list", 0, None),
    (
        "conditions not list",
        [{"label": "click", "conditions": {"field": "action"}}],
        "'conditions' must be a list (empty for a default rule), got an object",
        0,
        None,
    ),
    (
        "condition not object",
        [rule("click", cond("action", "eq", "click"), "action == click")],  # type: ignore[arg-type]
        "rule 1, condition 2: must be an object",
        0,
        1,
    ),
    (
        "condition unknown key",
        [rule("click", cond("action", "eq", "click", negate=True))],
        "rule 1, condition 1: unknown key 'negate'",
        0,
        0,
    ),
    ("no field", [rule("click", {"op": "eq", "value": 1})], "condition 1: no field", 0, 0),
    (
        "field not text",
        [rule("click", cond(3, "eq", 1))],  # type: ignore[arg-type]
        "the field must be text",
        0,
        0,
    ),
    (
        "unknown field",
        [GOOD, GOOD, rule("browse", cond("dwel_seconds", "lt", 1))],
        "rule 3, condition 1: unknown field 'dwel_seconds' (did you mean 'dwell_seconds'?)",
        2,
        0,
    ),
    ("label as field", [rule("click", cond("label", "eq", "click"))], "unknown field", 0, 0),
    ("no op", [rule("click", {"field": "action", "value": "x"})], "no op", 0, 0),
    ("unknown op", [rule("click", cond("price", "gte", 3))], "unknown op 'gte'", 0, 0),
    ("op symbol", [rule("click", cond("price", ">=", 3))], "unknown op '>='", 0, 0),
    (
        "lt on category",
        [rule("click", cond("action", "lt", "pay"))],
        "op 'lt' does not apply to category field 'action'",
        0,
        0,
    ),
    (
        "contains on number",
        [rule("click", cond("price", "contains", "9"))],
        "op 'contains' does not apply to number field 'price'",
        0,
        0,
    ),
    (
        "contains on category",
        [rule("click", cond("action", "contains", "pay"))],
        "does not apply to category field",
        0,
        0,
    ),
    ("no value", [rule("click", cond("action", "eq"))], "op 'eq' needs a value", 0, 0),
    (
        "number as text",
        [rule("click", cond("dwell_seconds", "lt", "1.5"))],
        "must be a number, got '1.5'",
        0,
        0,
    ),
    ("bool as number", [rule("click", cond("is_bot", "eq", True))], "must be a number", 0, 0),
    (
        "null as number",
        [rule("click", {"field": "price", "op": "gt", "value": None})],
        "number",
        0,
        0,
    ),
    ("infinite", [rule("click", cond("price", "lt", math.inf))], "finite number", 0, 0),
    ("huge int", [rule("click", cond("price", "lt", 10**400))], "finite number", 0, 0),
    ("number for category", [rule("click", cond("action", "eq", 1))], "must be text, got 1", 0, 0),
    ("in not list", [rule("click", cond("action", "in", "click"))], "'in' takes a list", 0, 0),
    ("in empty", [rule("click", cond("action", "in", []))], "at least one value", 0, 0),
    (
        "in wrong item",
        [rule("click", cond("price", "in", [1, "2"]))],
        "value 2 of the list for number field 'price' must be a number",
        0,
        0,
    ),
    ("in too long", [rule("click", cond("price", "in", list(range(51))))], "at most 50", 0, 0),
    (
        "missing not bool",
        [rule("click", cond("dwell_seconds", "missing", "yes"))],
        "'missing' takes true",
        0,
        0,
    ),
    ("empty contains", [rule("click", cond("session_id", "contains", ""))], "non-empty", 0, 0),
    ("long text", [rule("click", cond("session_id", "eq", "x" * 201))], "too long", 0, 0),
    (
        "too many conditions",
        [rule("click", *[cond("price", "gt", k) for k in range(9)])],
        "rule 1: too many conditions: 9 (at most 8)",
        0,
        None,
    ),
    ("too many rules", [GOOD] * 31, "too many rules: 31 (at most 30)", None, None),
    (
        "default not last",
        [GOOD, rule("browse"), GOOD],
        "rule 2: a rule without conditions matches everything",
        1,
        None,
    ),
]


@pytest.mark.parametrize(
    ("raw", "fragment", "index", "condition"),
    [case[1:] for case in MALFORMED],
    ids=[case[0] for case in MALFORMED],
)
def test_parse_rules_rejects_malformed_tables(
    raw: Any, fragment: str, index: int | None, condition: int | None
) -> None:
    with pytest.raises(RuleError) as caught:
        parse(raw)
    message = str(caught.value)
    assert fragment in message
    assert caught.value.index == index
    assert caught.value.condition == condition
    if index is not None:
        assert message.startswith(f"rule {index + 1}")
    assert isinstance(caught.value, ValueError)


def test_parse_rules_lists_the_choices() -> None:
    with pytest.raises(RuleError, match="fields are event_id, session_id, action"):
        parse([rule("click", cond("colour", "eq", "red"))])
    with pytest.raises(RuleError, match="labels are browse, click, purchase"):
        parse([rule("checkout")])
    with pytest.raises(RuleError, match="use one of eq, ne, in, missing"):
        parse([rule("click", cond("page_type", "ge", "cart"))])


def test_parse_rules_checks_category_values_when_given() -> None:
    table = [rule("click", cond("action", "in", ["click", "add-to-cart"]))]
    assert parse(table)  # without the declared values, any text goes
    with pytest.raises(RuleError) as caught:
        parse(table, categories=CATEGORIES)
    assert str(caught.value) == (
        "rule 1, condition 1: 'add-to-cart' is not a value of 'action' (did you mean "
        "'add_to_cart'?); values are view, scroll, click, add_to_cart, pay, refund_request"
    )


def test_parse_rules_max_rules_is_the_callers() -> None:
    assert len(parse([GOOD] * 30)) == 30
    assert len(parse([GOOD] * 5, max_rules=5)) == 5
    with pytest.raises(RuleError, match="too many rules: 6 \\(at most 5\\)"):
        parse([GOOD] * 6, max_rules=5)


def test_parse_rules_builds_typed_rules() -> None:
    rules = parse(
        [
            rule("browse", cond("is_bot", "eq", 1)),
            rule("purchase", cond("action", "eq", "pay"), cond("price", "missing", False)),
            rule("click", cond("price", "in", [1, 2.5]), cond("dwell_seconds", "missing")),
            rule("click", cond("session_id", "contains", "ABC")),
            rule("browse"),
        ]
    )
    assert rules[0] == Rule((Condition("is_bot", "eq", 1.0),), "browse")
    assert isinstance(rules[0].conditions[0].value, float)
    assert rules[1].conditions[1] == Condition("price", "missing", False)
    assert rules[2].conditions == (
        Condition("price", "in", (1.0, 2.5)),
        Condition("dwell_seconds", "missing", True),  # `missing` without a value means true
    )
    assert rules[3].conditions[0].value == "abc"  # contains is case-insensitive
    assert rules[4].is_default and not rules[3].is_default
    assert [format_rule(r) for r in rules] == [
        "if is_bot = 1 → browse",
        'if action = "pay" and price is present → purchase',
        "if price in [1, 2.5] and dwell_seconds is empty → click",
        'if session_id contains "abc" → click',
        "otherwise → browse",
    ]


def test_parse_rules_accepts_json_text() -> None:
    table = [rule("purchase", cond("action", "eq", "pay")), rule("browse")]
    assert parse(json.dumps(table)) == parse(table) == parse(json.dumps(table).encode())


def test_a_default_rule_alone_is_a_valid_table() -> None:
    assert parse([rule("browse")]) == [Rule((), "browse")]


def test_the_question_definition_is_checked_separately() -> None:
    """A bad field type or label list is the author's mistake, not the candidate's."""
    with pytest.raises(ValueError, match="type 'float'") as caught:
        parse_rules([GOOD], {"price": "float"}, LABELS)
    assert not isinstance(caught.value, RuleError)
    for labels in ([], ["a", "a"], ["a", NONE_LABEL]):
        with pytest.raises(ValueError, match="labels must be unique"):
            parse_rules([GOOD], FIELDS, labels)


def random_json(rng: random.Random, depth: int = 0) -> Any:
    kinds = ["null", "bool", "int", "float", "str", "field", "op"]
    if depth < 4:
        kinds += ["list", "dict", "rule", "condition"]
    kind = rng.choice(kinds)
    if kind == "null":
        return None
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "int":
        return rng.choice([0, 1, -1, 10**400, rng.randint(-1000, 1000)])
    if kind == "float":
        return rng.choice([0.5, -2.25, math.nan, math.inf, 1e308])
    if kind == "str":
        return rng.choice(["", "pay", "click", "browse", "x" * 300, "None", "1.5"])
    if kind == "field":
        return rng.choice([*FIELDS, "label", "Action"])
    if kind == "op":
        return rng.choice(["eq", "ne", "in", "lt", "le", "gt", "ge", "contains", "missing", "=="])
    if kind == "list":
        return [random_json(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    if kind == "dict":
        keys = ["conditions", "label", "field", "op", "value", "x"]
        return {k: random_json(rng, depth + 1) for k in rng.sample(keys, rng.randint(0, 3))}
    if kind == "rule":
        conditions = [random_json(rng, depth + 1) for _ in range(rng.randint(0, 3))]
        return {"conditions": conditions, "label": rng.choice([*LABELS, random_json(rng, 4)])}
    return {
        "field": rng.choice([*FIELDS, random_json(rng, 4)]),
        "op": random_json(rng, 4),
        "value": random_json(rng, depth + 1),
    }


def mutate(node: Any, rng: random.Random) -> Any:
    """A copy of a JSON tree with one randomly chosen part replaced by junk or removed."""
    if isinstance(node, list) and node and rng.random() < 0.8:
        k = rng.randrange(len(node))
        if rng.random() < 0.15:
            return node[:k] + node[k + 1 :]
        return [*node[:k], mutate(node[k], rng), *node[k + 1 :]]
    if isinstance(node, dict) and node and rng.random() < 0.8:
        key = rng.choice(sorted(node))
        if rng.random() < 0.15:
            return {k: v for k, v in node.items() if k != key}
        return {**node, key: mutate(node[key], rng)}
    return random_json(rng, 3)


ODD_ROWS: list[dict[str, Any]] = [
    {},
    {"action": 3.0, "dwell_seconds": "fast", "price": "", "is_bot": "yes", "session_id": 7.0},
    {"action": None, "dwell_seconds": math.nan, "price": True, "is_bot": [1], "page_type": {}},
    {"action": "pay", "dwell_seconds": -1.0, "price": 1e308, "is_bot": 0.0, "session_id": "ABC"},
]


def test_random_tables_never_raise_anything_but_rule_error() -> None:
    """A malformed answer is shown to the candidate as an error; it never crashes grading."""
    rng = random.Random(4)
    accepted = 0
    for _ in range(3000):
        raw = [random_json(rng) for _ in range(rng.randint(0, 3))]
        if rng.random() < 0.3:  # one condition with a random op and value
            field = rng.choice(list(FIELDS))
            raw = [rule("click", cond(field, random_json(rng, 4), random_json(rng, 4)))]
        elif rng.random() < 0.5:  # the reference rules with one part replaced or dropped
            raw = mutate(reference_rules_json(), rng)
        try:
            rules = parse(raw)
        except RuleError as exc:
            assert str(exc)
            continue
        accepted += 1
        for row in ODD_ROWS:
            apply_rules(rules, row)
    assert accepted > 50  # the generator does reach valid tables too


# --- apply_rules: ordered-table semantics ----------------------------------------------------


def test_first_matching_rule_wins_and_later_different_labels_are_conflicts() -> None:
    rules = parse(
        [
            rule("browse", cond("is_bot", "eq", 1)),
            rule("click", cond("action", "eq", "click")),
            rule("click", cond("page_type", "eq", "product")),
            rule("purchase", cond("action", "eq", "pay")),
            rule("browse"),
        ]
    )
    row = {"is_bot": 0.0, "action": "click", "page_type": "home"}
    assert apply_rules(rules, row) == ("click", False)  # only the default matched too
    assert apply_rules(rules, {**row, "page_type": "product"}) == ("click", False)  # same label
    assert apply_rules(rules, {**row, "is_bot": 1.0}) == ("browse", True)  # rule 2 says click
    assert apply_rules(rules, {**row, "action": "pay", "page_type": "product"}) == ("click", True)
    assert apply_rules(rules, {**row, "action": "view"}) == ("browse", False)  # the default
    assert apply_rules(rules[:-1], {**row, "action": "view"}) == (None, False)  # unmatched


def test_conditions_in_a_rule_all_have_to_hold() -> None:
    rules = parse([rule("browse", cond("action", "eq", "click"), cond("dwell_seconds", "lt", 1))])
    assert apply_rules(rules, {"action": "click", "dwell_seconds": 0.2})[0] == "browse"
    assert apply_rules(rules, {"action": "click", "dwell_seconds": 1.0})[0] is None
    assert apply_rules(rules, {"action": "view", "dwell_seconds": 0.2})[0] is None


def holds(field: str, op: str, value: Any, row: dict[str, Any]) -> bool:
    """Whether a one-condition rule matches the row."""
    return apply_rules(parse([rule("click", cond(field, op, value))]), row)[0] == "click"


@pytest.mark.parametrize(
    ("op", "value", "cell", "expected"),
    [
        ("eq", 2, 2.0, True),
        ("eq", 2, 2.5, False),
        ("ne", 2, 2.5, True),
        ("ne", 2, 2.0, False),
        ("lt", 1, 0.9, True),
        ("lt", 1, 1.0, False),
        ("le", 1, 1.0, True),
        ("gt", 1, 1.0, False),
        ("gt", 1, 1.5, True),
        ("ge", 1, 1.0, True),
        ("in", [1, 2], 2.0, True),
        ("in", [1, 2], 3.0, False),
        ("missing", True, 3.0, False),
        ("missing", False, 3.0, True),
    ],
)
def test_number_operators(op: str, value: Any, cell: float, expected: bool) -> None:
    assert holds("dwell_seconds", op, value, {"dwell_seconds": cell}) is expected


@pytest.mark.parametrize(
    ("op", "value", "cell", "expected"),
    [
        ("eq", "pay", "pay", True),
        ("eq", "pay", "Pay", False),  # exact
        ("ne", "pay", "view", True),
        ("in", ["pay", "click"], "click", True),
        ("in", ["pay", "click"], "view", False),
    ],
)
def test_category_operators(op: str, value: Any, cell: str, expected: bool) -> None:
    assert holds("action", op, value, {"action": cell}) is expected


def test_text_contains_is_case_insensitive() -> None:
    assert holds("session_id", "contains", "Ab", {"session_id": "s-xaBx"})
    assert not holds("session_id", "contains", "ab", {"session_id": "s-xx"})
    assert not holds("session_id", "eq", "S-1", {"session_id": "s-1"})


@pytest.mark.parametrize("missing", [None, math.nan, "absent"])
@pytest.mark.parametrize(
    ("op", "value", "expected"),
    [
        ("eq", 1, False),
        ("ne", 1, True),  # an empty cell is not equal to anything
        ("lt", 1, False),
        ("le", 1, False),
        ("gt", 1, False),
        ("ge", 1, False),
        ("in", [1], False),
        ("missing", True, True),
        ("missing", False, False),
    ],
)
def test_comparisons_on_a_missing_cell(missing: Any, op: str, value: Any, expected: bool) -> None:
    row = {} if missing == "absent" else {"dwell_seconds": missing}
    assert holds("dwell_seconds", op, value, row) is expected


@pytest.mark.parametrize("op", ["eq", "ne", "in", "lt", "le", "gt", "ge"])
@pytest.mark.parametrize("cell", ["fast", "1.5", True, [1.0], {"a": 1}])
def test_a_number_condition_on_odd_data_is_false(op: str, cell: Any) -> None:
    value: Any = [1.5] if op == "in" else 1.5
    assert holds("dwell_seconds", op, value, {"dwell_seconds": cell}) is False
    assert holds("dwell_seconds", "missing", False, {"dwell_seconds": cell}) is True


@pytest.mark.parametrize("op", ["eq", "ne", "in"])
@pytest.mark.parametrize("cell", [1.0, 0, False, ["pay"]])
def test_a_text_condition_on_odd_data_is_false(op: str, cell: Any) -> None:
    value: Any = ["pay"] if op == "in" else "pay"
    assert holds("action", op, value, {"action": cell}) is False
    assert holds("session_id", "contains", "1", {"session_id": cell}) is False


# --- read_rows --------------------------------------------------------------------------------


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rows.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_read_rows_types_the_cells(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "event_id,session_id,action,dwell_seconds,page_type,price,is_bot,label\n"
        "1,s-1,click, 0.2 ,home,,0,browse\n"
        "\n"
        "2,s-1,pay,,checkout,9.90,0, purchase\n",
    )
    assert read_rows(path, FIELDS) == [
        {
            "event_id": 1.0,
            "session_id": "s-1",
            "action": "click",
            "dwell_seconds": 0.2,
            "page_type": "home",
            "price": None,
            "is_bot": 0.0,
            "label": "browse",
        },
        {
            "event_id": 2.0,
            "session_id": "s-1",
            "action": "pay",
            "dwell_seconds": None,
            "page_type": "checkout",
            "price": 9.9,
            "is_bot": 0.0,
            "label": "purchase",
        },
    ]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "the file is empty"),
        ("action,price\nview,1\n", "no column 'dwell_seconds'"),
        ("dwell_seconds,dwell_seconds\n1,2\n", "column 'dwell_seconds' appears twice"),
        ("dwell_seconds,action\n1.5,view\nfast,view\n", "line 3, column 'dwell_seconds': 'fast'"),
        ("dwell_seconds,action\nnan,view\n", "'nan' is not a number"),
        ("dwell_seconds,action\n1,view,extra\n", "line 2: 3 cells, but the header has 2"),
    ],
)
def test_read_rows_rejects_bad_files(tmp_path: Path, text: str, fragment: str) -> None:
    with pytest.raises(ValueError, match=re.escape(fragment)):
        read_rows(write(tmp_path, text), {"dwell_seconds": "number", "action": "category"})


# --- score_rules ------------------------------------------------------------------------------

# A hand-made set: field x picks the rule, field y can trigger a competing rule.
HAND_RULES = [
    rule("browse", cond("x", "eq", "a")),
    rule("click", cond("x", "eq", "b")),
    rule("purchase", cond("y", "gt", 5)),
]
HAND_ROWS = [  # x, y, gold            -> predicted, conflict
    ("a", 1.0, "browse"),  # browse
    ("a", 9.0, "browse"),  # browse, conflict (y > 5 says purchase)
    ("b", 1.0, "click"),  # click
    ("b", 7.0, "purchase"),  # click (wrong), conflict
    ("c", 8.0, "purchase"),  # purchase
    ("c", 2.0, "purchase"),  # (none)
    ("a", None, "click"),  # browse (wrong)
    ("b", None, "click"),  # click
    ("c", 6.0, "purchase"),  # purchase
    ("d", 0.0, "click"),  # (none)
]


def test_score_rules_on_a_hand_made_set() -> None:
    rules = parse_rules(HAND_RULES, {"x": "category", "y": "number"}, LABELS)
    rows = [{"x": x, "y": y, "label": gold} for x, y, gold in HAND_ROWS]
    score = score_rules(rules, rows, LABELS)
    assert score.n == 10
    assert score.accuracy == pytest.approx(0.6)
    assert score.unmatched_share == pytest.approx(0.2)
    assert score.conflict_share == pytest.approx(0.2)
    assert score.confusion == {
        "browse": {"browse": 2, "click": 0, "purchase": 0, NONE_LABEL: 0},
        "click": {"browse": 1, "click": 2, "purchase": 0, NONE_LABEL: 1},
        "purchase": {"browse": 0, "click": 1, "purchase": 2, NONE_LABEL: 1},
    }
    # By hand: gold totals browse 2, click 4, purchase 4; predicted browse 3, click 3,
    # purchase 2, (none) 2. p_o = 0.6, p_e = (2*3 + 4*3 + 4*2) / 100 = 0.26,
    # kappa = 0.34 / 0.74 = 17/37.
    assert score.kappa == pytest.approx(17 / 37)
    # F1 = 2tp / (2tp + fp + fn): browse 4/(4+1+0), click 4/(4+1+2), purchase 4/(4+0+2)
    assert score.per_label_f1 == pytest.approx({"browse": 4 / 5, "click": 4 / 7, "purchase": 2 / 3})
    assert score.to_dict()["per_label_f1"] == score.per_label_f1


def predicted_rows(pairs: list[tuple[str, str]]) -> tuple[list[Rule], list[dict[str, Any]]]:
    """Rules that predict the row's `p` field, so any (gold, predicted) pairs can be scored;
    a `p` of "(none)" matches no rule."""
    rules = parse_rules(
        [rule(label, cond("p", "eq", label)) for label in LABELS], {"p": "category"}, LABELS
    )
    return rules, [{"p": p, "label": g} for g, p in pairs]


def test_kappa_on_a_textbook_table() -> None:
    # Two raters, 50 items: yes/yes 20, yes/no 5, no/yes 10, no/no 15 -> p_o 0.7, p_e 0.5, kappa 0.4
    pairs = (
        [("click", "click")] * 20
        + [("click", "browse")] * 5
        + [("browse", "click")] * 10
        + [("browse", "browse")] * 15
    )
    score = score_rules(*predicted_rows(pairs), LABELS)
    assert score.accuracy == pytest.approx(0.7)
    assert score.kappa == pytest.approx(0.4)
    assert score.per_label_f1["purchase"] == 0.0  # in neither gold nor predictions: undefined


def test_kappa_degenerate_cases() -> None:
    # everything is one label, predicted so: expected agreement 1, observed 1
    score = score_rules(parse([rule("browse")]), [{"label": "browse"}] * 4, LABELS)
    assert (score.accuracy, score.kappa) == (1.0, 1.0)
    assert score.per_label_f1 == {"browse": 1.0, "click": 0.0, "purchase": 0.0}
    # one label, always predicted wrong: expected agreement 0, kappa 0
    score = score_rules(parse([rule("click")]), [{"label": "browse"}] * 4, LABELS)
    assert (score.accuracy, score.kappa) == (0.0, 0.0)
    # nothing matches at all
    score = score_rules(parse([GOOD]), [{"label": "browse"}] * 4, LABELS)
    assert (score.accuracy, score.kappa, score.unmatched_share) == (0.0, 0.0, 1.0)
    # a single-label question works too
    assert score_rules(parse_rules([rule("x")], {}, ["x"]), [{"label": "x"}], ["x"]).kappa == 1.0


def test_kappa_and_f1_match_an_independent_computation() -> None:
    """Cohen's kappa from the confusion matrix with exact fractions, F1 from counts."""
    rng = random.Random(7)
    columns = [*LABELS, NONE_LABEL]
    for _ in range(200):
        n = rng.randint(1, 40)
        pairs = [(rng.choice(LABELS), rng.choice(columns)) for _ in range(n)]
        score = score_rules(*predicted_rows(pairs), LABELS)
        p_o = Fraction(sum(g == p for g, p in pairs), n)
        p_e = sum(
            Fraction(sum(g == c for g, _ in pairs), n) * Fraction(sum(p == c for _, p in pairs), n)
            for c in columns
        )
        expected_kappa = (1.0 if p_o == 1 else 0.0) if p_e == 1 else float((p_o - p_e) / (1 - p_e))
        assert score.kappa == pytest.approx(expected_kappa)
        assert score.accuracy == pytest.approx(float(p_o))
        for label in LABELS:
            tp = sum(g == p == label for g, p in pairs)
            fp = sum(p == label != g for g, p in pairs)
            fn = sum(g == label != p for g, p in pairs)
            precision = tp / (tp + fp) if tp + fp else 0.0
            recall = tp / (tp + fn) if tp + fn else 0.0
            f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
            assert score.per_label_f1[label] == pytest.approx(f1)


def test_score_rules_rejects_bad_gold() -> None:
    with pytest.raises(ValueError, match="gold set is empty"):
        score_rules(parse([GOOD]), [], LABELS)
    with pytest.raises(ValueError, match="gold label 'buy' is not one of"):
        score_rules(parse([GOOD]), [{"label": "buy"}], LABELS)
    with pytest.raises(ValueError, match="gold label None"):
        score_rules(parse([GOOD]), [{}], LABELS)


# --- the sample exam's data -------------------------------------------------------------------


@pytest.fixture(scope="module")
def gold() -> list[dict[str, Any]]:
    return read_rows(ASSETS / "behaviour_gold.csv", FIELDS)


@pytest.fixture(scope="module")
def sample() -> list[dict[str, Any]]:
    return read_rows(ASSETS / "behaviour_sample.csv", FIELDS)


AMBIGUOUS: dict[str, Callable[[dict[str, Any]], bool]] = {
    "mis-click": lambda r: (
        r["is_bot"] == 0
        and r["action"] == "click"
        and r["dwell_seconds"] is not None
        and r["dwell_seconds"] < 1
    ),
    "click, dwell missing": lambda r: (
        r["is_bot"] == 0 and r["action"] == "click" and r["dwell_seconds"] is None
    ),
    "add_to_cart": lambda r: r["is_bot"] == 0 and r["action"] == "add_to_cart",
    "failed payment": lambda r: r["action"] == "pay" and r["price"] is None,
    "payment, dwell missing": lambda r: (
        r["action"] == "pay" and r["price"] is not None and r["dwell_seconds"] is None
    ),
    "long product view": lambda r: (
        r["action"] == "view" and r["page_type"] == "product" and (r["dwell_seconds"] or 0) >= 120
    ),
    "refund_request": lambda r: r["action"] == "refund_request",
    "bot click or add_to_cart, dwell >= 1 s": lambda r: (
        r["is_bot"] == 1
        and r["action"] in ("click", "add_to_cart")
        and (r["dwell_seconds"] or 0) >= 1
    ),
    "view or scroll, dwell missing": lambda r: (
        r["action"] in ("view", "scroll") and r["dwell_seconds"] is None
    ),
}


def test_the_data_files_have_the_right_shape(
    gold: list[dict[str, Any]], sample: list[dict[str, Any]]
) -> None:
    assert len(gold) == 240
    assert 18 <= len(sample) <= 25
    for rows in (gold, sample):
        assert {r["label"] for r in rows} == set(LABELS)
        assert {r["action"] for r in rows} <= set(CATEGORIES["action"])
        assert {r["page_type"] for r in rows} <= set(CATEGORIES["page_type"])
        assert {r["is_bot"] for r in rows} == {0.0, 1.0}
        assert len({r["event_id"] for r in rows}) == len(rows)
    # the worked sample is not a subset of the gold set: no shared events or sessions
    assert not {r["event_id"] for r in gold} & {r["event_id"] for r in sample}
    assert not {r["session_id"] for r in gold} & {r["session_id"] for r in sample}


@pytest.mark.parametrize("case", list(AMBIGUOUS))
def test_every_ambiguous_case_is_in_the_sample_and_the_gold_set(
    case: str, gold: list[dict[str, Any]], sample: list[dict[str, Any]]
) -> None:
    assert any(AMBIGUOUS[case](r) for r in sample)
    assert sum(AMBIGUOUS[case](r) for r in gold) >= 5


def test_the_reference_rules_reproduce_the_gold_labels(
    gold: list[dict[str, Any]], sample: list[dict[str, Any]]
) -> None:
    """The README's answer key implements its guideline, and the guideline is consistent."""
    rules = parse_rules(reference_rules_json(), FIELDS, LABELS, categories=CATEGORIES)
    assert len(rules) == 6
    for rows in (gold, sample):
        score = score_rules(rules, rows, LABELS)
        assert score.accuracy == 1.0
        assert score.kappa == 1.0
        assert score.per_label_f1 == dict.fromkeys(LABELS, 1.0)
        assert score.unmatched_share == 0.0
    # exceptions above general rules: bot clicks etc. and mis-clicks are conflicts, by design
    assert score_rules(rules, gold, LABELS).conflict_share == pytest.approx(58 / 240)


def test_a_conflict_free_variant_scores_the_same(gold: list[dict[str, Any]]) -> None:
    human = cond("is_bot", "eq", 0)
    rules = parse(
        [
            rule("browse", cond("is_bot", "eq", 1)),
            rule("purchase", human, cond("action", "eq", "pay"), cond("price", "missing", False)),
            rule("click", human, cond("action", "eq", "pay"), cond("price", "missing", True)),
            rule("click", human, cond("action", "in", ["add_to_cart", "refund_request"])),
            rule("browse", cond("action", "eq", "click"), cond("dwell_seconds", "lt", 1)),
            rule("click", human, cond("action", "eq", "click"), cond("dwell_seconds", "ge", 1)),
            rule("click", human, cond("action", "eq", "click"), cond("dwell_seconds", "missing")),
            rule("browse", cond("action", "in", ["view", "scroll"])),
        ]
    )
    score = score_rules(rules, gold, LABELS)
    assert (score.accuracy, score.kappa, score.conflict_share, score.unmatched_share) == (
        1.0,
        1.0,
        0.0,
        0.0,
    )


def test_a_naive_rule_table_scores_clearly_lower(gold: list[dict[str, Any]]) -> None:
    naive = score_rules(parse(NAIVE), gold, LABELS)
    assert naive.accuracy == pytest.approx(157 / 240)  # 0.654, as the README says
    assert naive.kappa == pytest.approx(0.3285, abs=1e-4)
    assert naive.per_label_f1["click"] == 0.0
    assert naive.per_label_f1["purchase"] == pytest.approx(0.8333, abs=1e-4)  # failed payments
    by_action = score_rules(parse(BY_ACTION), gold, LABELS)
    assert by_action.accuracy == pytest.approx(197 / 240)  # 0.821
    assert by_action.kappa == pytest.approx(0.7040, abs=1e-4)
    assert naive.kappa < by_action.kappa < 0.75


def test_the_generator_reproduces_the_committed_files(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(GENERATOR), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
        timeout=60,
    )
    for name in ("behaviour_sample.csv", "behaviour_gold.csv"):
        assert (tmp_path / name).read_bytes() == (ASSETS / name).read_bytes(), name
