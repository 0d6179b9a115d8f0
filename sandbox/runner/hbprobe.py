"""Kernel-side probe: answers the judge's requests for a name's value or for a call of a
candidate function, as data. It runs in the candidate's own process, so the candidate can
tamper with it; all they can gain is to send back values of their choosing, which the judge
decodes into plain objects and checks against answers the container never holds."""

from __future__ import annotations

import base64
import json
import types
from typing import Any

import hbvalues

CALLABLE_TYPES = (types.FunctionType, types.BuiltinFunctionType, types.MethodType)


def _namespace() -> dict[str, Any]:
    from IPython import get_ipython

    namespace: dict[str, Any] = get_ipython().user_ns
    return namespace


def _reply(nonce: str, payload: dict[str, Any]) -> None:
    print(nonce + json.dumps(payload, allow_nan=False), flush=True)


def _describe(value: Any) -> dict[str, Any]:
    if isinstance(value, CALLABLE_TYPES) or type(value).__name__ == "partial":
        return {"kind": "function"}
    if isinstance(value, type):
        return {
            "kind": "unsupported",
            "message": f"{value.__name__} is a class; tests can only use functions and values",
        }
    if isinstance(value, types.ModuleType):
        return {"kind": "module", "name": value.__name__}
    try:
        return {"kind": "value", "value": hbvalues.encode(value)}
    except hbvalues.UnsupportedValue as exc:
        return {"kind": "unsupported", "message": str(exc)}
    except RecursionError:
        return {"kind": "unsupported", "message": "value nested too deeply"}


def fetch(nonce: str, name: str) -> None:
    namespace = _namespace()
    if name not in namespace:
        _reply(nonce, {"kind": "missing"})
        return
    _reply(nonce, _describe(namespace[name]))


def call(nonce: str, name: str, payload_b64: str) -> None:
    payload = json.loads(base64.b64decode(payload_b64))
    function = _namespace().get(name)
    if function is None:
        _reply(nonce, {"kind": "missing"})
        return
    args = hbvalues.decode(payload["args"])
    kwargs = hbvalues.decode(payload["kwargs"])
    try:
        result = function(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - the candidate's exception is the answer here
        _reply(nonce, {"kind": "raised", "type": type(exc).__name__, "message": str(exc)[:500]})
        return
    _reply(nonce, _describe(result))
