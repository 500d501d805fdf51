"""The video catalog as columns: one NumPy array per attribute, indexed by slot.

Both the ingest path (which fills in each event's author and refuses unknown videos)
and the ranker (which gathers authors, topics and ages for thousands of candidates at
once) read whole columns, so the catalog is columnar rather than a list of `Video`s.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from numpy.typing import NDArray

from reelmint.content.ids import DenseIds
from reelmint.content.model import ContentError, Origin, Video

I64 = NDArray[np.int64]


class VideoCatalog:
    def __init__(self, topics: int) -> None:
        if topics < 1:
            raise ContentError("a catalog needs at least one topic")
        self.topics = topics
        self.ids = DenseIds()
        self.creator = np.empty(0, np.int64)
        self.duration_ms = np.empty(0, np.int64)
        self.topic = np.empty(0, np.int64)
        self.posted_at_ms = np.empty(0, np.int64)
        self.origin = np.empty(0, np.int8)

    def __len__(self) -> int:
        return len(self.ids)

    def add(self, videos: Iterable[Video]) -> I64:
        """Register videos (a video already known keeps its first record); their slots."""
        rows = list(videos)
        return self.add_columns(
            ids=np.array([v.id for v in rows], np.int64),
            creator=np.array([v.creator for v in rows], np.int64),
            duration_ms=np.array([v.duration_ms for v in rows], np.int64),
            topic=np.array([v.topic for v in rows], np.int64),
            posted_at_ms=np.array([v.posted_at_ms for v in rows], np.int64),
            origin=np.array([int(v.origin) for v in rows], np.int8),
        )

    def add_columns(
        self, *, ids: I64, creator: I64, duration_ms: I64, topic: I64, posted_at_ms: I64,
        origin: NDArray[np.int8] | None = None,
    ) -> I64:  # fmt: skip
        """The batch form of `add`, for the simulator: equal-length columns."""
        if origin is None:
            origin = np.zeros(len(ids), np.int8)
        columns = (creator, duration_ms, topic, posted_at_ms, origin)
        if any(len(c) != len(ids) for c in columns):
            raise ContentError("catalog columns must all have the same length")
        if len(topic) and (topic.min() < 0 or topic.max() >= self.topics):
            raise ContentError(f"topics are 0 .. {self.topics - 1}")
        if len(duration_ms) and duration_ms.min() <= 0:
            raise ContentError("video durations must be positive")
        before = len(self.ids)
        slots = self.ids.add(ids)
        new = slots >= before
        if new.any():
            # First occurrence of each new slot, in slot order.
            fresh, first = np.unique(slots[new], return_index=True)
            pick = np.flatnonzero(new)[first]
            self.creator = np.concatenate([self.creator, creator[pick]])
            self.duration_ms = np.concatenate([self.duration_ms, duration_ms[pick]])
            self.topic = np.concatenate([self.topic, topic[pick]])
            self.posted_at_ms = np.concatenate([self.posted_at_ms, posted_at_ms[pick]])
            self.origin = np.concatenate([self.origin, origin[pick]])
            assert len(fresh) == len(self.ids) - before
        return slots

    def video(self, slot: int) -> Video:
        return Video(int(self.ids.ids[slot]), int(self.creator[slot]),
                     int(self.duration_ms[slot]), int(self.topic[slot]),
                     int(self.posted_at_ms[slot]), Origin(int(self.origin[slot])))  # fmt: skip
