"""Values as data: a tagged-JSON codec for what crosses between the candidate's kernel and the
judge. The judge decodes into freshly built objects of exact built-in, numpy or pandas types,
so nothing the candidate defined (an `__eq__` that always says yes, a patched method) survives
the crossing. Anything else is refused rather than approximated.

This file runs inside the sandbox on both sides (Python 3.11, numpy, pandas) and is also
imported by host-side tests."""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import gc
import json
import math
from collections.abc import Iterator
from typing import Any

MAX_DEPTH = 40
MAX_ITEMS = 2_000_000
# The judge accepts replies of up to 20 MB; JSON characters are a fair proxy for the memory an
# encoding takes on its way there.
MAX_CHARS = 16_000_000
NODE_CHARS = 24
FLOAT_CHARS = 24  # the longest repr of a float, e.g. -2.2250738585072014e-308
# numpy arrays of these kinds travel as their raw bytes (base64), not one node per element.
BINARY_KINDS = "biufc"
# What decoding may build from a few bytes: the memory of values of a wide dtype
# ("U200000000"), and, for what comes from the kernel, a range's numbers. The kernel can claim
# anything, and the judge would exhaust the sandbox's memory building such a value, or the
# moment a test turned a range into a list, as tests do with what should be a generator.
MAX_DECODED_BYTES = 4 * MAX_CHARS
MAX_RANGE = MAX_ITEMS
_range_limit: int | None = None  # set by decode(max_range=...) while it runs


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


class Budget:
    """Bounds one encoding: nodes, and an estimate of the JSON characters they become. Sizes
    are charged before a container is walked or an array is copied out, so an oversized
    value fails at once instead of after it has filled the sandbox's memory. One budget may
    span several values that travel in the same message."""

    def __init__(self, max_items: int = MAX_ITEMS, max_chars: int = MAX_CHARS) -> None:
        self.max_items = max_items
        self.max_chars = max_chars
        self.items = 0
        self.chars = 0

    def tick(self, n: int = 1, chars: int = 0) -> None:
        self.items += n
        self.chars += chars + NODE_CHARS * n
        if self.items > self.max_items:
            raise UnsupportedValue(f"value too large (more than {self.max_items} items)")
        if self.chars > self.max_chars:
            raise UnsupportedValue(f"value too large (over {self.max_chars} characters encoded)")

    def need(self, items: int, chars: int = 0) -> None:
        """Refuses at once a container or array that could not fit in what is left."""
        chars += NODE_CHARS * items
        if self.items + items > self.max_items or self.chars + chars > self.max_chars:
            raise UnsupportedValue("value too large to check")


def _text_chars(text: str) -> int:
    # JSON writes non-ASCII text as \uXXXX escapes.
    return len(text) if text.isascii() else 6 * len(text)


@contextlib.contextmanager
def _no_cycle_collection() -> Iterator[None]:
    # Encodings are trees of fresh dicts and lists: no cycles to collect, but the collector
    # would run over and over while a large one is built (a second becomes five).
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def encode(value: Any, budget: Budget | None = None) -> Any:
    with _no_cycle_collection():
        return _encode(value, 0, budget or Budget())


def _encode(value: Any, depth: int, counter: Budget) -> Any:
    if depth > MAX_DEPTH:
        raise UnsupportedValue("value nested too deeply")
    counter.tick()
    kind = type(value)
    if value is None:
        return {"t": "none"}
    if kind is bool:
        counter.tick(0, 5)
        return {"t": "bool", "v": value}
    if kind is int:
        return {"t": "int", "v": _int_text(value, counter)}
    if kind is float:
        counter.tick(0, FLOAT_CHARS)
        return {"t": "float", "v": _float_out(value)}
    if kind is str:
        counter.tick(0, _text_chars(value))
        return {"t": "str", "v": value}
    if kind is bytes:
        counter.tick(0, len(value) * 4 // 3)
        return {"t": "bytes", "v": base64.b64encode(value).decode()}
    if kind in (list, tuple, set, frozenset):
        counter.need(len(value))
        tag = "set" if kind in (set, frozenset) else kind.__name__
        items = [_encode(item, depth + 1, counter) for item in value]
        if tag == "set":
            # A set's order varies between processes; sorting the encodings (not the items)
            # keeps the output stable without calling anything on the items.
            items.sort(key=lambda item: json.dumps(item, sort_keys=True))
        return {"t": tag, "v": items}
    if kind is dict:
        counter.need(2 * len(value))
        return {
            "t": "dict",
            "v": [
                [_encode(k, depth + 1, counter), _encode(v, depth + 1, counter)]
                for k, v in value.items()
            ],
        }
    return _encode_other_builtin(value, depth, counter)


def _int_text(value: int, counter: Budget) -> str:
    try:
        text = str(value)
    except ValueError as exc:  # over Python's limit on digits of an int as text
        raise UnsupportedValue("integer too large to check") from exc
    counter.tick(0, len(text))
    return text


def _encode_other_builtin(value: Any, depth: int, counter: Budget) -> Any:
    kind = type(value)
    if kind is complex:
        return {"t": "complex", "v": [_float_out(value.real), _float_out(value.imag)]}
    if kind is dt.datetime:
        return {"t": "datetime", "v": value.isoformat()}
    if kind is dt.date:
        return {"t": "date", "v": value.isoformat()}
    if kind is dt.timedelta:
        return {"t": "timedelta", "v": value.total_seconds()}
    if value is Ellipsis:
        return {"t": "ellipsis"}
    if kind is slice:
        bounds = (value.start, value.stop, value.step)
        return {"t": "slice", "v": [_encode(item, depth + 1, counter) for item in bounds]}
    if kind is range:
        bounds = (value.start, value.stop, value.step)
        return {"t": "pyrange", "v": [_int_text(item, counter) for item in bounds]}
    return _encode_scientific(value, depth, counter)


def _encode_scientific(value: Any, depth: int, counter: Budget) -> Any:
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
    if kind is np.ndarray and value.dtype.kind in BINARY_KINDS:
        counter.need(1, value.nbytes * 4 // 3)
        counter.tick(0, value.nbytes * 4 // 3)
        little = np.ascontiguousarray(value).astype(value.dtype.newbyteorder("<"), copy=False)
        return {
            "t": "ndarray",
            "dtype": str(value.dtype),
            "shape": list(value.shape),
            "b64": base64.b64encode(little.tobytes()).decode(),
        }
    if kind is np.ndarray:
        counter.need(value.size)
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
    if kind is pd.MultiIndex:
        counter.need(len(value) * max(1, value.nlevels))
        return {
            "t": "multiindex",
            "names": [_encode(name, depth + 1, counter) for name in value.names],
            "v": [_encode(item, depth + 1, counter) for item in value.tolist()],
        }
    if isinstance(value, pd.Index) and kind.__module__.split(".")[0] == "pandas":
        counter.need(len(value))
        return {
            "t": "index",
            "dtype": str(value.dtype),
            "name": _encode(value.name, depth + 1, counter),
            "v": [_encode(item, depth + 1, counter) for item in value.tolist()],
        }
    if kind is pd.Series:
        counter.need(len(value))
        return {
            "t": "series",
            "dtype": str(value.dtype),
            "name": _encode(value.name, depth + 1, counter),
            "index": _encode(value.index, depth + 1, counter),
            "v": [_encode(item, depth + 1, counter) for item in value.tolist()],
        }
    if kind is pd.DataFrame:
        counter.need(value.size)
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


def decode(data: Any, max_range: int | None = None) -> Any:
    """The value `data` encodes. With `max_range` (the judge, reading the kernel's answers), a
    range or RangeIndex of more numbers is malformed; the kernel may receive longer ones."""
    global _range_limit
    _range_limit = max_range
    try:
        with _no_cycle_collection():
            return _decode(data, 0)
    except MalformedValue:
        raise
    except (TypeError, ValueError, OverflowError, RecursionError) as exc:
        # e.g. bad base64, a set of unhashable items, an unparsable date
        raise MalformedValue(f"bad value: {exc}"[:300]) from exc
    finally:
        _range_limit = None


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
    return _decode_other_builtin(tag, data, depth)


def _decode_other_builtin(tag: str, data: dict[str, Any], depth: int) -> Any:
    if tag == "complex":
        parts = _list(data)
        if len(parts) != 2:
            raise MalformedValue("bad complex")
        return complex(_float_in(parts[0]), _float_in(parts[1]))
    if tag == "ellipsis":
        return Ellipsis
    if tag == "slice":
        bounds = _list(data)
        if len(bounds) != 3:
            raise MalformedValue("bad slice")
        return slice(*(_decode(item, depth + 1) for item in bounds))
    if tag == "pyrange":
        bounds = _list(data)
        if len(bounds) != 3 or not all(type(n) is str and len(n) <= 5000 for n in bounds):
            raise MalformedValue("bad range")
        return _check_range(range(*(int(n) for n in bounds)))
    return _decode_scientific(tag, data, depth)


def _check_range(value: Any) -> Any:
    if _range_limit is None:
        return value
    try:
        length = len(value)
    except OverflowError:  # more numbers than an index can count
        length = _range_limit + 1
    if length > _range_limit:
        raise MalformedValue(f"a range of over {_range_limit} numbers is too long to copy")
    return value


def _dtype(data: dict[str, Any], count: int = 1) -> str:
    dtype = data.get("dtype")
    if type(dtype) is not str or len(dtype) > 64:
        raise MalformedValue("bad dtype")
    _check_width(dtype, count)
    return dtype


def _check_width(name: str, count: int) -> None:
    """Refuses `count` values of a dtype so wide that building them would take more memory
    than a value may: whoever claims them could not have held them itself."""
    import pandas as pd

    try:
        dtype: Any = pd.api.types.pandas_dtype(name)
    except (TypeError, ValueError):
        return  # not a dtype at all: the constructor refuses it
    itemsize = getattr(getattr(dtype, "subtype", None) or dtype, "itemsize", 0)
    if type(itemsize) is int and itemsize * max(count, 1) > MAX_DECODED_BYTES:
        raise MalformedValue(f"values of dtype {name} would take more memory than a value may")


def _decode_binary_array(data: dict[str, Any]) -> Any:
    import numpy as np

    shape = _list(data, "shape")
    raw = data.get("b64")
    if not all(type(n) is int and n >= 0 for n in shape) or len(shape) > 32:
        raise MalformedValue("bad shape")
    if type(raw) is not str:
        raise MalformedValue("bad array bytes")
    dtype = np.dtype(_dtype(data))
    # Only plain numbers are rebuilt from bytes: never objects or structured records.
    if dtype.kind not in BINARY_KINDS or dtype.fields is not None or dtype.subdtype is not None:
        raise MalformedValue("bad array dtype")
    count = math.prod(shape)
    if len(raw) != 4 * math.ceil(count * dtype.itemsize / 3):
        raise MalformedValue("array bytes do not match its shape")
    buffer = base64.b64decode(raw, validate=True)
    little = np.frombuffer(buffer, dtype=dtype.newbyteorder("<"), count=count)
    return little.astype(dtype).reshape(shape)


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
        if tag == "ndarray" and "b64" in data:
            return _decode_binary_array(data)
        if tag == "ndarray":
            shape = _list(data, "shape")
            if not all(type(n) is int and n >= 0 for n in shape):
                raise MalformedValue("bad shape")
            items = [_decode(item, depth + 1) for item in _list(data)]
            return np.array(items, dtype=np.dtype(_dtype(data, len(items)))).reshape(shape)
        if tag == "range":
            bounds = [data.get(key) for key in ("start", "stop", "step")]
            if not all(type(n) is int for n in bounds):
                raise MalformedValue("bad range")
            return _check_range(pd.RangeIndex(*bounds, name=_decode(data["name"], depth + 1)))
        if tag == "multiindex":
            tuples = [_decode(item, depth + 1) for item in _list(data)]
            names = [_decode(name, depth + 1) for name in _list(data, "names")]
            if not all(type(t) is tuple and len(t) == len(names) for t in tuples):
                raise MalformedValue("bad multiindex")
            return pd.MultiIndex.from_tuples(tuples, names=names)
        if tag == "index":
            items = [_decode(item, depth + 1) for item in _list(data)]
            dtype = _dtype(data, len(items))
            return pd.Index(items, dtype=dtype, name=_decode(data["name"], depth + 1))
        if tag == "series":
            items = [_decode(item, depth + 1) for item in _list(data)]
            index = _decode(data["index"], depth + 1)
            return pd.Series(
                items,
                index=index,
                dtype=_dtype(data, len(items)),
                name=_decode(data["name"], depth + 1),
            )
        if tag == "frame":
            columns = _decode(data["columns"], depth + 1)
            index = _decode(data["index"], depth + 1)
            dtypes = _list(data, "dtypes")
            values = _list(data)
            if len(dtypes) != len(values) or len(values) != len(columns):
                raise MalformedValue("frame columns, dtypes and values differ in length")
            for column, dtype in zip(values, dtypes, strict=True):
                _dtype({"dtype": dtype}, len(column) if type(column) is list else 1)
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
