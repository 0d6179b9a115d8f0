"""Parsing Python source in the grading package, safely from several threads."""

from __future__ import annotations

import ast
import threading

# CPython 3.11 keeps the recursion depth of its AST-to-object conversion in interpreter-wide
# state, so two threads in ast.parse at once can fail with "SystemError: AST constructor
# recursion depth mismatch" (python/cpython#106905). Grading workers plan submissions on
# several threads; every parse in grading goes through this lock.
_PARSE_LOCK = threading.Lock()


def parse_module(source: str) -> ast.Module:
    """ast.parse of a module, safe to call from several threads."""
    with _PARSE_LOCK:
        return ast.parse(source)


def parse_expression(source: str) -> ast.Expression:
    """ast.parse of one expression (mode="eval"), safe to call from several threads."""
    with _PARSE_LOCK:
        return ast.parse(source, mode="eval")
