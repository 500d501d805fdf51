"""`EventBatch`: a batch of events as equal-length NumPy columns.

Every producer (the simulator, the REST API through `events.codec`) hands ingest one of
these, and every consumer after ingest (counters, the ranker's listeners, the lake)
reads whole columns, so no per-event Python objects exist on the hot path.

Missing values are sentinels rather than masks, so that each column stays a plain
array: -1 for a missing id, code or watch time, `MISSING_TS` for a missing timestamp,
0 for "no fingerprint". Worked example::

    >>> from reelmint.events.model import Kind
    >>> b = EventBatch.of(ts_ms=[1_000, 2_000], kind=[Kind.PLAY, Kind.LIKE],
    ...                   user=[7, 7], object=[42, 42], watch_ms=[6_500, -1])
    >>> len(b), b.author.tolist(), b.surface.tolist(), b.amount.tolist()
    (2, [-1, -1], [0, 0], [0, 0])
    >>> b.take(b.kind == Kind.LIKE).ts_ms.tolist()
    [2000]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from reelmint.events.model import Surface

MISSING_TS = int(np.iinfo(np.int64).min)

# Column name -> (dtype, default for an omitted column).
COLUMNS: dict[str, tuple[type[np.generic], int | bool]] = {
    "ts_ms": (np.int64, MISSING_TS),  # ms since the Unix epoch, UTC
    "kind": (np.int8, -1),  # Kind code
    "user": (np.int64, -1),
    "object": (np.int64, -1),  # video, ad, LIVE or link id, by kind
    "author": (np.int64, -1),  # the video's creator; ingest fills it from the catalog
    "surface": (np.int8, int(Surface.FOR_YOU)),  # Surface code
    "device": (np.int64, 0),  # fingerprint hashes for integrity; 0: none
    "network": (np.int64, 0),
    "invalid": (np.bool_, False),
    "invalid_reason": (np.int8, 0),  # InvalidReason code
    "paid": (np.bool_, False),  # the view came from a paid placement
    "watch_ms": (np.int64, -1),  # -1: not applicable; required for play
    "complete": (np.bool_, False),  # a play watched to the end
    "amount": (np.int64, 0),  # gift coins, order/refund/conversion micros, quartile 1..4
}
REQUIRED = ("ts_ms", "kind", "user", "object")


@dataclass(frozen=True, slots=True, eq=False)
class EventBatch:
    ts_ms: NDArray[np.int64]
    kind: NDArray[np.int8]
    user: NDArray[np.int64]
    object: NDArray[np.int64]
    author: NDArray[np.int64]
    surface: NDArray[np.int8]
    device: NDArray[np.int64]
    network: NDArray[np.int64]
    invalid: NDArray[np.bool_]
    invalid_reason: NDArray[np.int8]
    paid: NDArray[np.bool_]
    watch_ms: NDArray[np.int64]
    complete: NDArray[np.bool_]
    amount: NDArray[np.int64]

    def __post_init__(self) -> None:
        n = len(self.ts_ms)
        for name, (dtype, _) in COLUMNS.items():
            column = getattr(self, name)
            if not isinstance(column, np.ndarray) or column.dtype != dtype or column.ndim != 1:
                raise TypeError(f"column {name!r} must be a 1-d {np.dtype(dtype)} array")
            if len(column) != n:
                raise ValueError(f"column {name!r} has {len(column)} rows, expected {n}")

    @classmethod
    def of(cls, **columns: ArrayLike) -> EventBatch:
        """A batch from the given columns, converted to their dtypes (a no-copy view when
        already right); omitted optional columns take their defaults. `ts_ms`, `kind`,
        `user` and `object` are required."""
        unknown = set(columns) - set(COLUMNS)
        if unknown:
            raise TypeError(f"unknown event columns: {sorted(unknown)}")
        missing = [name for name in REQUIRED if name not in columns]
        if missing:
            raise TypeError(f"missing event columns: {missing}")
        n = len(np.asarray(columns["ts_ms"]))
        values: dict[str, Any] = {}
        for name, (dtype, default) in COLUMNS.items():
            if name in columns:
                values[name] = np.asarray(columns[name], dtype=dtype).reshape(-1)
            else:
                values[name] = np.full(n, default, dtype)
        return cls(**values)

    @classmethod
    def empty(cls) -> EventBatch:
        return cls(**{name: np.empty(0, dtype) for name, (dtype, _) in COLUMNS.items()})

    def __len__(self) -> int:
        return len(self.ts_ms)

    def columns(self) -> dict[str, NDArray[Any]]:
        """Column name -> array (the arrays themselves, not copies)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def take(self, rows: NDArray[np.bool_] | NDArray[np.integer[Any]] | slice) -> EventBatch:
        """The rows picked by a boolean mask, an index array or a slice (a slice is a view)."""
        return EventBatch(**{name: col[rows] for name, col in self.columns().items()})

    def replace(self, **columns: NDArray[Any]) -> EventBatch:
        """This batch with some columns swapped for arrays of the same dtype and length."""
        return EventBatch(**{**self.columns(), **columns})

    @staticmethod
    def concat(batches: Sequence[EventBatch]) -> EventBatch:
        """One batch with the rows of each, in order."""
        if not batches:
            return EventBatch.empty()
        if len(batches) == 1:
            return batches[0]
        return EventBatch(
            **{name: np.concatenate([getattr(b, name) for b in batches]) for name in COLUMNS}
        )

    def equals(self, other: EventBatch) -> bool:
        """Same rows, column for column (dataclass `==` would compare arrays ambiguously)."""
        return all(np.array_equal(getattr(self, n), getattr(other, n)) for n in COLUMNS)
