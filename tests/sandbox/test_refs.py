"""Remote references between the judge (hbremote) and the candidate's kernel (hbrefs), on the
host, without Docker: a loopback transport crosses the real JSON boundary (the request is
serialised, hbrefs prints its reply line, the line is parsed), with a dict standing in for
the kernel's namespace. Candidate code is exec'd into that dict as a notebook cell would be."""

from __future__ import annotations

import base64
import contextlib
import copy
import io
import itertools
import json
import pickle
import sys
import textwrap
import time
import types
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

from hirebench.paths import PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT / "sandbox" / "runner"))
import hbrefs
import hbremote
import hbvalues

NONCE = "3f9c0a"


class Loopback:
    """The judge's transport, minus Docker and Jupyter: JSON out, one nonce line back."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.sizes: list[int] = []

    def __call__(self, request: dict[str, Any]) -> dict[str, Any]:
        self.requests.append(request)
        text = json.dumps(request, allow_nan=False)
        self.sizes.append(len(text))
        captured = io.StringIO()
        with contextlib.redirect_stdout(captured):
            hbrefs.serve(NONCE, base64.b64encode(text.encode()).decode())
        lines = [line for line in captured.getvalue().splitlines() if line.startswith(NONCE)]
        assert len(lines) == 1, captured.getvalue()[:500]
        reply: dict[str, Any] = json.loads(lines[0][len(NONCE) :])
        return reply

    def ops(self) -> list[str]:
        return [request["op"] for request in self.requests]


class Kernel:
    def __init__(self) -> None:
        self.namespace: dict[str, Any] = {"__name__": "__main__"}
        self.transport = Loopback()
        self.remote = hbremote.Remote(self.transport)
        hbrefs.use_namespace(self.namespace)

    def run(self, source: str) -> None:
        exec(textwrap.dedent(source), self.namespace)  # noqa: S102 - the "candidate's" cell


@pytest.fixture
def kernel() -> Iterator[Kernel]:
    yield Kernel()
    hbrefs.use_namespace(None)


# classes, functions, names -----------------------------------------------------------------


POLYNOMIAL = """
    import numpy as np

    class Polynomial:
        '''Coefficients from the constant term up.'''

        def __init__(self, coefficients):
            self.coefficients = list(coefficients)

        def __call__(self, x):
            return sum(c * x**i for i, c in enumerate(self.coefficients))

        @property
        def degree(self):
            return len(self.coefficients) - 1

        def derivative(self):
            return Polynomial([i * c for i, c in enumerate(self.coefficients)][1:])

        def values(self, xs):
            return np.array([self(x) for x in xs])

        def __add__(self, other):
            longest = max(len(self.coefficients), len(other.coefficients))
            pad = lambda c: c + [0] * (longest - len(c))
            pairs = zip(pad(self.coefficients), pad(other.coefficients))
            return Polynomial([a + b for a, b in pairs])

        def __len__(self):
            return len(self.coefficients)

        def __repr__(self):
            return f"Polynomial({self.coefficients})"
"""


def test_a_candidate_class_is_instantiated_and_its_methods_called(kernel: Kernel) -> None:
    kernel.run(POLYNOMIAL)
    polynomial_class = kernel.remote.lookup("Polynomial")
    assert hbremote.is_ref(polynomial_class)
    assert hbremote.describe(polynomial_class)["class"] is True
    p = polynomial_class([1, 0, 3])
    assert isinstance(p, hbremote.Ref) and hbremote.type_name(p) == "__main__.Polynomial"
    assert isinstance(p, polynomial_class)
    assert p.degree == 2 and p.coefficients == [1, 0, 3] and type(p.coefficients) is list
    assert p(2) == 13 and len(p) == 3
    assert p.derivative().coefficients == [0, 6]
    assert (p + p).coefficients == [2, 0, 6]
    assert repr(p) == "Polynomial([1, 0, 3])" and str(p) == "Polynomial([1, 0, 3])"
    values = p.values(np.linspace(0, 1, 5))
    assert type(values) is np.ndarray
    np.testing.assert_allclose(values, 1 + 3 * np.linspace(0, 1, 5) ** 2)


def test_attributes_are_set_and_deleted_in_the_kernel(kernel: Kernel) -> None:
    kernel.run(POLYNOMIAL + "\n    p = Polynomial([1, 2])\n")
    p = kernel.remote.lookup("p")
    p.coefficients = [5, 5, 5]
    assert kernel.namespace["p"].coefficients == [5, 5, 5] and p.degree == 2
    p.note = "x"
    del p.note
    assert not hasattr(kernel.namespace["p"], "note")
    with pytest.raises(AttributeError):
        p.note  # noqa: B018
    assert getattr(p, "missing", "default") == "default"


def test_items_are_read_written_and_sliced(kernel: Kernel) -> None:
    kernel.run(
        """
        class Grid:
            def __init__(self):
                self.cells = {}
            def __getitem__(self, key):
                try:
                    return self.cells[key]
                except (KeyError, TypeError):  # slices are unhashable before 3.12
                    return key
            def __setitem__(self, key, value):
                self.cells[key] = value
            def __delitem__(self, key):
                del self.cells[key]
            def __contains__(self, key):
                return key in self.cells
        grid = Grid()
        """
    )
    grid = kernel.remote.lookup("grid")
    grid[(1, 2)] = "x"
    assert grid[(1, 2)] == "x" and (1, 2) in grid and (3, 3) not in grid
    assert grid[1:5:2] == slice(1, 5, 2) and grid[..., 0] == (Ellipsis, 0)
    del grid[(1, 2)]
    with pytest.raises(KeyError):
        del grid[(1, 2)]


def test_names_skip_ipython_internals(kernel: Kernel) -> None:
    kernel.namespace.update(
        {"_": 1, "__": 2, "_i": "", "_ii": "", "_i3": "", "_3": 4, "_oh": {}, "In": [], "Out": {}}
    )
    kernel.namespace.update({"get_ipython": print, "exit": None, "quit": None})
    kernel.run("answer = 42\n_helper = 1\ndef f(): pass\n")
    assert kernel.remote.names() == {"answer", "_helper", "f"}


def test_a_missing_name_is_a_name_error(kernel: Kernel) -> None:
    with pytest.raises(NameError, match="nowhere"):
        kernel.remote.lookup("nowhere")
    with pytest.raises(NameError):
        kernel.remote.del_name("nowhere")
    with pytest.raises(TypeError, match="identifier"):
        kernel.remote.lookup("not a name")


def test_deleting_a_helper_makes_the_function_that_needs_it_fail(kernel: Kernel) -> None:
    # nbgrader's classic check that sum_of_squares really uses squares.
    kernel.run(
        """
        def squares(n):
            return [i * i for i in range(1, n + 1)]

        def sum_of_squares(n):
            return sum(squares(n))
        """
    )
    remote = kernel.remote
    original = kernel.namespace["squares"]
    assert remote.lookup("sum_of_squares")(3) == 14
    saved = remote.lookup("squares")
    remote.del_name("squares")
    try:
        with pytest.raises(NameError, match="squares"):
            remote.lookup("sum_of_squares")(3)
    finally:
        remote.set_name("squares", saved)
    assert remote.lookup("sum_of_squares")(3) == 14
    assert kernel.namespace["squares"] is original and "squares" in remote.names()


def test_rebinding_a_name_changes_what_the_candidate_code_sees(kernel: Kernel) -> None:
    kernel.run(
        """
        rate = 0.1
        def interest(amount):
            return amount * rate
        def double(x):
            return 2 * x
        def triple(x):
            return 3 * x
        def apply(x):
            return double(x)
        """
    )
    remote = kernel.remote
    remote.set_name("rate", 0.5)
    assert remote.lookup("interest")(10) == 5.0
    remote.set_name("double", remote.lookup("triple"))
    assert remote.lookup("apply")(2) == 6
    remote.set_name("new_name", [1, 2])
    assert kernel.namespace["new_name"] == [1, 2]


# generators ----------------------------------------------------------------------------------


GENERATORS = """
    def countdown(n):
        while n > 0:
            yield n
            n -= 1

    def naturals():
        n = 0
        while True:
            yield n
            n += 1

    def fails_after(k):
        yield from range(k)
        raise ValueError("ran out")

    class Node:
        def __init__(self, value):
            self.value = value

    def nodes():
        for i in range(3):
            yield Node(i)
"""


def test_a_finite_generator_is_consumed(kernel: Kernel) -> None:
    kernel.run(GENERATORS)
    countdown = kernel.remote.lookup("countdown")
    assert list(countdown(5)) == [5, 4, 3, 2, 1]
    assert [x * 2 for x in countdown(3)] == [6, 4, 2]
    generator = countdown(2)
    assert hbremote.describe(generator)["iterator"] is True
    assert next(generator) == 2 and next(generator) == 1
    with pytest.raises(StopIteration):
        next(generator)


def test_an_endless_generator_works_with_islice_and_next(kernel: Kernel) -> None:
    kernel.run(GENERATORS)
    naturals = kernel.remote.lookup("naturals")()
    assert list(itertools.islice(naturals, 10)) == list(range(10))
    # What the loop read ahead is not lost: next() continues where islice stopped.
    assert next(naturals) == 10
    for value in naturals:
        if value == 200:
            break
    assert next(naturals) == 201
    counts = [r["count"] for r in kernel.transport.requests if r["op"] == "next"]
    assert max(counts) == hbremote.MAX_BATCH and counts[:4] == [1, 2, 4, 8]


def test_a_generator_that_raises_midway(kernel: Kernel) -> None:
    kernel.run(GENERATORS)
    seen = []
    with pytest.raises(ValueError, match="ran out"):
        for value in kernel.remote.lookup("fails_after")(5):
            seen.append(value)
    assert seen == [0, 1, 2, 3, 4]


def test_items_that_are_candidate_objects_come_back_as_references(kernel: Kernel) -> None:
    kernel.run(GENERATORS + "\n    collected = list(nodes())\n")
    assert [node.value for node in kernel.remote.lookup("nodes")()] == [0, 1, 2]
    collected = kernel.remote.lookup("collected")  # a list holding candidate objects
    assert isinstance(collected, hbremote.Ref) and len(collected) == 3
    assert collected[2].value == 2 and [n.value for n in collected] == [0, 1, 2]


# numbers and arrays --------------------------------------------------------------------------


def test_complex_numbers_cross_as_data(kernel: Kernel) -> None:
    kernel.run(
        """
        import numpy as np
        z = 3 - 4j
        def roots_of_unity(n):
            return np.exp(2j * np.pi * np.arange(n) / n)
        def conjugate(w):
            return w.conjugate()
        """
    )
    z = kernel.remote.lookup("z")
    assert type(z) is complex and abs(z) == 5
    roots = kernel.remote.lookup("roots_of_unity")(4)
    assert roots.dtype == np.complex128
    np.testing.assert_allclose(roots, [1, 1j, -1, -1j], atol=1e-12)
    assert kernel.remote.lookup("conjugate")(1 + 2j) == 1 - 2j
    conjugated = kernel.remote.lookup("conjugate")(np.complex64(1 + 1j))
    assert type(conjugated) is np.complex64 and conjugated == np.complex64(1 - 1j)


def test_arithmetic_between_references_runs_in_the_kernel(kernel: Kernel) -> None:
    kernel.run(
        """
        class Vector:
            def __init__(self, *xs):
                self.xs = list(xs)
            def __add__(self, other):
                other = other.xs if isinstance(other, Vector) else [other] * len(self.xs)
                return Vector(*[a + b for a, b in zip(self.xs, other)])
            __radd__ = __add__
            def __mul__(self, k):
                return Vector(*[k * a for a in self.xs])
            __rmul__ = __mul__
            def __neg__(self):
                return self * -1
            def __abs__(self):
                return sum(a * a for a in self.xs) ** 0.5
            def __matmul__(self, other):
                return sum(a * b for a, b in zip(self.xs, other.xs))
            def __iadd__(self, other):
                self.xs = [a + other for a in self.xs]
                return self
        v = Vector(3, 4)
        """
    )
    v = kernel.remote.lookup("v")
    assert (v + v).xs == [6, 8] and (-v).xs == [-3, -4] and abs(v) == 5.0 and v @ v == 25
    with pytest.raises(TypeError):
        v - v
    # A number would reach the candidate's operator, which could answer 0 to
    # `abs(answer - expected)` whatever `expected` is: refused, both ways round and in place.
    for attempt in (
        lambda: 1 + v,
        lambda: v * 2,
        lambda: np.float64(1.0) + v,
        lambda: v - 0.5,
        lambda: np.array([1.0, 2.0]) - v,
    ):
        with pytest.raises(hbremote.ReferenceComparisonError, match="and a number"):
            attempt()
    same = v
    with pytest.raises(hbremote.ReferenceComparisonError):
        same += 1
    assert kernel.namespace["v"].xs == [3, 4]


# exceptions ---------------------------------------------------------------------------------


def test_exceptions_map_to_builtins_or_remote_errors(kernel: Kernel) -> None:
    kernel.run(
        """
        import numpy as np
        import sys
        class ShapeError(ValueError):
            pass
        class Oops(Exception):
            pass
        def divide(a, b):
            return a / b
        def lookup(d, k):
            return d[k]
        def invert(m):
            return np.linalg.inv(np.array(m))
        def shaped():
            raise ShapeError("bad shape")
        def oops():
            raise Oops("custom")
        def leave():
            sys.exit(3)
        """
    )
    get = kernel.remote.lookup
    with pytest.raises(ZeroDivisionError):
        get("divide")(1, 0)
    with pytest.raises(KeyError):
        get("lookup")({}, "k")
    with pytest.raises(np.linalg.LinAlgError, match="Singular"):
        get("invert")([[1, 2], [2, 4]])
    with pytest.raises(ValueError, match="bad shape") as caught:
        get("shaped")()
    assert isinstance(caught.value, hbremote.RemoteError)
    assert caught.value.type_name == "ShapeError" and caught.value.module == "__main__"
    with pytest.raises(hbremote.RemoteError, match="Oops: custom"):
        get("oops")()
    # A candidate's sys.exit() is an answer, not a way to stop the judge.
    with pytest.raises(hbremote.RemoteError, match="SystemExit"):
        get("leave")()


# large arguments ----------------------------------------------------------------------------


def test_a_large_argument_is_sent_once_and_resent_when_changed(kernel: Kernel) -> None:
    kernel.run("def total(xs):\n    return float(sum(xs))\n")
    total = kernel.remote.lookup("total")
    data = np.arange(100_000, dtype=np.float64)
    started = len(kernel.transport.requests)
    for _ in range(5):
        assert total(data) == float(data.sum())
    ops = kernel.transport.ops()[started:]
    assert ops.count("put") == 1 and ops.count("call") == 5
    assert max(kernel.transport.sizes[started + 1 :]) < 1_000  # calls carry only the ref
    data[0] = 1_000_000.0
    assert total(data) == float(data.sum())
    assert kernel.transport.ops()[started:].count("put") == 2
    words = ["word"] * 20_000
    for _ in range(3):
        assert total([len(word) for word in words]) == 80_000
    assert kernel.transport.ops()[started:].count("put") == 5  # fresh lists each time
    lengths = [len(word) for word in words]
    total(lengths)
    total(lengths)
    assert kernel.transport.ops()[started:].count("put") == 6


def test_a_reference_answers_isinstance_with_the_judges_class(kernel: Kernel) -> None:
    kernel.run("def counting():\n    yield 1\n\nclass Box:\n    pass\n\nbox = Box()\n")
    generator = kernel.remote.lookup("counting")()
    assert isinstance(generator, types.GeneratorType)
    assert isinstance(kernel.remote.lookup("counting"), types.FunctionType)
    assert not isinstance(generator, list)
    assert type(generator) is hbremote.Ref
    box = kernel.remote.lookup("box")
    assert isinstance(box, hbremote.Ref) and not isinstance(box, dict)
    with pytest.raises(hbremote.ReferenceComparisonError):
        bool(generator == generator)


def test_a_known_method_is_called_in_one_request(kernel: Kernel) -> None:
    kernel.run(
        """
        class Counter:
            def __init__(self):
                self.n = 0
            def step(self, by=1):
                self.n += by
                return self.n
        a, b = Counter(), Counter()
        b.step = lambda by=1: 99  # an instance attribute shadows the method
        """
    )
    a, b = kernel.remote.lookup("a"), kernel.remote.lookup("b")
    assert a.step() == 1  # the first call asks for the attribute, then calls it
    kernel.transport.requests.clear()
    assert a.step(by=2) == 3 and a.step() == 4
    assert kernel.transport.ops() == ["callattr", "callattr"]
    assert b.step() == 99  # shadowed on the instance: still the object's own attribute
    method = a.step
    assert isinstance(method, hbremote.MethodCall)
    with pytest.raises(hbremote.ReferenceComparisonError):
        bool(method == method)
    assert kernel.remote.lookup("a").n == 4


def test_judge_side_objects_cannot_be_passed_in(kernel: Kernel) -> None:
    kernel.run("def apply(f, x):\n    return f(x)\n")
    apply = kernel.remote.lookup("apply")
    with pytest.raises(TypeError, match="judge-side"):
        apply(object(), 1)  # an instance; a judge function travels as a callback instead
    with pytest.raises(TypeError, match="judge-side"):
        apply(types, 1)
    kernel.run("def first(items):\n    return items[0]\n")
    ref = kernel.remote.lookup("apply")
    assert kernel.remote.lookup("first")([ref, 1]) is ref  # containers may hold references


# pyplot -------------------------------------------------------------------------------------


def test_pyplot_state_comes_from_the_kernel(
    kernel: Kernel, monkeypatch: pytest.MonkeyPatch
) -> None:
    # matplotlib is not on the host; a module of the same shape stands in for the kernel's.
    kernel.run(
        """
        import numpy as np
        import types

        class Line:
            def __init__(self, xs, ys):
                self._xy = np.column_stack([xs, ys])
            def get_xydata(self):
                return self._xy

        class Axes:
            def __init__(self):
                self.lines = []
            def plot(self, xs, ys):
                self.lines.append(Line(xs, ys))

        pyplot = types.ModuleType("matplotlib.pyplot")
        pyplot.current = Axes()
        pyplot.gca = lambda: pyplot.current
        pyplot.get_fignums = lambda: [1]
        pyplot.current.plot([0, 1, 2], [0, 1, 4])
        """
    )
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", kernel.namespace["pyplot"])
    local = types.ModuleType("judge_pyplot")
    local.xlabel = lambda text: f"judge: {text}"  # type: ignore[attr-defined]
    plt = hbremote.PyplotView(kernel.remote, local)
    np.testing.assert_array_equal(plt.gca().lines[0].get_xydata(), [[0, 0], [1, 1], [2, 4]])
    assert plt.get_fignums() == [1]
    assert plt.xlabel("t") == "judge: t"
    assert kernel.transport.ops().count("module") == 1


def test_pyplot_falls_back_to_the_judge_when_the_kernel_never_imported_it(
    kernel: Kernel, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delitem(sys.modules, "matplotlib.pyplot", raising=False)
    local = types.ModuleType("judge_pyplot")
    local.get_fignums = lambda: []  # type: ignore[attr-defined]
    assert hbremote.PyplotView(kernel.remote, local).get_fignums() == []


# attacks -------------------------------------------------------------------------------------


LIARS = """
    class AlwaysEqual:
        value = 3
        def __eq__(self, other):
            return True
        def __ne__(self, other):
            return False
        def __bool__(self):
            return True
        def __hash__(self):
            return 0
        def __lt__(self, other):
            return True

    class SneakyInt(int):
        def __eq__(self, other):
            return True
        __hash__ = int.__hash__

    class SneakyStr(str):
        def __eq__(self, other):
            return True
        __hash__ = str.__hash__

    class SneakyFloat(float):
        def __eq__(self, other):
            return True
        __hash__ = float.__hash__

    class SneakyList(list):
        def __eq__(self, other):
            return True

    def answer():
        return AlwaysEqual()
"""


@pytest.mark.parametrize(
    "check",
    [
        lambda ref: ref == 3,
        lambda ref: ref != 3,
        lambda ref: ref < 3,
        lambda ref: ref >= 3,
        lambda ref: 3 == ref,  # noqa: SIM300 - the reflected comparison is refused too
        lambda ref: bool(ref),
        lambda ref: hash(ref),
        lambda ref: {ref},
        lambda ref: copy.copy(ref),
        lambda ref: copy.deepcopy(ref),
        lambda ref: pickle.dumps(ref),
    ],
)
def test_an_object_that_lies_about_equality_earns_nothing(
    kernel: Kernel, check: Callable[[Any], Any]
) -> None:
    kernel.run(LIARS)
    liar = kernel.remote.lookup("answer")()
    with pytest.raises(hbremote.ReferenceComparisonError, match="compare data"):
        check(liar)
    assert liar.value == 3  # its data is compared on the judge's side, normally
    with pytest.raises(hbremote.ReferenceComparisonError):
        assert liar


@pytest.mark.parametrize(
    "source", ["SneakyInt(3)", "SneakyStr('x')", "SneakyFloat(1.5)", "SneakyList([1])"]
)
def test_subclasses_of_builtins_come_back_as_references(kernel: Kernel, source: str) -> None:
    kernel.run(LIARS + f"\n    value = {source}\n")
    value = kernel.remote.lookup("value")
    assert isinstance(value, hbremote.Ref)
    with pytest.raises(hbremote.ReferenceComparisonError):
        value == 3  # noqa: B015


def test_implicit_protocol_lookups_are_not_forwarded(kernel: Kernel) -> None:
    kernel.run(
        """
        import numpy as np
        class Chameleon:
            def __getattr__(self, name):
                return self
            def __array__(self, dtype=None):
                return np.ones(3)
        class Framed:
            _typ = "dataframe"
        chameleon = Chameleon()
        framed = Framed()
        """
    )
    chameleon = kernel.remote.lookup("chameleon")
    assert chameleon.anything is chameleon and chameleon.a.b.c is chameleon
    started = len(kernel.transport.requests)
    probes = ("__array__", "__array_interface__", "__length_hint__", "_repr_html_", "_typ")
    for name in probes:
        assert not hasattr(chameleon, name)
    assert kernel.transport.requests[started:] == []
    with pytest.raises(AttributeError):
        chameleon._hb_remote = None
    # numpy 2 lets the refusal through; numpy 1.24 turns it into "arrays are not equal".
    with pytest.raises((hbremote.ReferenceComparisonError, AssertionError)):
        np.testing.assert_array_equal(chameleon, np.ones(3))
    assert not hasattr(kernel.remote.lookup("framed"), "_typ")


def test_getattr_that_raises_odd_things(kernel: Kernel) -> None:
    kernel.run(
        """
        class Weird(BaseException):
            pass
        class Unprintable(Exception):
            def __str__(self):
                raise RuntimeError("no")
        class Trap:
            def __getattr__(self, name):
                if name == "weird":
                    raise Weird("boom")
                if name == "unprintable":
                    raise Unprintable()
                if name == "exit":
                    raise SystemExit(1)
                if name == "long":
                    raise AttributeError("x" * 10_000)
                raise StopIteration
        trap = Trap()
        """
    )
    trap = kernel.remote.lookup("trap")
    with pytest.raises(hbremote.RemoteError, match="Weird: boom"):
        trap.weird  # noqa: B018
    with pytest.raises(hbremote.RemoteError, match="could not be read"):
        trap.unprintable  # noqa: B018
    with pytest.raises(hbremote.RemoteError, match="SystemExit"):
        trap.exit  # noqa: B018
    with pytest.raises(AttributeError) as caught:
        trap.long  # noqa: B018
    assert len(str(caught.value)) <= hbrefs.MESSAGE_LIMIT
    with pytest.raises(StopIteration):
        trap.other  # noqa: B018


def test_huge_values_are_answered_promptly(kernel: Kernel) -> None:
    kernel.run(
        """
        class Huge:
            def __getattr__(self, name):
                return "y" * 30_000_000
        huge = Huge()
        graph = [0]
        for _ in range(40):
            graph = [graph, graph]
        wide = [0] * 1_000
        for _ in range(30):
            wide = [wide, wide]
        """
    )
    started = time.monotonic()
    text = kernel.remote.lookup("huge").anything
    assert isinstance(text, hbremote.Ref) and hbremote.type_name(text) == "builtins.str"
    assert len(text) == 30_000_000
    with pytest.raises(hbremote.ReferenceComparisonError):
        text == "y"  # noqa: B015
    graph = kernel.remote.lookup("graph")
    assert isinstance(graph, hbremote.Ref) and len(graph) == 2
    wide = kernel.remote.lookup("wide")
    with pytest.raises(hbremote.ReferenceComparisonError, match="too large"):
        wide == []  # noqa: B015
    assert time.monotonic() - started < 10
    with pytest.raises(hbvalues.UnsupportedValue, match=r"too large|deeply"):
        kernel.remote.set_name("copy_of_graph", kernel.namespace["graph"])


@pytest.mark.filterwarnings("ignore:__int__ returned non-int:DeprecationWarning")
def test_a_method_that_lies_only_returns_data_of_its_choosing(kernel: Kernel) -> None:
    kernel.run(
        LIARS
        + """
    class Cheat:
        def solve(self, x):
            return AlwaysEqual()
        def count(self):
            return SneakyInt(999)
        def __len__(self):
            return 7
        def __int__(self):
            return SneakyInt(5)
    cheat = Cheat()
    """
    )
    cheat = kernel.remote.lookup("cheat")
    with pytest.raises(hbremote.ReferenceComparisonError):
        assert cheat.solve(2) == 4
    assert isinstance(cheat.count(), hbremote.Ref)
    assert len(cheat) == 7  # an answer of its choosing: no more than returning 7 would be
    number = int(cheat)  # Python itself turns __int__'s int subclass into an int
    assert type(number) is int and number == 5


def test_an_endless_generator_meets_the_deadline(kernel: Kernel) -> None:
    kernel.run(GENERATORS)

    class DeadlinePassed(Exception):
        pass

    calls = 0

    def judge_transport(request: dict[str, Any]) -> dict[str, Any]:
        nonlocal calls
        calls += 1
        if calls > 20:
            raise DeadlinePassed()
        return kernel.transport(request)

    naturals = hbremote.Remote(judge_transport).lookup("naturals")
    with pytest.raises(DeadlinePassed):
        list(naturals())
    with pytest.raises(DeadlinePassed):
        naturals()  # a reference used after the deadline (or the kernel's death) fails too


def test_printing_in_candidate_code_does_not_hide_the_reply(kernel: Kernel) -> None:
    kernel.run("def noisy():\n    print('no newline', end='')\n    return 1\n")
    assert kernel.remote.lookup("noisy")() == 1


# forged replies -------------------------------------------------------------------------------


FORGERIES: list[Callable[[dict[str, Any]], Any]] = [
    lambda reply: "not a dict",
    lambda reply: {**reply, "kind": "verdict"},
    lambda reply: {**reply, "extra": 1},
    lambda reply: {**reply, "id": True},
    lambda reply: {**reply, "id": "7"},
    lambda reply: {**reply, "id": 2**60},
    lambda reply: {**reply, "id": -4},
    lambda reply: {**reply, "type": 7},
    lambda reply: {**reply, "callable": 1},
    lambda reply: {**reply, "note": None},
    lambda reply: {key: value for key, value in reply.items() if key != "iterator"},
    lambda reply: {"kind": "data", "value": {"t": "int", "v": 5}},
    lambda reply: {
        "kind": "data",
        "value": {"t": "ndarray", "dtype": "O", "shape": [1], "b64": ""},
    },
    lambda reply: {"kind": "description", "type": "x", "callable": 1, "class": 0, "iterator": 0},
    lambda reply: {"kind": "missing", "type": "builtins.int"},
    lambda reply: {"kind": "raised", "type": "ValueError", "module": "builtins"},
    lambda reply: {"kind": "raised", "type": "ValueError", "module": "builtins", "message": 5},
    lambda reply: {"kind": "error", "message": ["x"]},
    lambda reply: {"kind": "items", "items": [], "done": True},
]


@pytest.mark.parametrize("forge", FORGERIES)
def test_forged_replies_are_rejected(kernel: Kernel, forge: Callable[[Any], Any]) -> None:
    kernel.run("def f():\n    return 1\n")
    remote = hbremote.Remote(lambda request: forge(kernel.transport(request)))
    with pytest.raises(hbvalues.MalformedValue):
        remote.lookup("f")


@pytest.mark.parametrize(
    "items_reply",
    [
        {"kind": "items", "items": [{"kind": "data", "value": {"t": "none"}}] * 3, "done": False},
        {"kind": "items", "items": [], "done": False},
        {"kind": "items", "items": [], "done": True, "raised": {}},
        {"kind": "items", "items": [{"kind": "missing"}], "done": True},
        {"kind": "items", "items": "abc", "done": True},
        {"kind": "data", "value": {"t": "none"}},
    ],
)
def test_forged_batches_are_rejected(kernel: Kernel, items_reply: dict[str, Any]) -> None:
    kernel.run(GENERATORS)

    def forge(request: dict[str, Any]) -> dict[str, Any]:
        return items_reply if request["op"] == "next" else kernel.transport(request)

    generator = hbremote.Remote(forge).lookup("naturals")()
    with pytest.raises(hbvalues.MalformedValue):
        next(generator)


@pytest.mark.parametrize(
    ("op", "forged"),
    [
        ("len", {"t": "int", "v": "-1"}),
        ("len", {"t": "bool", "v": True}),
        ("str", {"t": "int", "v": "1"}),
        ("names", {"t": "list", "v": [{"t": "int", "v": "1"}]}),
    ],
)
def test_forged_data_of_the_wrong_type_is_rejected(
    kernel: Kernel, op: str, forged: dict[str, Any]
) -> None:
    kernel.run(POLYNOMIAL + "\n    p = Polynomial([1])\n")

    def forge(request: dict[str, Any]) -> dict[str, Any]:
        reply = kernel.transport(request)
        return {"kind": "data", "value": forged} if request["op"] == op else reply

    remote = hbremote.Remote(forge)
    checks: dict[str, Callable[[Any], Any]] = {
        "len": len,
        "str": str,
        "names": lambda _: remote.names(),
    }
    with pytest.raises(hbvalues.MalformedValue):
        checks[op](remote.lookup("p"))


@pytest.mark.parametrize(
    ("type_name", "module", "builtin"),
    [
        ("SystemExit", "builtins", None),
        ("KeyboardInterrupt", "builtins", None),
        ("GeneratorExit", "builtins", "GeneratorExit"),
        ("system", "os", None),
        ("__class__", "numpy", None),
        ("Evil", "__main__", "BaseException"),
    ],
)
def test_forged_exceptions_never_escape_as_anything_but_remote_errors(
    kernel: Kernel, type_name: str, module: str, builtin: str | None
) -> None:
    raised = {"kind": "raised", "type": type_name, "module": module, "message": "m"}
    if builtin:
        raised["builtin"] = builtin
    remote = hbremote.Remote(lambda request: raised)
    with pytest.raises(hbremote.RemoteError) as caught:
        remote.lookup("anything")
    assert isinstance(caught.value, Exception)
