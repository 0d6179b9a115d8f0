"""Exam prompts are Markdown (CommonMark with tables), rendered by markdown-it-py with raw HTML
turned off: whatever HTML an author writes is shown as text, and unsafe link schemes are
refused by the parser's own link validation."""

from __future__ import annotations

import re
from functools import lru_cache

from markdown_it import MarkdownIt
from markupsafe import Markup

_markdown = MarkdownIt("commonmark", {"html": False}).enable("table")
# Prompt headings sit under the page's own headings.
_HEADING_TAG = re.compile(r"<(/?)h[1-6]>")


@lru_cache(maxsize=512)
def render_prompt(text: str) -> Markup:
    """Prompts belong to immutable exam versions, so the HTML is cached."""
    html = _HEADING_TAG.sub(r"<\1h4>", _markdown.render(text))
    return Markup(html)  # noqa: S704 - raw HTML is disabled in the renderer


def prompt_excerpt(prompt: str, limit: int = 90) -> str:
    """The first line of a prompt without Markdown marks, for lists of questions."""
    first = next((line.strip() for line in prompt.splitlines() if line.strip()), "")
    first = re.sub(r"[*`#|]", "", first).strip()
    return first if len(first) <= limit else first[: limit - 1] + "…"
