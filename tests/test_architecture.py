"""The import graph of the `hirebench` package keeps its shape (issue 12, docs/architecture.md).

The graph is read from the source with `ast`, without importing anything, so a cycle hidden
inside a function shows as plainly as one at the top of a module. What counts as an edge:

- `import a.b.c` and `from a.b import c`: an edge to `a.b.c` when that is a module of the
  package, else to `a.b` (a name defined in it). Parent packages are not edges, although Python
  runs their `__init__`: counting them would put every module in a cycle with `hirebench`'s
  factory. This is how grimp/import-linter count, too.
- Relative imports are resolved against the importing module's package.
- Imports under `if TYPE_CHECKING:` are left out: they never run, so they cannot form a cycle
  at run time and exist only for annotations (`from __future__ import annotations` is used
  throughout).
- `hirebench/migrations/` is left out: Alembic loads those files by path, nothing imports them.

The checks: no cycle; every edge points down the layers of docs/architecture.md or sideways
inside one, bar a short list of exceptions with reasons; a few sideways edges that the layers
alone would allow are forbidden; and imports made inside functions are an explicit list that
can only shrink.
"""

from __future__ import annotations

import ast
import itertools
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

PACKAGE = "hirebench"
PACKAGE_DIR = Path(__file__).resolve().parent.parent / PACKAGE
EXCLUDED = ("hirebench.migrations",)


@dataclass(frozen=True)
class Import:
    importer: str
    imported: str
    line: int
    in_function: bool

    def __str__(self) -> str:
        where = "inside a function" if self.in_function else "at module level"
        return f"{self.importer} -> {self.imported} ({where}, line {self.line})"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def module_files() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        name = _module_name(path)
        if not _under(name, EXCLUDED):
            found[name] = path
    return found


def _under(module: str, prefixes: Iterable[str]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _statements(body: Iterable[ast.stmt], in_function: bool) -> Iterator[tuple[ast.stmt, bool]]:
    """Every statement, with whether it runs inside a function; TYPE_CHECKING blocks skipped."""
    for node in body:
        yield node, in_function
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            yield from _statements(node.orelse, in_function)
            continue
        nested = in_function or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        for field in ("body", "orelse", "finalbody", "handlers", "cases"):
            for child in getattr(node, field, []) or []:
                if isinstance(child, ast.stmt):
                    yield from _statements([child], nested)
                elif hasattr(child, "body"):  # except handlers and match cases
                    yield from _statements(child.body, nested)


def _resolve(module: str, name: str | None, known: Mapping[str, Path]) -> str:
    """The module that `from module import name` (or `import module`) really imports."""
    if name is not None and f"{module}.{name}" in known:
        return f"{module}.{name}"
    while module not in known and "." in module:
        module = module.rsplit(".", 1)[0]
    return module


def _base_package(importer: str, level: int, known: Mapping[str, Path]) -> str:
    parts = importer.split(".")
    is_package = known[importer].name == "__init__.py"
    keep = len(parts) - level + (1 if is_package else 0)
    return ".".join(parts[:keep])


def parse_imports(importer: str, source: str, known: Mapping[str, Path]) -> Iterator[Import]:
    """The imports in `source`, the text of module `importer`; `known` maps every module of the
    package to its file (only whether it is an `__init__.py` is read)."""
    tree = ast.parse(source)
    for node, in_function in _statements(tree.body, False):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [_resolve(alias.name, None, known) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = _base_package(importer, node.level, known)
                base = f"{package}.{base}" if base else package
            targets = [_resolve(base, alias.name, known) for alias in node.names]
        for target in targets:
            yield Import(importer, target, node.lineno, in_function)


@cache
def all_imports() -> tuple[Import, ...]:
    known = module_files()
    return tuple(
        imp
        for name, path in known.items()
        for imp in parse_imports(name, path.read_text(encoding="utf-8"), known)
    )


def internal_imports() -> list[Import]:
    known = module_files()
    return [i for i in all_imports() if i.imported in known and i.imported != i.importer]


def strongly_connected(edges: Iterable[tuple[str, str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative (networkx is not a dependency): the components with more
    than one module, each sorted."""
    graph: dict[str, set[str]] = {}
    for a, b in edges:
        graph.setdefault(a, set()).add(b)
        graph.setdefault(b, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def shortest_loop(component: list[str], edges: Iterable[tuple[str, str]]) -> list[str]:
    """One shortest loop through the first module of a strongly connected component, found
    breadth-first, so a failure names a few imports to break instead of the whole tangle."""
    members = set(component)
    graph: dict[str, list[str]] = {}
    for a, b in edges:
        if a in members and b in members:
            graph.setdefault(a, []).append(b)
    start = component[0]
    came_from: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for child in sorted(graph.get(node, [])):
                if child == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(came_from[path[-1]])
                    return [*reversed(path), start]
                if child not in came_from:
                    came_from[child] = node
                    following.append(child)
        frontier = following
    return component


# --- The layers, top to bottom (docs/architecture.md). A module belongs to the layer of its
# longest matching prefix; `hirebench` itself (the factory) matches only exactly. An edge may
# point down, or sideways within a layer; never up.
LAYERS: list[tuple[str, frozenset[str]]] = [
    (
        "composition root: the factory, the wiring, the console script around the factory",
        frozenset({"hirebench", "hirebench.wiring", "hirebench.console"}),
    ),
    (
        "entry points: requests, commands, workers",
        frozenset(
            {
                "hirebench.web",
                "hirebench.cli",
                # Every package's command group (exams/cli.py, ...): a suffix, not a prefix.
                "*.cli",
                # The demo seed plays every role through the domain services, like a script.
                "hirebench.services.demo",
                "hirebench.services.demo_reviews",
                "hirebench.services.demo_analytics",
                "hirebench.services.demo_offers",
            }
        ),
    ),
    (
        "reactions: read from below, react to events",
        frozenset(
            {
                "hirebench.offers",
                "hirebench.onboarding",
                "hirebench.handoff",
                "hirebench.notifications",
                "hirebench.analytics",
                "hirebench.integrity",
                "hirebench.scorecards",
                # Personal data: reads every model to export and erase; read by nothing but
                # the web, the CLI and the wiring.
                "hirebench.privacy",
                # HR home's overview: stage counts and the work waiting on someone, read from
                # reviews, integrity, offers and interviews (docs/pipeline.md).
                "hirebench.attention",
            }
        ),
    ),
    (
        "domain: sends events",
        frozenset(
            {
                "hirebench.exams",
                "hirebench.reviews",
                "hirebench.interviews",
                "hirebench.screening",
                "hirebench.jobs",
                "hirebench.portfolios",
                "hirebench.services",
                # Metrics read at scrape time: the queue, the outbox, the warm sandbox pool.
                "hirebench.observability.scrape",
            }
        ),
    ),
    (
        "engines: a grader reference in, a result out",
        frozenset(
            {
                "hirebench.grading",
                "hirebench.sandbox",
                "hirebench.outbox",
                # Backups and restores: a database URL and an upload folder in, an archive out.
                "hirebench.ops",
            }
        ),
    ),
    (
        "foundation",
        frozenset(
            {
                "hirebench.models",
                "hirebench.events",
                "hirebench.authoring",
                "hirebench.files",
                "hirebench.config",
                "hirebench.extensions",
                "hirebench.paths",
                "hirebench.formatting",
                "hirebench.paging",
                "hirebench.unicode_text",
                # The chart theme and rendering (Vega-Lite via vl-convert) that the scorecard
                # PDF and the analytics pages share.
                "hirebench.charts",
                # Request ids, JSON log lines and the metrics any layer records.
                "hirebench.observability",
                # Shared plumbing every layer may use: audit rows, the error type, mail out,
                # external links, one-time tokens.
                "hirebench.services.audit",
                "hirebench.services.errors",
                "hirebench.services.mail",
                "hirebench.services.links",
                "hirebench.services.one_time",
            }
        ),
    ),
]

#: Upward edges that are allowed, (importer, imported): reason. Keep it short; each entry is a
#: debt, and the test fails when one is no longer needed.
LAYER_EXCEPTIONS: dict[tuple[str, str], str] = {}


#: The foundation without the shared helpers of services/.
FOUNDATION_CORE = frozenset(p for p in LAYERS[-1][1] if not p.startswith("hirebench.services."))


@dataclass(frozen=True)
class Forbidden:
    """An edge the layers alone would allow (sideways, or down from the root) but that is
    forbidden: `importers` (every module when empty), bar `exempt`, must not import `imported`."""

    imported: str
    reason: str
    importers: frozenset[str] = frozenset()
    exempt: frozenset[str] = frozenset()

    def breached_by(self, imp: Import) -> bool:
        return (
            _under(imp.imported, [self.imported])
            and (not self.importers or _in(imp.importer, self.importers))
            and not _in(imp.importer, self.exempt)
        )


FORBIDDEN = [
    Forbidden(
        "hirebench.exams",
        "reviews know review items, not exams: the exam-answer glue lives in exams",
        importers=frozenset({"hirebench.reviews"}),
    ),
    Forbidden(
        "hirebench.web",
        "only the web layer, the CLI and the factory that registers the blueprints know web/",
        exempt=frozenset({"hirebench.web", "hirebench.cli", PACKAGE}),
    ),
    Forbidden(
        "hirebench.grading",
        "the sandbox runs what it is given in a container; grading decides what that is",
        importers=frozenset({"hirebench.sandbox"}),
    ),
    Forbidden(
        "hirebench.services",
        "the shared helpers of services/ (audit, errors, mail, links, one-time tokens) sit in "
        "the foundation so that every layer may use them; they use models, not the reverse",
        importers=FOUNDATION_CORE,
    ),
]

#: Imports of other `hirebench` modules made inside a function, (importer, imported): reason.
#: This list can only shrink: a new one fails, and so does an entry that no longer exists.
FUNCTION_LEVEL_IMPORTS: dict[tuple[str, str], str] = {}

#: Third-party packages that may be imported inside a function (the standard library always
#: may): top-level name -> reason. It can only shrink, too.
FUNCTION_LEVEL_THIRD_PARTY: dict[str, str] = {
    # services/health reaches docker through sandbox.image anyway, so this one is debt.
    "docker": "services.health._probe_sandbox: the Docker SDK (0.15 s) only for the probe",
    "weasyprint": "scorecards.exports: 0.8 s to import (Pango, fonts), needed only for a PDF",
    # Measured with python -X importtime on the development machine; each was imported by
    # every CLI command and web worker at start-up through hirebench.cli.
    "scipy": "analytics (validity, adverse, weights): scipy.stats 0.9 s, scipy.optimize 0.4 s",
    "statsmodels": "analytics.adverse: 1.1 s with what it pulls in, for one z test",
    "pandas": "analytics: 0.3 s, needed only when an analysis runs",
    "altair": "charts, analytics.charts, integrity.evidence: 0.6 s (schema classes), needed "
    "only to draw a chart",
    "datasketch": "integrity.text: 0.5-1 s (it pulls in scipy), needed only to compare texts",
}


#: Layer prefixes that no module has yet: the capabilities DESIGN.md plans above the domain.
PLANNED: frozenset[str] = frozenset()


def layer_of(module: str) -> int | None:
    """The index in LAYERS of the longest prefix that matches; a `*.name` suffix matches any
    module whose last part is `name`, and wins over every prefix."""
    best: tuple[int, int] | None = None  # (prefix length, layer index)
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if prefix.startswith("*."):
                if module.rsplit(".", 1)[-1] == prefix[2:]:
                    return index
                continue
            matches = module == prefix if prefix == PACKAGE else _under(module, [prefix])
            if matches and (best is None or len(prefix) > best[0]):
                best = (len(prefix), index)
    return None if best is None else best[1]


def _in(module: str, prefixes: Iterable[str]) -> bool:
    return any(module == p if p == PACKAGE else _under(module, [p]) for p in prefixes)


def _report(title: str, lines: Iterable[str], keep_order: bool = False) -> str:
    shown = list(lines) if keep_order else sorted(set(lines))
    return title + "\n" + "\n".join(f"  {line}" for line in shown)


def test_reader_resolves_imports_as_python_does() -> None:
    """The checks below are only as good as the reader, so it is checked on a made-up package."""
    known = {
        "pkg": Path("pkg/__init__.py"),
        "pkg.a": Path("pkg/a.py"),
        "pkg.sub": Path("pkg/sub/__init__.py"),
        "pkg.sub.b": Path("pkg/sub/b.py"),
        "pkg.sub.c": Path("pkg/sub/c.py"),
    }
    source = """
from typing import TYPE_CHECKING
import pkg.sub.b
from pkg import a
from pkg.sub.b import some_name
from . import c
from .. import a as again
if TYPE_CHECKING:
    from pkg import sub
def later():
    try:
        from pkg.sub import c
    except ImportError:
        import os
"""
    found = {(i.imported, i.in_function) for i in parse_imports("pkg.sub.b", source, known)}
    assert found == {
        ("typing", False),
        ("pkg.sub.b", False),
        ("pkg.a", False),
        ("pkg.sub.c", False),
        ("pkg.sub.c", True),
        ("os", True),
    }
    from_package = {i.imported for i in parse_imports("pkg.sub", "from . import c", known)}
    assert from_package == {"pkg.sub.c"}


def test_cycle_finder() -> None:
    edges = [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d"), ("d", "e"), ("e", "d"), ("e", "f")]
    assert sorted(strongly_connected(edges)) == [["a", "b", "c"], ["d", "e"]]
    assert strongly_connected([("a", "b"), ("b", "c")]) == []
    assert shortest_loop(["a", "b", "c"], edges) == ["a", "b", "c", "a"]


def test_no_import_cycle() -> None:
    imports = internal_imports()
    edges = {(i.importer, i.imported) for i in imports}
    components = strongly_connected(edges)
    messages = [f"a cycle of {len(c)} modules: {', '.join(c)}" for c in components]
    # A few loops, each shortest, to show which imports to break: drop each loop's closing
    # edge and look again.
    for _ in range(8):
        if not components:
            break
        loop = shortest_loop(components[0], edges)
        steps = [
            min(str(i) for i in imports if (i.importer, i.imported) == pair)
            for pair in itertools.pairwise(loop)
        ]
        messages.append(_report("one loop:", steps, keep_order=True))
        edges.discard((loop[-2], loop[-1]))
        components = strongly_connected(edges)
    assert not messages, "\n".join(messages)


def test_every_module_has_a_layer() -> None:
    missing = [m for m in module_files() if layer_of(m) is None]
    assert not missing, _report(
        "modules in no layer (add their prefix to LAYERS in tests/test_architecture.py "
        "and to docs/architecture.md):",
        missing,
    )


def test_every_layer_prefix_is_used() -> None:
    """A prefix left behind by a moved or deleted module would silently place a future one."""
    modules = list(module_files())
    unused = [
        prefix
        for _, prefixes in LAYERS
        for prefix in prefixes
        if prefix not in PLANNED
        and not any(
            m.rsplit(".", 1)[-1] == prefix[2:]
            if prefix.startswith("*.")
            else (m == prefix or _under(m, [prefix]))
            for m in modules
        )
    ]
    assert not unused, _report("layer prefixes that match no module; delete them:", unused)


def test_layers_point_down() -> None:
    upward = set()
    for imp in internal_imports():
        low, high = layer_of(imp.importer), layer_of(imp.imported)
        if low is None or high is None or high >= low:
            continue
        if (imp.importer, imp.imported) not in LAYER_EXCEPTIONS:
            upward.add(f"{imp} points up: {LAYERS[low][0]!r} -> {LAYERS[high][0]!r}")
    assert not upward, _report("imports that point up the layers:", upward)


def test_layer_exceptions_still_needed() -> None:
    edges = {(i.importer, i.imported) for i in internal_imports()}
    stale = [f"{a} -> {b}" for a, b in LAYER_EXCEPTIONS if (a, b) not in edges]
    assert not stale, _report(
        "LAYER_EXCEPTIONS lists edges that no longer exist; delete them:", stale
    )


def test_forbidden_edges() -> None:
    found = [
        f"{imp}: {rule.reason}"
        for rule in FORBIDDEN
        for imp in internal_imports()
        if rule.breached_by(imp)
    ]
    assert not found, _report("forbidden imports:", found)


def test_forbidden_rules_bite() -> None:
    """The rules above match what they are meant to, on made-up edges."""
    reviews, web, sandbox, core = FORBIDDEN
    assert sandbox.breached_by(
        Import("hirebench.sandbox.pool", "hirebench.grading.claims", 1, False)
    )
    assert not sandbox.breached_by(
        Import("hirebench.grading.claims", "hirebench.sandbox.pool", 1, False)
    )
    assert core.breached_by(Import("hirebench.models.people", "hirebench.services.audit", 1, True))
    assert not core.breached_by(Import("hirebench.services.audit", "hirebench.models", 1, False))
    assert reviews.breached_by(
        Import("hirebench.reviews.workflow", "hirebench.exams.attempts", 1, True)
    )
    assert not reviews.breached_by(
        Import("hirebench.exams.attempts", "hirebench.reviews.workflow", 1, False)
    )
    assert web.breached_by(Import("hirebench.services.demo", "hirebench.web.forms", 1, False))
    assert web.breached_by(Import("hirebench.exams.cli", "hirebench.web", 1, False))
    assert not web.breached_by(Import("hirebench", "hirebench.web", 1, True))
    assert not web.breached_by(Import("hirebench.web.hr", "hirebench.web.forms", 1, False))
    order = [layer_of(m) for m in ("hirebench.web.hr", "hirebench.exams.cli", "hirebench.exams")]
    assert order == [1, 1, 3]
    assert [layer_of(m) for m in ("hirebench", "hirebench.grading.queue", "hirebench.nope")] == [
        0,
        4,
        None,
    ]


def test_function_level_imports_only_shrink() -> None:
    known = module_files()
    actual = {
        (i.importer, i.imported) for i in all_imports() if i.in_function and i.imported in known
    }
    new = [f"{a} -> {b}" for a, b in sorted(actual - FUNCTION_LEVEL_IMPORTS.keys())]
    gone = [f"{a} -> {b}" for a, b in sorted(FUNCTION_LEVEL_IMPORTS.keys() - actual)]
    assert not new, _report(
        "new imports of hirebench modules inside functions (import at module level; if that "
        "makes a cycle, send an event or register a hook in hirebench/wiring.py instead):",
        new,
    )
    assert not gone, _report(
        "FUNCTION_LEVEL_IMPORTS lists imports that no longer exist; delete them:", gone
    )


def test_function_level_third_party_imports_only_shrink() -> None:
    stdlib = sys.stdlib_module_names
    actual: dict[str, list[str]] = {}
    for imp in all_imports():
        top = imp.imported.split(".")[0]
        if imp.in_function and top != PACKAGE and top not in stdlib:
            actual.setdefault(top, []).append(str(imp))
    new = [
        line
        for top, lines in actual.items()
        if top not in FUNCTION_LEVEL_THIRD_PARTY
        for line in lines
    ]
    gone = [top for top in FUNCTION_LEVEL_THIRD_PARTY if top not in actual]
    assert not new, _report(
        "third-party imports inside functions that are not allowed (import at module level, "
        "or add the package to FUNCTION_LEVEL_THIRD_PARTY with a reason):",
        new,
    )
    assert not gone, _report(
        "FUNCTION_LEVEL_THIRD_PARTY lists packages no longer imported in a function:", gone
    )
