# __getattr__ tricks on every object a test touches: an attribute that is the object itself
# forever, attributes that raise odd exceptions (KeyboardInterrupt, SystemExit, GeneratorExit,
# a BaseException of the candidate's own), a 50 MB string, and attribute reads whose side
# effects rebind the kernel's globals under the test.
import itertools


class Forever:
    """Every attribute, call and item is the object itself."""

    def __getattr__(self, name):
        return self

    def __call__(self, *args, **kwargs):
        return self

    def __getitem__(self, key):
        return self


class Mine(BaseException):
    def __str__(self):
        return "all tests passed"


# One odd exception per attribute read, in turn, so each test meets a different one.
ODD = itertools.cycle([KeyboardInterrupt, SystemExit, GeneratorExit, Mine])


class Account:
    def __init__(self, owner):
        pass

    def __getattr__(self, name):
        if name == "deposit":
            return Forever()
        raise next(ODD)()


class Huge:
    def __getattr__(self, name):
        return "x" * 50_000_000


class Rebinder:
    """Iterating reads attributes, and every read rebinds the kernel's globals: the test's
    helpers (as if the tests ran here) and the very function under test."""

    def __init__(self):
        self.left = 3

    def __getattr__(self, name):
        globals()["assert_equal"] = lambda *args, **kwargs: None
        globals()["itertools"] = Forever()
        globals()["running_totals"] = lambda numbers: iter([Forever()])
        return Forever()

    def __iter__(self):
        return self

    def __next__(self):
        self.left -= 1
        if self.left < 0:
            raise next(ODD)()
        return self.anything


def running_totals(numbers):
    return Rebinder()


def squares_forever(start=0):
    return Forever()


def word_counts(text):
    if len(text) < 10:
        raise next(ODD)()
    return Huge().items
