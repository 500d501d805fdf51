"""Arrow schemas of the event kinds (DESIGN.md section 4) and `EventBatch` <-> Arrow.

Every kind shares the base fields; some add their own (`EXTRAS`). `kind` and `day` are
not columns: they are the lake's hive partition keys (`kind=play/day=2026-11-01/`),
so a file holds one kind and one day, and a query that names kinds or days never
opens the others.

The batch's generic `amount` column takes the kind's own name in the file: `coins`
for a gift, `amount_micros` for an order, refund or conversion, `quartile` for
`ad_quartile`, `charged_micros` for the billable ad events (`ad_impression`, `ad_click`,
`ad_view_6s`: what the advertiser was charged for it). Sentinels become nulls where
the schema has a nullable field: an author of -1 (not a video event), an
invalid_reason of NONE, an ad view's watch_ms of -1.

Pure: Arrow is a columnar format library, not I/O; nothing here touches a file.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from reelmint.events.batch import COLUMNS, EventBatch
from reelmint.events.model import InvalidReason, Kind, Surface

TS = pa.timestamp("ms", tz="UTC")
CODE = pa.dictionary(pa.int8(), pa.string())
# The dictionaries are the labels in code order, so a code column is its own index array.
SURFACES = pa.array([s.label for s in sorted(Surface)])
INVALID_REASONS = pa.array([r.label for r in sorted(InvalidReason)])

BASE = pa.schema([
    pa.field("ts", TS, nullable=False),
    pa.field("user", pa.int64(), nullable=False),
    pa.field("object", pa.int64(), nullable=False),
    pa.field("author", pa.int64()),  # null: the object is not a video
    pa.field("surface", CODE, nullable=False),
    pa.field("device", pa.int64(), nullable=False),
    pa.field("network", pa.int64(), nullable=False),
    pa.field("invalid", pa.bool_(), nullable=False),
    pa.field("invalid_reason", CODE),  # null: not invalid
    pa.field("paid", pa.bool_(), nullable=False),
])  # fmt: skip
_AD_WATCH = [pa.field("watch_ms", pa.int64())]  # ad views may say how long they ran
_MICROS = [pa.field("amount_micros", pa.int64(), nullable=False)]
# What the advertiser was charged for a billable ad event (0: not billed, or past a budget).
_CHARGED = [pa.field("charged_micros", pa.int64(), nullable=False)]
EXTRAS: dict[Kind, list[pa.Field]] = {
    Kind.PLAY: [pa.field("watch_ms", pa.int64(), nullable=False),
                pa.field("complete", pa.bool_(), nullable=False)],
    Kind.AD_IMPRESSION: _CHARGED,
    Kind.AD_CLICK: _CHARGED,
    Kind.AD_VIEW_2S: _AD_WATCH,
    Kind.AD_VIEW_6S: _AD_WATCH + _CHARGED,
    Kind.AD_QUARTILE: [pa.field("quartile", pa.int8(), nullable=False)],
    Kind.GIFT: [pa.field("coins", pa.int64(), nullable=False)],
    Kind.ORDER: _MICROS,
    Kind.REFUND: _MICROS,
    Kind.CONVERSION: _MICROS,
}  # fmt: skip
# File column -> the batch column it comes from, where the names differ.
_SOURCE = {"ts": "ts_ms", "coins": "amount", "amount_micros": "amount", "quartile": "amount",
           "charged_micros": "amount"}  # fmt: skip


def schema_for(kind: Kind) -> pa.Schema:
    """The file schema of one kind: the base fields, then the kind's own."""
    return pa.schema([*BASE, *EXTRAS.get(kind, [])])


def source_columns(kind: Kind) -> list[str]:
    """The batch columns a file of `kind` is made from (the lake gathers only these)."""
    return [_SOURCE.get(f.name, f.name) for f in schema_for(kind)]


def to_arrow(batch: EventBatch, kind: Kind) -> pa.Table:
    """The events of one kind as a table of `schema_for(kind)`.

    Zero-copy where Arrow's layout allows: int64 columns and the timestamp wrap the
    NumPy buffers, the code columns become the indices of dictionary arrays as they
    are. Booleans are repacked to bits, and nullable columns get a validity bitmap.
    """
    if len(batch) and not (batch.kind == kind).all():
        raise ValueError(f"to_arrow({kind.label}) was given events of other kinds")
    return table_from_columns(batch.columns(), kind)


def table_from_columns(columns: Mapping[str, NDArray[Any]], kind: Kind) -> pa.Table:
    """`to_arrow` from the batch columns of `source_columns(kind)`, already of one kind."""
    schema = schema_for(kind)
    arrays = [_arrow_column(columns[_SOURCE.get(f.name, f.name)], f) for f in schema]
    return pa.Table.from_arrays(arrays, schema=schema)


def _arrow_column(values: NDArray[Any], field: pa.Field) -> pa.Array:
    if field.name == "ts":
        return pa.array(values).view(TS)
    if field.name == "surface":
        return pa.DictionaryArray.from_arrays(pa.array(values), SURFACES)
    if field.name == "invalid_reason":
        return pa.DictionaryArray.from_arrays(_with_nulls(values, values == 0), INVALID_REASONS)
    if field.type == pa.int8():
        return pa.array(values.astype(np.int8))
    if field.nullable:
        return _with_nulls(values, values < 0)
    return pa.array(values)


def _with_nulls(values: NDArray[Any], null: NDArray[np.bool_]) -> pa.Array:
    """`values` as an Arrow array (sharing the buffer) that is null where `null` is."""
    values = np.ascontiguousarray(values)
    nulls = int(np.count_nonzero(null))
    kind = pa.from_numpy_dtype(values.dtype)
    data = pa.py_buffer(values)
    if not nulls:
        return pa.Array.from_buffers(kind, len(values), [None, data])
    bitmap = pa.py_buffer(np.packbits(~null, bitorder="little"))
    return pa.Array.from_buffers(kind, len(values), [bitmap, data], null_count=nulls)


def from_arrow(table: pa.Table, kind: Kind) -> EventBatch:
    """The inverse of `to_arrow`, for reading a partition back (not a hot path)."""
    n = table.num_rows
    columns: dict[str, NDArray[Any]] = {"kind": np.full(n, kind, np.int8)}
    for name in schema_for(kind).names:
        target = _SOURCE.get(name, name)
        dtype, missing = COLUMNS[target]
        column = table.column(name)
        if pa.types.is_dictionary(column.type):
            labels = SURFACES if name == "surface" else INVALID_REASONS
            columns[target] = _codes(column, labels.to_pylist(), missing)
        else:
            if name == "ts":
                column = column.cast(pa.int64())
            filled = column.fill_null(missing) if column.null_count else column
            columns[target] = filled.to_numpy().astype(dtype)
    return EventBatch.of(**columns)


def _codes(column: pa.ChunkedArray, labels: list[str], missing: int | bool) -> NDArray[np.int8]:
    """Codes of a dictionary column, whose chunks may each carry their own dictionary."""
    parts = [np.empty(0, np.int8)]
    for chunk in column.chunks:
        remap = np.array([labels.index(v) for v in chunk.dictionary.to_pylist()], np.int8)
        indices = chunk.indices.fill_null(0).to_numpy()
        codes = remap[indices] if len(remap) else np.zeros(len(chunk), np.int8)
        parts.append(np.where(chunk.is_null().to_numpy(zero_copy_only=False), missing, codes))
    return np.concatenate(parts).astype(np.int8)
