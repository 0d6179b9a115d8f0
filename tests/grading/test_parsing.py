"""Grading parses Python only through formats.parsing, whose lock keeps CPython 3.11's AST
conversion from failing when worker threads plan submissions at once."""

from __future__ import annotations

import ast
import re
import threading

import pytest

from hirebench.grading.dataflow import loaded_names, stored_names
from hirebench.grading.formats.parsing import parse_expression, parse_module
from hirebench.paths import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "hirebench"


def test_helpers_parse_modules_and_expressions() -> None:
    assert isinstance(parse_module("x = 1\n").body[0], ast.Assign)
    assert isinstance(parse_expression("a + 1").body, ast.BinOp)
    with pytest.raises(SyntaxError):
        parse_expression("x = 1")


def test_no_code_in_the_package_calls_ast_parse_itself() -> None:
    callers = sorted(
        str(path.relative_to(PROJECT_ROOT))
        for path in PACKAGE.rglob("*.py")
        if path.name != "parsing.py" and re.search(r"\bast\.parse\(", path.read_text("utf-8"))
    )
    assert callers == []


def test_threads_parse_and_read_names_at_once() -> None:
    source = "\n".join(f"def f{i}(x):\n    return [y * {i} for y in x if y]\n" for i in range(50))
    failures: list[BaseException] = []

    def work(offset: int) -> None:
        try:
            for n in range(40):
                # A fresh source each time, so the name caches do not answer for the parser.
                text = f"{source}\nvalue_{offset}_{n} = f1(data)\n"
                assert f"value_{offset}_{n}" in stored_names(text)
                assert "data" in loaded_names(text)
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


def test_name_sets_are_computed_once_per_source() -> None:
    text = "cached_probe = compute(argument)\n"
    assert stored_names(text) is stored_names(text)
    assert loaded_names(text) == {"compute", "argument"}
