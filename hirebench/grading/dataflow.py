"""Which names a cell defines and which it reads, found statically in the grader's own cells.

The judge keeps two namespaces: the candidate's kernel and its own trusted one, where tests,
and copies of the grader's read-only cells, run. nbgrader has one namespace, so a name's value
is whatever the last cell to run gave it. The planner recovers that from the grader's notebook
(never from the candidate's cells, which are hostile): a name that the grader's reference
solution wrote last is read from the kernel; one that grader code wrote last is read from the
judge's side, so a candidate cannot rebind a grader's expected value or test helper."""

from __future__ import annotations

import ast
import functools

from hirebench.grading.formats.common import without_magics
from hirebench.grading.formats.parsing import parse_module

#: pandas/list methods that change their receiver in place: `df.dropna(inplace=True)` and
#: `items.append(x)` rebind nothing, yet the candidate changed `df` and `items`.
MUTATING_METHODS = frozenset(
    {"append", "extend", "insert", "pop", "remove", "sort", "reverse", "update", "clear"}
)


def _parse(source: str) -> ast.Module | None:
    try:
        return parse_module(without_magics(source))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _base_name(node: ast.expr) -> str | None:
    while isinstance(node, ast.Attribute | ast.Subscript):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _module_level(tree: ast.Module) -> list[ast.AST]:
    """Nodes that run at the cell's top level: function and class bodies run later, if ever."""
    found: list[ast.AST] = []
    pending: list[ast.AST] = list(tree.body)
    while pending:
        node = pending.pop()
        found.append(node)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue
        pending.extend(ast.iter_child_nodes(node))
    return found


def _truthy(node: ast.expr) -> bool:
    return not (isinstance(node, ast.Constant) and not node.value)


# The planner asks about the same grader cells for every submission, and about each later cell
# once per test: parse each source once.
@functools.lru_cache(maxsize=4096)
def stored_names(source: str) -> frozenset[str]:
    """Names a cell binds, deletes or changes in place at its top level."""
    tree = _parse(source)
    if tree is None:
        return frozenset()
    names: set[str] = set()
    for node in _module_level(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            names.add(node.id)
        elif isinstance(node, ast.Attribute | ast.Subscript) and not isinstance(node.ctx, ast.Load):
            base = _base_name(node)
            if base:
                names.add(base)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            in_place = any(kw.arg == "inplace" and _truthy(kw.value) for kw in node.keywords)
            if in_place or node.func.attr in MUTATING_METHODS:
                base = _base_name(node.func.value)
                if base:
                    names.add(base)
        elif isinstance(node, ast.Global):
            names.update(node.names)
    return frozenset(names)


@functools.lru_cache(maxsize=4096)
def loaded_names(source: str) -> frozenset[str]:
    """Every name a cell reads, function bodies included (they may run later)."""
    tree = _parse(source)
    if tree is None:
        return frozenset()
    return frozenset(
        node.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
    )
