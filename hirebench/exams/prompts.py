"""Exam prompts are Markdown (CommonMark with tables), rendered by markdown-it-py with raw HTML
turned off: whatever HTML an author writes is shown as text, and unsafe link schemes are
refused by the parser's own link validation."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from flask_babel import get_locale, ngettext
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from markupsafe import Markup, escape

_markdown = MarkdownIt("commonmark", {"html": False}).enable("table")
# A code block longer than this is folded on review pages (a prompt's whole CSV, say): the
# reader sees the task and opens the data when they need it.
COLLAPSE_LINES = 12
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


def _collapsed_code(
    renderer: RendererHTML,
    tokens: Sequence[Token],
    idx: int,
    options: OptionsDict,
    env: EnvType,
) -> str:
    """A fenced or indented code block; a long one inside a closed <details>."""
    token = tokens[idx]
    method = RendererHTML.fence if token.type == "fence" else RendererHTML.code_block
    html: str = method(renderer, tokens, idx, options, env)
    lines = token.content.count("\n")
    if lines <= COLLAPSE_LINES:
        return html
    summary = ngettext("Show %(num)d line", "Show %(num)d lines", lines)
    return f'<details class="data-block"><summary>{escape(summary)}</summary>{html}</details>\n'


def _collapsing_markdown() -> MarkdownIt:
    markdown = MarkdownIt("commonmark", {"html": False}).enable("table")
    markdown.add_render_rule("fence", _collapsed_code)
    markdown.add_render_rule("code_block", _collapsed_code)
    return markdown


_collapsing = _collapsing_markdown()


def render_prompt_for_review(text: str) -> Markup:
    """A prompt as render_prompt renders it, with long code blocks collapsed, for the pages
    where staff read many questions at once."""
    locale = get_locale()
    return _render_collapsed(text, str(locale) if locale is not None else "")


@lru_cache(maxsize=512)
def _render_collapsed(text: str, locale: str) -> Markup:
    # The locale is part of the key: the <summary> text is translated.
    html = _HEADING_TAG.sub(r"<\1h4>", _collapsing.render(text))
    return Markup(html)  # noqa: S704 - raw HTML is disabled in the renderer
