"""Checks on what a request brings in, made once for every view.

Text must be valid Unicode (see hirebench.unicode_text): JSON bodies, form fields and query
strings with such text, or with bytes that are not UTF-8, are refused with a 400 here. Uploaded
files are decoded strictly where they are read (screening.text, portfolios.uploads,
grading.submission), and authored YAML is checked in authoring.reader.

Ids in URLs must fit the database's integers: a larger one is a 404, not an OverflowError."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote_to_bytes

from flask import Request, abort, make_response, request
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter, Map, ValidationError

from hirebench.unicode_text import has_surrogates
from hirebench.web.errors import render_error

# SQLite's INTEGER and PostgreSQL's BIGINT are signed 64-bit.
MAX_ID = 2**63 - 1


def _refuse_text() -> None:
    message = _(
        "The text sent is not valid Unicode (for example half of an emoji). "
        "Remove the damaged characters and try again."
    )
    abort(make_response(render_error(400, message)))


class CheckedRequest(Request):
    """The app's request class: a JSON body whose text is not valid Unicode is refused."""

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True) -> Any:
        data = super().get_json(force=force, silent=silent, cache=cache)
        # Refused even when `silent`: silence is for malformed JSON, and this is well-formed
        # JSON carrying text that no page could show.
        if has_surrogates(data):
            _refuse_text()
        return data


def _is_utf8(raw: bytes) -> bool:
    """True if a query string or urlencoded form decodes to valid UTF-8. Python's strict
    UTF-8 codec also refuses encoded surrogates. `&` and `=` are ASCII, so checking the whole
    string at once is the same as checking each field."""
    try:
        unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def check_text_input() -> None:
    """before_request hook, registered before CSRF protection reads the form. Werkzeug would
    otherwise keep invalid bytes as literal "%ED%A0" text or drop the whole form silently.
    Multipart text fields are decoded by Werkzeug with replacement characters, which is
    valid text."""
    if not _is_utf8(request.query_string):
        _refuse_text()
    # get_data caches the body, so the form parser reads the same bytes afterwards.
    form = request.mimetype == "application/x-www-form-urlencoded"
    if form and not _is_utf8(request.get_data(cache=True)):
        _refuse_text()


class IdConverter(IntegerConverter):
    """The app's `int` converter: a number the database can hold, else no route matches (a
    404). Too many digits are refused before int() is asked to read them."""

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = None,
        signed: bool = False,
    ) -> None:
        super().__init__(map, fixed_digits, min, MAX_ID if max is None else max, signed)

    def to_python(self, value: str) -> Any:
        if len(value.lstrip("-0")) > len(str(MAX_ID)):
            raise ValidationError()
        return super().to_python(value)
