"""Reading authored YAML (exams, rubrics, job profiles, the interview bank) the same way
everywhere: UTF-8 with a size cap, safe_load only, syntax errors with line and column,
repeated keys reported, and alias bombs refused, each as a problem with a fix.

A file format is one `AuthoredFormat`: its documentation, the function that checks and builds
its top-level mapping, and its error class. Rubric, job-profile and interview-bank files read
through it alike; an exam, a folder with assets, reads its exam.yaml with `yaml_mapping`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

import yaml

from hirebench.authoring.checker import AuthoringError, Checker, Problem, join
from hirebench.unicode_text import SURROGATES

T = TypeVar("T")

YAML_MAX_BYTES = 1_000_000
# Aliases can make a small file expand into a huge tree; real authored files stay far below.
YAML_MAX_NODES = 200_000


def read_text_file(path: Path, checker: Checker) -> str | None:
    """The UTF-8 text of an authored file (a BOM is tolerated), or None after reporting."""
    if not path.is_file():
        checker.add("", f"{path} does not exist or is not a file", "give the path of a file")
        return None
    size = path.stat().st_size
    if size > YAML_MAX_BYTES:
        checker.add(
            "", f"the file is {size:,} bytes; the limit is {YAML_MAX_BYTES:,}", "shorten it"
        )
        return None
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        checker.add("", f"not UTF-8 text (bad byte on line {line})", "save the file as UTF-8")
        return None


def yaml_mapping(
    text: str, checker: Checker, docs: str, what: str = "the file"
) -> Mapping[str, Any] | None:
    """The top-level mapping of an authored YAML text, read with safe_load only, or None
    after reporting why not. Repeated keys are reported too (safe_load keeps the last)."""
    if len(text) > YAML_MAX_BYTES:
        checker.add(
            "",
            f"the text is {len(text):,} characters; the limit is {YAML_MAX_BYTES:,}",
            "shorten it",
        )
        return None
    try:
        data = yaml.safe_load(text)
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        checker.add("", *_syntax_error(exc))
        return None
    except RecursionError:
        # PyYAML builds nested collections recursively; a 1 MB file can nest far deeper than
        # Python's stack allows.
        checker.add("", f"{what} is nested too deeply", "flatten the nested lists or mappings")
        return None
    except ValueError as exc:
        # An unquoted impossible date (2024-02-30) fails in the constructor, not the parser.
        checker.add("", f"a value cannot be read: {exc}", "put dates and odd values in quotes")
        return None
    if data is None:
        checker.add("", f"{what} is empty", f"write it ({docs})")
        return None
    _duplicate_keys(root, checker, what)
    return checker.mapping(data, "", checker.file)


def _syntax_error(exc: yaml.YAMLError) -> tuple[str, str]:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    if mark is None:
        return f"YAML syntax error: {problem}", "fix the YAML syntax"
    line, column = mark.line + 1, mark.column + 1
    return (
        f"YAML syntax error at line {line}, column {column}: {problem}",
        f"fix the YAML near line {line}: check the indentation, and put text that contains "
        "': ' or ' #' in quotes",
    )


def _duplicate_keys(root: yaml.Node | None, checker: Checker, what: str) -> None:
    """safe_load keeps the last of two equal keys silently; a repeated `points:` is almost
    always a mistake, so the composed node tree (no objects built) is checked for them. The
    same walk refuses text that is not valid Unicode."""
    stack: list[tuple[yaml.Node, str]] = [(root, "")] if root is not None else []
    count = 0
    while stack:
        node, path = stack.pop()
        count += 1
        if count > YAML_MAX_NODES:
            checker.add(
                "",
                f"{what} expands to more than {YAML_MAX_NODES:,} values (through aliases)",
                "write it without deeply nested aliases (*name)",
            )
            return
        if isinstance(node, yaml.ScalarNode) and SURROGATES.search(node.value):
            _lone_surrogate(checker, path, node)
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, int] = {}
            for key_node, value_node in node.value:
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
                line = key_node.start_mark.line + 1
                if key is not None and SURROGATES.search(key):
                    _lone_surrogate(checker, path, key_node)
                if key is not None and key != "<<" and key in seen:
                    checker.add(
                        join(path, key),
                        f"duplicate key '{key}' (lines {seen[key]} and {line}); YAML would "
                        "keep only the last one",
                        "remove one of them",
                    )
                if key is not None:
                    seen.setdefault(key, line)
                stack.append((value_node, join(path, key) if key is not None else path))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((child, join(path, index)) for index, child in enumerate(node.value))


def _lone_surrogate(checker: Checker, path: str, node: yaml.Node) -> None:
    # YAML reads "\ud83d" (and even "\ud83d\ude00") as lone halves of a UTF-16 pair, text
    # that no page or export can encode.
    line = node.start_mark.line + 1
    checker.add(
        path,
        f"line {line}: a \\u escape gives half of a UTF-16 surrogate pair, which is not valid "
        "Unicode",
        "write the character itself, or escape it whole as \\U0001F600",
    )


def read_authored(
    text: str,
    source: str,
    docs: str,
    build: Callable[[Checker, Mapping[str, Any]], T | None],
    file_stem: str | None = None,
) -> tuple[T | None, list[Problem]]:
    """`build` applied to the YAML text's top-level mapping: the result, or every problem.
    With `file_stem`, the document's `id` must equal it: one id, one file, found without
    opening it (as an exam id equals its folder's name)."""
    checker = Checker(file=source)
    block = yaml_mapping(text, checker, docs)
    result = build(checker, block) if block is not None else None
    found = block.get("id") if block is not None else None
    if file_stem is not None and isinstance(found, str) and found != file_stem:
        checker.add(
            "id",
            f"id '{found}' does not match the file name '{source}'",
            "rename the file or change the id so that they match",
        )
    if checker.problems or result is None:
        return None, checker.problems
    return result, []


def load_authored_file(
    path: Path | str,
    docs: str,
    build: Callable[[Checker, Mapping[str, Any]], T | None],
    error: type[AuthoringError],
    *,
    id_is_file_name: bool = True,
) -> T:
    """The authored file at `path`, or `error` with every problem."""
    path = Path(path)
    checker = Checker(file=path.name)
    text = read_text_file(path, checker)
    if text is None:
        raise error(checker.problems)
    stem = path.stem if id_is_file_name else None
    result, problems = read_authored(text, path.name, docs, build, file_stem=stem)
    if result is None:
        raise error(problems)
    return result


@dataclass(frozen=True)
class AuthoredFormat(Generic[T]):
    """One authored YAML format. `build` checks the file's top-level mapping and returns the
    value, or None after reporting problems; `error` carries every problem to the caller.
    With `id_is_file_name`, a file's `id` must equal its name without `.yaml`."""

    docs: str  # where the format is documented, named in problems
    build: Callable[[Checker, Mapping[str, Any]], T | None]
    error: type[AuthoringError]
    id_is_file_name: bool = True

    def parse_text(self, text: str, source: str) -> T:
        """The value in `text`, or `error` with every problem; `source` names the file in
        problems."""
        result, problems = read_authored(text, source, self.docs, self.build)
        if result is None:
            raise self.error(problems)
        return result

    def load_file(self, path: Path | str) -> T:
        """The file at `path`, or `error` with every problem."""
        return load_authored_file(
            path, self.docs, self.build, self.error, id_is_file_name=self.id_is_file_name
        )

    def validate_text(self, text: str, source: str) -> list[Problem]:
        """Every problem with the YAML text (syntax included); empty when it is valid."""
        return read_authored(text, source, self.docs, self.build)[1]

    def validate_data(self, data: Any, source: str) -> list[Problem]:
        """Every problem with already-parsed YAML data; empty when it is valid."""
        checker = Checker(file=source)
        block = checker.mapping(data, "", source)
        if block is not None:
            self.build(checker, block)
        return checker.problems
