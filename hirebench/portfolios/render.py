"""Previews of portfolio files for reviewers. Nothing is executed: notebooks are shown as they
were saved, every piece of text is escaped, and the only HTML that passes through is notebook
output that nh3 has sanitised. The HTML returned here is safe to mark as Markup.

A preview never points anywhere: no href, and no src but a data: image checked here. Candidate
content shown to HR or a reviewer must not make their browser request anything, least of all
a URL of this app, which would run with their session (an <img> of an export link, say).
Links are shown as text, with their address, so a reader can still copy it."""

from __future__ import annotations

import base64
import binascii
import csv
import io
import re
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import nbformat
import nh3
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from markdown_it import MarkdownIt
from markupsafe import escape
from nbformat.reader import reads as read_notebook_json

MAX_HTML_CHARS = 2_000_000
# markdown-it needs a few seconds for 200 KB of adversarial input (long tables, runs of "[").
MAX_MARKDOWN_CHARS = 200_000
MAX_CELL_CHARS = 200

# Raw HTML off: whatever a candidate writes in Markdown is shown as text, and markdown-it's own
# link validation refuses javascript: and similar schemes.
_markdown = MarkdownIt("commonmark", {"html": False}).enable("table")
# CSI sequences (colours, cursor moves), OSC sequences (titles, hyperlinks), and two-byte escapes.
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")
_IMAGE_SIGNATURES = {"image/png": b"\x89PNG\r\n\x1a\n", "image/jpeg": b"\xff\xd8\xff"}
_DATA_IMAGE = re.compile(r"data:(image/png|image/jpeg);base64,([A-Za-z0-9+/=\s]+)", re.IGNORECASE)
# The order Jupyter itself prefers, limited to what can be shown safely.
_SHOWN_MIME_TYPES = ("image/png", "image/jpeg", "text/html", "text/plain")


def markdown_html(data: bytes, *, max_chars: int = MAX_MARKDOWN_CHARS) -> str:
    text = data.decode("utf-8-sig", errors="replace")
    if len(text) <= max_chars:
        return _markdown.render(text)
    shown = text[:max_chars].rpartition("\n")[0] or text[:max_chars]
    return _markdown.render(shown) + _note(_l("The rest of this file is too long to preview."))


def notebook_html(data: bytes, *, max_chars: int = MAX_HTML_CHARS) -> str:
    """An HTML fragment for a notebook that check_upload accepted, at most about max_chars."""
    notebook = nbformat.convert(read_notebook_json(data.decode("utf-8-sig")), 4)
    parts: list[str] = []
    left = max_chars
    # Each piece is balanced HTML on its own, so stopping between pieces never leaves a tag open.
    for source_chars, render in _notebook_pieces(notebook):
        if source_chars > left or len(piece := render()) > left:
            parts.append(_note(_l("The rest of this notebook is too large to preview.")))
            break
        parts.append(piece)
        # Markdown that renders to little (link definitions) still cost time to parse.
        left -= max(len(piece), source_chars)
    return "".join(parts)


def csv_preview(
    data: bytes, max_rows: int = 50, max_cols: int = 30
) -> tuple[list[str], list[list[str]], bool]:
    """The header, up to max_rows rows and whether anything was left out; plain text, unescaped."""
    text = data.decode("utf-8-sig", errors="replace")
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] = []
    rows: list[list[str]] = []
    truncated = False
    try:
        for index, row in enumerate(reader):
            if index > max_rows:
                truncated = True
                break
            kept = row[:max_cols]
            truncated = truncated or len(row) > max_cols
            truncated = truncated or any(len(cell) > MAX_CELL_CHARS for cell in kept)
            cells = [_cap(cell) for cell in kept]
            if index == 0:
                header = cells
            else:
                rows.append(cells)
    except csv.Error:
        # A preview shows what could be read; the file itself was checked at upload.
        truncated = True
    return header, rows, truncated


def _cap(cell: str) -> str:
    return cell if len(cell) <= MAX_CELL_CHARS else cell[: MAX_CELL_CHARS - 1] + "…"


def _notebook_pieces(notebook: Any) -> Iterator[tuple[int, Callable[[], str]]]:
    """Each piece of the preview with the size of its source, rendered only if it will be used."""
    for cell in notebook.get("cells", []):
        cell_type = cell.get("cell_type")
        source = _text(cell.get("source"))
        if cell_type == "markdown":
            yield len(source), partial(_markdown_cell, source)
        elif cell_type == "code":
            yield len(source), partial(_pre, "nb-code", source)
            for output in cell.get("outputs", []):
                yield 0, partial(_output_html, output)
        else:
            yield len(source), partial(_pre, "nb-raw", source)


def _link_open(_renderer: Any, tokens: Any, idx: int, _options: Any, env: Any) -> str:
    env.setdefault("hrefs", []).append(tokens[idx])
    return '<span class="nb-link">'


def _link_close(_renderer: Any, _tokens: Any, _idx: int, _options: Any, env: Any) -> str:
    opened = env["hrefs"].pop()
    if opened.info == "auto":  # <https://…>: the text is the address already
        return "</span>"
    return f'</span> <span class="nb-url">({escape(opened.attrGet("href") or "")})</span>'


def _image(renderer: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    alt = renderer.renderInlineAsText(token.children or [], options, env)
    src = str(token.attrGet("src") or "")
    found = _DATA_IMAGE.fullmatch(src)
    shown = _data_image(found.group(1).lower(), found.group(2)) if found else None
    if shown is not None:
        return f'<img class="nb-image" alt="{escape(alt)}" src="{shown}">'
    label = _l("Image not shown: %(alt)s (%(address)s)", alt=alt, address=src[:200])
    return f'<span class="nb-note">{escape(str(label))}</span>'


_markdown.add_render_rule("link_open", _link_open)
_markdown.add_render_rule("link_close", _link_close)
_markdown.add_render_rule("image", _image)


def _only_data_images(tag: str, attribute: str, value: str) -> str | None:
    """nh3's attribute filter: an img keeps a checked data: src; no other address survives."""
    if attribute == "src" and tag == "img":
        found = _DATA_IMAGE.fullmatch(value)
        return _data_image(found.group(1).lower(), found.group(2)) if found else None
    if attribute in ("href", "src", "cite", "srcset", "action", "formaction", "poster"):
        return None
    return value


def sanitize_html(html: str) -> str:
    # nh3 drops addresses in schemes it was not told of before the filter sees them.
    return nh3.clean(html, attribute_filter=_only_data_images, url_schemes={"data"})


def _markdown_cell(source: str) -> str:
    return f'<div class="nb-markdown">{_markdown.render(source)}</div>'


def _output_html(output: Any) -> str:
    output_type = output.get("output_type")
    if output_type == "stream":
        return _pre("nb-output", _strip_ansi(_text(output.get("text"))))
    if output_type == "error":
        traceback = "\n".join(_text(line) for line in output.get("traceback") or [])
        if not traceback:
            traceback = f"{_text(output.get('ename'))}: {_text(output.get('evalue'))}"
        return _pre("nb-error", _strip_ansi(traceback))
    if output_type in ("execute_result", "display_data"):
        bundle = output.get("data") or {}
        for mime_type in _SHOWN_MIME_TYPES:
            if mime_type in bundle:
                return _bundle_html(mime_type, bundle[mime_type])
        shown = ", ".join(sorted(str(key) for key in bundle)) or "empty"
        return _note(_l("Output of type %(type)s not shown.", type=shown))
    return _note(_l("Output of type %(type)s not shown.", type=str(output_type)))


def _bundle_html(mime_type: str, value: Any) -> str:
    if mime_type == "text/html":
        return f'<div class="nb-html">{sanitize_html(_text(value))}</div>'
    if mime_type == "text/plain":
        return _pre("nb-output", _strip_ansi(_text(value)))
    src = _data_image(mime_type, _text(value))
    if src is None:
        return _note(_l("Output of type %(type)s is damaged and not shown.", type=mime_type))
    return f'<img class="nb-image" alt="" src="{src}">'


def _data_image(mime_type: str, encoded: str) -> str | None:
    """A data: URI for base64 image data that really is a PNG or JPEG, or None."""
    try:
        image = base64.b64decode("".join(encoded.split()), validate=True)
    except binascii.Error:
        return None
    if not image.startswith(_IMAGE_SIGNATURES[mime_type]):
        return None
    # Re-encoded from the decoded bytes, so the attribute holds nothing but base64.
    return f"data:{mime_type};base64,{base64.b64encode(image).decode('ascii')}"


def _text(value: Any) -> str:
    """Notebook text fields may be a string or a list of lines; anything else shows as empty."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(item for item in value if isinstance(item, str))
    return ""


def _strip_ansi(text: str) -> str:
    return _ANSI.sub("", text).replace("\x1b", "")


def _pre(css_class: str, text: str) -> str:
    return f'<pre class="{css_class}">{escape(text)}</pre>'


def _note(text: LazyString) -> str:
    return f'<p class="nb-note">{escape(str(text))}</p>'
