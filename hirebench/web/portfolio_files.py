"""Serving uploaded portfolio files, for candidates, reviewers and HR alike. Files are always
sent with the type sniffed at upload; only images may show inline, everything else downloads.

Previews of candidate content (rendered notebooks and Markdown, images) are a document of
their own, framed by the preview page and served with a CSP that allows no request at all
but data: images, in a sandbox with an opaque origin: whatever slipped through the sanitiser
still could not make the reader's browser fetch a URL of this app with their session."""

from __future__ import annotations

import base64
import io

from flask import Response, abort, make_response, render_template, send_file
from markupsafe import Markup

from hirebench.models import PortfolioFile
from hirebench.portfolios import render, service
from hirebench.web.app_hooks import csp_nonce

FRAMED_KINDS = ("notebook", "markdown", "image")
# An image is inlined as base64 in the framed document; past this, download it instead.
MAX_INLINE_IMAGE_BYTES = 8 * 1024 * 1024
_INLINE_IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")
PREVIEW_CSP = (
    "default-src 'none'; img-src data:; style-src 'nonce-{nonce}'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'self'; sandbox"
)


def send_portfolio_file(stored: PortfolioFile, *, inline: bool = False) -> Response:
    try:
        data = service.store().read(stored.storage_name)
    except (OSError, ValueError):
        abort(404)
    response = send_file(
        io.BytesIO(data),
        mimetype=stored.media_type,
        as_attachment=not (inline and stored.kind == "image"),
        download_name=stored.display_name,
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    # A sandboxed response: even if a browser rendered it, it could run nothing.
    response.headers["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    return response


def _read(stored: PortfolioFile) -> bytes:
    try:
        return service.store().read(stored.storage_name)
    except (OSError, ValueError):
        abort(404)


def preview(stored: PortfolioFile) -> dict[str, object]:
    """What the preview page shows for a file: a framed document, a table, or nothing."""
    if stored.kind in FRAMED_KINDS:
        return {"framed": True}
    if stored.kind != "csv":
        return {}
    # Table cells are escaped text in the page itself; nothing in them can point anywhere.
    header, rows, truncated = render.csv_preview(_read(stored))
    return {"table": (header, rows, truncated)}


def preview_document(stored: PortfolioFile) -> Response:
    """The framed preview: sanitised HTML or a data: image, under the strict preview CSP."""
    if stored.kind not in FRAMED_KINDS:
        abort(404)
    data = _read(stored)
    html: Markup | None = None
    image = ""
    if stored.kind == "image":
        if stored.media_type in _INLINE_IMAGE_TYPES and len(data) <= MAX_INLINE_IMAGE_BYTES:
            image = f"data:{stored.media_type};base64,{base64.b64encode(data).decode('ascii')}"
    elif stored.kind == "notebook":
        html = Markup(render.notebook_html(data))  # noqa: S704 - sanitised by render (tested)
    else:
        html = Markup(render.markdown_html(data))  # noqa: S704 - escaped by render (tested)
    response = make_response(
        render_template("review/preview_frame.html", file=stored, html=html, image=image)
    )
    response.headers["Content-Security-Policy"] = PREVIEW_CSP.format(nonce=csp_nonce())
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["Cache-Control"] = "private, no-store"
    return response
