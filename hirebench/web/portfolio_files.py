"""Serving uploaded portfolio files, for candidates, reviewers and HR alike. Files are always
sent with the type sniffed at upload; only images may show inline, everything else downloads."""

from __future__ import annotations

import io

from flask import Response, abort, send_file
from markupsafe import Markup

from hirebench.models import PortfolioFile
from hirebench.portfolios import render, service


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


def preview(stored: PortfolioFile) -> dict[str, object]:
    """What the preview page shows for a file: sanitised HTML, a table, or nothing."""
    if stored.kind not in ("notebook", "markdown", "csv"):
        return {}
    try:
        data = service.store().read(stored.storage_name)
    except (OSError, ValueError):
        abort(404)
    if stored.kind == "csv":
        header, rows, truncated = render.csv_preview(data)
        return {"table": (header, rows, truncated)}
    html = render.notebook_html(data) if stored.kind == "notebook" else render.markdown_html(data)
    return {"html": Markup(html)}  # noqa: S704 - sanitised by render, which is tested for it
