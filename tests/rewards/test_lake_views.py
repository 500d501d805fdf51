"""What a close reads from the lake: qualified views, viewers' watch, followers, plays."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from reelmint.events.batch import EventBatch
from reelmint.events.lake import Lake
from reelmint.events.model import Kind, Surface
from reelmint.rewards import lake_views
from reelmint.rewards.modes import viewer_watch
from reelmint.rewards.service import LakeAudience
from tests.rewards.conftest import NOV, RewardsWorld

NOV_5 = date(2026, 11, 5)


def window(world: RewardsWorld, by: datetime = datetime(2026, 12, 1, tzinfo=UTC)
           ) -> lake_views.Window:  # fmt: skip
    return lake_views.Window(world.root, NOV.start_ms, NOV.end_ms, int(by.timestamp() * 1000))


def per_video(table: pa.Table) -> dict[int, int]:
    return dict(zip(table.column("object").to_pylist(), table.column("views").to_pylist(),
                    strict=True))  # fmt: skip


def test_only_qualified_plays_count(world: RewardsWorld) -> None:
    world.video(10, 1)
    world.plays(10, range(0, 4), NOV_5)  # qualified
    world.plays(10, range(0, 4), date(2026, 11, 6))  # the same viewers again: not again
    world.plays(10, range(10, 12), NOV_5, watch_ms=4_999)  # swiped before 5 s
    world.plays(10, range(20, 22), NOV_5, surface=Surface.FOLLOWING)  # not For You
    world.plays(10, range(30, 32), NOV_5, paid=True)  # paid
    world.plays(10, range(40, 42), NOV_5, invalid=True)  # invalid on arrival
    world.plays(10, range(50, 52), date(2026, 12, 1))  # after the period
    world.plays(10, range(60, 62), date(2026, 10, 31))  # before it
    views = lake_views.video_views(window(world), np.array([1], np.int64))
    assert per_video(views) == {10: 4}


def test_only_the_creators_asked_about_are_read(world: RewardsWorld) -> None:
    world.video(10, 1)
    world.video(20, 2)
    world.plays(10, range(3), NOV_5)
    world.plays(20, range(5), NOV_5)
    assert per_video(lake_views.video_views(window(world), np.array([2], np.int64))) == {20: 5}


def test_the_sql_viewer_watch_is_the_numpy_one(world: RewardsWorld) -> None:
    rng = np.random.default_rng(3)
    for video in range(10, 22):
        world.video(video, video % 4)
        world.plays(video, np.unique(rng.integers(0, 40, 15)).tolist(), NOV_5)
    videos = np.arange(10, 22, dtype=np.int64)
    sql = lake_views.viewer_watch(window(world), videos)
    # The same from the raw rows: (viewer, creator) -> distinct videos.
    files = [str(p) for p in world.root.rglob("*.parquet")]
    rows = pa.concat_tables([pq.read_table(f, columns=["user", "author", "object"])
                             for f in files]).to_pylist()  # fmt: skip
    pairs: dict[tuple[int, int], set[int]] = {}
    for r in rows:
        pairs.setdefault((r["user"], r["author"]), set()).add(r["object"])
    viewer = np.array([u for u, _ in pairs], np.int64)
    creator = np.array([c for _, c in pairs], np.int64)
    counts = np.array([len(v) for v in pairs.values()], np.int64)
    mine = viewer_watch(viewer, creator, counts)
    assert sql.viewers == mine.viewers
    key = lambda w: sorted(zip(w.creator.tolist(), w.viewer_total.tolist(),  # noqa: E731
                               w.views.tolist(), strict=True))  # fmt: skip
    assert key(sql) == key(mine)


def follows(root: Path, pairs: list[tuple[int, int]], day: date) -> None:
    ts = int(datetime(day.year, day.month, day.day, 9, tzinfo=UTC).timestamp() * 1000)
    n = len(pairs)
    batch = EventBatch.of(
        ts_ms=np.full(n, ts, np.int64), kind=np.full(n, int(Kind.FOLLOW), np.int8),
        user=np.array([u for u, _ in pairs], np.int64), object=np.full(n, 99, np.int64),
        author=np.array([c for _, c in pairs], np.int64),
        surface=np.zeros(n, np.int8),
    )  # fmt: skip
    with Lake(root, writer_id=f"f{day.day}") as lake:
        lake.append(batch)


def test_followers_are_distinct_followers_before_the_moment(tmp_path: Path) -> None:
    root = tmp_path / "lake"
    follows(root, [(1, 7), (2, 7), (2, 7), (3, 8)], date(2026, 11, 2))
    follows(root, [(4, 7)], date(2026, 11, 20))
    until = int(datetime(2026, 11, 10, tzinfo=UTC).timestamp() * 1000)
    audience = LakeAudience(root)
    assert audience.followers(np.array([7, 8, 9], np.int64), until) == {7: 2, 8: 1}


def test_plays_by_creator_counts_every_valid_play_in_the_span(world: RewardsWorld) -> None:
    world.video(10, 1)
    world.plays(10, range(5), NOV_5, watch_ms=1_000)
    world.plays(10, range(5), NOV_5, invalid=True)
    world.plays(10, range(3), date(2026, 11, 25), surface=Surface.PROFILE)
    got = lake_views.plays_by_creator(world.root, np.array([1], np.int64), NOV.start_ms,
                                      NOV.start_ms + 10 * 86_400_000)  # fmt: skip
    assert got == {1: 5}
