"""The code normaliser: Python source to the token stream that is fingerprinted.

What a plagiarist changes cheaply is removed, what they cannot change without rewriting is
kept (docs/integrity.md, "Normalising code"):

- identifiers become their kind: `V` for a name, `A` for an attribute after a dot; keywords,
  builtins (`len`, `range`) and operators stay as they are, since renaming cannot touch them;
- string literals become `S`, numbers stay;
- comments, docstrings (statements that are only a string), and the layout tokens (NL,
  INDENT, DEDENT) are dropped; NEWLINE is dropped too, so splitting or joining lines is noise;
- import statements are recorded with their token spans, so that the imports every submission
  shares can be dropped across the cohort.

Code that Python's `tokenize` rejects (an unterminated triple-quoted string, a bad dedent) is
lexed again by a forgiving regular expression into the same vocabulary, and `fallback` says
why, so a broken copy of a good file still matches it.
"""

from __future__ import annotations

import bisect
import builtins
import io
import keyword
import re
import tokenize
from dataclasses import dataclass, field

KEYWORDS = frozenset(keyword.kwlist)
BUILTINS = frozenset(name for name in dir(builtins) if not name.startswith("_"))
_DROPPED = frozenset(
    {
        tokenize.COMMENT,
        tokenize.NL,
        tokenize.INDENT,
        tokenize.DEDENT,
        tokenize.ENCODING,
        tokenize.ENDMARKER,
        tokenize.NEWLINE,
    }
)


@dataclass
class Tokens:
    """Normalised tokens with the 1-based source lines each starts and ends on."""

    values: list[str] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)
    #: (the import statement as written, normalised spacing; first token; end, exclusive)
    imports: list[tuple[str, int, int]] = field(default_factory=list)
    #: Why `tokenize` failed and the forgiving lexer was used instead; None if it did not.
    fallback: str | None = None

    def append(self, value: str, start: int, end: int) -> None:
        self.values.append(value)
        self.starts.append(start)
        self.ends.append(end)

    def without(self, spans: list[tuple[int, int]]) -> Tokens:
        """A copy without the tokens in `spans` (first, end exclusive)."""
        if not spans:
            return self
        drop: set[int] = set()
        for first, end in spans:
            drop.update(range(first, end))
        kept = Tokens(fallback=self.fallback)
        for index, value in enumerate(self.values):
            if index not in drop:
                kept.append(value, self.starts[index], self.ends[index])
        return kept


def _kind(name: str, after_dot: bool) -> str:
    if name in KEYWORDS:
        return name
    if after_dot:
        return "A"
    return name if name in BUILTINS else "V"


def _statement(source: list[tokenize.TokenInfo], out: Tokens) -> None:
    """Append one logical line's tokens, or nothing if it is a bare string (a docstring)."""
    if all(tok.type == tokenize.STRING for tok in source):
        return
    first = len(out.values)
    values, starts, ends = out.values, out.starts, out.ends
    previous = ""
    for tok in source:
        kind, string = tok.type, tok.string
        if kind == tokenize.NAME:
            value = _kind(string, previous == ".")
        elif kind == tokenize.STRING:
            value = "S"
        elif kind == tokenize.ERRORTOKEN and not string.strip():
            continue
        else:
            value = string
        values.append(value)
        starts.append(tok.start[0])
        ends.append(tok.end[0])
        previous = string
    if source[0].string in ("import", "from"):
        written = " ".join(tok.string for tok in source)
        out.imports.append((written, first, len(out.values)))


def normalise_python(source: str) -> Tokens:
    """The normalised tokens of `source`; never raises (see `Tokens.fallback`)."""
    out = Tokens()
    logical: list[tokenize.TokenInfo] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.NEWLINE or tok.type == tokenize.ENDMARKER:
                if logical:
                    _statement(logical, out)
                logical = []
            elif tok.type not in _DROPPED:
                logical.append(tok)
        if logical:
            _statement(logical, out)
    except (tokenize.TokenError, IndentationError, SyntaxError) as error:
        reason = error.args[0] if error.args else type(error).__name__
        line = _error_line(error)
        fallback = lex_forgiving(source)
        fallback.fallback = f"does not tokenize as Python ({reason}{line}); compared as text"
        return fallback
    return out


def _error_line(error: Exception) -> str:
    if isinstance(error, SyntaxError) and error.lineno:
        return f", line {error.lineno}"
    position = error.args[1] if len(error.args) > 1 else None
    if isinstance(position, tuple) and position and isinstance(position[0], int):
        return f", line {position[0]}"
    return ""


_FORGIVING = re.compile(
    r"""
    (?P<comment>\#[^\n]*)
  | (?P<string>(?:[rRbBuUfF]{0,2})(?:'''[\s\S]*?'''|\"\"\"[\s\S]*?\"\"\"
        |'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"))
  | (?P<name>[^\W\d]\w*)
  | (?P<number>\d[\d_]*(?:\.[\d_]*)?(?:[eE][+-]?\d+)?[jJ]?|\.\d[\d_]*(?:[eE][+-]?\d+)?[jJ]?)
  | (?P<op>\*\*=|//=|>>=|<<=|\.\.\.|->|:=|[-+*/%&|^@<>=!]=|\*\*|//|<<|>>|[^\s\w])
    """,
    re.VERBOSE,
)


def lex_forgiving(source: str) -> Tokens:
    """Tokens of text that is not valid Python, in the vocabulary of `normalise_python`
    (no docstring or import handling: the structure is not trustworthy)."""
    line_starts = [0] + [m.end() for m in re.finditer("\n", source)]
    out = Tokens()
    previous = ""
    for match in _FORGIVING.finditer(source):
        group = match.lastgroup
        if group == "comment":
            continue
        text = match.group()
        if group == "name":
            value = _kind(text, previous == ".")
        elif group == "string":
            value = "S"
        else:
            value = text
        start = bisect.bisect_right(line_starts, match.start())
        end = bisect.bisect_right(line_starts, max(match.end() - 1, match.start()))
        out.append(value, start, end)
        previous = text
    return out
