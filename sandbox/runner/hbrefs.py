"""Kernel side of remote references: answers the judge's requests about the candidate's live
objects (look a name up, get an attribute, call, iterate, index, ...).

It runs inside the candidate's kernel, so the candidate can read, patch or replace it; nothing
it says is trusted. A result that hbvalues can encode exactly travels as data; anything else
stays here in a handle table and the judge gets a reference (an id) to it. The judge compares
only rebuilt data, on its own side, so lying here buys no more than a function that returns
the value of the candidate's choosing.

Request: base64 JSON {"op": ..., ...}. Arguments are {"data": <hbvalues>}, {"ref": id}, or,
for containers holding references, {"list"|"tuple": [arg, ...]} / {"dict": [[arg, arg], ...]}.
Reply: one stdout line, the request's nonce followed by JSON, of kind data, ref, items,
description, raised, missing or error (see hbremote for how each is read)."""

from __future__ import annotations

import base64
import builtins
import json
import operator
import re
import sys
import types
from collections.abc import Callable
from typing import Any

import hbvalues

REPR_LIMIT = 2_000
MESSAGE_LIMIT = 500
NAME_LIMIT = 300
MAX_BATCH = 64
ARG_DEPTH = 20

# IPython's own entries in the user namespace, which no test means when it lists names.
HIDDEN_NAMES = re.compile(
    r"_{1,3}|_i+|_i\d+|_\d+|_oh|_dh|_ih|In|Out|get_ipython|exit|quit|__\w*__", re.ASCII
)

BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "add": operator.add,
    "sub": operator.sub,
    "mul": operator.mul,
    "truediv": operator.truediv,
    "floordiv": operator.floordiv,
    "mod": operator.mod,
    "pow": operator.pow,
    "matmul": operator.matmul,
    "and": operator.and_,
    "or": operator.or_,
    "xor": operator.xor,
    "lshift": operator.lshift,
    "rshift": operator.rshift,
}
IN_PLACE: dict[str, Callable[[Any, Any], Any]] = {
    "add": operator.iadd,
    "sub": operator.isub,
    "mul": operator.imul,
    "truediv": operator.itruediv,
    "floordiv": operator.ifloordiv,
    "mod": operator.imod,
    "pow": operator.ipow,
    "matmul": operator.imatmul,
    "and": operator.iand,
    "or": operator.ior,
    "xor": operator.ixor,
    "lshift": operator.ilshift,
    "rshift": operator.irshift,
}
UNARY: dict[str, Callable[[Any], Any]] = {
    "__neg__": operator.neg,
    "__pos__": operator.pos,
    "__abs__": abs,
    "__invert__": operator.invert,
}

_namespace_override: dict[str, Any] | None = None
# One sandbox serves one submission, so objects handed out stay alive until it is destroyed.
_objects: dict[int, Any] = {}
_handles: dict[Any, int] = {}


class BadRequest(Exception):
    """A request that does not follow the protocol (the judge's mistake, not the candidate's)."""


def use_namespace(namespace: dict[str, Any] | None) -> None:
    """Serve names from this dict instead of IPython's user namespace (tests, no kernel)."""
    global _namespace_override
    _namespace_override = namespace


def _namespace() -> dict[str, Any]:
    if _namespace_override is not None:
        return _namespace_override
    from IPython import get_ipython

    namespace: dict[str, Any] = get_ipython().user_ns
    return namespace


#: Prompts of the kernel's input requests that the judge answers: the request itself, and
#: calls of the judge's functions that a test passed into the candidate's code.
REQUEST_PROMPT = "hb-request:"
CALLBACK_PROMPT = "hb-callback:"

_current_nonce = ""
COMM_TARGET = "hirebench.refs"


def serve(nonce: str, request_b64: str | None = None) -> None:
    """Answer one request sent as a cell. Without `request_b64` the request is read with
    input(): the judge answers the kernel's input request over the stdin channel, so a large
    argument never becomes cell source that IPython would have to scan."""
    global _current_nonce
    _current_nonce = nonce

    def read() -> Any:
        if request_b64 is None:
            return json.loads(_ask_judge(REQUEST_PROMPT + nonce))
        return json.loads(base64.b64decode(request_b64, validate=True))

    text = json.dumps(_answer(read), allow_nan=False)
    # The leading newline keeps the reply on a line of its own after a partial line the
    # candidate's code printed.
    sys.stdout.write("\n" + nonce + text + "\n")
    sys.stdout.flush()


def _answer(read: Callable[[], Any]) -> dict[str, Any]:
    try:
        return _perform(read())
    except BadRequest as exc:
        return {"kind": "error", "message": str(exc)[:MESSAGE_LIMIT]}
    except (ValueError, TypeError, RecursionError) as exc:  # undecodable request or data
        return {"kind": "error", "message": f"bad request: {_message(exc)}"[:MESSAGE_LIMIT]}
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # noqa: BLE001 - the judge must get an answer, whatever broke
        return {"kind": "error", "message": _message(exc)}


def open_channel() -> None:
    """Accept requests as comm messages too: they skip a cell's parsing and history, the
    larger part of a small request's cost. Requests that carry the judge's functions still
    come as cells, since only a cell may ask the judge for input."""
    from IPython import get_ipython

    get_ipython().kernel.comm_manager.register_target(COMM_TARGET, _comm_opened)


def _comm_opened(comm: Any, _message: Any) -> None:
    comm.on_msg(lambda message: _comm_request(comm, message))


def _comm_request(comm: Any, message: dict[str, Any]) -> None:
    global _current_nonce
    data = message.get("content", {}).get("data", {})
    nonce = str(data.get("nonce", ""))
    _current_nonce = nonce
    try:
        reply = _answer(lambda: json.loads(str(data.get("request", ""))))
    except KeyboardInterrupt:
        # The judge's watchdog stopped a request past its deadline; inside a comm handler the
        # interrupt must end here, or it would take the kernel's event loop with it.
        reply = {"kind": "error", "message": "interrupted at the test's deadline"}
    comm.send({"nonce": nonce, "reply": json.dumps(reply, allow_nan=False)})


def _ask_judge(prompt: str) -> str:
    # The kernel's own raw_input: builtins.input is the candidate's to replace.
    from IPython import get_ipython

    answer: str = get_ipython().kernel.raw_input(prompt)
    return answer


class JudgeFunction:
    """A function of the judge's that a test passed into the candidate's code (a callback,
    an integrand, a key): each call asks the judge to run it, with the arguments as data or
    references, and returns its result."""

    __slots__ = ("_hb_callback",)

    def __init__(self, callback: int) -> None:
        self._hb_callback = callback

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        request = {
            "callback": self._hb_callback,
            "args": [_value(arg) for arg in args],
            "kwargs": {str(key): _value(value) for key, value in kwargs.items()},
        }
        answer = json.loads(
            _ask_judge(CALLBACK_PROMPT + _current_nonce + json.dumps(request, allow_nan=False))
        )
        if type(answer) is not dict:
            raise RuntimeError("the judge's function gave no answer")
        if answer.get("kind") == "raised":
            kind = getattr(builtins, str(answer.get("type")), None)
            message = str(answer.get("message", ""))
            if isinstance(kind, type) and issubclass(kind, Exception):
                raise kind(message)
            raise RuntimeError(message)
        return _resolve(answer.get("value"), 0)

    def __repr__(self) -> str:
        return f"<function of the grader's #{self._hb_callback}>"


def _perform(request: Any) -> dict[str, Any]:
    if type(request) is not dict or type(request.get("op")) is not str:
        raise BadRequest("a request is an object with an op")
    op = request["op"]
    handler = OPS.get(op)
    if handler is not None:
        return handler(request)
    if op in UNARY:
        target = _arg(request, "target")
        return _attempt(lambda: UNARY[op](target))
    return _binary(op, request)


def _binary(op: str, request: dict[str, Any]) -> dict[str, Any]:
    match = re.fullmatch(r"__(r|i)?(\w+?)__", op)
    name = match.group(2) if match else ""
    if name not in BINARY:
        raise BadRequest(f"unknown op {op[:40]!r}")
    target, other = _arg(request, "target"), _arg(request, "other")
    flavour = match.group(1) if match else None
    if flavour == "r":
        return _attempt(lambda: BINARY[name](other, target))
    if flavour == "i":
        return _attempt(lambda: IN_PLACE[name](target, other))
    return _attempt(lambda: BINARY[name](target, other))


# arguments -------------------------------------------------------------------------------


def _arg(request: dict[str, Any], key: str) -> Any:
    if key not in request:
        raise BadRequest(f"{key} is missing")
    return _resolve(request[key], 0)


def _resolve(arg: Any, depth: int) -> Any:
    if depth > ARG_DEPTH:
        raise BadRequest("argument nested too deeply")
    if type(arg) is not dict or len(arg) != 1:
        raise BadRequest("an argument is an object with one key")
    ((form, body),) = arg.items()
    if form == "data":
        return hbvalues.decode(body)
    if form == "ref":
        if type(body) is not int or body not in _objects:
            raise BadRequest("unknown reference")
        return _objects[body]
    if form in ("list", "tuple") and type(body) is list:
        items = [_resolve(item, depth + 1) for item in body]
        return items if form == "list" else tuple(items)
    if form == "callback" and type(body) is int:
        return JudgeFunction(body)
    if form == "dict" and type(body) is list:
        if not all(type(pair) is list and len(pair) == 2 for pair in body):
            raise BadRequest("a dict argument is a list of pairs")
        return {_resolve(k, depth + 1): _resolve(v, depth + 1) for k, v in body}
    raise BadRequest(f"unknown argument form {str(form)[:40]!r}")


def _name(request: dict[str, Any]) -> str:
    name = request.get("name")
    if type(name) is not str or not name.isidentifier() or len(name) > NAME_LIMIT:
        raise BadRequest("a name must be an identifier")
    return name


# replies ---------------------------------------------------------------------------------


def _run(action: Callable[[], Any]) -> tuple[Any, dict[str, Any] | None]:
    """Runs the candidate's code: its result, or the reply describing what it raised.

    KeyboardInterrupt is how the judge's watchdog stops a request past its deadline, so it
    passes; anything else the candidate raises (SystemExit, its own BaseException) is the
    answer, not a reason to leave the judge without one."""
    try:
        return action(), None
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # noqa: BLE001 - whatever the candidate raised
        return None, _raised(exc)


def _attempt(action: Callable[[], Any]) -> dict[str, Any]:
    result, raised = _run(action)
    return raised or _value(result)


def _attempt_data(action: Callable[[], Any]) -> dict[str, Any]:
    """As _attempt, for operations whose answer must be data (len, str, int, ...)."""
    result, raised = _run(action)
    if raised:
        return raised
    try:
        return {"kind": "data", "value": hbvalues.encode(result)}
    except (hbvalues.UnsupportedValue, RecursionError) as exc:
        return {"kind": "error", "message": f"the answer cannot be checked: {exc}"[:500]}


def _value(value: Any, budget: hbvalues.Budget | None = None) -> dict[str, Any]:
    note = None
    try:
        return {"kind": "data", "value": hbvalues.encode(value, budget)}
    except hbvalues.UnsupportedValue as exc:
        if "cannot be checked" not in str(exc):
            note = str(exc)[:MESSAGE_LIMIT]
    except RecursionError:
        note = "value nested too deeply"
    except Exception as exc:  # noqa: BLE001 - pandas/numpy internals over odd contents
        note = f"could not be copied as data ({type(exc).__name__})"
    reply = _ref(value)
    if note:
        reply["note"] = note
    return reply


def _ref(value: Any) -> dict[str, Any]:
    return {"kind": "ref", "id": _handle(value), **_describe(value)}


def _handle(value: Any) -> int:
    # A bound method is a new object at every attribute access; one handle per (object,
    # function) keeps a loop of method calls from growing the table.
    if type(value) is types.MethodType:
        key: Any = ("method", id(value.__self__), id(value.__func__))
    else:
        key = id(value)
    handle = _handles.get(key)
    if handle is None:
        handle = len(_objects) + 1
        _objects[handle] = value
        _handles[key] = handle
    return handle


def _type_attr(kind: type, name: str) -> Any:
    # Read through type's own descriptors: a candidate metaclass may redefine __name__,
    # __mro__ or __dict__ as properties that lie or raise.
    return type.__dict__[name].__get__(kind)


def _type_name(kind: type) -> str:
    module = _type_attr(kind, "__module__")
    qualname = _type_attr(kind, "__qualname__")
    return f"{module if type(module) is str else '?'}.{qualname}"[:NAME_LIMIT]


def _describe(value: Any) -> dict[str, Any]:
    # The real type and its real MRO: an object can fake __class__ but not these.
    kind = type(value)
    mro = _type_attr(kind, "__mro__")
    return {
        "type": _type_name(kind),
        "callable": callable(value),
        "class": issubclass(kind, type),
        "iterator": any("__next__" in _type_attr(k, "__dict__") for k in mro),
    }


def _message(exc: BaseException) -> str:
    try:
        return str(exc)[:MESSAGE_LIMIT]
    except KeyboardInterrupt:
        raise
    except BaseException:  # noqa: BLE001 - a candidate exception whose __str__ fails
        return "<message could not be read>"


def _raised(exc: BaseException) -> dict[str, Any]:
    message = _message(exc)
    kind = type(exc)
    module = _type_attr(kind, "__module__")
    reply = {
        "kind": "raised",
        "type": _type_attr(kind, "__name__")[:NAME_LIMIT],
        "module": module[:NAME_LIMIT] if type(module) is str else "?",
        "message": message,
    }
    # The nearest built-in ancestor lets the judge raise, say, a ValueError for numpy's
    # LinAlgError or a candidate's own ValueError subclass.
    for base in _type_attr(kind, "__mro__"):
        name = _type_attr(base, "__name__")
        if issubclass(base, Exception) and getattr(builtins, name, None) is base:
            reply["builtin"] = name
            break
    return reply


# operations ------------------------------------------------------------------------------


def _op_name(request: dict[str, Any]) -> dict[str, Any]:
    name = _name(request)
    namespace = _namespace()
    if name not in namespace:
        return {"kind": "missing"}
    return _value(namespace[name])


def _op_names(_request: dict[str, Any]) -> dict[str, Any]:
    names = sorted(
        name
        for name in list(_namespace())
        if type(name) is str and not HIDDEN_NAMES.fullmatch(name)
    )
    return {"kind": "data", "value": hbvalues.encode(names)}


def _op_setname(request: dict[str, Any]) -> dict[str, Any]:
    name = _name(request)
    _namespace()[name] = _arg(request, "value")
    return _value(None)


def _op_delname(request: dict[str, Any]) -> dict[str, Any]:
    name = _name(request)
    namespace = _namespace()
    if name not in namespace:
        return {"kind": "missing"}
    del namespace[name]
    return _value(None)


def _op_getattr(request: dict[str, Any]) -> dict[str, Any]:
    target, name = _arg(request, "target"), _name(request)
    reply = _attempt(lambda: getattr(target, name))
    if reply.get("kind") == "ref" and _plain_method(target, name):
        # The judge may then call this method of this type in one request (callattr).
        reply["method"] = True
    return reply


def _plain_method(target: Any, name: str) -> bool:
    """Whether `target.name` is a function its class defines and the instance does not
    shadow, as opposed to an attribute that may change from object to object."""
    try:
        mro = _type_attr(type(target), "__mro__")
        defined = next((k.__dict__[name] for k in mro if name in _type_attr(k, "__dict__")), None)
        instance = getattr(target, "__dict__", {})
        return isinstance(defined, types.FunctionType) and name not in instance
    except Exception:  # noqa: BLE001 - an odd object is simply not a plain method
        return False


def _op_callattr(request: dict[str, Any]) -> dict[str, Any]:
    target, name = _arg(request, "target"), _name(request)
    args, kwargs = request.get("args", []), request.get("kwargs", {})
    if type(args) is not list or type(kwargs) is not dict:
        raise BadRequest("args is a list and kwargs an object")
    positional = [_resolve(arg, 0) for arg in args]
    keywords = {str(key): _resolve(arg, 0) for key, arg in kwargs.items()}
    return _attempt(lambda: getattr(target, name)(*positional, **keywords))


def _op_setattr(request: dict[str, Any]) -> dict[str, Any]:
    target, name, value = _arg(request, "target"), _name(request), _arg(request, "value")
    return _attempt(lambda: setattr(target, name, value))


def _op_delattr(request: dict[str, Any]) -> dict[str, Any]:
    target, name = _arg(request, "target"), _name(request)
    return _attempt(lambda: delattr(target, name))


def _op_call(request: dict[str, Any]) -> dict[str, Any]:
    target = _arg(request, "target")
    args, kwargs = request.get("args", []), request.get("kwargs", {})
    if type(args) is not list or type(kwargs) is not dict:
        raise BadRequest("args is a list and kwargs an object")
    positional = [_resolve(arg, 0) for arg in args]
    keywords = {str(key): _resolve(arg, 0) for key, arg in kwargs.items()}
    return _attempt(lambda: target(*positional, **keywords))


def _op_getitem(request: dict[str, Any]) -> dict[str, Any]:
    target, key = _arg(request, "target"), _arg(request, "key")
    return _attempt(lambda: target[key])


def _op_setitem(request: dict[str, Any]) -> dict[str, Any]:
    target, key, value = _arg(request, "target"), _arg(request, "key"), _arg(request, "value")
    return _attempt(lambda: operator.setitem(target, key, value))


def _op_delitem(request: dict[str, Any]) -> dict[str, Any]:
    target, key = _arg(request, "target"), _arg(request, "key")
    return _attempt(lambda: operator.delitem(target, key))


def _op_iter(request: dict[str, Any]) -> dict[str, Any]:
    target = _arg(request, "target")
    iterator, raised = _run(lambda: iter(target))
    return raised or _ref(iterator)


def _op_next(request: dict[str, Any]) -> dict[str, Any]:
    iterator, count = _arg(request, "target"), request.get("count", 1)
    if type(count) is not int or not 1 <= count <= MAX_BATCH:
        raise BadRequest(f"count is from 1 to {MAX_BATCH}")
    # One budget for the batch keeps the whole reply within what the judge accepts; an item
    # over it comes back as a reference instead.
    budget = hbvalues.Budget()
    items: list[dict[str, Any]] = []
    for _ in range(count):
        try:
            item = next(iterator)
        except StopIteration:
            return {"kind": "items", "items": items, "done": True}
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # noqa: BLE001 - whatever the candidate raised
            return {"kind": "items", "items": items, "done": False, "raised": _raised(exc)}
        items.append(_value(item, budget))
    return {"kind": "items", "items": items, "done": False}


def _op_put(request: dict[str, Any]) -> dict[str, Any]:
    return _ref(_arg(request, "value"))


def _op_module(request: dict[str, Any]) -> dict[str, Any]:
    name = request.get("name")
    if type(name) is not str or len(name) > NAME_LIMIT:
        raise BadRequest("a module name is a string")
    module = sys.modules.get(name)
    if not isinstance(module, types.ModuleType):
        return {"kind": "missing"}
    return _ref(module)


def _op_describe(request: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "description", **_describe(_arg(request, "target"))}


def _data_op(action: Callable[[Any], Any]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def handler(request: dict[str, Any]) -> dict[str, Any]:
        target = _arg(request, "target")
        return _attempt_data(lambda: action(target))

    return handler


def _op_contains(request: dict[str, Any]) -> dict[str, Any]:
    target, value = _arg(request, "target"), _arg(request, "value")
    return _attempt_data(lambda: value in target)


def _op_isinstance(request: dict[str, Any]) -> dict[str, Any]:
    target, other = _arg(request, "target"), _arg(request, "other")
    return _attempt_data(lambda: isinstance(target, other))


OPS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "name": _op_name,
    "names": _op_names,
    "setname": _op_setname,
    "delname": _op_delname,
    "getattr": _op_getattr,
    "setattr": _op_setattr,
    "delattr": _op_delattr,
    "call": _op_call,
    "callattr": _op_callattr,
    "getitem": _op_getitem,
    "setitem": _op_setitem,
    "delitem": _op_delitem,
    "iter": _op_iter,
    "next": _op_next,
    "put": _op_put,
    "module": _op_module,
    "describe": _op_describe,
    "contains": _op_contains,
    "isinstance": _op_isinstance,
    # Slicing an exact str gives an exact str, whatever __str__ returned.
    "len": _data_op(len),
    "str": _data_op(lambda target: str(target)[:]),
    "repr": _data_op(lambda target: repr(target)[:REPR_LIMIT]),
    "int": _data_op(int),
    "float": _data_op(float),
    "complex": _data_op(complex),
    "index": _data_op(operator.index),
}
