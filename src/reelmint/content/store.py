"""Videos on SQL (SQLite or PostgreSQL): the durable copy of the catalog.

Posting a video is idempotent by id: the same video again is a no-op, a different
video under a known id is refused (`VideoConflict`), and nothing is written for a
batch that holds a conflict.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import sqlalchemy as sa
from sqlalchemy import Engine

from reelmint.content import schema as s
from reelmint.content.catalog import VideoCatalog
from reelmint.content.model import ContentError, Origin, Video
from reelmint.db.engine import insert_new


class VideoConflict(ContentError):
    """A video id already stands for a different video."""


class VideoStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(self, videos: Sequence[Video]) -> list[bool]:
        """Store videos in one transaction; per video, whether it was new (a repeat within
        the batch counts as new once, like a retry that arrives twice)."""
        first: dict[int, Video] = {}
        for video in videos:
            if first.setdefault(video.id, video) != video:
                raise VideoConflict(f"video {video.id} appears twice with different fields")
        with self.engine.begin() as conn:
            known = self._known(conn, list(first))
            for video in first.values():
                if video.id in known and known[video.id] != video:
                    raise VideoConflict(f"video {video.id} already exists with other fields")
            fresh = [v for v in first.values() if v.id not in known]
            if fresh:
                conn.execute(insert_new(self.engine, s.videos), [_row(v) for v in fresh])
        new, seen = [], set()
        for video in videos:
            new.append(video.id not in known and video.id not in seen)
            seen.add(video.id)
        return new

    def get(self, video_id: int) -> Video | None:
        with self.engine.connect() as conn:
            return self._known(conn, [video_id]).get(video_id)

    def load(self, catalog: VideoCatalog) -> int:
        """Add every stored video to `catalog` (in id order); how many there were."""
        v = s.videos.c
        query = sa.select(v.id, v.creator, v.duration_ms, v.topic, v.posted_at_ms, v.origin)
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(v.id)).all()
        if not rows:
            return 0
        cols = np.array(rows, dtype=np.int64).T
        catalog.add_columns(ids=cols[0], creator=cols[1], duration_ms=cols[2], topic=cols[3],
                            posted_at_ms=cols[4], origin=cols[5].astype(np.int8))  # fmt: skip
        return len(rows)

    def _known(self, conn: sa.Connection, ids: list[int]) -> dict[int, Video]:
        if not ids:
            return {}
        rows = conn.execute(sa.select(s.videos).where(s.videos.c.id.in_(ids))).mappings()
        return {r["id"]: _video(r) for r in rows}


def _row(video: Video) -> dict[str, int]:
    return {"id": video.id, "creator": video.creator, "duration_ms": video.duration_ms,
            "topic": video.topic, "origin": int(video.origin),
            "posted_at_ms": video.posted_at_ms}  # fmt: skip


def _video(row: sa.RowMapping) -> Video:
    return Video(row["id"], row["creator"], row["duration_ms"], row["topic"],
                 row["posted_at_ms"], Origin(row["origin"]))  # fmt: skip
