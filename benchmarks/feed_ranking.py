"""For You ranking: the online path's latency and the batch path's throughput.

The platform: 100,000 live videos from 20,000 creators over 32 topics, with engagement
counters drawn from a seeded generator (impressions heavy-tailed, rates around the
priors), and 10,000 users (online case) or 100,000 users (batch case) with declared
interests (a Dirichlet draw each) and 20 follows each. The ranker is refreshed once
(its time is reported), then:

- `online`: `recommend(user, 8, now)` for 5,000 requests of random users, each timed
  alone; p50/p99/max in ms. Target: p99 <= 10 ms.
- `batch`: `rank_batch` of pages of 8 for every user at once, five times after one
  warm-up; impressions ranked per second = organic positions filled / seconds (best
  and median). Target: >= 1,000,000/s.

Worked example: 100,000 users x 8 positions filled in 0.8 s is 1,000,000/s.
"""

from __future__ import annotations

from collections.abc import Callable
from time import perf_counter
from typing import Any

import numpy as np

from benchmarks.harness import envelope, percentiles_ms, record_case
from reelmint.content.catalog import VideoCatalog
from reelmint.events.counters import EngagementCounters
from reelmint.feed.ranker import ForYouRanker
from reelmint.settings import FeedSettings

NAME = "feed_ranking"
SEED = 20261202
NOW_MS = 1_796_212_800_000  # 2026-12-02T12:00:00Z
MAX_P99_MS = 10.0
MIN_IMPRESSIONS_PER_S = 1_000_000


def platform(videos: int, users: int, seed: int = SEED) -> ForYouRanker:
    """A ranker over a synthetic catalog with engagement history, refreshed."""
    settings = FeedSettings()
    rng = np.random.default_rng(seed)
    catalog = VideoCatalog(settings.topics)
    catalog.add_columns(
        ids=np.arange(videos, dtype=np.int64), creator=rng.integers(0, videos // 5, videos),
        duration_ms=rng.integers(5_000, 90_000, videos), topic=rng.integers(0, 32, videos),
        posted_at_ms=NOW_MS - rng.integers(0, 30 * 86_400_000, videos),
    )  # fmt: skip
    counters = EngagementCounters(videos)
    impressions = np.minimum(rng.pareto(1.2, videos) * 300, 5_000_000).astype(np.int64)
    counters.impressions[:] = impressions
    for name, rate in (("likes", 0.02), ("comments", 0.0007), ("shares", 0.0002),
                       ("follows", 0.0014), ("not_interested", 0.005)):  # fmt: skip
        getattr(counters, name)[:] = rng.binomial(impressions, rng.gamma(4, rate / 4, videos))
    counters.plays[:] = impressions
    counters.watch_ms[:] = impressions * rng.gamma(4, 2_500, videos).astype(np.int64)
    ranker = ForYouRanker(settings, catalog, counters, seed=seed)
    ids = np.arange(users, dtype=np.int64)
    ranker.declare_interests(ids, rng.dirichlet(np.full(32, 0.3), users))
    ranker.add_follows(np.repeat(ids, 20), rng.integers(0, videos // 5, users * 20))
    return ranker


def online_case(videos: int, users: int, requests: int) -> dict[str, Any]:
    ranker = platform(videos, users)
    started = perf_counter()
    ranker.refresh(NOW_MS)
    refresh_s = perf_counter() - started
    rng = np.random.default_rng(SEED + 1)
    who = rng.integers(0, users, requests)
    durations = []
    for i, user in enumerate(who.tolist()):
        t = perf_counter()
        ranker.recommend(user, 8, NOW_MS + i)
        durations.append(perf_counter() - t)
    latency = percentiles_ms(durations)
    return {
        "name": f"online/{videos:,}-videos/{users:,}-users", "videos": videos, "users": users,
        "requests": requests, "page": 8, "refresh_s": round(refresh_s, 4), "latency_ms": latency,
        "headline": f"p50 {latency['p50']:.2f} ms, p99 {latency['p99']:.2f} ms",
        "target": {"label": "recommend p99 <= 10 ms", "max_p99_ms": MAX_P99_MS,
                   "met": latency["p99"] <= MAX_P99_MS},
    }  # fmt: skip


def batch_case(videos: int, users: int, repeats: int) -> dict[str, Any]:
    ranker = platform(videos, users)
    ranker.refresh(NOW_MS)
    rng = np.random.default_rng(SEED + 2)
    ids = np.arange(users, dtype=np.int64)
    ranker.rank_batch(ids, 8, NOW_MS, rng)  # warm-up: page in the arrays
    rates, filled = [], 0
    for _ in range(repeats):
        ranker.seen.forget()  # each repeat is a fresh day's first page for everyone
        ranker.refresh(NOW_MS)
        t = perf_counter()
        feed = ranker.rank_batch(ids, 8, NOW_MS, rng)
        seconds = perf_counter() - t
        filled = feed.impressions
        rates.append(filled / seconds)
    best, median = max(rates), float(np.median(rates))
    return {
        "name": f"batch/{videos:,}-videos/{users:,}-users", "videos": videos, "users": users,
        "page": 8, "impressions": filled, "repeats": repeats,
        "impressions_per_s": {"best": round(best), "median": round(median)},
        "headline": f"{median:,.0f} impressions/s (median), {best:,.0f} best",
        "target": {"label": "batch ranking >= 1,000,000 impressions/s",
                   "min_per_s": MIN_IMPRESSIONS_PER_S, "met": median >= MIN_IMPRESSIONS_PER_S},
    }  # fmt: skip


def run(
    *, quick: bool = False, pg_url: str | None = None,
    on_case: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:  # fmt: skip
    payload = envelope(NAME, quick=quick, pg_url=pg_url)
    payload.update(cases=[], failed=[], skipped=[])
    scale = 10 if quick else 1
    record_case(payload, "online", lambda: online_case(100_000 // scale, 10_000 // scale,
                                                       5_000 // scale), on_case)  # fmt: skip
    record_case(payload, "batch", lambda: batch_case(100_000 // scale, 100_000 // scale,
                                                     5 if not quick else 2), on_case)  # fmt: skip
    return payload
