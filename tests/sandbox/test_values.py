"""The values-as-data codec (sandbox/runner/hbvalues.py), run on the host's numpy and pandas.
The judge decodes into fresh objects of exact types, so candidate-defined behaviour can't
cross the boundary."""

from __future__ import annotations

import datetime as dt
import json
import math
import sys

import numpy as np
import pandas as pd
import pytest

from hirebench.paths import PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT / "sandbox" / "runner"))
import hbvalues


def roundtrip(value: object) -> object:
    return hbvalues.decode(json.loads(json.dumps(hbvalues.encode(value), allow_nan=False)))


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        0,
        -(10**30),
        1.5,
        "数据标注",
        b"\x00\xff",
        [1, "a"],
        (1, 2),
        {1, 2},
        {"k": [1, {"n": None}], 3: "x"},
        dt.date(2024, 3, 1),
        dt.datetime(2024, 3, 1, 12, 30),
        dt.timedelta(seconds=90),
    ],
)
def test_builtin_values_roundtrip_with_exact_types(value: object) -> None:
    back = roundtrip(value)
    assert back == value and type(back) is type(value)


def test_special_floats() -> None:
    assert math.isnan(roundtrip(float("nan")))  # type: ignore[arg-type]
    assert roundtrip(float("-inf")) == float("-inf")


def test_numpy_values() -> None:
    array = np.arange(6, dtype="int32").reshape(2, 3)
    back = roundtrip(array)
    assert isinstance(back, np.ndarray) and back.dtype == np.int32 and back.shape == (2, 3)
    assert (back == array).all()
    scalar = roundtrip(np.float32(2.5))
    assert type(scalar) is np.float32 and scalar == 2.5


def test_frames_and_series_roundtrip() -> None:
    frame = pd.DataFrame(
        {
            "order_id": [1001, 1002],
            "product": ["无线鼠标", "台灯"],
            "price": [89.0, float("nan")],
            "when": pd.to_datetime(["2024-03-01", "2024-03-02"]),
            "category": pd.Categorical(["home", "books"]),
            "qty": pd.array([1, None], dtype="Int64"),
        },
        index=pd.Index([10, 20], name="row"),
    )
    back = roundtrip(frame)
    assert type(back) is pd.DataFrame
    pd.testing.assert_frame_equal(back, frame)
    series = frame["product"].rename("p")
    pd.testing.assert_series_equal(roundtrip(series), series)  # type: ignore[arg-type]
    assert roundtrip(pd.Timestamp("2024-03-01")) == pd.Timestamp("2024-03-01")
    assert roundtrip(pd.NaT) is pd.NaT


def test_duplicate_and_non_string_columns() -> None:
    frame = pd.DataFrame([[1, 2, 3]], columns=["a", "a", 7])
    back = roundtrip(frame)
    assert list(back.columns) == ["a", "a", 7]  # type: ignore[attr-defined]


class AlwaysEqual:
    def __eq__(self, other: object) -> bool:
        return True


class SneakyInt(int):
    def __eq__(self, other: object) -> bool:
        return True

    __hash__ = int.__hash__


@pytest.mark.parametrize(
    "value",
    [AlwaysEqual(), SneakyInt(3), [1, AlwaysEqual()], {"k": SneakyInt(1)}, lambda: 1, object()],
)
def test_values_of_other_types_are_refused(value: object) -> None:
    with pytest.raises(hbvalues.UnsupportedValue, match="cannot be checked"):
        hbvalues.encode(value)


@pytest.mark.parametrize(
    "data",
    [
        "not a dict",
        {"v": 1},
        {"t": "nope"},
        {"t": "int", "v": 5},
        {"t": "int", "v": "9" * 6000},
        {"t": "float", "v": "NaNish"},
        {"t": "list", "v": "abc"},
        {"t": "dict", "v": [[1]]},
        {"t": "bool", "v": 1},
        {"t": "ndarray", "dtype": "int64", "shape": [-1], "v": []},
        {
            "t": "frame",
            "columns": {"t": "range", "start": 0, "stop": 2, "step": 1, "name": {"t": "none"}},
            "index": {"t": "range", "start": 0, "stop": 0, "step": 1, "name": {"t": "none"}},
            "dtypes": ["int64"],
            "v": [[]],
        },
        {"t": "np.scalar", "dtype": "x" * 100, "v": {"t": "int", "v": "1"}},
    ],
)
def test_malformed_data_is_rejected(data: object) -> None:
    with pytest.raises(hbvalues.MalformedValue):
        hbvalues.decode(data)


def test_nesting_and_size_are_bounded() -> None:
    deep: list[object] = []
    for _ in range(100):
        deep = [deep]
    with pytest.raises(hbvalues.UnsupportedValue, match="deeply"):
        hbvalues.encode(deep)
    nested: dict[str, object] = {"t": "none"}
    for _ in range(100):
        nested = {"t": "list", "v": [nested]}
    with pytest.raises(hbvalues.MalformedValue, match="deeply"):
        hbvalues.decode(nested)


@pytest.mark.parametrize(
    "value",
    [1 + 2j, complex(float("inf"), -0.5), slice(1, None, -2), Ellipsis, range(3, -9, -3)],
)
def test_complex_slices_and_ranges_roundtrip(value: object) -> None:
    back = roundtrip(value)
    assert back == value and type(back) is type(value)


def test_numeric_arrays_travel_as_bytes() -> None:
    for array in [
        np.array([1 + 1j, 2 - 0.5j], dtype=np.complex64),
        np.arange(12, dtype=">i4").reshape(3, 4)[:, ::2],
        np.array([True, False]),
        np.zeros((0, 3)),
    ]:
        encoded = hbvalues.encode(array)
        assert "b64" in encoded and "v" not in encoded
        back = roundtrip(array)
        assert type(back) is np.ndarray and back.dtype == array.dtype
        np.testing.assert_array_equal(back, array)
    scalar = roundtrip(np.complex128(1 - 1j))
    assert type(scalar) is np.complex128 and scalar == 1 - 1j


@pytest.mark.parametrize(
    "data",
    [
        {"t": "ndarray", "dtype": "O", "shape": [1], "b64": "AAAAAAAAAAA="},
        {"t": "ndarray", "dtype": "i4,f8", "shape": [1], "b64": "AAAAAAAAAAAAAAAA"},
        {"t": "ndarray", "dtype": "int64", "shape": [2], "b64": "AAAAAAAAAAA="},
        {"t": "ndarray", "dtype": "int8", "shape": [10**12], "b64": ""},
        {"t": "ndarray", "dtype": "int8", "shape": [3], "b64": "!!!!"},
        {"t": "complex", "v": [1]},
        {"t": "slice", "v": [{"t": "none"}]},
        {"t": "pyrange", "v": ["1", "2", "x"]},
        {"t": "bytes", "v": "not base64!"},
        {"t": "set", "v": [{"t": "list", "v": []}]},
        {"t": "date", "v": "yesterday"},
    ],
)
def test_malformed_new_forms_are_rejected(data: object) -> None:
    with pytest.raises(hbvalues.MalformedValue):
        hbvalues.decode(data)


@pytest.mark.parametrize(
    "make",
    [
        lambda: list(range(5_000_000)),
        lambda: "x" * 20_000_000,
        lambda: "数" * 3_000_000,
        lambda: b"\0" * 13_000_000,
        lambda: np.zeros(5_000_000, dtype=object),
        lambda: pd.Series(np.zeros(3_000_000, dtype=object)),
        lambda: 10**5000,
    ],
)
def test_oversized_values_fail_fast(make: object) -> None:
    value = make()  # type: ignore[operator]
    with pytest.raises(hbvalues.UnsupportedValue, match="too large"):
        hbvalues.encode(value)


def test_a_shared_budget_bounds_several_values() -> None:
    budget = hbvalues.Budget(max_chars=10_000)
    hbvalues.encode("a" * 6_000, budget)
    with pytest.raises(hbvalues.UnsupportedValue, match="too large"):
        hbvalues.encode("b" * 6_000, budget)


def test_a_multiindex_keeps_its_level_names() -> None:
    frame = pd.DataFrame(
        {"station": ["n1", "n1", "s2"], "day": [1, 2, 1], "reading": [0.5, 0.75, 1.0]}
    ).set_index(["station", "day"])
    back = roundtrip(frame)
    assert isinstance(back, pd.DataFrame)
    assert type(back.index) is pd.MultiIndex
    assert back.index.names == ["station", "day"]
    pd.testing.assert_frame_equal(back, frame)
    series = roundtrip(frame["reading"])
    assert isinstance(series, pd.Series) and series.index.names == ["station", "day"]


def test_a_malformed_multiindex_is_rejected() -> None:
    with pytest.raises(hbvalues.MalformedValue):
        hbvalues.decode({"t": "multiindex", "names": ["a", "b"], "v": [{"t": "tuple", "v": [1]}]})
