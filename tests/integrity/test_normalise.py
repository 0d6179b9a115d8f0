"""The code normaliser (hirebench/integrity/code.py): what a plagiarist changes cheaply is gone,
what they cannot change is kept, and every token knows its source lines."""

from __future__ import annotations

from hirebench.integrity.code import lex_forgiving, normalise_python

ORIGINAL = '''\
"""Module docstring."""
import math


def spread(values, scale=2):
    """How far apart the values are."""
    # the mean first
    centre = sum(values) / len(values)
    return math.sqrt(sum((v - centre) ** 2 for v in values)) * scale
'''

DISGUISED = """\
import math
def   spread( xs ,   scale = 2 ):
    # rewritten comment, and a docstring of another shape
    \'\'\'
    Spread of xs.
    \'\'\'
    m = sum(xs) / len(
        xs
    )
    return math.sqrt(sum((x - m) ** 2 for x in xs)) * scale  # tail comment
"""


def test_renaming_comments_docstrings_and_layout_do_not_change_the_tokens() -> None:
    assert normalise_python(ORIGINAL).values == normalise_python(DISGUISED).values


def test_identifiers_become_their_kind_and_keywords_builtins_operators_stay() -> None:
    tokens = normalise_python("total = len(items) + obj.count * 3 if ok else None\n")
    assert tokens.values == [
        "V", "=", "len", "(", "V", ")", "+", "V", ".", "A", "*", "3",
        "if", "V", "else", "None",
    ]  # fmt: skip


def test_strings_are_one_token_and_numbers_stay() -> None:
    tokens = normalise_python("label = f'{x}!' + 'abc' + r\"\\d\" * 10\n")
    assert tokens.values == ["V", "=", "S", "+", "S", "+", "S", "*", "10"]


def test_only_bare_string_statements_are_dropped() -> None:
    source = 'def f():\n    "doc"\n    x = "kept"\n    "also dropped"\n    return x\n'
    assert normalise_python(source).values == [
        "def", "V", "(", ")", ":", "V", "=", "S", "return", "V",
    ]  # fmt: skip


def test_tokens_carry_their_source_lines() -> None:
    tokens = normalise_python('x = 1\n\n# note\ny = """a\nb"""\nz = (\n  x +\n  y)\n')
    assert list(zip(tokens.values, tokens.starts, tokens.ends, strict=True)) == [
        ("V", 1, 1), ("=", 1, 1), ("1", 1, 1),
        ("V", 4, 4), ("=", 4, 4), ("S", 4, 5),
        ("V", 6, 6), ("=", 6, 6), ("(", 6, 6), ("V", 7, 7), ("+", 7, 7), ("V", 8, 8),
        (")", 8, 8),
    ]  # fmt: skip


def test_imports_are_recorded_with_their_spans() -> None:
    tokens = normalise_python("import numpy as np\nfrom os import path\nx = np.ones(3)\n")
    assert [key for key, _, _ in tokens.imports] == [
        "import numpy as np",
        "from os import path",
    ]
    kept = tokens.without([(s, e) for _, s, e in tokens.imports])
    assert kept.values == ["V", "=", "V", ".", "A", "(", "3", ")"]
    assert kept.starts == [3] * 8


def test_code_that_does_not_tokenize_is_lexed_forgivingly_and_says_why() -> None:
    broken = "def f(values):\n    total = len(values)\n    s = '''never closed\n"
    tokens = normalise_python(broken)
    assert tokens.fallback is not None
    assert "does not tokenize as Python" in tokens.fallback
    assert "compared as text" in tokens.fallback
    # the good part reads as it would have: a broken copy of good code still matches it
    good = normalise_python("def f(values):\n    total = len(values)\n").values
    assert tokens.values[: len(good)] == good


def test_a_bad_dedent_falls_back_too() -> None:
    tokens = normalise_python("if x:\n        a = 1\n    b = 2\n")
    assert tokens.fallback is not None and "line 3" in tokens.fallback
    assert tokens.values == ["if", "V", ":", "V", "=", "1", "V", "=", "2"]


def test_forgiving_lexer_uses_the_same_vocabulary() -> None:
    source = "for i in range(n):  # loop\n    out.append(i ** 2 // 3)\n"
    assert lex_forgiving(source).values == normalise_python(source).values
    assert lex_forgiving(source).starts == normalise_python(source).starts
