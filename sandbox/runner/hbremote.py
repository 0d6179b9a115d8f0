"""Judge side of remote references: the candidate's live objects as seen from grader tests.

A candidate value that hbvalues can rebuild exactly (built-in, numpy, pandas) arrives as data:
a fresh object of an exact type, owned by the judge. Anything else (an instance of the
candidate's class, a function, a generator, a module, a figure) is a `Ref`, a proxy whose
attribute access, calls, indexing, iteration and arithmetic are forwarded to the kernel (hbrefs)
and answer again with data or a Ref.

What a Ref refuses is the point of the design: `==`, ordering, `bool()`, `hash()` and copying
raise ReferenceComparisonError, so a test can only compare data it rebuilt here, and an object
whose `__eq__` always says yes earns nothing. Every reply is checked field by field, since the
kernel runs the candidate's code and may have been tampered with."""

from __future__ import annotations

import builtins
import contextlib
import hashlib
import json
import numbers
import re
import sys
import types
from collections.abc import Callable, Iterator
from typing import Any

import hbvalues

Transport = Callable[[dict[str, Any]], dict[str, Any]]

# Arguments whose encoding is larger than this go to the kernel once (`put`) and are then
# passed by reference, so a timing loop does not resend the same array at every call.
PUT_THRESHOLD = 64_000
MAX_BATCH = 64
TEXT_LIMIT = 300
MESSAGE_LIMIT = 500
ARG_DEPTH = 20
MAX_ID = 2**53

GENERAL = frozenset({"data", "ref", "raised", "error"})
NAMED = GENERAL | {"missing"}
DATA_ONLY = frozenset({"data", "raised", "error"})
# What a callback's arguments may be: values the kernel describes as it describes results.
ARGUMENT_KINDS = frozenset({"data", "ref"})
REPLY_FIELDS = {
    "data": ({"value"}, set()),
    "ref": ({"id", "type", "callable", "class", "iterator"}, {"note", "method"}),
    "raised": ({"type", "module", "message"}, {"builtin"}),
    "missing": (set(), set()),
    "error": ({"message"}, set()),
    "items": ({"items", "done"}, {"raised"}),
    "description": ({"type", "callable", "class", "iterator"}, set()),
}
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*", re.ASCII)
# Exception classes from these libraries are re-raised as the judge's own copies.
TRUSTED_EXCEPTION_MODULES = ("numpy", "pandas")
# Attribute names that judge-side libraries probe to guess what an object is (pandas' ABCs
# read `_typ`); answering them would let a candidate pass a reference off as a Series.
PROBED_NAMES = frozenset({"_typ", "_subtyp"})
PROBED_PREFIXES = ("_hb_", "_repr_", "_ipython_")
COMPARE_HINT = (
    "compare data instead: an attribute, a method's result, or list(obj), which come back "
    "as plain values"
)

PYPLOT_STATE = frozenset(
    {
        "gcf",
        "gca",
        "gci",
        "get_fignums",
        "get_figlabels",
        "fignum_exists",
        "figure",
        "close",
        "clf",
        "cla",
    }
)


class ReferenceComparisonError(TypeError):
    """A comparison, truth test, hash or copy of a candidate object: refused, so that only
    rebuilt data is ever compared."""


class CallbackError(RuntimeError):
    """A request made while the candidate's code is waiting for one of the test's functions:
    the kernel is busy running that code, so the request could only wait on itself."""


class RemoteError(Exception):
    """An exception raised by the candidate's code that the judge does not re-create as such:
    a candidate-defined class, or a library's the judge does not trust by name."""

    def __init__(self, type_name: str, module: str, message: str) -> None:
        super().__init__(f"{type_name}: {message}")
        self.type_name = type_name
        self.module = module
        self.message = message


_error_classes: dict[str, type[RemoteError]] = {}


def _forwardable(name: str) -> bool:
    if name.startswith("__") and name.endswith("__"):
        return False  # implicit protocol lookups (__array__, __len__, ...) stay here
    return name not in PROBED_NAMES and not name.startswith(PROBED_PREFIXES)


def _identifier(name: Any, what: str = "name") -> str:
    if type(name) is not str or not IDENTIFIER.fullmatch(name) or len(name) > TEXT_LIMIT:
        raise TypeError(f"{what} must be an identifier, not {name!r:.60}")
    return name


# replies -----------------------------------------------------------------------------------


def check_reply(reply: Any, kinds: frozenset[str]) -> dict[str, Any]:
    """The reply's kind is one expected here and its fields have exactly the right types."""
    if type(reply) is not dict or reply.get("kind") not in kinds:
        raise hbvalues.MalformedValue("unexpected reply from the candidate's kernel")
    kind = reply["kind"]
    required, optional = REPLY_FIELDS[kind]
    keys = set(reply) - {"kind"}
    if not required <= keys or not keys <= required | optional:
        raise hbvalues.MalformedValue(f"a {kind} reply with the wrong fields")
    if kind in ("ref", "description"):
        _check_description(reply)
    if "method" in reply and type(reply["method"]) is not bool:
        raise hbvalues.MalformedValue("a reference with a bad method flag")
    if kind == "raised" or kind == "error" or (kind == "ref" and "note" in reply):
        for key in ("type", "module", "message", "builtin", "note"):
            if key in reply and (type(reply[key]) is not str or len(reply[key]) > MESSAGE_LIMIT):
                raise hbvalues.MalformedValue(f"a {kind} reply with a bad {key}")
    if kind == "items" and (type(reply["items"]) is not list or type(reply["done"]) is not bool):
        raise hbvalues.MalformedValue("a bad items reply")
    if kind == "items" and "raised" in reply and reply["done"]:
        raise hbvalues.MalformedValue("an items reply both done and raised")
    return reply


def _check_description(reply: dict[str, Any]) -> None:
    if reply["kind"] == "ref" and (type(reply["id"]) is not int or not 0 < reply["id"] < MAX_ID):
        raise hbvalues.MalformedValue("a reference with a bad id")
    if type(reply["type"]) is not str or len(reply["type"]) > TEXT_LIMIT:
        raise hbvalues.MalformedValue("a reference with a bad type name")
    if not all(type(reply[key]) is bool for key in ("callable", "class", "iterator")):
        raise hbvalues.MalformedValue("a reference with bad flags")


def _exception(reply: dict[str, Any]) -> Exception:
    name, module, message = reply["type"], reply["module"], reply["message"]
    known = _known_exception(name, module)
    if known is not None:
        # Some classes' constructors want more than a message; those fall through.
        with contextlib.suppress(Exception):
            return known(message)
    error_class = _remote_error_class(reply.get("builtin"))
    try:
        return error_class(name, module, message)
    except Exception:  # noqa: BLE001 - e.g. UnicodeDecodeError's five-argument constructor
        return RemoteError(name, module, message)


def _known_exception(name: str, module: str) -> type[Exception] | None:
    # Only names resolved in modules the judge itself imported: never a class built or
    # imported because the kernel named it.
    if not IDENTIFIER.fullmatch(name) or name.startswith("_"):
        return None
    if module == "builtins":
        found = getattr(builtins, name, None)
    elif module.split(".")[0] in TRUSTED_EXCEPTION_MODULES and module in sys.modules:
        found = getattr(sys.modules[module], name, None)
    else:
        return None
    return found if isinstance(found, type) and issubclass(found, Exception) else None


def _remote_error_class(builtin_name: Any) -> type[RemoteError]:
    """RemoteError, also a subclass of the built-in exception the candidate's class derives
    from, so `pytest.raises(ValueError)` catches a candidate's ValueError subclass."""
    if type(builtin_name) is not str or not IDENTIFIER.fullmatch(builtin_name):
        return RemoteError
    base = getattr(builtins, builtin_name, None)
    if not isinstance(base, type) or not issubclass(base, Exception) or base is Exception:
        return RemoteError
    if builtin_name not in _error_classes:
        _error_classes[builtin_name] = type(
            f"Remote{builtin_name}", (RemoteError, base), {"__module__": __name__}
        )
    return _error_classes[builtin_name]


# the connection ------------------------------------------------------------------------------


class _Put:
    __slots__ = ("digest", "handle", "value")

    def __init__(self, value: Any, digest: bytes, handle: int) -> None:
        self.value = value  # kept alive, so its id is not reused while memoised
        self.digest = digest
        self.handle = handle


class Remote:
    """The judge's connection to the candidate's kernel. `transport` sends one request and
    returns the reply; its own exceptions (deadline, dead kernel) pass through untouched."""

    def __init__(self, transport: Transport) -> None:
        self._callbacks: list[Callable[..., Any]] = []
        # (type, attribute) pairs the kernel reported as methods its class defines.
        self._methods: set[tuple[str, str]] = set()
        self._transport = transport
        self._refs: dict[int, Ref] = {}
        self._puts: dict[int, _Put] = {}
        self._modules: dict[str, Ref] = {}
        # True while a test's function runs for the candidate's code (answer_callback).
        self._answering = False

    def request(self, payload: dict[str, Any], kinds: frozenset[str]) -> dict[str, Any]:
        if self._answering:
            # The kernel is blocked in the candidate's call of the test's function: a request
            # now would queue behind that call until the test's deadline, and then take the
            # kernel down with it. Fail at once instead, inside the candidate's call.
            raise CallbackError(
                "a function the test passed into the candidate's code cannot use the "
                "candidate's objects while that code runs; it can use data only"
            )
        return check_reply(self._transport(payload), kinds)

    def read(self, reply: dict[str, Any]) -> Any:
        """The value a checked data/ref/raised/error reply stands for."""
        kind = reply["kind"]
        if kind == "data":
            # Bounded ranges: a test's list() of a range the candidate claims would be the
            # judge's memory to fill.
            return hbvalues.decode(reply["value"], max_range=hbvalues.MAX_RANGE)
        if kind == "ref":
            return self._ref(reply)
        if kind == "raised":
            raise _exception(reply)
        if kind == "error":
            raise hbvalues.UnsupportedValue(
                f"the candidate's kernel could not answer: {reply['message']}"
            )
        raise hbvalues.MalformedValue(f"a {kind} reply where a value was expected")

    def ask(self, op: str, **fields: Any) -> Any:
        return self.read(self.request({"op": op, **fields}, GENERAL))

    def ask_data(self, op: str, expected: type, **fields: Any) -> Any:
        """An answer that must be data of exactly one type (len, str, int, ...)."""
        value = self.read(self.request({"op": op, **fields}, DATA_ONLY))
        if type(value) is not expected:
            raise hbvalues.MalformedValue(f"{op} answered with a {type(value).__name__}")
        return value

    def _ref(self, reply: dict[str, Any]) -> Ref:
        handle = reply["id"]
        ref = self._refs.get(handle)
        if ref is None:
            ref = self._refs[handle] = Ref._hb_make(self, handle)
        # An object's class can change (obj.__class__ = Other), so the latest word counts.
        Ref._hb_describe(ref, reply)
        return ref

    # names ------------------------------------------------------------------------------

    def lookup(self, name: str) -> Any:
        reply = self.request({"op": "name", "name": _identifier(name)}, NAMED)
        if reply["kind"] == "missing":
            raise NameError(f"name {name!r} is not defined")
        return self.read(reply)

    def set_name(self, name: str, value: Any) -> None:
        self.ask("setname", name=_identifier(name), value=self.argument(value))

    def del_name(self, name: str) -> None:
        reply = self.request({"op": "delname", "name": _identifier(name)}, NAMED)
        if reply["kind"] == "missing":
            raise NameError(f"name {name!r} is not defined")
        self.read(reply)

    def names(self) -> set[str]:
        names = self.ask_data("names", list)
        if not all(type(name) is str for name in names):
            raise hbvalues.MalformedValue("names must be strings")
        return set(names)

    def module(self, name: str) -> Ref | None:
        """A module the candidate's kernel has already imported, or None."""
        if name not in self._modules:
            reply = self.request({"op": "module", "name": name}, NAMED)
            if reply["kind"] == "missing":
                return None
            found = self.read(reply)
            if not isinstance(found, Ref):
                raise hbvalues.MalformedValue("a module came back as data")
            self._modules[name] = found
        return self._modules[name]

    # arguments --------------------------------------------------------------------------

    def argument(self, value: Any, depth: int = 0) -> dict[str, Any]:
        """How `value` travels into the kernel: data, a reference, or a container of them."""
        if isinstance(value, MethodCall):
            value = value._hb_resolve()
        if isinstance(value, Ref):
            if object.__getattribute__(value, "_hb_remote") is not self:
                raise TypeError("a reference from another sandbox cannot be used here")
            return {"ref": object.__getattribute__(value, "_hb_id")}
        quick = _quick_digest(value)
        memo = self._puts.get(id(value))
        if quick is not None and memo is not None and memo.value is value and memo.digest == quick:
            return {"ref": memo.handle}
        try:
            encoded = hbvalues.encode(value)
        except hbvalues.UnsupportedValue as exc:
            if "cannot be checked" not in str(exc):
                raise
            return self._container_argument(value, depth)
        text = json.dumps(encoded, allow_nan=False)
        if len(text) <= PUT_THRESHOLD or self._answering:
            return {"data": encoded}  # a callback's answer cannot `put`: see request()
        digest = quick or hashlib.blake2b(text.encode()).digest()
        if memo is not None and memo.value is value and memo.digest == digest:
            return {"ref": memo.handle}
        put = self.ask("put", value={"data": encoded})
        if not isinstance(put, Ref):
            raise hbvalues.MalformedValue("put did not answer with a reference")
        handle = object.__getattribute__(put, "_hb_id")
        self._puts[id(value)] = _Put(value, digest, handle)
        return {"ref": handle}

    def _container_argument(self, value: Any, depth: int) -> dict[str, Any]:
        # A list, tuple or dict that holds references goes item by item.
        kind = type(value)
        if depth < ARG_DEPTH and kind in (list, tuple):
            return {kind.__name__: [self.argument(item, depth + 1) for item in value]}
        if depth < ARG_DEPTH and kind is dict:
            return {
                "dict": [
                    [self.argument(k, depth + 1), self.argument(v, depth + 1)]
                    for k, v in value.items()
                ]
            }
        if callable(value) and not isinstance(value, type):
            # A judge function the candidate's code may call (an integrand, a key): it stays
            # here, and each call comes back to the judge over the kernel's stdin channel.
            self._callbacks.append(value)
            return {"callback": len(self._callbacks) - 1}
        raise TypeError(
            f"a judge-side {kind.__module__}.{kind.__qualname__} cannot be passed into the "
            "candidate's code: judge-side classes, instances and modules stay on the judge's "
            "side; pass data, a function, or an object obtained from the candidate"
        )

    @property
    def callbacks_given(self) -> bool:
        """Whether a judge function has been handed to the candidate's code."""
        return bool(self._callbacks)

    def answer_callback(self, request_text: str) -> str:
        """Run a judge function the candidate's code called; the answer as JSON text. The
        arguments are the candidate's (data or references), like any test input."""
        try:
            request = json.loads(request_text)
            if type(request) is not dict or type(request.get("callback")) is not int:
                raise hbvalues.MalformedValue("bad callback request")
            index = request["callback"]
            if not 0 <= index < len(self._callbacks):
                raise hbvalues.MalformedValue("unknown callback")
            args = [self.read(check_reply(a, ARGUMENT_KINDS)) for a in request.get("args", [])]
            kwargs = {
                str(k): self.read(check_reply(v, ARGUMENT_KINDS))
                for k, v in dict(request.get("kwargs", {})).items()
            }
            self._answering = True
            result = self._callbacks[index](*args, **kwargs)
            answer: dict[str, Any] = {"kind": "value", "value": self.argument(result)}
        except Exception as exc:  # noqa: BLE001 - the candidate's call gets the error back
            answer = {"kind": "raised", "type": type(exc).__name__, "message": str(exc)[:500]}
        finally:
            self._answering = False
        return json.dumps(answer, allow_nan=False)


def _quick_digest(value: Any) -> bytes | None:
    """A fingerprint of a numeric array without encoding it, so a memoised large argument is
    recognised cheaply and is resent if the test changed it in place."""
    numpy = sys.modules.get("numpy")
    if numpy is None or type(value) is not numpy.ndarray:
        return None
    if value.dtype.kind not in hbvalues.BINARY_KINDS:
        return None
    header = f"{value.dtype.str}{value.shape}".encode()
    return hashlib.blake2b(header + value.tobytes()).digest()


# references ----------------------------------------------------------------------------------


def judge_class(qualified: str) -> type | None:
    """The class that `module.qualname` names in the judge's process, if the judge has already
    imported its module: built-ins and `types`' names for them included."""
    module_name, _, qualname = qualified.rpartition(".")
    if module_name == "builtins":
        found: Any = getattr(builtins, qualname, None)
        if found is None:
            found = next(
                (
                    kind
                    for kind in vars(types).values()
                    if isinstance(kind, type)
                    and kind.__module__ == "builtins"
                    and kind.__qualname__ == qualname
                ),
                None,
            )
        return found if isinstance(found, type) else None
    attribute: Any = sys.modules.get(module_name)
    for part in qualname.split("."):
        attribute = getattr(attribute, part, None) if attribute is not None else None
    return attribute if isinstance(attribute, type) else None


_END = object()


class _Raise:
    __slots__ = ("error",)

    def __init__(self, error: Exception) -> None:
        self.error = error


def _refused(what: str) -> Callable[..., Any]:
    def refuse(self: Ref, *_args: Any, **_kwargs: Any) -> Any:
        note = object.__getattribute__(self, "_hb_note")
        kind = type_name(self) + (f", {note}" if note else "")
        raise ReferenceComparisonError(
            f"{what} of a candidate object ({kind}) is refused: {COMPARE_HINT}"
        )

    return refuse


class Ref:
    """A candidate object that stays in the kernel. Its internals live in slots with the
    `_hb_` prefix, which are never forwarded, so no candidate attribute can shadow them."""

    __slots__ = (
        "__weakref__",
        "_hb_buffer",
        "_hb_callable",
        "_hb_class",
        "_hb_id",
        "_hb_iterator",
        "_hb_note",
        "_hb_remote",
        "_hb_type",
    )
    # numpy then leaves `array + ref` to our reflected operators instead of taking the
    # reference apart as a sequence.
    __array_ufunc__ = None

    @staticmethod
    def _hb_make(remote: Remote, handle: int) -> Ref:
        ref = object.__new__(Ref)
        object.__setattr__(ref, "_hb_remote", remote)
        object.__setattr__(ref, "_hb_id", handle)
        object.__setattr__(ref, "_hb_buffer", [])
        return ref

    @staticmethod
    def _hb_describe(ref: Ref, reply: dict[str, Any]) -> None:
        for key in ("type", "callable", "class", "iterator"):
            object.__setattr__(ref, f"_hb_{key}", reply[key])
        object.__setattr__(ref, "_hb_note", reply.get("note"))

    def _hb_ask(self, op: str, **fields: Any) -> Any:
        return self._hb_remote.ask(op, target={"ref": self._hb_id}, **fields)

    @property  # type: ignore[misc]
    def __class__(self) -> type:
        """The judge's own class of the kernel object's type, when the judge has one by that
        name (a generator, a function, numpy's ndarray), so `isinstance(gen,
        types.GeneratorType)` holds as it does in one namespace. `type(ref)` stays Ref, and
        comparisons stay refused: a type claim answers isinstance() and nothing else.

        Never a number or None, though: those always cross as data, so a reference claiming
        to be one is a candidate's class named `builtins.float` (or a tampered kernel), and
        `isinstance(x, float)` is the guard graders write before `abs(x - expected) < tol`,
        whose subtraction the candidate's object would answer."""
        claimed = judge_class(object.__getattribute__(self, "_hb_type"))
        if claimed is None or claimed is type(None) or issubclass(claimed, numbers.Number):
            return Ref
        return claimed

    def _hb_data(self, op: str, expected: type, **fields: Any) -> Any:
        return self._hb_remote.ask_data(op, expected, target={"ref": self._hb_id}, **fields)

    # attributes, calls, items -------------------------------------------------------------

    def __getattr__(self, name: str) -> Any:
        if not _forwardable(name):
            raise AttributeError(name)
        remote = self._hb_remote
        key = (object.__getattribute__(self, "_hb_type"), name)
        if key in remote._methods:
            return MethodCall(self, name)
        reply = remote.request(
            {"op": "getattr", "target": {"ref": self._hb_id}, "name": name}, GENERAL
        )
        if reply.get("method") is True:
            remote._methods.add(key)
        return remote.read(reply)

    def __setattr__(self, name: str, value: Any) -> None:
        if not _forwardable(name):
            raise AttributeError(f"{name} cannot be set on a reference")
        self._hb_ask("setattr", name=name, value=self._hb_remote.argument(value))

    def __delattr__(self, name: str) -> None:
        if not _forwardable(name):
            raise AttributeError(f"{name} cannot be deleted from a reference")
        self._hb_ask("delattr", name=name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        remote = self._hb_remote
        return self._hb_ask(
            "call",
            args=[remote.argument(arg) for arg in args],
            kwargs={key: remote.argument(arg) for key, arg in kwargs.items()},
        )

    def __getitem__(self, key: Any) -> Any:
        return self._hb_ask("getitem", key=self._hb_remote.argument(key))

    def __setitem__(self, key: Any, value: Any) -> None:
        remote = self._hb_remote
        self._hb_ask("setitem", key=remote.argument(key), value=remote.argument(value))

    def __delitem__(self, key: Any) -> None:
        self._hb_ask("delitem", key=self._hb_remote.argument(key))

    def __instancecheck__(self, instance: Any) -> bool:
        other = self._hb_remote.argument(instance)
        result: bool = self._hb_remote.ask_data(
            "isinstance", bool, target=other, other={"ref": self._hb_id}
        )
        return result

    # iteration ----------------------------------------------------------------------------

    def __iter__(self) -> Iterator[Any]:
        if self._hb_iterator:
            return _Batches(self)
        iterator = self._hb_ask("iter")
        if not isinstance(iterator, Ref):
            raise hbvalues.MalformedValue("iter did not answer with a reference")
        return _Batches(iterator)

    def __next__(self) -> Any:
        return _take(self, 1)

    # values that must come back as data ---------------------------------------------------

    def __len__(self) -> int:
        length: int = self._hb_data("len", int)
        if length < 0:
            raise hbvalues.MalformedValue("a negative length")
        return length

    def __contains__(self, value: Any) -> bool:
        found: bool = self._hb_data("contains", bool, value=self._hb_remote.argument(value))
        return found

    def __str__(self) -> str:
        text: str = self._hb_data("str", str)
        return text

    def __repr__(self) -> str:
        text: str = self._hb_data("repr", str)
        return text

    def __int__(self) -> int:
        number: int = self._hb_data("int", int)
        return number

    def __index__(self) -> int:
        number: int = self._hb_data("index", int)
        return number

    def __float__(self) -> float:
        number: float = self._hb_data("float", float)
        return number

    def __complex__(self) -> complex:
        number: complex = self._hb_data("complex", complex)
        return number

    # refused: only rebuilt data is compared -------------------------------------------------

    __eq__ = _refused("== (equality)")
    __ne__ = _refused("!= (inequality)")
    __lt__ = _refused("< (ordering)")
    __le__ = _refused("<= (ordering)")
    __gt__ = _refused("> (ordering)")
    __ge__ = _refused(">= (ordering)")
    __bool__ = _refused("the truth value")
    __hash__ = _refused("hashing")
    __copy__ = _refused("copying")
    __deepcopy__ = _refused("copying")
    __reduce__ = _refused("pickling")
    __reduce_ex__ = _refused("pickling")
    __getstate__ = _refused("pickling")


class MethodCall:
    """`obj.method` where the kernel has said that the object's class defines `method` as a
    plain function: a call is then one request (callattr) instead of an attribute request and
    a call. Any other use asks for the attribute itself and acts on that reference."""

    __slots__ = ("_hb_name", "_hb_owner")

    def __init__(self, owner: Ref, name: str) -> None:
        self._hb_owner = owner
        self._hb_name = name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        remote = self._hb_owner._hb_remote
        return self._hb_owner._hb_ask(
            "callattr",
            name=self._hb_name,
            args=[remote.argument(arg) for arg in args],
            kwargs={key: remote.argument(arg) for key, arg in kwargs.items()},
        )

    def _hb_resolve(self) -> Any:
        return self._hb_owner._hb_ask("getattr", name=self._hb_name)

    def __getattr__(self, name: str) -> Any:
        if not _forwardable(name):
            raise AttributeError(name)
        return getattr(self._hb_resolve(), name)

    def __repr__(self) -> str:
        return repr(self._hb_resolve())


def _resolved(name: str) -> Callable[..., Any]:
    def forward(self: MethodCall, *args: Any) -> Any:
        return getattr(self._hb_resolve(), name)(*args)

    return forward


for _name in ("__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__bool__", "__hash__"):
    setattr(MethodCall, _name, _resolved(_name))


def _binary(op: str) -> Callable[[Ref, Any], Any]:
    def method(self: Ref, other: Any, modulo: Any = None) -> Any:
        if modulo is not None:
            return NotImplemented
        if _is_number(other):
            # `abs(answer - expected) < tol` would hand the trusted number to the candidate's
            # __sub__, which may answer 0 whatever it is: a comparison in disguise.
            raise ReferenceComparisonError(
                f"arithmetic between a candidate object ({type_name(self)}) and a number is "
                f"refused, since the candidate's code would compute the result; {COMPARE_HINT} "
                "(for example float(obj))"
            )
        try:
            argument = self._hb_remote.argument(other)
        except TypeError:
            return NotImplemented  # a judge-side object: let it try its reflected operator
        return self._hb_ask(op, other=argument)

    method.__name__ = op
    return method


def _is_number(value: Any) -> bool:
    if isinstance(value, bool | int | float | complex):
        return True
    numpy = sys.modules.get("numpy")
    return numpy is not None and isinstance(value, numpy.number | numpy.ndarray)


def _unary(op: str) -> Callable[[Ref], Any]:
    def method(self: Ref) -> Any:
        return self._hb_ask(op)

    method.__name__ = op
    return method


for _name in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul"):
    for _form in ("__{}__", "__r{}__", "__i{}__"):
        setattr(Ref, _form.format(_name), _binary(_form.format(_name)))
for _name in ("and", "or", "xor", "lshift", "rshift"):
    for _form in ("__{}__", "__r{}__", "__i{}__"):
        setattr(Ref, _form.format(_name), _binary(_form.format(_name)))
for _name in ("__neg__", "__pos__", "__abs__", "__invert__"):
    setattr(Ref, _name, _unary(_name))


class _Batches:
    """Iterates a remote iterator in batches that grow (1, 2, 4 ... 64), so the first items
    come at once and an endless generator still works with islice and next(). Items read
    ahead wait in the reference's own buffer, so a later next(ref) continues where the loop
    stopped."""

    def __init__(self, iterator: Ref) -> None:
        self.iterator = iterator
        self.size = 1

    def __iter__(self) -> _Batches:
        return self

    def __next__(self) -> Any:
        if not object.__getattribute__(self.iterator, "_hb_buffer"):
            _fetch(self.iterator, self.size)
            self.size = min(2 * self.size, MAX_BATCH)
        return _take(self.iterator, 1)


def _take(ref: Ref, batch: int) -> Any:
    buffer: list[Any] = object.__getattribute__(ref, "_hb_buffer")
    if not buffer:
        _fetch(ref, batch)
    item = buffer.pop(0)
    if item is _END:
        raise StopIteration
    if isinstance(item, _Raise):
        raise item.error
    return item


def _fetch(ref: Ref, count: int) -> None:
    remote: Remote = object.__getattribute__(ref, "_hb_remote")
    handle = object.__getattribute__(ref, "_hb_id")
    reply = remote.request(
        {"op": "next", "target": {"ref": handle}, "count": count}, frozenset({"items", "error"})
    )
    if reply["kind"] == "error":
        remote.read(reply)
    if len(reply["items"]) > count:
        raise hbvalues.MalformedValue("more items than were asked for")
    # Read every reply before any is buffered, so a malformed batch leaves nothing behind.
    items = [remote.read(check_reply(item, frozenset({"data", "ref"}))) for item in reply["items"]]
    if reply["done"]:
        items.append(_END)
    elif "raised" in reply:
        items.append(_Raise(_exception(check_reply(reply["raised"], frozenset({"raised"})))))
    elif len(items) < count:
        raise hbvalues.MalformedValue("a short batch that neither ended nor raised")
    buffer: list[Any] = object.__getattribute__(ref, "_hb_buffer")
    buffer.extend(items)


# helpers for grader code -------------------------------------------------------------------


def is_ref(value: Any) -> bool:
    return isinstance(value, Ref)


def type_name(ref: Ref) -> str:
    """The candidate object's type as module.qualname, as its kernel reported it."""
    name: str = object.__getattribute__(ref, "_hb_type")
    return name


def describe(ref: Ref) -> dict[str, Any]:
    """What the kernel says the object is now: type name, callable, class, iterator."""
    remote: Remote = object.__getattribute__(ref, "_hb_remote")
    handle = object.__getattribute__(ref, "_hb_id")
    reply = remote.request(
        {"op": "describe", "target": {"ref": handle}}, frozenset({"description", "error"})
    )
    if reply["kind"] == "error":
        remote.read(reply)
    return {key: reply[key] for key in ("type", "callable", "class", "iterator")}


class PyplotView:
    """Stands in for `matplotlib.pyplot` in tests: the functions that read or change which
    figure is current go to the candidate's kernel, so `plt.gca().lines[0].get_xydata()`
    reads the candidate's plot; everything else is the judge's own pyplot."""

    __slots__ = ("_hb_pyplot", "_hb_remote")

    def __init__(self, remote: Remote, pyplot: Any) -> None:
        object.__setattr__(self, "_hb_remote", remote)
        object.__setattr__(self, "_hb_pyplot", pyplot)

    def __getattr__(self, name: str) -> Any:
        if name in PYPLOT_STATE:
            kernel = self._hb_remote.module("matplotlib.pyplot")
            if kernel is not None:
                return getattr(kernel, name)
        return getattr(self._hb_pyplot, name)

    def __repr__(self) -> str:
        return "<matplotlib.pyplot: figure state from the candidate's kernel>"
