"""Where the project's files are. A module of its own, so that code needing a path (the CLI, the
demo seed, tests) does not import the app factory's module, and with it the whole app."""

from __future__ import annotations

from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parent
#: The checkout: exams/, graders/, templates/, static/, docs/ and bench/ live here.
PROJECT_ROOT = PACKAGE_ROOT.parent
MIGRATIONS_DIR = PACKAGE_ROOT / "migrations"
