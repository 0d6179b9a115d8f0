"""One rounding rule for scores (docs/scorecard.md, "Rounding") and word-boundary shortening,
and the `score` template filter that pages use."""

from __future__ import annotations

import math

import pytest
from flask import Flask, render_template_string

from hirebench.formatting import format_score, round_score, shorten_words


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (8.57003, "8.6"),
        (2.33333, "2.3"),
        (70, "70.0"),
        (69.96, "70.0"),
        ("81.04", "81.0"),
        (-0.04, "0.0"),  # never "-0.0"
        (None, "—"),
        (True, "—"),
        ("", "—"),
        (math.nan, "—"),
        (math.inf, "—"),
    ],
)
def test_format_score(value: object, shown: str) -> None:
    assert format_score(value) == shown


def test_round_score_keeps_numbers_numbers() -> None:
    assert round_score(8.57003) == 8.6 and round_score(None) is None
    assert round_score("x") is None


def test_the_score_filter_is_the_same_rule(app: Flask) -> None:
    with app.app_context():
        shown = render_template_string(
            "{{ a|score }} {{ b|score }} {{ c|score }}", a=8.57003, b=2.33333, c=None
        )
    assert shown == "8.6 2.3 —"


def test_shorten_words_cuts_at_a_word_boundary() -> None:
    question = "Tell me about a time the guideline did not cover a case you met. What did you do?"
    short = shorten_words(question, 40)
    assert short == "Tell me about a time the guideline did…"
    assert len(short) <= 40
    assert shorten_words("  Short   question? ", 40) == "Short question?"
    # No spaces (Chinese): cut between characters.
    assert shorten_words("请讲一次你遇到标注规范没有覆盖的情况", 10) == "请讲一次你遇到标注…"
    # One very long word: cut inside it rather than show nothing.
    assert shorten_words("x" * 50, 10) == "x" * 9 + "…"
