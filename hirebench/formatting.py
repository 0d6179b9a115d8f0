"""How scores are shown: one rule for every page, export and message (docs/scorecard.md,
"Rounding"). Every score, whether 0-100 (stages, competencies, composites), exam points or a
mean rating or level, is shown with one decimal, so columns line up and a composite of 69.96
is never shown as the 70 of a cut-off it did not reach. No score is "—", never 0."""

from __future__ import annotations

import math

SCORE_DIGITS = 1
NO_SCORE = "—"


def mask_number(value: str | None, keep: int = 4) -> str:
    """All but the last `keep` characters replaced by *, so a person can tell two ID or account
    numbers apart without reading either: "110101199003071234" -> "**************1234"."""
    if not value:
        return ""
    visible = value[-keep:] if len(value) > keep else ""
    return "*" * (len(value) - len(visible)) + visible


def N_(message: str) -> str:  # the gettext convention; Babel extracts N_("...")
    """Marks a message for translation without translating it now: the text is stored or
    compared in English and translated where it is shown."""
    return message


def round_score(value: object) -> float | None:
    """A score rounded for showing; None for no score (None, text, NaN, infinity, booleans)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]  # anything float() accepts
    except (TypeError, ValueError):
        return None
    if not math.isfinite(number):
        return None
    return round(number, SCORE_DIGITS) + 0.0  # + 0.0 turns -0.0 into 0.0


def format_score(value: object) -> str:
    """A score as text: "8.6", "70.0", or "—" for no score."""
    rounded = round_score(value)
    return NO_SCORE if rounded is None else f"{rounded:.{SCORE_DIGITS}f}"


def shorten_words(text: str, limit: int) -> str:
    """At most `limit` characters, cut at the last space before it with an ellipsis, so a
    question is never cut mid-word. Text without spaces near the end (Chinese) is cut between
    characters."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    head, space, _rest = cut.rpartition(" ")
    if space and len(head) >= limit // 2:  # a boundary, unless it would drop half the text
        cut = head
    return cut.rstrip(" ,;:·-—") + "…"
