"""JSON records -> `EventBatch`, for the REST API and files of events.

Names that are not in the vocabulary (an unknown kind or surface, a missing user) are
not errors here: they become the sentinel codes, so that `validate` refuses those events
one by one with a reason while the rest of the batch goes in. A value of the wrong type
(a user id that is text, a boolean that is a number) is a malformed request rather than
a bad event, and raises `CodecError` naming the record.

Worked example::

    >>> b = batch_from_records([
    ...     {"ts": "2026-11-01T12:00:00Z", "kind": "play", "user": 7, "object": 42,
    ...      "watch_ms": 6500},
    ...     {"ts": 1793534400000, "kind": "teleport", "object": 42, "surface": "mars"},
    ... ])
    >>> b.ts_ms.tolist(), b.kind.tolist(), b.user.tolist(), b.surface.tolist()
    ([1793534400000, 1793534400000], [1, -1], [7, -1], [0, -1])
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from reelmint.events.batch import COLUMNS, MISSING_TS, EventBatch
from reelmint.events.model import InvalidReason, Kind, Surface

FIELDS = frozenset({
    "ts", "kind", "user", "object", "author", "surface", "device", "network", "invalid",
    "invalid_reason", "paid", "watch_ms", "complete", "amount",
})  # fmt: skip
_KIND_CODES = {k.label: int(k) for k in Kind}
_SURFACE_CODES = {s.label: int(s) for s in Surface}
_REASON_CODES = {r.label: int(r) for r in InvalidReason}
_INTS = ("user", "object", "author", "device", "network", "watch_ms", "amount")
_BOOLS = ("invalid", "paid", "complete")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


class CodecError(ValueError):
    """A record that is not an event at all (wrong field or type); the message says which."""


def batch_from_records(records: Sequence[Mapping[str, Any]]) -> EventBatch:
    """One `EventBatch` from JSON-shaped records (see the module docstring for the fields).

    `ts` is an ISO 8601 string with a zone, or integer ms since the epoch; a string
    without a zone, or one that does not parse, is a missing timestamp (refused by
    `validate`), since guessing the zone would file the event under the wrong day.
    """
    for i, record in enumerate(records):
        extra = set(record) - FIELDS
        if extra:
            raise CodecError(f"event {i}: unknown fields {sorted(extra)}")
    columns: dict[str, Any] = {
        "ts_ms": _column(records, "ts", _ts_ms, MISSING_TS),
        "kind": _column(records, "kind", _name(_KIND_CODES, "kind"), -1),
        "surface": _column(records, "surface", _name(_SURFACE_CODES, "surface"), 0),
        "invalid_reason": _column(records, "invalid_reason", _name(_REASON_CODES, "reason"), 0),
    }
    for name in _INTS:
        columns[name] = _column(records, name, _int(name), COLUMNS[name][1])
    for name in _BOOLS:
        columns[name] = _column(records, name, _bool(name), False)
    return EventBatch.of(**columns)


def _column(
    records: Sequence[Mapping[str, Any]], field: str, parse: Callable[[Any], int | bool],
    default: int | bool,
) -> np.ndarray[Any, Any]:  # fmt: skip
    values = []
    for i, record in enumerate(records):
        value = record.get(field)
        try:
            values.append(default if value is None else parse(value))
        except CodecError as exc:
            raise CodecError(f"event {i}: {exc}") from None
    return np.array(values, dtype=np.int64)


def _ts_ms(value: Any) -> int:
    if type(value) is int:
        return _in_range(value, "ts")
    if not isinstance(value, str):
        raise CodecError(f"ts must be an ISO 8601 string or integer ms, not {value!r}")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return MISSING_TS
    if moment.tzinfo is None:
        return MISSING_TS
    # Integer division of timedeltas is exact; timestamp() would go through a float.
    return (moment - _EPOCH) // _MS


def _in_range(value: int, field: str) -> int:
    if not _INT64_MIN < value <= _INT64_MAX:
        raise CodecError(f"{field} {value} is out of range")
    return value


def _name(codes: Mapping[str, int], what: str) -> Callable[[Any], int]:
    def parse(value: Any) -> int:
        if not isinstance(value, str):
            raise CodecError(f"{what} must be a name, not {value!r}")
        return codes.get(value.lower(), -1)

    return parse


def _int(field: str) -> Callable[[Any], int]:
    def parse(value: Any) -> int:
        if type(value) is not int:  # bool is an int subclass, and never an id
            raise CodecError(f"{field} must be an integer, not {value!r}")
        return _in_range(value, field)

    return parse


def _bool(field: str) -> Callable[[Any], bool]:
    def parse(value: Any) -> bool:
        if type(value) is not bool:
            raise CodecError(f"{field} must be true or false, not {value!r}")
        return value

    return parse
