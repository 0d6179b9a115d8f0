"""nose.tools: unittest's assert methods as snake_case functions, and nose's decorators.

Like nose, every `assertSomething` method of `unittest.TestCase` becomes a function named
`assert_something`, bound to one shared TestCase, so failure messages are unittest's
(`assert_equal(1, 2)` raises `AssertionError: 1 != 2`) and `assert_raises` also works as
a context manager. The set follows the running Python's unittest, as nose's did.
"""

from __future__ import annotations

import functools
import re
import time
import unittest
from collections.abc import Callable, Mapping
from typing import Any

__all__ = [
    "TimeExpired",
    "assert_dict_contains_subset",
    "eq_",
    "istest",
    "make_decorator",
    "nottest",
    "ok_",
    "raises",
    "timed",
    "with_setup",
]

# unittest spellings that were deprecated and then removed in Python 3.12, with the method
# each became. nose generated snake_case names from them, so notebooks still call them.
_RENAMED = {
    "assertEquals": "assertEqual",
    "assertNotEquals": "assertNotEqual",
    "assertAlmostEquals": "assertAlmostEqual",
    "assertNotAlmostEquals": "assertNotAlmostEqual",
    "assertRegexpMatches": "assertRegex",
    "assertNotRegexpMatches": "assertNotRegex",
    "assertRaisesRegexp": "assertRaisesRegex",
    "assertItemsEqual": "assertCountEqual",  # Python 2's name, which nose also exported
}
# Deprecated since 3.2 and gone in 3.12; defined below instead, so it behaves the same on
# every Python.
_REPLACED = {"assertDictContainsSubset"}

_UPPER = re.compile("[A-Z]")


def _snake_case(name: str) -> str:
    return _UPPER.sub(lambda match: "_" + match.group().lower(), name)


def _export_asserts() -> None:
    # TestCase() without a method name is allowed for exactly this use (Python 3.2+).
    case = unittest.TestCase()
    methods = {
        name: name
        for name in dir(unittest.TestCase)
        # `assert_` and the `fail*` aliases were never exported by nose.
        if name.startswith("assert") and "_" not in name
    }
    methods.update(_RENAMED)
    for name, target in sorted(methods.items()):
        if name in _REPLACED or not hasattr(case, target):
            continue
        exported = _snake_case(name)
        globals()[exported] = getattr(case, target)
        __all__.append(exported)


_export_asserts()


def assert_dict_contains_subset(
    subset: Mapping[Any, Any], dictionary: Mapping[Any, Any], msg: str | None = None
) -> None:
    """Every key of `subset` is in `dictionary` with an equal value."""
    missing = [key for key in subset if key not in dictionary]
    different = [key for key in subset if key in dictionary and dictionary[key] != subset[key]]
    if not missing and not different:
        return
    parts = []
    if missing:
        parts.append("Missing: " + ", ".join(repr(key) for key in missing))
    for key in different:
        parts.append(f"Value of {key!r}: expected {subset[key]!r}, got {dictionary[key]!r}")
    raise AssertionError(msg or "; ".join(parts))


def ok_(expr: object, msg: str | None = None) -> None:
    """Fails unless `expr` is true: `assert` that survives `python -O`."""
    if not expr:
        raise AssertionError(msg)


def eq_(a: object, b: object, msg: str | None = None) -> None:
    """Fails unless `a == b`, saying both values."""
    if not a == b:
        raise AssertionError(msg or f"{a!r} != {b!r}")


def make_decorator(func: Callable[..., Any]) -> Callable[[Callable[..., Any]], Any]:
    """A decorator that makes a wrapper look like `func` (name, docs, attributes), as
    nose's test collection needed; `functools.wraps` plus the attributes nose copied."""

    def decorate(wrapper: Callable[..., Any]) -> Callable[..., Any]:
        functools.update_wrapper(wrapper, func)
        wrapper.compat_func_name = func.__name__  # type: ignore[attr-defined]
        return wrapper

    return decorate


def raises(*exceptions: type[BaseException]) -> Callable[[Callable[..., Any]], Any]:
    """The decorated test passes only if it raises one of `exceptions`."""
    expected = " or ".join(exc.__name__ for exc in exceptions)

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        @make_decorator(func)
        def wrapper(*args: Any, **kwargs: Any) -> None:
            try:
                func(*args, **kwargs)
            except exceptions:
                return
            raise AssertionError(f"{func.__name__}() did not raise {expected}")

        return wrapper

    return decorate


class TimeExpired(AssertionError):
    """A test decorated with `timed` took longer than its limit."""


def timed(limit: float) -> Callable[[Callable[..., Any]], Any]:
    """The decorated test fails if it takes longer than `limit` seconds (it is not stopped;
    the time is checked when it returns)."""

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        @make_decorator(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            result = func(*args, **kwargs)
            if time.perf_counter() - started > limit:
                raise TimeExpired(f"Time limit ({limit}) exceeded")
            return result

        return wrapper

    return decorate


def with_setup(
    setup: Callable[[], Any] | None = None, teardown: Callable[[], Any] | None = None
) -> Callable[[Callable[..., Any]], Any]:
    """Attaches setup and teardown functions for a test runner to call, as nose did. Calling
    the test directly, as a notebook does, runs neither. A second `with_setup` nests: its
    setup runs first and its teardown last."""

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        inner_setup = getattr(func, "setup", None)
        inner_teardown = getattr(func, "teardown", None)
        if setup is not None:
            func.setup = _chain(setup, inner_setup)  # type: ignore[attr-defined]
        if teardown is not None:
            func.teardown = _chain(inner_teardown, teardown)  # type: ignore[attr-defined]
        return func

    return decorate


def _chain(*steps: Callable[[], Any] | None) -> Callable[[], None]:
    present = [step for step in steps if step is not None]
    if len(present) == 1:
        return present[0]

    def run_all() -> None:
        for step in present:
            step()

    return run_all


def istest(func: Callable[..., Any]) -> Callable[..., Any]:
    """Marks `func` as a test whatever its name."""
    func.__test__ = True  # type: ignore[attr-defined]
    return func


def nottest(func: Callable[..., Any]) -> Callable[..., Any]:
    """Marks `func` as not a test whatever its name."""
    func.__test__ = False  # type: ignore[attr-defined]
    return func
