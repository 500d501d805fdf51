from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import reelmint.events.lake as lake_module
from reelmint.events.batch import EventBatch
from reelmint.events.lake import DAY_MS, Lake
from reelmint.events.model import Kind, Surface
from reelmint.events.schema import from_arrow, schema_for
from tests.events.factories import T0, rows

AMOUNTS = {"coins", "amount_micros", "quartile", "charged_micros"}  # amount's file names


def mixed(n: int, seed: int = 1, days: int = 3) -> EventBatch:
    """`n` events over `days` days and every kind, in time order."""
    rng = np.random.default_rng(seed)
    kind = rng.integers(0, max(Kind) + 1, n).astype(np.int8)
    return EventBatch.of(
        ts_ms=np.sort(rng.integers(T0, T0 + days * DAY_MS, n)), kind=kind,
        user=rng.integers(0, 50, n), object=rng.integers(0, 9, n),
        author=np.where(kind <= Kind.REPORT, rng.integers(0, 3, n), -1),
        surface=rng.integers(0, len(Surface), n), device=rng.integers(1, 2**60, n),
        invalid=rng.random(n) < 0.2, invalid_reason=rng.integers(0, 5, n),
        paid=rng.random(n) < 0.3, watch_ms=np.where(kind == Kind.PLAY, rng.integers(0, 9, n), -1),
        complete=rng.random(n) < 0.5, amount=rng.integers(1, 5, n),
    )  # fmt: skip


def read_back(lake: Lake) -> dict[Kind, EventBatch]:
    """Every file, by kind, in file order."""
    found: dict[Kind, list[EventBatch]] = {}
    for path in lake.files():
        kind = Kind.parse(path.parent.parent.name.removeprefix("kind="))
        found.setdefault(kind, []).append(from_arrow(pq.read_table(path, partitioning=None), kind))
    return {kind: EventBatch.concat(parts) for kind, parts in found.items()}


def expected_by_kind(batch: EventBatch) -> dict[Kind, EventBatch]:
    """What the lake should hold: each kind in arrival order, with its stored columns."""
    out = {}
    for kind in np.unique(batch.kind).tolist():
        part = batch.take(batch.kind == kind)
        names = set(schema_for(Kind(kind)).names)
        fix = {
            "author": np.maximum(part.author, -1),
            "invalid_reason": part.invalid_reason,
            "watch_ms": part.watch_ms if "watch_ms" in names else np.full(len(part), -1),
            "complete": part.complete & ("complete" in names),
            "amount": part.amount if names & AMOUNTS
            else np.zeros(len(part), np.int64),
        }  # fmt: skip
        out[Kind(kind)] = part.replace(**fix)
    return out


def test_every_event_comes_back_from_its_partition_in_arrival_order(tmp_path: Path) -> None:
    batch = mixed(3_000)
    with Lake(tmp_path, flush_rows=400) as lake:
        lake.append(batch.take(slice(0, 1_700)))
        lake.append(batch.take(slice(1_700, None)))

    back = read_back(lake)
    expected = expected_by_kind(batch)
    assert set(back) == set(expected)
    for kind, part in expected.items():
        assert back[kind].equals(part), kind


def test_files_are_named_by_kind_day_writer_and_sequence(tmp_path: Path) -> None:
    with Lake(tmp_path, writer_id="api_3") as lake:
        lake.append(rows({"ts_ms": T0}, {"ts_ms": T0 + DAY_MS, "kind": Kind.LIKE}))

    names = [p.relative_to(tmp_path).as_posix() for p in lake.files()]
    assert names == [
        "events/kind=like/day=2026-11-02/part-api_3-00000002.parquet",
        "events/kind=play/day=2026-11-01/part-api_3-00000001.parquet",
    ]


def test_kind_and_day_are_not_file_columns_and_extras_are_per_kind(tmp_path: Path) -> None:
    with Lake(tmp_path) as lake:
        lake.append(rows({"kind": Kind.GIFT, "amount": 500, "watch_ms": -1}, {"kind": Kind.PLAY}))

    gift, play = (pq.read_schema(p) for p in lake.files())
    assert "kind" not in play.names and "day" not in play.names
    assert gift.names[-1] == "coins" and "watch_ms" not in gift.names
    assert play.field("watch_ms").type == pa.int64() and "complete" in play.names
    assert play.field("surface").type == pa.dictionary(pa.int8(), pa.string())
    assert play.field("ts").type == pa.timestamp("ms", tz="UTC")


def test_a_buffer_is_written_when_it_reaches_flush_rows(tmp_path: Path) -> None:
    lake = Lake(tmp_path, flush_rows=10)

    assert lake.append(rows(*[{"user": u} for u in range(9)])) == []
    assert lake.buffered_rows == 9
    written = lake.append(rows({"user": 9}, {"user": 10}))

    assert len(written) == 1 and pq.read_metadata(written[0]).num_rows == 11
    assert lake.buffered_rows == 0


def test_the_same_input_gives_the_same_files_byte_for_byte(tmp_path: Path) -> None:
    def build(root: Path) -> dict[str, str]:
        with Lake(root, flush_rows=500) as lake:
            for seed in range(3):
                lake.append(mixed(700, seed=seed).replace(ts_ms=mixed(700, seed=seed).ts_ms
                                                          + seed * 3 * DAY_MS))  # fmt: skip
        return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in lake.files()}  # fmt: skip

    assert build(tmp_path / "a") == build(tmp_path / "b")


def test_compaction_keeps_every_row_and_leaves_one_file_per_partition(tmp_path: Path) -> None:
    batch = mixed(2_000, days=2)
    lake = Lake(tmp_path, flush_rows=1, row_group_rows=64)
    for start in range(0, 2_000, 250):
        lake.append(batch.take(slice(start, start + 250)))
        lake.flush()
    before = read_back(lake)
    files_before = len(lake.files())

    removed = lake.compact()

    after = lake.files()
    partitions = {p.parent for p in after}
    assert len(after) == len(partitions) < files_before
    assert removed == files_before  # every partition had several files
    for kind, part in read_back(lake).items():
        assert part.equals(before[kind])
    assert pq.read_metadata(after[0]).num_row_groups >= 1


def test_compaction_leaves_partitions_below_min_files_alone(tmp_path: Path) -> None:
    lake = Lake(tmp_path, flush_rows=1)
    lake.append(rows({"user": 1}))
    lake.append(rows({"user": 2}))
    lake.append(rows({"kind": Kind.LIKE}))

    assert lake.compact(min_files=3) == 0
    assert lake.compact() == 2  # the two plays, now one file
    assert len(lake.files()) == 2


def test_a_flush_that_fails_leaves_no_readable_file_and_keeps_the_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lake = Lake(tmp_path, flush_rows=100)
    lake.append(rows({"user": 1}, {"user": 2}))

    def disk_failed(path: Path) -> None:  # the temporary is complete; making it durable fails
        assert path.stat().st_size > 0
        raise OSError("I/O error")

    monkeypatch.setattr(lake_module, "_fsync", disk_failed)
    with pytest.raises(OSError, match="I/O error"):
        lake.flush()

    assert lake.files() == []
    assert list(tmp_path.rglob("*.tmp")) == [] and list(tmp_path.rglob("*.parquet")) == []
    assert lake.buffered_rows == 2
    monkeypatch.undo()
    (written,) = lake.flush()
    assert pq.read_table(written, partitioning=None).column("user").to_pylist() == [1, 2]


def test_a_new_writer_continues_after_its_own_last_file(tmp_path: Path) -> None:
    with Lake(tmp_path) as lake:
        lake.append(rows({"user": 1}))
    stale = tmp_path / "events/kind=play/day=2026-11-01/.part-w0-00000009.parquet.tmp"
    stale.write_bytes(b"half a file")

    with Lake(tmp_path) as again:
        again.append(rows({"user": 2}))

    assert [p.name for p in again.files()] == ["part-w0-00000001.parquet",
                                                "part-w0-00000002.parquet"]  # fmt: skip
    assert not stale.exists()


def test_the_lake_refuses_events_that_were_not_validated(tmp_path: Path) -> None:
    lake = Lake(tmp_path)

    with pytest.raises(ValueError, match="known kinds"):
        lake.append(rows({"kind": -1}))
    with pytest.raises(ValueError, match="letters"):
        Lake(tmp_path, writer_id="a-b")
