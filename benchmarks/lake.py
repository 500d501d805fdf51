"""The event lake: ingest to Parquet, and the per-creator daily stats query over it.

Synthetic feed events from a seeded generator, shaped by DESIGN.md section 5 and the
KuaiRand-Pure aggregates in `../shared/data/kuairand_pure/README.md`:

- 100,000 videos of 20,000 creators, 1,000,000 users; views per video heavy-tailed
  (log-normal popularity with sigma 2.33, a Gini of about 0.9);
- every impression autoplays: impressions and plays in equal numbers, then per play
  likes 2%, not-interested 1%, follows 0.14%, comments 0.07%, reports 0.05%, shares
  0.02%;
- 45% of plays watched past 5 s (KuaiRand's "valid play" share), the rest swiped away
  before; 19% of plays completed; 80% of plays on For You; 2% paid, 1% invalid.

Together these make about a third of plays qualifying views, the work the distinct
count of the stats query does; the JSON records how many there were.

- `ingest`: `Ingestor.ingest` (catalog look-up, validation, counters) then the lake's
  Parquet write, for 10 million events in batches of 1 million, consecutive in time;
  events/s over the whole, flush included. Also `Lake.append` + `flush` alone on the
  same batches. Target: >= 2,000,000 events/s through ingest.
- `creator_daily`: a lake of 100 million events over 30 days, written straight through
  the Lake (in a temporary directory, removed afterwards), then `stats.creator_daily`
  over all of it, three runs; best and median seconds. Target: median <= 3 s.

Worked example: 10,000,000 events ingested and flushed in 4.0 s is 2,500,000/s.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter
from typing import Any

import numpy as np
from numpy.typing import NDArray

from benchmarks.harness import envelope, record_case
from reelmint.content.catalog import VideoCatalog
from reelmint.events.batch import EventBatch
from reelmint.events.counters import EngagementCounters
from reelmint.events.ingest import Ingestor
from reelmint.events.lake import Lake
from reelmint.events.model import Kind, Surface
from reelmint.events.stats import creator_daily

NAME = "lake"
SEED = 20261202
START_MS = 1_793_491_200_000  # 2026-11-01T00:00:00Z
DAY_MS = 86_400_000
VIDEOS, CREATORS, USERS = 100_000, 20_000, 1_000_000
POPULARITY_SIGMA = 2.33  # log-normal: Gini = 2 Phi(sigma / sqrt 2) - 1 = 0.90
PER_PLAY = {Kind.LIKE: 0.02, Kind.NOT_INTERESTED: 0.01, Kind.FOLLOW: 0.0014,
            Kind.COMMENT: 0.0007, Kind.REPORT: 0.0005, Kind.SHARE: 0.0002}  # fmt: skip
SURFACES = {Surface.FOR_YOU: 0.80, Surface.FOLLOWING: 0.10, Surface.PROFILE: 0.05,
            Surface.SEARCH: 0.04, Surface.LIVE: 0.01}  # fmt: skip
PAST_5S, COMPLETED, PAID, INVALID = 0.45, 0.19, 0.02, 0.01
MIN_EVENTS_PER_S = 2_000_000
MAX_QUERY_S = 3.0
TOLERANCE_MS = 5 * 60_000


@dataclass(frozen=True)
class Platform:
    """The videos events are about: the catalog, and the cumulative share of views."""

    catalog: VideoCatalog
    views_cdf: NDArray[np.float64]


def platform(rng: np.random.Generator) -> Platform:
    c = VideoCatalog(32)
    c.add_columns(
        ids=np.arange(VIDEOS, dtype=np.int64), creator=rng.integers(0, CREATORS, VIDEOS),
        duration_ms=rng.integers(5_000, 90_000, VIDEOS), topic=rng.integers(0, 32, VIDEOS),
        posted_at_ms=np.zeros(VIDEOS, np.int64),
    )  # fmt: skip
    weight = rng.lognormal(0.0, POPULARITY_SIGMA, VIDEOS)
    return Platform(c, np.cumsum(weight) / weight.sum())


def _choice(rng: np.random.Generator, shares: dict[Any, float], n: int) -> NDArray[np.int8]:
    codes = np.array(list(shares), np.int8)
    cdf = np.cumsum(list(shares.values()))
    return codes[np.minimum(np.searchsorted(cdf / cdf[-1], rng.random(n)), len(codes) - 1)]


def events(
    p: Platform, n: int, start_ms: int, span_ms: int, rng: np.random.Generator, *,
    with_author: bool = False,
) -> EventBatch:  # fmt: skip
    """`n` events spread evenly over [start_ms, start_ms + span_ms), in time order."""
    kind_shares = {Kind.IMPRESSION: 1.0, Kind.PLAY: 1.0, **PER_PLAY}
    kind = _choice(rng, kind_shares, n)
    play = kind == Kind.PLAY
    long = rng.random(n) < PAST_5S
    watch = np.where(long, rng.integers(5_000, 60_000, n), rng.integers(300, 5_000, n))
    video = np.minimum(np.searchsorted(p.views_cdf, rng.random(n)), VIDEOS - 1)
    invalid = rng.random(n) < INVALID
    columns: dict[str, Any] = {
        "ts_ms": start_ms + np.arange(n, dtype=np.int64) * span_ms // n,
        "kind": kind, "user": rng.integers(0, USERS, n), "object": video,
        "surface": _choice(rng, SURFACES, n), "device": rng.integers(1, 2**62, n),
        "network": rng.integers(1, 2**62, n), "invalid": invalid,
        "invalid_reason": invalid.astype(np.int8), "paid": rng.random(n) < PAID,
        "watch_ms": np.where(play, watch, -1),
        "complete": play & long & (rng.random(n) < COMPLETED / PAST_5S),
    }  # fmt: skip
    if with_author:
        columns["author"] = p.catalog.creator[video]
    return EventBatch.of(**columns)


def qualifying(batch: EventBatch) -> int:
    """Plays that pass every clause of the qualified-view rule but the first-view one."""
    ok = (batch.kind == Kind.PLAY) & (batch.surface == Surface.FOR_YOU) & ~batch.paid
    return int((ok & ~batch.invalid & (batch.watch_ms >= 5_000)).sum())


def ingest_case(total: int, batch: int) -> dict[str, Any]:
    rng = np.random.default_rng(SEED)
    p = platform(rng)
    span = DAY_MS * batch // total  # the batches fill one day, one after another
    batches = [events(p, batch, START_MS + i * span, span, rng) for i in range(total // batch)]
    with tempfile.TemporaryDirectory(prefix="reelmint-lake-") as root:
        ingestor = Ingestor(Lake(Path(root) / "a", flush_rows=batch), p.catalog,
                            EngagementCounters(VIDEOS), tolerance_ms=TOLERANCE_MS)  # fmt: skip
        t = perf_counter()
        refused = sum(ingestor.ingest(b, START_MS + DAY_MS).refused for b in batches)
        ingestor.lake.close()
        full = perf_counter() - t
        lake = Lake(Path(root) / "b", flush_rows=batch)
        t = perf_counter()
        for b in batches:
            lake.append(b)
        lake.close()
        raw = perf_counter() - t
    rate = total / full
    return {
        "name": f"ingest/{total:,}-events", "events": total, "batch": batch, "refused": refused,
        "seconds": round(full, 3), "events_per_s": round(rate),
        "lake_only_seconds": round(raw, 3), "lake_only_events_per_s": round(total / raw),
        "headline": f"{rate:,.0f} events/s through ingest ({total / raw:,.0f}/s lake alone)",
        "target": {"label": "ingest >= 2,000,000 events/s",
                   "met": rate >= MIN_EVENTS_PER_S and refused == 0},
    }  # fmt: skip


def build_lake(root: Path, total: int, days: int) -> tuple[Lake, int]:
    """`total` events over `days` days, straight through the writer; qualifying plays."""
    rng = np.random.default_rng(SEED + 1)
    p = platform(rng)
    lake = Lake(root, flush_rows=4_000_000)
    per_day, chunk, counted = total // days, 2_000_000, 0
    for day in range(days):
        for start in range(0, per_day, chunk):
            n = min(chunk, per_day - start)
            begin = START_MS + day * DAY_MS + start * DAY_MS // per_day
            batch = events(p, n, begin, n * DAY_MS // per_day, rng, with_author=True)
            counted += qualifying(batch)
            lake.append(batch)
    lake.close()
    return lake, counted


def stats_case(total: int, days: int = 30) -> dict[str, Any]:
    root = Path(tempfile.mkdtemp(prefix="reelmint-lake-"))
    try:
        t = perf_counter()
        lake, counted = build_lake(root, total, days)
        built = perf_counter() - t
        files = lake.files()
        runs = []
        for _ in range(3):
            t = perf_counter()
            table = creator_daily(lake)
            runs.append(perf_counter() - t)
        best, median = min(runs), float(np.median(runs))
        events_n = total // days * days
        return {
            "name": f"creator_daily/{events_n:,}-events", "events": events_n, "days": days,
            "qualifying_plays": counted, "files": len(files),
            "bytes": sum(f.stat().st_size for f in files), "rows": table.num_rows,
            "build_seconds": round(built, 1),
            "seconds": {"best": round(best, 3), "median": round(median, 3),
                        "runs": [round(r, 3) for r in runs]},
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
    payload["setup"] = {
        "seed": SEED, "videos": VIDEOS, "creators": CREATORS, "users": USERS,
        "popularity_sigma": POPULARITY_SIGMA, "per_play": {k.label: v for k, v in PER_PLAY.items()},
        "surfaces": {s.label: v for s, v in SURFACES.items()}, "past_5s": PAST_5S,
        "completed": COMPLETED, "paid": PAID, "invalid": INVALID,
    }  # fmt: skip
    scale = 20 if quick else 1
    record_case(payload, "ingest", lambda: ingest_case(10_000_000 // scale, 1_000_000 // scale),
                on_case)  # fmt: skip
    stats_events = 2_000_000 if quick else 100_000_000
    record_case(payload, "creator_daily", lambda: stats_case(stats_events), on_case)
    return payload
