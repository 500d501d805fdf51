"""A small closed loop for feed tests: videos with a true like rate and watch time,
users who request pages, and the engagement those pages produce, ingested for real.

Each round every user asks for a page; every impression becomes an `impression` and a
`play` event (watch drawn around the video's true mean), and a `like` with the video's
true like probability. The events go through the real `Ingestor` into the lake and
the counters, and the ranker refreshes after each round.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from reelmint.content.catalog import VideoCatalog
from reelmint.events.batch import EventBatch
from reelmint.events.counters import EngagementCounters
from reelmint.events.ingest import Ingestor
from reelmint.events.lake import Lake
from reelmint.events.model import Kind
from reelmint.feed.ranker import ForYouRanker
from reelmint.settings import FeedSettings

START_MS = 1_793_534_400_000  # 2026-11-01T12:00:00Z
ROUND_MS = 60_000


def small_settings(**overrides: object) -> FeedSettings:
    values: dict[str, object] = {
        "topics": 4, "pool_sizes": (300, 3_000, 30_000), "prior_impressions": 50,
        "min_peers": 10, "followed": 0, "interest": 8, "trending": 4, "explore": 6,
    }  # fmt: skip
    values.update(overrides)
    return FeedSettings(**values)  # type: ignore[arg-type]


@dataclass
class World:
    ranker: ForYouRanker
    ingestor: Ingestor
    like_p: np.ndarray
    watch_s: np.ndarray
    users: np.ndarray
    rng: np.random.Generator
    now_ms: int = START_MS
    served: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    def round(self, page: int = 8) -> None:
        feed = self.ranker.rank_batch(self.users, page, self.now_ms, self.rng)
        rows, cols = np.nonzero(feed.videos >= 0)
        slots = feed.videos[rows, cols]
        self.served = self.served + np.bincount(slots, minlength=len(self.served))
        self.ingestor.ingest(self._events(self.users[rows], slots), self.now_ms)
        self.now_ms += ROUND_MS
        self.ranker.refresh(self.now_ms)

    def _events(self, users: np.ndarray, slots: np.ndarray) -> EventBatch:
        n = len(slots)
        ids = self.ranker.catalog.ids.ids[slots]
        watch = np.maximum(self.rng.normal(self.watch_s[slots], 2.0) * 1000, 0).astype(np.int64)
        liked = self.rng.random(n) < self.like_p[slots]
        kinds = np.concatenate([np.full(n, Kind.IMPRESSION), np.full(n, Kind.PLAY),
                                np.full(int(liked.sum()), Kind.LIKE)])  # fmt: skip
        pick = np.concatenate([np.arange(n), np.arange(n), np.flatnonzero(liked)])
        return EventBatch.of(
            ts_ms=np.full(len(pick), self.now_ms), kind=kinds, user=users[pick], object=ids[pick],
            watch_ms=np.where(kinds == Kind.PLAY, watch[pick], -1),
        )  # fmt: skip


def make_world(
    tmp_path: Path, like_p: np.ndarray, watch_s: np.ndarray, *, users: int = 1_000,
    seed: int = 7, settings: FeedSettings | None = None, topic: np.ndarray | None = None,
) -> World:  # fmt: skip
    settings = settings or small_settings()
    n = len(like_p)
    catalog = VideoCatalog(settings.topics)
    catalog.add_columns(
        ids=np.arange(1_000, 1_000 + n), creator=np.arange(n) + 50_000,
        duration_ms=np.full(n, 30_000), posted_at_ms=np.full(n, START_MS - 1),
        topic=np.arange(n) % settings.topics if topic is None else topic,
    )  # fmt: skip
    counters = EngagementCounters(n)
    ranker = ForYouRanker(settings, catalog, counters, seed=seed)
    lake = Lake(tmp_path / "lake", flush_rows=1_000_000)
    ingestor = Ingestor(lake, catalog, counters, tolerance_ms=60_000, listeners=[ranker.observe])
    ranker.refresh(START_MS)
    return World(ranker, ingestor, like_p, watch_s, np.arange(users, dtype=np.int64),
                 np.random.default_rng(seed), served=np.zeros(n, np.int64))  # fmt: skip
