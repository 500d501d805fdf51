"""The event lake: append-only Parquet files partitioned by kind and day.

Layout (DESIGN.md section 4)::

    <root>/events/kind=play/day=2026-11-01/part-w0-00000007.parquet

`Lake.append` sorts a batch into (kind, day) partitions with one stable argsort over a
small integer key, so the order of events within a partition is their order of
arrival, and buffers them; a partition's buffer becomes a file when it reaches
`flush_rows`, or on `flush()`. Partitions due at the same time are written by a pool
of threads (the Parquet encoder releases the GIL), each to a hidden temporary name
that is renamed into place once complete: a reader, or a crash, never meets a half
file under a `.parquet` name. Given the same batches and settings, the lake gets the
same files with the same bytes.

Files are LZ4-compressed: as small as Snappy's here, and DuckDB reads them about a third
faster, which the stats queries feel more than the writer does.

`compact` merges the small files of a partition into one. In process it is atomic for
readers that hold `Lake.reading()` (every `events.stats` query does). Another process
reading the lake at the same moment may, in the instant between the rename of the
merged file and the removal of the files it replaces, see both and count those rows
twice, or list a file that is then gone; run compaction when no other process reads.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from numpy.typing import NDArray

from reelmint.events.batch import MISSING_TS, EventBatch
from reelmint.events.model import Kind
from reelmint.events.schema import source_columns, table_from_columns

DAY_MS = 86_400_000
# Parquet dictionary-encodes these as well as the code columns: a day's file holds tens of
# thousands of distinct videos and creators in millions of rows, so the pages shrink and
# DuckDB hashes each distinct value once when it groups by them (about 10% off the
# per-creator daily query). Users and fingerprints are near-unique: no gain there.
DICTIONARY_COLUMNS = ("object", "author")
_EPOCH = date(1970, 1, 1)
_WRITER_ID = re.compile(r"[A-Za-z0-9_]+")
Partition = tuple[Kind, int]  # (kind, day number since the epoch)
# Buffered rows: a batch and which of its rows, gathered only when the file is written.
Piece = tuple[EventBatch, "NDArray[np.intp] | slice"]


def day_label(day: int) -> str:
    """Day number since 1970-01-01 -> `YYYY-MM-DD` (day 20758 is 2026-11-01)."""
    return (_EPOCH + timedelta(days=day)).isoformat()


class Lake:
    """An append-only writer over `root/events/` (and the lock its in-process readers take).

    Worked example: with `flush_rows=1_000`, appending 2,500 likes of one day writes
    no file until the buffer holds 1,000 rows; this append does, as one file of 2,500
    rows. Appending 10 more and calling `flush()` writes a second file of 10.
    """

    def __init__(
        self, root: Path, *, flush_rows: int = 1_000_000, writer_id: str = "w0",
        row_group_rows: int = 1 << 20, compression: str = "lz4", threads: int | None = None,
        fsync: bool = True,
    ) -> None:  # fmt: skip
        if not _WRITER_ID.fullmatch(writer_id):
            raise ValueError("a writer id is letters, digits and underscores")
        if flush_rows < 1 or row_group_rows < 1:
            raise ValueError("flush_rows and row_group_rows must be positive")
        self.root = Path(root)
        self.events = self.root / "events"
        self.flush_rows = flush_rows
        self.writer_id = writer_id
        self.row_group_rows = row_group_rows
        self.compression = compression
        self.fsync = fsync
        self._threads = threads or os.cpu_count() or 1
        self._pool: ThreadPoolExecutor | None = None
        self._buffers: dict[Partition, list[Piece]] = {}
        self._rows: dict[Partition, int] = {}
        self._lock = threading.RLock()  # writers: buffers and sequence numbers
        self._files = _SharedLock()  # readers share it; compaction's swap excludes them
        self.events.mkdir(parents=True, exist_ok=True)
        self._seq = self._recover()

    # -- writing ---------------------------------------------------------------------

    def append(self, batch: EventBatch) -> list[Path]:
        """Buffer accepted events; the files written, if any partition became due.

        The buffer keeps the batch's arrays, not a copy, until their rows are written:
        the caller must not modify them after handing them over."""
        if not len(batch):
            return []
        _check_storable(batch)
        with self._lock:
            due = []
            for partition, rows, count in _split(batch):
                self._buffers.setdefault(partition, []).append((batch, rows))
                self._rows[partition] = self._rows.get(partition, 0) + count
                if self._rows[partition] >= self.flush_rows:
                    due.append(partition)
            return self._write(due)

    def flush(self) -> list[Path]:
        """Write every buffered row; the files written."""
        with self._lock:
            return self._write(list(self._buffers))

    @property
    def buffered_rows(self) -> int:
        return sum(self._rows.values())

    def close(self) -> None:
        self.flush()
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def __enter__(self) -> Lake:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _write(self, partitions: list[Partition]) -> list[Path]:
        """Write the given partitions' buffers, a file each, concurrently. A partition whose
        write fails keeps its buffer (so a later flush retries it); the first error is
        raised once the others are done."""
        jobs = []
        for partition in sorted(partitions):
            self._seq += 1
            jobs.append((partition, self._path(partition, self._seq)))
        if len(jobs) <= 1 or self._threads == 1:
            outcomes = [self._write_one(p, path) for p, path in jobs]
        else:
            outcomes = list(self._executor().map(lambda job: self._write_one(*job), jobs))
        for (partition, _), outcome in zip(jobs, outcomes, strict=True):
            if not isinstance(outcome, BaseException):
                del self._buffers[partition], self._rows[partition]
        errors = [o for o in outcomes if isinstance(o, BaseException)]
        if errors:
            raise errors[0]
        return [path for _, path in jobs]

    def _write_one(self, partition: Partition, path: Path) -> Path | BaseException:
        try:
            table = _table(self._buffers[partition], partition[0])
            self._publish(path, lambda tmp: self._write_table(table, tmp))
        except Exception as exc:
            return exc
        return path

    def _write_table(self, table: pa.Table, path: Path) -> None:
        pq.write_table(table, path, **self._parquet_options(table.schema))

    def _parquet_options(self, schema: pa.Schema) -> dict[str, Any]:
        return {
            "row_group_size": self.row_group_rows,
            "compression": self.compression,
            "use_dictionary": [
                f.name
                for f in schema
                if pa.types.is_dictionary(f.type) or f.name in DICTIONARY_COLUMNS
            ],
        }

    def _publish(self, path: Path, write: Any) -> None:
        """Write through `write(tmp)` to a hidden temporary name, then rename into place."""
        staged = self._staged(path, write)
        try:
            os.replace(staged, path)
        except BaseException:
            staged.unlink(missing_ok=True)
            raise

    def _staged(self, path: Path, write: Any) -> Path:
        """`write(tmp)` to the hidden temporary name of `path`, made durable; that name.
        On failure the temporary is removed and the error goes on up."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        try:
            write(tmp)
            if self.fsync:
                _fsync(tmp)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return tmp

    def _executor(self) -> ThreadPoolExecutor:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self._threads, thread_name_prefix="lake")
        return self._pool

    # -- compaction --------------------------------------------------------------------

    def compact(self, min_files: int = 2) -> int:
        """Merge each partition with at least `min_files` files into one file, rows in the
        order of the files' names (writer, then sequence). The number of files merged away."""
        removed = 0
        with self._lock:
            for directory in sorted(self._partition_dirs()):
                parts = sorted(directory.glob("part-*.parquet"))
                if len(parts) < max(min_files, 2):
                    continue
                self._seq += 1
                merged = directory / f"part-{self.writer_id}-{self._seq:08d}.parquet"
                staged = self._staged(merged, lambda tmp, parts=parts: self._merge(parts, tmp))
                with self._files.exclusive():  # readers see the old files or the new one
                    os.replace(staged, merged)
                    for part in parts:
                        part.unlink()
                removed += len(parts)
        return removed

    def _merge(self, parts: list[Path], out: Path) -> None:
        """Stream `parts` into `out` in row groups of `row_group_rows` (bounded memory)."""
        schema = pq.read_schema(parts[0])
        options = self._parquet_options(schema)
        options.pop("row_group_size")  # a writer's option per write, not per file
        with pq.ParquetWriter(out, schema, **options) as writer:
            pending: list[pa.RecordBatch] = []
            for part in parts:
                for rows in pq.ParquetFile(part).iter_batches(self.row_group_rows):
                    pending.append(rows)
                    if sum(len(b) for b in pending) >= self.row_group_rows:
                        writer.write_table(pa.Table.from_batches(pending, schema))
                        pending = []
            if pending:
                writer.write_table(pa.Table.from_batches(pending, schema))

    # -- reading ---------------------------------------------------------------------

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Hold while listing and reading files: compaction will not swap them meanwhile."""
        with self._files.shared():
            yield

    def files(
        self, kinds: Iterable[Kind] | None = None, first_day: date | None = None,
        last_day: date | None = None,
    ) -> list[Path]:  # fmt: skip
        """The lake's files, optionally only of some kinds and days (inclusive), sorted."""
        return list_files(self.root, kinds, first_day, last_day)

    def _partition_dirs(self) -> list[Path]:
        return _partition_dirs(self.events)

    def _path(self, partition: Partition, seq: int) -> Path:
        kind, day = partition
        name = f"part-{self.writer_id}-{seq:08d}.parquet"
        return self.events / f"kind={kind.label}" / f"day={day_label(day)}" / name

    def _recover(self) -> int:
        """The last sequence number this writer used; removes its leftover temporaries
        (a writer id is one process's, so no one else is writing them)."""
        pattern = re.compile(rf"part-{self.writer_id}-(\d+)\.parquet")
        last = 0
        for path in self.events.glob(f"kind=*/day=*/*part-{self.writer_id}-*"):
            if path.name.endswith(".tmp"):
                path.unlink(missing_ok=True)
            elif match := pattern.fullmatch(path.name):
                last = max(last, int(match.group(1)))
        return last


def list_files(
    root: Path, kinds: Iterable[Kind] | None = None, first_day: date | None = None,
    last_day: date | None = None,
) -> list[Path]:  # fmt: skip
    """The Parquet files of the lake at `root`, optionally only of some kinds and days
    (inclusive), sorted: partition pruning by path, before any file is opened."""
    wanted = None if kinds is None else {f"kind={Kind(k).label}" for k in kinds}
    low, high = (d.isoformat() if d else None for d in (first_day, last_day))
    found: list[Path] = []
    for directory in _partition_dirs(Path(root) / "events"):
        day = directory.name.removeprefix("day=")
        if wanted is not None and directory.parent.name not in wanted:
            continue
        if (low and day < low) or (high and day > high):
            continue
        found.extend(directory.glob("part-*.parquet"))
    return sorted(found)


def _partition_dirs(events: Path) -> list[Path]:
    return [d for d in events.glob("kind=*/day=*") if d.is_dir()]


def _check_storable(batch: EventBatch) -> None:
    """The lake stores accepted events only; a bad code here is a caller's bug."""
    if batch.kind.min() < 0 or batch.kind.max() > max(Kind):
        raise ValueError("the lake stores events of known kinds only (validate first)")
    if batch.ts_ms.min() == MISSING_TS:
        raise ValueError("the lake stores events with timestamps only (validate first)")


def _split(batch: EventBatch) -> Iterator[tuple[Partition, NDArray[np.intp] | slice, int]]:
    """Which rows of the batch go to each (kind, day), in arrival order: an index array
    (or a slice, when the batch is already grouped) and its length. No per-event loop:
    one stable argsort over key = kind * span + (day - first day), which NumPy sorts by
    radix, in linear time, when the key fits in 16 bits (19 kinds x 3,449 days)."""
    day = batch.ts_ms // DAY_MS
    first = int(day.min())
    span = int(day.max()) - first + 1
    key = batch.kind.astype(np.int64) * span + (day - first)
    order = None
    if len(key) > 1 and (key[1:] < key[:-1]).any():
        small = key.astype(np.uint16) if int(key.max()) < 1 << 16 else key
        order = np.argsort(small, kind="stable")
        key = key[order]
    cuts = np.flatnonzero(key[1:] != key[:-1]) + 1
    starts, ends = np.r_[0, cuts].tolist(), np.r_[cuts, len(key)].tolist()
    for start, end in zip(starts, ends, strict=True):
        k = int(key[start])
        rows = slice(start, end) if order is None else order[start:end]
        yield (Kind(k // span), first + k % span), rows, end - start


def _table(pieces: list[Piece], kind: Kind) -> pa.Table:
    """One Arrow table of the buffered rows, gathering only the columns the kind stores."""
    columns = {
        name: np.concatenate([getattr(batch, name)[rows] for batch, rows in pieces])
        if len(pieces) > 1 else getattr(pieces[0][0], name)[pieces[0][1]]
        for name in source_columns(kind)
    }  # fmt: skip
    return table_from_columns(columns, kind)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class _SharedLock:
    """Many readers, or one exclusive holder (compaction's swap of files)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._exclusive = False

    @contextmanager
    def shared(self) -> Iterator[None]:
        with self._cond:
            self._cond.wait_for(lambda: not self._exclusive)
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        with self._cond:
            self._cond.wait_for(lambda: not self._exclusive and self._readers == 0)
            self._exclusive = True
        try:
            yield
        finally:
            with self._cond:
                self._exclusive = False
                self._cond.notify_all()
