"""Columns as Arrow string arrays: pyarrow, Polars and pandas (with
pyarrow) hand theirs over without a copy, and get Arrow arrays back."""

from __future__ import annotations

import importlib
from typing import Any, Tuple

from . import _native


def _pyarrow() -> Any:
    # Imported by name: pyarrow, Polars and pandas are optional, and only
    # the caller's own column brings them in.
    return importlib.import_module("pyarrow")


def _array(pipeline: Any, pa: Any, array: Any) -> Tuple[Any, Any]:
    """Normalizes one pyarrow ``Array``."""
    kind = array.type
    if pa.types.is_string(kind) or pa.types.is_binary(kind):
        large = False
    elif pa.types.is_large_string(kind) or pa.types.is_large_binary(kind):
        large = True
    elif pa.types.is_null(kind) or _is_text(pa, kind):
        # String views, dictionaries of strings and all-null columns:
        # the engine reads the plain layout.
        array = array.cast(pa.large_string())
        large = True
    else:
        raise TypeError(
            f"normalize takes strings; got an Arrow array of {kind}"
        )
    length = len(array)
    if length == 0:
        empty = pa.array([], pa.large_string() if large else pa.string())
        return empty, pa.array([], pa.string())
    validity, offsets, data = array.buffers()[:3]
    validity, offsets, data, codes, nulls, large = pipeline.normalize_arrow(
        validity,
        offsets,
        data if data is not None else pa.py_buffer(b""),
        array.offset,
        length,
        large,
    )
    values = pa.Array.from_buffers(
        pa.large_string() if large else pa.string(),
        length,
        [
            None if validity is None else pa.py_buffer(validity),
            pa.py_buffer(offsets),
            pa.py_buffer(data),
        ],
        null_count=nulls,
    )
    codes = pa.Array.from_buffers(
        pa.uint8(), length, [None, pa.py_buffer(codes)]
    )
    return values, _rule_names(pa).take(codes)


def _is_text(pa: Any, kind: Any) -> bool:
    if getattr(pa.types, "is_string_view", lambda _: False)(kind):
        return True
    if pa.types.is_dictionary(kind):
        value = kind.value_type
        return bool(
            pa.types.is_string(value) or pa.types.is_large_string(value)
        )
    return False


_RULE_NAMES: Any = None


def _rule_names(pa: Any) -> Any:
    """Index 0 (kept) is null; index 1 + i is ``REJECTS[i]``."""
    global _RULE_NAMES
    if _RULE_NAMES is None:
        _RULE_NAMES = pa.array([None, *_native.REJECTS], pa.string())
    return _RULE_NAMES


def normalize(pipeline: Any, values: Any) -> Tuple[Any, Any]:
    """A pyarrow ``Array`` or ``ChunkedArray``, chunk by chunk."""
    pa = _pyarrow()
    if isinstance(values, pa.ChunkedArray):
        parts = [_array(pipeline, pa, chunk) for chunk in values.chunks]
        if any(pa.types.is_large_string(v.type) for v, _ in parts):
            kind = pa.large_string()
        else:
            kind = pa.string()
        return (
            pa.chunked_array([v.cast(kind) for v, _ in parts], kind),
            pa.chunked_array([r for _, r in parts], pa.string()),
        )
    if isinstance(values, pa.Array):
        return _array(pipeline, pa, values)
    raise TypeError(
        f"normalize takes a pyarrow Array or ChunkedArray, not "
        f"{type(values).__name__}"
    )


def normalize_polars(pipeline: Any, series: Any) -> Tuple[Any, Any]:
    """A Polars ``Series`` of strings, as Polars ``map_batches`` hands it
    over; returns two Series."""
    pl = importlib.import_module("polars")

    try:
        arrow = series.to_arrow()
    except ImportError:
        values, rules = pipeline.normalize_list(series.to_list())
        return (
            pl.Series(series.name, values, pl.String),
            pl.Series("rule", rules, pl.String),
        )
    values, rules = normalize(pipeline, arrow)
    return (
        pl.Series(series.name, values, pl.String),
        pl.Series("rule", rules, pl.String),
    )


def normalize_pandas(pipeline: Any, series: Any) -> Tuple[Any, Any]:
    """A pandas ``Series`` of strings, as a Spark ``pandas_udf`` hands it
    over; returns two Series with its index."""
    pd = importlib.import_module("pandas")

    try:
        pa = _pyarrow()
    except ImportError:
        values, rules = pipeline.normalize_list(series.tolist())
    else:
        values, rules = normalize(pipeline, pa.array(series, from_pandas=True))
        values, rules = values.to_pylist(), rules.to_pylist()
    return (
        pd.Series(values, index=series.index, name=series.name, dtype=object),
        pd.Series(rules, index=series.index, name="rule", dtype=object),
    )
