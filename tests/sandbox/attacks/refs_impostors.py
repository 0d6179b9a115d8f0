# Objects that pass themselves off as something else: classes that name themselves
# builtins.float (and say they are no distance from any number), builtins.list and
# builtins.dict, an object whose __class__ changes under the test, a metaclass whose
# isinstance always agrees, a module object named after the judge's main module, and
# exceptions that impersonate the judge's (AssertionError, StopIteration) or whose __str__
# raises, loops or is huge. The answers are wrong; a claim may answer isinstance() for a
# container, never for a number, and never a comparison.
import types


class FakeList:
    """Claims to be a list, with the right length (it counts the deposits honestly)."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __eq__(self, other):
        return True

    def __iter__(self):
        return iter([0] * self.n)


FakeList.__module__ = "builtins"
FakeList.__qualname__ = FakeList.__name__ = "list"


class FakeDict:
    def __eq__(self, other):
        return True

    def values(self):
        return [0]


FakeDict.__module__ = "builtins"
FakeDict.__qualname__ = FakeDict.__name__ = "dict"


class FakeFloat:
    """Claims to be a float, and says it is no distance from any number."""

    def __sub__(self, other):
        return 0.0

    __rsub__ = __sub__

    def __abs__(self):
        return 0.0


FakeFloat.__module__ = "builtins"
FakeFloat.__qualname__ = FakeFloat.__name__ = "float"


class Agreeable(type):
    def __instancecheck__(cls, obj):
        return True


class Account(metaclass=Agreeable):
    def __init__(self, owner):
        self.owner = owner
        self.count = 0

    def deposit(self, amount):
        self.count += 1
        return self

    def balance(self):
        # Becomes a list claimant while the test holds it.
        self.__class__ = FakeList
        self.n = 0
        return self

    def history(self):
        return FakeList(self.count)

    def mean_deposit(self):
        return FakeFloat()


def _exception(name, message_of):
    kind = type(name, (Exception,), {"__str__": message_of})
    kind.__module__ = "builtins"
    return kind


def _loop(self):
    while True:
        pass


RAISED = iter([
    _exception("StopIteration", lambda self: ""),
    _exception("AssertionError", lambda self: "all tests passed"),
])
WORDS = iter([_exception("Odd", lambda self: 1 / 0)])


def running_totals(numbers):
    raise next(RAISED)()


def squares_forever(start=0):
    raise _exception("Slow", _loop)()


def transform(values, func):
    raise _exception("Huge", lambda self: "x" * 20_000_000)()


def word_counts(text):
    for kind in WORDS:
        raise kind()
    return FakeDict()


# A module that names itself after the judge's own main module.
np = types.ModuleType("__main__")
