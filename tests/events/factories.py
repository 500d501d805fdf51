"""Small worlds for the event tests: a catalog, a lake, counters and an ingestor.

Events are written as rows with only the fields a test cares about; the rest take
defaults that pass validation (a For You play of video 42 at `T0`, watched 6 s).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from reelmint.content.catalog import VideoCatalog
from reelmint.events.batch import COLUMNS, EventBatch
from reelmint.events.counters import EngagementCounters
from reelmint.events.ingest import Ingestor
from reelmint.events.lake import Lake
from reelmint.events.model import Kind

T0 = 1_793_534_400_000  # 2026-11-01T12:00:00Z
SECOND = 1_000
CREATORS = {42: 7, 43: 7, 44: 8}  # video -> creator
DEFAULTS: dict[str, Any] = {
    "ts_ms": T0, "kind": Kind.PLAY, "user": 1, "object": 42, "watch_ms": 6_000,
}  # fmt: skip


def catalog(creators: dict[int, int] = CREATORS) -> VideoCatalog:
    videos = VideoCatalog(topics=4)
    ids = np.array(list(creators), np.int64)
    videos.add_columns(
        ids=ids,
        creator=np.array(list(creators.values()), np.int64),
        duration_ms=np.full(len(ids), 30_000, np.int64),
        topic=np.zeros(len(ids), np.int64),
        posted_at_ms=np.full(len(ids), T0 - 86_400_000, np.int64),
    )
    return videos


def rows(*events: dict[str, Any]) -> EventBatch:
    """A batch from rows; a row's missing fields take `DEFAULTS` (then the batch's)."""
    filled = [{**DEFAULTS, **e} for e in events]
    names = {name for e in filled for name in e}
    return EventBatch.of(**{n: [e.get(n, _default(n)) for e in filled] for n in names})


def _default(name: str) -> Any:
    return COLUMNS[name][1]


@dataclass
class World:
    lake: Lake
    catalog: VideoCatalog
    counters: EngagementCounters
    ingestor: Ingestor

    def ingest(self, *events: dict[str, Any], now_ms: int = T0) -> Any:
        return self.ingestor.ingest(rows(*events), now_ms)


def world(root: Path, *, tolerance_ms: int = 60 * SECOND, flush_rows: int = 1_000) -> World:
    videos = catalog()
    counters = EngagementCounters(len(videos))
    lake = Lake(root, flush_rows=flush_rows)
    return World(
        lake, videos, counters, Ingestor(lake, videos, counters, tolerance_ms=tolerance_ms)
    )
