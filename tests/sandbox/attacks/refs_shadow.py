# Rebind every name a test leans on, in the hope that the tests pick up the candidate's copies:
# nose's assert_equal, the built-ins the tests call, AssertionError, the modules they use
# (itertools, numpy, random, collections' Counter) and the built-ins module itself. The
# answers are wrong, so only a test that used one of these fakes could pass.
import builtins
import sys
import types


def assert_equal(*args, **kwargs):
    return None


def len(obj):  # noqa: A001
    return 7


def max(*args, **kwargs):  # noqa: A001
    return 7


def sum(*args, **kwargs):  # noqa: A001
    return 7


def list(obj=()):  # noqa: A001
    return [1, 3, 6]


def isinstance(obj, kind):  # noqa: A001
    return True


class AssertionError(Exception):  # noqa: A001
    pass


class _Anything:
    """Stands in for a module: every attribute is a function that accepts anything."""

    def __getattr__(self, name):
        return lambda *args, **kwargs: _Anything()

    def __call__(self, *args, **kwargs):
        return _Anything()


itertools = _Anything()
np = _Anything()
random = _Anything()


def Counter(words=()):  # noqa: N802
    # The same wrong answer word_counts gives, so a test comparing the two would agree.
    return {"alpha": words.__len__()}  # its own len() is a fake


# And a module object that claims to be something else: the judge must not take the
# candidate's word for which library a name is.
fake_nose = types.ModuleType("nose.tools")
fake_nose.assert_equal = assert_equal



LIED_TO = ("numpy", "nose", "unittest", "itertools", "collections")


def _liar(original, fake):
    """The fake for calls from the candidate's own code and from the libraries a test would
    use if it ran in this kernel; the real built-in for everything else, so that IPython and
    the kernel's side of the references keep working."""

    def patched(*args, **kwargs):
        caller = sys._getframe(1).f_globals
        if caller is _own or str(caller.get("__name__")).startswith(LIED_TO):
            return fake(*args, **kwargs)
        return original(*args, **kwargs)

    return patched


_own = globals()
# `list` stays: the kernel's own code uses it as a type.
for _name, _fake in [("len", len), ("max", max), ("sum", sum), ("isinstance", isinstance)]:
    setattr(builtins, _name, _liar(getattr(builtins, _name), _fake))
builtins.AssertionError = AssertionError


class Account:
    def __init__(self, owner):
        self.owner = "nobody"

    def deposit(self, amount):
        return self

    def balance(self):
        return 7

    def history(self):
        return [7]


def running_totals(numbers):
    yield 7


def squares_forever(start=0):
    yield 7


def word_counts(text):
    # Wrong (every word counted as "alpha"), but the counts add up to the number of words.
    return Counter(text.split())
