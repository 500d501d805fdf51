"""Invalid flags that arrive after the events they judge: append-only, beside the lake.

An event that is known invalid when it arrives carries `invalid = true`. Integrity often
decides later: a viewer turns out to be a bot, a burst of plays on a video turns out to
be bought. Events are facts and are never rewritten, so such a verdict is a flag:

    <root>/flags/day=<day flagged>/flags-<content hash>.parquet

A flag names a viewer (`user`), optionally one video or other object (`object`, null:
all of them), a span [start, end) of event times, a reason and when it was flagged.
Every query that pays (qualified views) leaves out the plays a flag covers, if the flag
was made by the moment the query asks about (`flagged_by_ms`), so a close run again
later sees what it saw then, and a later close sees the late flags and claws back.

Files are named by a hash of their rows: writing the same flags twice leaves one file.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from reelmint.events.lake import DAY_MS, day_label
from reelmint.events.model import InvalidReason

TS = pa.timestamp("ms", tz="UTC")
SCHEMA = pa.schema([
    pa.field("user", pa.int64(), nullable=False),
    pa.field("object", pa.int64()),
    pa.field("start_ts", TS, nullable=False),
    pa.field("end_ts", TS, nullable=False),
    pa.field("reason", pa.string(), nullable=False),
    pa.field("flagged_ts", TS, nullable=False),
])  # fmt: skip


class FlagError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Flag:
    user: int
    start_ms: int
    end_ms: int
    reason: InvalidReason
    flagged_ms: int
    object: int | None = None

    def __post_init__(self) -> None:
        if self.end_ms <= self.start_ms:
            raise FlagError(f"flag on user {self.user}: the span must end after it starts")
        if self.reason is InvalidReason.NONE:
            raise FlagError("a flag needs a reason other than none")


def write_flags(root: Path, flags: Sequence[Flag]) -> Path | None:
    """Record flags (one file, under the day of the latest); None when there are none."""
    if not flags:
        return None
    table = pa.table({
        "user": [f.user for f in flags], "object": [f.object for f in flags],
        "start_ts": [f.start_ms for f in flags], "end_ts": [f.end_ms for f in flags],
        "reason": [f.reason.label for f in flags], "flagged_ts": [f.flagged_ms for f in flags],
    }, schema=_int_schema()).cast(SCHEMA)  # fmt: skip
    digest = hashlib.sha256(repr(sorted(map(repr, flags))).encode()).hexdigest()[:20]
    day = day_label(max(f.flagged_ms for f in flags) // DAY_MS)
    path = Path(root) / "flags" / f"day={day}" / f"flags-{digest}.parquet"
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    pq.write_table(table, tmp)
    os.replace(tmp, path)
    return path


def flag_files(root: Path, flagged_by_ms: int | None = None) -> list[str]:
    """The flag files that may hold flags made by `flagged_by_ms` (all, if None)."""
    base = Path(root) / "flags"
    if not base.is_dir():
        return []
    last = None if flagged_by_ms is None else day_label(flagged_by_ms // DAY_MS)
    days = [d for d in base.glob("day=*") if last is None or d.name[4:] <= last]
    return sorted(str(p) for d in days for p in d.glob("flags-*.parquet"))


def not_flagged(alias: str, files_param: str, by_param: str) -> str:
    """A SQL condition on rows of `alias` (with user, object, ts): no flag made by
    `$by_param` (ms) covers the row. Use only when there are flag files."""
    return (f"NOT EXISTS (SELECT 1 FROM read_parquet(${files_param}) f "
            f"WHERE f.user = {alias}.user AND (f.object IS NULL OR f.object = {alias}.object) "
            f"AND {alias}.ts >= f.start_ts AND {alias}.ts < f.end_ts "
            f"AND f.flagged_ts <= make_timestamptz(${by_param}::BIGINT * 1000))")  # fmt: skip


def read_flags(root: Path) -> list[Flag]:
    """Every flag recorded (for audits and the CLI)."""
    files = flag_files(root)
    if not files:
        return []
    table = pa.concat_tables(
        pq.ParquetFile(f).read().cast(_int_schema(), safe=False) for f in files
    )
    rows = table.to_pylist()
    return [Flag(r["user"], r["start_ts"], r["end_ts"], InvalidReason[r["reason"].upper()],
                 r["flagged_ts"], r["object"]) for r in rows]  # fmt: skip


def _int_schema() -> pa.Schema:
    return pa.schema([pa.field(f.name, pa.int64() if f.type == TS else f.type, f.nullable)
                      for f in SCHEMA])  # fmt: skip
