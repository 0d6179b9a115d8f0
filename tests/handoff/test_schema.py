"""The new-hire schema: the package's copy is the documented one, it describes every field and
closes every object, the examples in docs/handoff.md match it, and broken records fail."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from hirebench.handoff import schema
from hirebench.paths import PROJECT_ROOT

DOC = PROJECT_ROOT / "docs" / "handoff.md"
DOC_SCHEMA = PROJECT_ROOT / "docs" / "new-hire.schema.json"
JSON_BLOCK = re.compile(r"```json\n(.*?)```", re.DOTALL)


def doc_examples() -> list[dict[str, Any]]:
    return [json.loads(block) for block in JSON_BLOCK.findall(DOC.read_text(encoding="utf-8"))]


def example_record() -> dict[str, Any]:
    return next(block for block in doc_examples() if "record_version" in block)


def objects(node: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema object with properties, and every property, with its path."""
    if isinstance(node, dict) and "properties" in node:
        yield path or "(root)", node
        for name, child in node["properties"].items():
            yield f"{path}/{name}", child
            yield from objects(child, f"{path}/{name}")


def test_the_package_ships_the_documented_schema() -> None:
    shipped = (PROJECT_ROOT / "hirebench" / "handoff" / schema.SCHEMA_FILE).read_bytes()
    assert shipped == DOC_SCHEMA.read_bytes()
    assert schema.schema() == json.loads(DOC_SCHEMA.read_text(encoding="utf-8"))


def test_schema_is_valid_and_every_field_is_described_and_closed() -> None:
    Draft202012Validator.check_schema(schema.schema())
    for path, node in objects(schema.schema()):
        assert node.get("description", "").strip(), f"{path} has no description"
        if "properties" in node:
            assert node.get("additionalProperties") is False, f"{path} accepts unknown fields"
            assert set(node["required"]) == set(node["properties"]), f"{path}: all required"


def test_the_documented_examples_match_the_schema() -> None:
    examples = doc_examples()
    records = [block for block in examples if "record_version" in block]
    bodies = [block for block in examples if "type" in block and "data" in block]
    assert records and bodies, "docs/handoff.md lost its examples"
    for record in records:
        assert schema.problems(record) == []
    for body in bodies:
        assert body["type"] in {
            "offer.accepted",
            "offer.declined",
            "hire.onboarding_completed",
            "hire.started",
        }
        assert schema.problems(body["data"]) == []
    # The example's arithmetic is what the field descriptions promise.
    salary = records[0]["salary"]
    assert salary["annual"] == salary["monthly"] * salary["months_per_year"]


def _broken(change: Any) -> dict[str, Any]:
    record = copy.deepcopy(example_record())
    change(record)
    return record


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda r: r["salary"].update(monthly=-1), "salary/monthly"),
        (lambda r: r["salary"].update(monthly="18000"), "salary/monthly"),
        (lambda r: r["salary"].update(months_per_year=11), "salary/months_per_year"),
        (lambda r: r.update(start_date="2026-02-30"), "start_date"),
        (lambda r: r.update(start_date="01/04/2026"), "start_date"),
        (lambda r: r["hours"].update(scheme="nine-nine-six"), "hours/scheme"),
        (lambda r: r["hours"].update(core_hours="10-16"), "hours/core_hours"),
        (lambda r: r["offer"].update(letter_sha256="not a hash"), "offer/letter_sha256"),
        (lambda r: r["offer"].update(accepted_at="2026-03-02 09:30"), "offer/accepted_at"),
        (lambda r: r["employee"].update(email="not-an-address"), "employee/email"),
        (lambda r: r["employee"].pop("id_number"), "employee"),
        (lambda r: r.update(salary_note="extra"), "(root)"),
        (lambda r: r["bank"].update(iban="DE00"), "bank"),
    ],
)
def test_broken_records_fail_with_the_field_named(change: Any, where: str) -> None:
    record = _broken(change)
    found = schema.problems(record)
    assert found and any(problem.startswith(f"{where}:") for problem in found), found
    with pytest.raises(schema.InvalidRecord, match=re.escape(where)):
        schema.validate(record)


def test_the_api_example_matches_the_schema() -> None:
    text = (PROJECT_ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    answers = [json.loads(block) for block in JSON_BLOCK.findall(text)]
    [listing] = [answer for answer in answers if "hires" in answer]
    assert listing["count"] == len(listing["hires"]) > 0
    for record in listing["hires"]:
        assert schema.problems(record) == []
