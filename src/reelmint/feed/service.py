"""The feed as a service: the catalog, the lake, the counters and the ranker, wired once.

The API and the CLI use this; the simulator drives the same parts directly, in bulk.
On open it loads the catalog from SQL and rebuilds what the ranker knows from the lake
(counters, tastes, follows), so a restart loses nothing that was ingested. State lives
in this process: run the API with one worker when it serves the feed (or put the
counters in a shared store, later).

Calls are serialised by one lock: ranking mutates what has been served, and ingest
mutates the counters. Each call is milliseconds, so one lock is not the bottleneck of a
Python process.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import pyarrow.parquet as pq

from reelmint.content.catalog import VideoCatalog
from reelmint.content.model import ContentError, Video
from reelmint.content.store import VideoStore
from reelmint.events.batch import EventBatch
from reelmint.events.counters import EngagementCounters
from reelmint.events.ingest import Ingestor, IngestReport
from reelmint.events.lake import Lake
from reelmint.events.model import FEED_KINDS, Kind
from reelmint.events.schema import from_arrow
from reelmint.feed.elasticity import ExposurePoint, like_elasticity
from reelmint.feed.model import FeedPage
from reelmint.feed.ranker import ForYouRanker
from reelmint.settings import Settings

REFRESH_MS = 1_000  # the API's snapshot is at most this old


class FeedService:
    def __init__(self, settings: Settings, videos: VideoStore, lake_dir: Path, *,
                 writer_id: str = "w0") -> None:  # fmt: skip
        """`writer_id` names this process's lake files: each API worker needs its own."""
        feed = settings.feed
        self.videos = videos
        self.catalog = VideoCatalog(feed.topics)
        videos.load(self.catalog)
        self.counters = EngagementCounters(
            len(self.catalog),
            qualified_view_min_ms=settings.economics.rewards.qualified_view_min_ms,
        )  # fmt: skip
        self.ranker = ForYouRanker(feed, self.catalog, self.counters)
        self.lake = Lake(lake_dir, flush_rows=settings.events.flush_rows, writer_id=writer_id)
        self._replay()
        self.ingestor = Ingestor(self.lake, self.catalog, self.counters,
                                 tolerance_ms=settings.events.tolerance_ms,
                                 listeners=[self.ranker.observe])  # fmt: skip
        self._lock = threading.Lock()

    def post_videos(self, videos: Sequence[Video]) -> list[bool]:
        """Store and catalogue videos; per video, whether it was new."""
        with self._lock:
            if any(v.topic >= self.catalog.topics for v in videos):
                raise ContentError(f"topics are 0 .. {self.catalog.topics - 1} (feed.topics)")
            fresh = self.videos.add(videos)
            self.catalog.add(v for v, new in zip(videos, fresh, strict=True) if new)
            return fresh

    def ingest(self, batch: EventBatch, now_ms: int) -> IngestReport:
        """Validate, count and store events; flushed to the lake before returning, so an
        accepted event is on disk when the caller hears it was accepted."""
        with self._lock:
            report = self.ingestor.ingest(batch, now_ms)
            self.lake.flush()
            return report

    def for_you(self, user: int, n: int, now_ms: int) -> FeedPage:
        with self._lock:
            self._fresh(now_ms)
            return self.ranker.recommend(user, n, now_ms)

    def elasticity(
        self, video: int, changes: tuple[float, ...], now_ms: int, *, sample_users: int = 2_000
    ) -> list[ExposurePoint]:
        with self._lock:
            self._fresh(now_ms, force=True)
            return like_elasticity(self.ranker, video, changes, sample_users=sample_users)

    def close(self) -> None:
        self.lake.close()

    def _fresh(self, now_ms: int, *, force: bool = False) -> None:
        last = self.ranker.refreshed_at_ms
        if force or last is None or now_ms - last >= REFRESH_MS or now_ms < last:
            self.ranker.refresh(now_ms)

    def _replay(self) -> None:
        """Rebuild counters, tastes and follows from the feed events in the lake, one file
        at a time (the order of files does not matter: every update is a sum)."""
        with self.lake.reading():
            files = self.lake.files(kinds=FEED_KINDS)
            for path in files:
                kind = Kind.parse(path.parent.parent.name.removeprefix("kind="))
                batch = from_arrow(pq.read_table(path), kind)
                slots = self.catalog.ids.lookup(batch.object)
                self.counters.update(batch.kind, slots, watch_ms=batch.watch_ms,
                                     complete=batch.complete, surface=batch.surface,
                                     invalid=batch.invalid, paid=batch.paid)  # fmt: skip
                self.ranker.observe(batch, slots)
        self.replayed_files = len(files)
        self.counters.grow(len(self.catalog))
