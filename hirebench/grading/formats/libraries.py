"""The sandbox image's library sets, and the check that a grader imports only what its set has.

A library set is a named, versioned list of the importable libraries in the grading image
(numpy, pandas, matplotlib, ...), kept in `hirebench/sandbox/libraries.json`, which ships
with the package and is copied into the image. A grader names the set it was written for in
`metadata.hirebench.libraries` (default: the current one); `library_problems` reports a grader
that names a set the image does not have, or whose code cells import a top-level module that
is neither in its set nor in the standard library as the image has it. The format and how to
add a library are in docs/sandbox-image.md.
"""

from __future__ import annotations

import ast
import functools
import importlib.resources
import json
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from hirebench.grading.formats.common import Problem, cell_source, without_magics
from hirebench.grading.formats.parsing import parse_module

LIBRARIES_PACKAGE = "hirebench.sandbox"
LIBRARIES_RESOURCE = "libraries.json"

# Handlers that make an import optional: the grader copes when the module is missing.
_IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})


class LibrarySetError(ValueError):
    """libraries.json is malformed; the message says where."""


@dataclass(frozen=True)
class Library:
    name: str
    version: str
    modules: tuple[str, ...]


@dataclass(frozen=True)
class LibrarySet:
    version: str
    python: str
    libraries: tuple[Library, ...]
    stdlib_missing: frozenset[str]

    @functools.cached_property
    def modules(self) -> frozenset[str]:
        return frozenset(module for lib in self.libraries for module in lib.modules)

    def provides(self, module: str) -> bool:
        """Whether `import module` works in the image. The standard library is the running
        Python's list (the host's, which is the image's minor version when both are 3.11),
        less the parts Debian packages separately and the image leaves out."""
        if module in self.modules:
            return True
        return module in sys.stdlib_module_names and module not in self.stdlib_missing


@dataclass(frozen=True)
class LibrarySets:
    current: str
    sets: Mapping[str, LibrarySet]

    def get(self, version: str | None = None) -> LibrarySet:
        return self.sets[self.current if version is None else version]


def _field(data: Mapping[str, Any], key: str, kind: type, where: str) -> Any:
    value = data.get(key)
    if not isinstance(value, kind):
        raise LibrarySetError(f"{where}.{key} must be a {kind.__name__}, not {value!r}")
    return value


def _strings(data: Mapping[str, Any], key: str, where: str) -> list[str]:
    values = _field(data, key, list, where)
    if not all(isinstance(value, str) and value for value in values):
        raise LibrarySetError(f"{where}.{key} must be a list of non-empty strings")
    return list(values)


def _library(data: Any, where: str) -> Library:
    if not isinstance(data, dict):
        raise LibrarySetError(f"{where} must be an object")
    return Library(
        name=_field(data, "name", str, where),
        version=_field(data, "version", str, where),
        modules=tuple(_strings(data, "modules", where)),
    )


def parse_library_sets(text: str | bytes) -> LibrarySets:
    """The sets in libraries.json's text; raises LibrarySetError when it is malformed."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise LibrarySetError(f"libraries.json is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise LibrarySetError("libraries.json must hold an object")
    current = _field(data, "current", str, "libraries.json")
    sets: dict[str, LibrarySet] = {}
    for version, body in _field(data, "sets", dict, "libraries.json").items():
        where = f"sets[{version!r}]"
        if not isinstance(body, dict):
            raise LibrarySetError(f"{where} must be an object")
        sets[version] = LibrarySet(
            version=version,
            python=_field(body, "python", str, where),
            libraries=tuple(
                _library(lib, f"{where}.libraries[{i}]")
                for i, lib in enumerate(_field(body, "libraries", list, where))
            ),
            stdlib_missing=frozenset(_strings(body, "stdlib_missing", where)),
        )
    if current not in sets:
        raise LibrarySetError(f"libraries.json: current set {current!r} is not among its sets")
    return LibrarySets(current=current, sets=sets)


@functools.cache
def library_sets() -> LibrarySets:
    """The sets shipped with hirebench, read once."""
    resource = importlib.resources.files(LIBRARIES_PACKAGE) / LIBRARIES_RESOURCE
    return parse_library_sets(resource.read_bytes())


def _is_optional(handlers: list[ast.ExceptHandler]) -> bool:
    for handler in handlers:
        if handler.type is None:
            return True
        kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
        if any(isinstance(kind, ast.Name) and kind.id in _IMPORT_ERRORS for kind in kinds):
            return True
    return False


def _imports(node: ast.AST) -> Iterator[tuple[int, str]]:
    """(line, top-level module) of each import under `node`, except those in the body of a
    `try` that catches ImportError, which the author made optional on purpose."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            yield node.lineno, alias.name.partition(".")[0]
    elif isinstance(node, ast.ImportFrom):
        if node.level == 0 and node.module:  # relative imports name no installed module
            yield node.lineno, node.module.partition(".")[0]
    elif isinstance(node, ast.Try | ast.TryStar):
        guarded = _is_optional(node.handlers)
        for child in ast.iter_child_nodes(node):
            if not (guarded and child in node.body):
                yield from _imports(child)
    else:
        for child in ast.iter_child_nodes(node):
            yield from _imports(child)


def imported_modules(source: str) -> list[tuple[int, str]]:
    """(line, top-level module) of each import in a cell's source, in order. IPython magics
    are skipped; a cell that does not parse (a starter fragment) is read line by line, so
    its plain `import` lines still count."""
    try:
        return list(_imports(parse_module(without_magics(source))))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        pass
    found: list[tuple[int, str]] = []
    for number, line in enumerate(source.split("\n"), start=1):
        stripped = line.strip()
        if not stripped.startswith(("import ", "from ")):
            continue
        try:
            found += [(number, module) for _, module in _imports(parse_module(stripped))]
        except (SyntaxError, ValueError):
            continue
    return found


def shipped_modules(paths: Iterable[str]) -> frozenset[str]:
    """Top-level modules that files shipped with a grader (relative POSIX paths) make
    importable from the working directory: `helpers.py`, and any folder (a package)."""
    modules = set()
    for path in paths:
        first, slash, _ = path.partition("/")
        if slash:
            modules.add(first)
        elif first.endswith(".py"):
            modules.add(first[: -len(".py")])
    return frozenset(module for module in modules if module.isidentifier())


def _named_set(notebook: Mapping[str, Any], sets: LibrarySets) -> tuple[LibrarySet, list[Problem]]:
    meta = notebook.get("metadata")
    settings = meta.get("hirebench") if isinstance(meta, dict) else None
    named = settings.get("libraries") if isinstance(settings, dict) else None
    if named is None:
        return sets.get(), []
    known = ", ".join(sorted(sets.sets))
    if not isinstance(named, str):
        message = (
            f"metadata.hirebench.libraries must be a string naming a library set "
            f"(one of {known}), not {named!r}"
        )
        return sets.get(), [Problem(message)]
    if named not in sets.sets:
        message = (
            f"metadata.hirebench.libraries names library set {named!r}, which the sandbox "
            f"image does not have (it has {known})"
        )
        return sets.get(), [Problem(message)]
    return sets.get(named), []


def library_problems(
    notebook: Mapping[str, Any],
    extra_modules: Iterable[str] = (),
    sets: LibrarySets | None = None,
) -> list[Problem]:
    """Problems with the libraries a grader notebook needs: an unknown set in its metadata,
    and each module a code cell imports (solution cells included: they are the candidate's
    starter) that its set lacks, once per cell. `extra_modules` are importable anyway, such
    as helper modules shipped with the grader."""
    sets = sets if sets is not None else library_sets()
    library_set, problems = _named_set(notebook, sets)
    extra = frozenset(extra_modules)
    cells = notebook.get("cells")
    for index, cell in enumerate(cells if isinstance(cells, list) else []):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        seen: set[str] = set()
        for line, module in imported_modules(cell_source(cell)):
            if module in seen or module in extra or library_set.provides(module):
                continue
            seen.add(module)
            problems.append(
                Problem(
                    f"imports {module}, which the sandbox image "
                    f"(libraries {library_set.version}) does not have",
                    index,
                    line,
                )
            )
    return problems
