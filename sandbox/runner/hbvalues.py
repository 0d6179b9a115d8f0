"""Values as data: a tagged-JSON codec for what crosses between the candidate's kernel and the
judge. The judge decodes into freshly built objects of exact built-in, numpy or pandas types,
so nothing the candidate defined (an `__eq__` that always says yes, a patched method) survives
the crossing. Anything else is refused rather than approximated.

This file runs inside the sandbox on both sides (Python 3.11, numpy, pandas) and is also
imported by host-side tests."""

from __future__ import annotations

import base64
import datetime as dt
import math
from typing import Any

MAX_DEPTH = 40
MAX_ITEMS = 2_000_000


class UnsupportedValue(TypeError):
    """A value that cannot cross the sandbox boundary as data."""


class MalformedValue(ValueError):
    """Encoded data that does not follow the format."""


def _float_out(value: float) -> Any:
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return value


def _float_in(value: Any) -> float:
    if isinstance(value, str):
        if value in ("nan", "inf", "-inf"):
            return float(value)
        raise MalformedValue(f"bad float {value!r}")
    if type(value) not in (int, float):
        raise MalformedValue(f"bad float {value!r}")
    return float(value)


class _Counter:
    def __init__(self) -> None:
        self.items = 0

    def tick(self, n: int = 1) -> None:
        self.items += n
        if self.items > MAX_ITEMS:
            raise UnsupportedValue(f"value too large (more than {MAX_ITEMS} items)")


def encode(value: Any) -> Any:
    return _encode(value, 0, _Counter())


def _encode(value: Any, depth: int, counter: _Counter) -> Any:
    if depth > MAX_DEPTH:
        raise UnsupportedValue("value nested too deeply")
    counter.tick()
    kind = type(value)
    if value is None:
        return {"t": "none"}
    if kind is bool:
        return {"t": "bool", "v": value}
    if kind is int:
        return {"t": "int", "v": str(value)}
    if kind is float:
        return {"t": "float", "v": _float_out(value)}
    if kind is str:
        counter.tick(len(value) // 64)
        return {"t": "str", "v": value}
    if kind is bytes:
        return {"t": "bytes", "v": base64.b64encode(value).decode()}
    if kind in (list, tuple, set, frozenset):
        items = sorted(value, key=repr) if kind in (set, frozenset) else value
        tag = "set" if kind in (set, frozenset) else kind.__name__
        return {"t": tag, "v": [_encode(item, depth + 1, counter) for item in items]}
    if kind is dict:
        return {
            "t": "dict",
            "v": [
                [_encode(k, depth + 1, counter), _encode(v, depth + 1, counter)]
                for k, v in value.items()
            ],
        }
    if kind is dt.datetime:
        return {"t": "datetime", "v": value.isoformat()}
    if kind is dt.date:
        return {"t": "date", "v": value.isoformat()}
    if kind is dt.timedelta:
        return {"t": "timedelta", "v": value.total_seconds()}
    return _encode_scientific(value, depth, counter)


def _encode_scientific(value: Any, depth: int, counter: _Counter) -> Any:
    import numpy as np
    import pandas as pd

    kind = type(value)
    if value is pd.NaT:
        return {"t": "nat"}
    if value is pd.NA:
        return {"t": "na"}
    if kind is pd.Timestamp:
        return {"t": "timestamp", "v": value.isoformat()}
    if kind is pd.Timedelta:
        return {"t": "pd.timedelta", "v": str(value.value)}
    if isinstance(value, np.generic) and kind.__module__ == "numpy":
        return {
            "t": "np.scalar",
            "dtype": str(value.dtype),
            "v": _encode(value.item(), depth + 1, counter),
        }
    if kind is np.ndarray:
        counter.tick(value.size)
        return {
            "t": "ndarray",
            "dtype": str(value.dtype),
            "shape": list(value.shape),
            "v": [_encode(item, depth + 1, counter) for item in value.ravel().tolist()],
        }
    if kind is pd.RangeIndex:
        return {
            "t": "range",
            "start": value.start,
            "stop": value.stop,
            "step": value.step,
            "name": _encode(value.name, depth + 1, counter),
        }
    if isinstance(value, pd.Index) and kind.__module__.split(".")[0] == "pandas":
        counter.tick(len(value))
        return {
            "t": "index",
            "dtype": str(value.dtype),
            "name": _encode(value.name, depth + 1, counter),
            "v": [_encode(item, depth + 1, counter) for item in value.tolist()],
        }
    if kind is pd.Series:
        counter.tick(len(value))
        return {
            "t": "series",
            "dtype": str(value.dtype),
            "name": _encode(value.name, depth + 1, counter),
            "index": _encode(value.index, depth + 1, counter),
            "v": [_encode(item, depth + 1, counter) for item in value.tolist()],
        }
    if kind is pd.DataFrame:
        counter.tick(value.size)
        return {
            "t": "frame",
            "columns": _encode(value.columns, depth + 1, counter),
            "index": _encode(value.index, depth + 1, counter),
            "dtypes": [str(d) for d in value.dtypes],
            "v": [
                [_encode(item, depth + 1, counter) for item in value.iloc[:, i].tolist()]
                for i in range(value.shape[1])
            ],
        }
    raise UnsupportedValue(
        f"a value of type {kind.__module__}.{kind.__qualname__} cannot be checked"
    )


def decode(data: Any) -> Any:
    return _decode(data, 0)


def _list(data: dict[str, Any], key: str = "v") -> list[Any]:
    value = data.get(key)
    if type(value) is not list:
        raise MalformedValue(f"{data.get('t')}: {key} must be a list")
    return value


def _decode(data: Any, depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise MalformedValue("value nested too deeply")
    if type(data) is not dict or type(data.get("t")) is not str:
        raise MalformedValue("expected a tagged object")
    tag = data["t"]
    raw = data.get("v")
    if tag == "none":
        return None
    if tag == "bool":
        if type(raw) is not bool:
            raise MalformedValue("bad bool")
        return raw
    if tag == "int":
        if type(raw) is not str or len(raw) > 5000:
            raise MalformedValue("bad int")
        try:
            return int(raw)
        except ValueError as exc:
            raise MalformedValue("bad int") from exc
    if tag == "float":
        return _float_in(raw)
    if tag == "str":
        if type(raw) is not str:
            raise MalformedValue("bad str")
        return raw
    if tag == "bytes":
        if type(raw) is not str:
            raise MalformedValue("bad bytes")
        return base64.b64decode(raw, validate=True)
    if tag in ("list", "tuple", "set"):
        items = [_decode(item, depth + 1) for item in _list(data)]
        return {"list": list, "tuple": tuple, "set": set}[tag](items)
    if tag == "dict":
        result = {}
        for pair in _list(data):
            if type(pair) is not list or len(pair) != 2:
                raise MalformedValue("bad dict item")
            result[_decode(pair[0], depth + 1)] = _decode(pair[1], depth + 1)
        return result
    if tag in ("datetime", "date"):
        if type(raw) is not str:
            raise MalformedValue(f"bad {tag}")
        parse = dt.datetime.fromisoformat if tag == "datetime" else dt.date.fromisoformat
        return parse(raw)
    if tag == "timedelta":
        return dt.timedelta(seconds=_float_in(raw))
    return _decode_scientific(tag, data, depth)


def _dtype(data: dict[str, Any]) -> str:
    dtype = data.get("dtype")
    if type(dtype) is not str or len(dtype) > 64:
        raise MalformedValue("bad dtype")
    return dtype


def _decode_scientific(tag: str, data: dict[str, Any], depth: int) -> Any:
    import numpy as np
    import pandas as pd

    try:
        if tag == "nat":
            return pd.NaT
        if tag == "na":
            return pd.NA
        if tag == "timestamp":
            return pd.Timestamp(str(data["v"]))
        if tag == "pd.timedelta":
            return pd.Timedelta(int(str(data["v"])))
        if tag == "np.scalar":
            return np.array(_decode(data["v"], depth + 1), dtype=np.dtype(_dtype(data)))[()]
        if tag == "ndarray":
            shape = _list(data, "shape")
            if not all(type(n) is int and n >= 0 for n in shape):
                raise MalformedValue("bad shape")
            items = [_decode(item, depth + 1) for item in _list(data)]
            return np.array(items, dtype=np.dtype(_dtype(data))).reshape(shape)
        if tag == "range":
            bounds = [data.get(key) for key in ("start", "stop", "step")]
            if not all(type(n) is int for n in bounds):
                raise MalformedValue("bad range")
            return pd.RangeIndex(*bounds, name=_decode(data["name"], depth + 1))
        if tag == "index":
            items = [_decode(item, depth + 1) for item in _list(data)]
            return pd.Index(items, dtype=_dtype(data), name=_decode(data["name"], depth + 1))
        if tag == "series":
            items = [_decode(item, depth + 1) for item in _list(data)]
            index = _decode(data["index"], depth + 1)
            return pd.Series(
                items, index=index, dtype=_dtype(data), name=_decode(data["name"], depth + 1)
            )
        if tag == "frame":
            columns = _decode(data["columns"], depth + 1)
            index = _decode(data["index"], depth + 1)
            dtypes = _list(data, "dtypes")
            values = _list(data)
            if len(dtypes) != len(values) or len(values) != len(columns):
                raise MalformedValue("frame columns, dtypes and values differ in length")
            frame = pd.DataFrame(
                {
                    i: pd.Series(
                        [_decode(item, depth + 1) for item in column], index=index, dtype=str(dtype)
                    )
                    for i, (column, dtype) in enumerate(zip(values, dtypes, strict=True))
                },
                index=index,
            )
            frame.columns = columns
            return frame
    except (KeyError, TypeError, ValueError, OverflowError) as exc:
        if isinstance(exc, MalformedValue):
            raise
        raise MalformedValue(f"bad {tag}: {exc}") from exc
    raise MalformedValue(f"unknown tag {tag!r}")
