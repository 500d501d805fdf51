"""The event lake: ingest to Parquet, and the per-creator daily stats query over it.

Synthetic feed events from a seeded generator over 30 days: 100,000 videos of 20,000
creators, 1,000,000 users; kinds in feed proportions (impressions and plays most, then
likes, comments, shares, follows), plays with watch times.

- `ingest`: `Ingestor.ingest` (catalog look-up, validation, counters) then the lake's
  Parquet write, for 10 million events in batches of 1 million; events/s over the
  whole. Also `Lake.append` + `flush` alone. Target: >= 2,000,000 events/s.
- `creator_daily`: a lake of 100 million events (written straight through the Lake),
  then `stats.creator_daily` over all of it, three runs; best and median seconds.
  Target: <= 3 s.

Worked example: 10,000,000 events ingested and flushed in 4.0 s is 2,500,000/s.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from time import perf_counter
from typing import Any

import numpy as np

from benchmarks.harness import envelope, record_case
from reelmint.content.catalog import VideoCatalog
from reelmint.events.batch import EventBatch
from reelmint.events.counters import EngagementCounters
from reelmint.events.ingest import Ingestor
from reelmint.events.lake import Lake
from reelmint.events.model import Kind
from reelmint.events.stats import creator_daily

NAME = "lake"
SEED = 20261202
START_MS = 1_793_534_400_000  # 2026-11-01
DAY_MS = 86_400_000
VIDEOS, CREATORS, USERS = 100_000, 20_000, 1_000_000
KINDS = np.array([Kind.IMPRESSION, Kind.PLAY, Kind.LIKE, Kind.COMMENT, Kind.SHARE,
                  Kind.FOLLOW], np.int8)  # fmt: skip
SHARES = np.array([0.47, 0.47, 0.04, 0.01, 0.005, 0.005])
MIN_EVENTS_PER_S = 2_000_000
MAX_QUERY_S = 3.0


def catalog(rng: np.random.Generator) -> VideoCatalog:
    c = VideoCatalog(32)
    c.add_columns(
        ids=np.arange(VIDEOS, dtype=np.int64), creator=rng.integers(0, CREATORS, VIDEOS),
        duration_ms=rng.integers(5_000, 90_000, VIDEOS), topic=rng.integers(0, 32, VIDEOS),
        posted_at_ms=np.zeros(VIDEOS, np.int64),
    )  # fmt: skip
    return c


def events(
    n: int, day: int, rng: np.random.Generator, authors: np.ndarray | None = None
) -> EventBatch:
    video = rng.integers(0, VIDEOS, n)
    kind = KINDS[np.searchsorted(np.cumsum(SHARES), rng.random(n))]
    ts = START_MS + day * DAY_MS + np.sort(rng.integers(0, DAY_MS, n))
    watch = np.where(kind == Kind.PLAY, rng.integers(0, 60_000, n), -1)
    columns: dict[str, Any] = {
        "ts_ms": ts,
        "kind": kind,
        "user": rng.integers(0, USERS, n),
        "object": video,
        "watch_ms": watch,
        "complete": watch > 45_000,
    }
    if authors is not None:
        columns["author"] = authors[video]
    return EventBatch.of(**columns)


def ingest_case(total: int, batch: int) -> dict[str, Any]:
    rng = np.random.default_rng(SEED)
    cat = catalog(rng)
    batches = [events(batch, 0, rng) for _ in range(total // batch)]
    with tempfile.TemporaryDirectory(prefix="reelmint-lake-") as root:
        ingestor = Ingestor(Lake(Path(root) / "a", flush_rows=batch), cat,
                            EngagementCounters(VIDEOS), tolerance_ms=DAY_MS)  # fmt: skip
        t = perf_counter()
        for b in batches:
            ingestor.ingest(b, START_MS + DAY_MS)
        ingestor.lake.flush()
        full = perf_counter() - t
        lake = Lake(Path(root) / "b", flush_rows=batch)
        t = perf_counter()
        for b in batches:
            lake.append(b)
        lake.flush()
        raw = perf_counter() - t
    rate = total / full
    return {
        "name": f"ingest/{total:,}-events", "events": total, "batch": batch,
        "seconds": round(full, 3), "events_per_s": round(rate),
        "lake_only_events_per_s": round(total / raw),
        "headline": f"{rate:,.0f} events/s through ingest ({total / raw:,.0f}/s lake alone)",
        "target": {"label": "ingest >= 2,000,000 events/s", "met": rate >= MIN_EVENTS_PER_S},
    }  # fmt: skip


def stats_case(total: int, days: int = 30) -> dict[str, Any]:
    rng = np.random.default_rng(SEED + 1)
    authors = catalog(rng).creator
    root = Path(tempfile.mkdtemp(prefix="reelmint-lake-"))
    try:
        lake = Lake(root, flush_rows=4_000_000)
        per_day = total // days
        for day in range(days):
            for start in range(0, per_day, 2_000_000):
                lake.append(events(min(2_000_000, per_day - start), day, rng, authors))
        lake.flush()
        files = lake.files()
        size = sum(f.stat().st_size for f in files)
        runs = []
        for _ in range(3):
            t = perf_counter()
            table = creator_daily(lake)
            runs.append(perf_counter() - t)
        best, median = min(runs), float(np.median(runs))
        return {
            "name": f"creator_daily/{per_day * days:,}-events", "events": per_day * days,
            "days": days, "files": len(files), "bytes": size, "rows": table.num_rows,
            "seconds": {"best": round(best, 3), "median": round(median, 3)},
            "headline": f"{median:.2f} s median ({best:.2f} s best), {table.num_rows:,} rows",
            "target": {"label": "per-creator daily stats <= 3 s", "met": median <= MAX_QUERY_S},
        }  # fmt: skip
    finally:
        shutil.rmtree(root, ignore_errors=True)


def run(
    *, quick: bool = False, pg_url: str | None = None,
    on_case: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:  # fmt: skip
    payload = envelope(NAME, quick=quick, pg_url=pg_url)
    payload.update(cases=[], failed=[], skipped=[])
    scale = 20 if quick else 1
    record_case(payload, "ingest", lambda: ingest_case(10_000_000 // scale, 1_000_000 // scale),
                on_case)  # fmt: skip
    stats_events = 2_500_000 if quick else 100_000_000
    record_case(payload, "creator_daily", lambda: stats_case(stats_events), on_case)
    return payload
