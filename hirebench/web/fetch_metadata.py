"""Fetch metadata checks for GET routes with side effects (an audit row, say).

A GET is what an <img>, <script> or stylesheet in any page makes the browser send, with the
reader's cookies. A download that is audit-logged must be one the reader asked for: a
navigation (Sec-Fetch-Dest: document) or a fetch from our own scripts (empty), from this site.
Browsers that send no fetch metadata (old ones, curl, tests) are let through; every browser
that renders modern pages sends it."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec

from flask import request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from hirebench.web.errors import render_error

P = ParamSpec("P")

# "" is a browser that sent no header at all.
ALLOWED_DESTINATIONS = frozenset({"", "document", "empty"})
# same-site would include any other subdomain of the registrable domain, which this app does
# not control; "none" is a typed address or a bookmark.
ALLOWED_SITES = frozenset({"", "same-origin", "none"})


def deliberate_request() -> bool:
    """Whether this request is one the reader made on purpose, by its fetch metadata."""
    destination = request.headers.get("Sec-Fetch-Dest", "").strip().lower()
    site = request.headers.get("Sec-Fetch-Site", "").strip().lower()
    return destination in ALLOWED_DESTINATIONS and site in ALLOWED_SITES


def deliberate_only(
    view: Callable[P, ResponseReturnValue],
) -> Callable[P, ResponseReturnValue]:
    """Refuse (403, nothing done) a request an embedding or another site made for the reader."""

    @wraps(view)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> ResponseReturnValue:
        if not deliberate_request():
            return render_error(
                403,
                _(
                    "This download starts only from a link on this site. Open it from the "
                    "page that offers it."
                ),
            )
        return view(*args, **kwargs)

    return guarded
