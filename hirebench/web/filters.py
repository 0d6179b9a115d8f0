"""Jinja filters shared by every template."""

from __future__ import annotations

from flask import Flask

from hirebench.formatting import format_score


def register(app: Flask) -> None:
    # `{{ value|score }}`: the one rounding rule for scores (hirebench/formatting.py).
    app.add_template_filter(format_score, "score")
