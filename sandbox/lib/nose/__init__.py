"""A stand-in for the parts of nose that notebooks use, chiefly `nose.tools`.

nose (1.3.7, 2015) is unmaintained, fails to import on Python 3.10 and later, and is not
packaged for Debian bookworm; but nbgrader's demo course and the courses that followed it
write their tests with `from nose.tools import assert_equal, ...`. This package gives those
notebooks the same helpers. It is not a test runner: nose's `run`, `main` and plugins are
not provided, since a grader notebook runs its test cells itself.
"""

from unittest import SkipTest

from nose.tools import with_setup

# nose's own version, whose nose.tools API this mirrors, plus this shim's revision.
__version__ = "1.3.7+hirebench.1"


class DeprecatedTest(Exception):
    """nose's marker for a deprecated test; kept so that notebooks importing it still load."""


__all__ = ["DeprecatedTest", "SkipTest", "__version__", "with_setup"]
