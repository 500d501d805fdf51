"""The lake end to end: ingest with refusals, Parquet on disk, DuckDB stats, rebuilds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reelmint.content.catalog import VideoCatalog
from reelmint.events.batch import EventBatch
from reelmint.events.codec import batch_from_records
from reelmint.events.counters import SIGNALS, EngagementCounters
from reelmint.events.ingest import Ingestor
from reelmint.events.lake import Lake
from reelmint.events.model import Kind, Surface
from reelmint.events.stats import (
    creator_daily,
    qualified_views,
    qualified_views_by_viewer,
    rebuild_counters,
)

NOW = 1_793_534_400_000  # 2026-11-01T12:00:00Z
MINUTE = 60_000


def pipeline(root: Path, videos: int = 3) -> Ingestor:
    catalog = VideoCatalog(4)
    catalog.add_columns(ids=np.arange(100, 100 + videos), creator=np.arange(videos) % 2 + 7,
                        duration_ms=np.full(videos, 30_000), topic=np.zeros(videos, np.int64),
                        posted_at_ms=np.zeros(videos, np.int64))  # fmt: skip
    return Ingestor(Lake(root, flush_rows=1_000_000), catalog, EngagementCounters(videos),
                    tolerance_ms=MINUTE)  # fmt: skip


def plays(users: list[int], video: int, watch: list[int], **extra: object) -> EventBatch:
    n = len(users)
    return EventBatch.of(ts_ms=np.full(n, NOW), kind=np.full(n, Kind.PLAY), user=users,
                         object=np.full(n, video), watch_ms=watch, **extra)  # type: ignore[arg-type]  # fmt: skip


def test_each_bad_event_is_refused_with_its_reason_and_stored_nowhere(tmp_path: Path) -> None:
    ingest = pipeline(tmp_path)
    batch = batch_from_records([
        {"ts": NOW, "kind": "play", "user": 1, "object": 100, "watch_ms": 6_000},
        {"ts": NOW, "kind": "teleport", "user": 1, "object": 100},
        {"ts": NOW, "kind": "like", "object": 100},
        {"ts": NOW, "kind": "play", "user": 1, "object": 100, "watch_ms": -5},
        {"ts": NOW, "kind": "like", "user": 1, "object": 999},
        {"ts": NOW, "kind": "like", "user": 1, "object": 100, "surface": "mars"},
        {"ts": NOW + 2 * MINUTE, "kind": "like", "user": 1, "object": 100},
        {"ts": NOW, "kind": "like", "user": 2, "object": 100},
    ])  # fmt: skip

    report = ingest.ingest(batch, NOW)
    ingest.lake.flush()

    assert (report.accepted, report.refused) == (2, 6)
    assert report.refusals == [(1, "unknown_kind"), (2, "missing_user"), (3, "negative_watch"),
                               (4, "unknown_video"), (5, "unknown_surface"),
                               (6, "from_the_future")]  # fmt: skip
    assert ingest.refused_total["unknown_kind"] == 1
    assert (ingest.counters.plays.sum(), ingest.counters.likes.sum()) == (1, 1)
    stored = sum(pq.read_metadata(f).num_rows for f in ingest.lake.files())
    assert stored == 2


def test_late_events_pass_within_the_tolerance_and_are_refused_beyond(tmp_path: Path) -> None:
    ingest = pipeline(tmp_path)
    ingest.ingest(plays([1], 100, [6_000]), NOW)
    late = EventBatch.of(ts_ms=[NOW - MINUTE // 2, NOW - 2 * MINUTE], kind=[Kind.LIKE] * 2,
                         user=[2, 3], object=[100, 100])  # fmt: skip

    report = ingest.ingest(late, NOW)

    assert report.accepted == 1 and report.refusals == [(1, "out_of_order")]


def test_qualified_views_follow_each_clause_of_the_rule(tmp_path: Path) -> None:
    ingest = pipeline(tmp_path)
    ingest.ingest(plays([1, 2, 3, 3], 100, [4_999, 5_000, 9_000, 9_000]), NOW)  # 3 twice
    ingest.ingest(plays([4], 100, [9_000], surface=[Surface.FOLLOWING]), NOW)
    ingest.ingest(plays([5], 100, [9_000], paid=[True]), NOW)
    ingest.ingest(plays([6], 100, [9_000], invalid=[True]), NOW)
    ingest.ingest(plays([1], 101, [7_000]), NOW)
    ingest.lake.flush()

    table = qualified_views(ingest.lake).to_pylist()
    by_viewer = qualified_views_by_viewer(ingest.lake).to_pylist()

    assert {(r["object"], r["qualified_views"]) for r in table} == {(100, 2), (101, 1)}
    assert {r["author"] for r in table} == {7, 8}
    assert sum(r["qualified_views"] for r in by_viewer) == 3


def test_creator_daily_stats_and_engagement_rate(tmp_path: Path) -> None:
    ingest = pipeline(tmp_path)
    ingest.ingest(plays(list(range(200)), 100, [6_000] * 200), NOW)
    extra = EventBatch.of(ts_ms=np.full(6, NOW), user=np.arange(6), object=np.full(6, 100),
                          kind=[Kind.LIKE] * 4 + [Kind.COMMENT, Kind.SHARE])  # fmt: skip
    ingest.ingest(extra, NOW)
    ingest.lake.flush()

    (row,) = creator_daily(ingest.lake).to_pylist()

    assert (row["author"], row["plays"], row["likes"]) == (7, 200, 4)
    assert row["engagement_rate"] == pytest.approx(6 / 200)
    assert row["qualified_views"] == 200 and row["watch_ms"] == 200 * 6_000


def test_compaction_keeps_every_row_in_fewer_files(tmp_path: Path) -> None:
    ingest = pipeline(tmp_path)
    for i in range(5):
        ingest.ingest(plays([i], 100, [6_000]), NOW)
        ingest.lake.flush()
    before = ingest.lake.files()

    removed = ingest.lake.compact()

    after = ingest.lake.files()
    assert len(before) == 5 and removed == 5 and len(after) == 1
    assert pq.read_metadata(after[0]).num_rows == 5


def test_counters_rebuilt_from_the_lake_equal_the_online_ones(tmp_path: Path) -> None:
    ingest = pipeline(tmp_path)
    rng = np.random.default_rng(4)
    n = 500
    batch = EventBatch.of(ts_ms=np.full(n, NOW), user=rng.integers(0, 50, n),
                          object=rng.integers(100, 103, n), kind=rng.integers(0, 8, n),
                          watch_ms=rng.integers(0, 20_000, n), complete=rng.random(n) < 0.2,
                          invalid=rng.random(n) < 0.1)  # fmt: skip
    ingest.ingest(batch, NOW)
    ingest.lake.flush()

    fresh = EngagementCounters(3)
    assert rebuild_counters(ingest.lake, ingest.catalog, fresh) == 3
    for name in SIGNALS:
        assert getattr(fresh, name).tolist() == getattr(ingest.counters, name).tolist(), name


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(-2, 20), st.integers(-1, 5), st.integers(-3, 9_000),
                          st.integers(-3, 3)), min_size=1, max_size=60))  # fmt: skip
def test_every_event_is_accepted_or_refused_and_only_accepted_ones_are_stored(
    tmp_path_factory: pytest.TempPathFactory, rows: list[tuple[int, int, int, int]]
) -> None:
    ingest = pipeline(tmp_path_factory.mktemp("lake"))
    kind, user, watch, minutes = (np.array(c) for c in zip(*rows, strict=True))
    batch = EventBatch.of(ts_ms=NOW + minutes * MINUTE, kind=kind, user=user,
                          object=np.full(len(rows), 101), watch_ms=watch)  # fmt: skip

    report = ingest.ingest(batch, NOW)
    ingest.lake.flush()

    assert report.accepted + report.refused == len(rows)
    assert sum(pq.read_metadata(f).num_rows for f in ingest.lake.files()) == report.accepted
