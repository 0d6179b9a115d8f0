"""The `hirebench` console script: Flask's command group around the app factory. It sits above
the factory (which registers the commands in hirebench.cli), so neither imports the other back."""

from __future__ import annotations

import click
from flask.cli import FlaskGroup

from hirebench import create_app


@click.group(cls=FlaskGroup, create_app=create_app, add_version_option=False)
def main() -> None:
    """hirebench: hiring platform for AI trainers."""
