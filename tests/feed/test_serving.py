"""Serving: the online path and the batch path, candidates, follows, ad slots, repeats."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from reelmint.events.batch import EventBatch
from reelmint.events.model import Kind
from tests.feed.world import START_MS, World, make_world, small_settings


def flat_world(tmp_path: Path, n: int = 60, **settings: object) -> World:
    return make_world(tmp_path, np.full(n, 0.02), np.full(n, 10.0),
                      settings=small_settings(**settings) if settings else None)  # fmt: skip


def test_the_same_request_gives_the_same_page(tmp_path: Path) -> None:
    one, two = flat_world(tmp_path / "a"), flat_world(tmp_path / "b")
    assert one.ranker.recommend(5, 8, START_MS) == two.ranker.recommend(5, 8, START_MS)


def test_a_user_is_not_served_the_same_video_twice(tmp_path: Path) -> None:
    world = flat_world(tmp_path)
    pages = [world.ranker.recommend(5, 8, START_MS + i) for i in range(5)]
    served = [v for page in pages for v in page.organic]

    assert len(served) == len(set(served)) >= 30


def test_the_online_page_leaves_the_slot_plans_positions_for_ads(tmp_path: Path) -> None:
    world = flat_world(tmp_path, ad_every=4)
    page = world.ranker.recommend(5, 8, START_MS)

    assert page.ad_positions == (3, 7)
    assert [page.videos[i] for i in page.ad_positions] == [-1, -1]
    assert all(v >= 0 for i, v in enumerate(page.videos) if i not in page.ad_positions)
    assert np.isnan(page.scores[3]) and not np.isnan(page.scores[0])


def test_the_batch_path_fills_every_organic_position_from_distinct_videos(tmp_path: Path) -> None:
    world = flat_world(tmp_path, n=200)
    feed = world.ranker.rank_batch(np.arange(300), 8, START_MS, world.rng)

    assert feed.videos.shape == (300, 8) and feed.impressions == 300 * 8
    assert all(len(set(row)) == 8 for row in feed.videos.tolist())
    assert (np.diff(feed.scores, axis=1) <= 1e-6).mean() > 0.8  # mostly best first


def test_a_followed_creators_newest_video_reaches_the_follower(tmp_path: Path) -> None:
    world = flat_world(tmp_path, n=400, followed=2, interest=0, trending=0, explore=0)
    catalog = world.ranker.catalog
    creator = int(catalog.creator[17])
    follow = EventBatch.of(ts_ms=[START_MS], kind=[Kind.FOLLOW], user=[9],
                           object=[int(catalog.ids.ids[17])])  # fmt: skip
    world.ingestor.ingest(follow, START_MS)
    world.ranker.refresh(START_MS)

    page = world.ranker.recommend(9, 4, START_MS)
    stranger = world.ranker.recommend(10, 4, START_MS)

    assert int(catalog.ids.ids[17]) in page.organic
    assert catalog.creator[catalog.ids.lookup(np.array(page.organic))].tolist() == [creator]
    assert stranger.organic == ()


def test_a_video_posted_later_is_not_shown_yet(tmp_path: Path) -> None:
    world = flat_world(tmp_path, n=10)
    world.ranker.catalog.posted_at_ms[3] = START_MS + 3_600_000
    world.ranker.refresh(START_MS)
    feed = world.ranker.rank_batch(np.arange(50), 8, START_MS, world.rng)

    assert 3 not in feed.videos
    assert (feed.videos >= 0).sum() > 0


def test_likes_teach_the_ranker_a_users_taste(tmp_path: Path) -> None:
    world = flat_world(tmp_path, n=40)
    topic = world.ranker.catalog.topic
    liked = np.flatnonzero(topic == 2)[:10]
    likes = EventBatch.of(
        ts_ms=np.full(10, START_MS), kind=np.full(10, Kind.LIKE), user=np.full(10, 3),
        object=world.ranker.catalog.ids.ids[liked],
    )  # fmt: skip
    before = world.ranker.audience.factors(world.ranker.audience.slots(np.array([3])))[0]
    world.ingestor.ingest(likes, START_MS)
    after = world.ranker.audience.factors(world.ranker.audience.slots(np.array([3])))[0]

    assert before[2] == 1.0 and after[2] > 1.3
    assert all(after[t] < 1.0 for t in (0, 1, 3))


def test_invalid_likes_teach_nothing_and_count_nowhere(tmp_path: Path) -> None:
    world = flat_world(tmp_path, n=40)
    fake = EventBatch.of(
        ts_ms=np.full(10, START_MS), kind=np.full(10, Kind.LIKE), user=np.full(10, 3),
        object=np.full(10, 1_005), invalid=np.ones(10, bool),
    )  # fmt: skip
    world.ingestor.ingest(fake, START_MS)

    assert world.ranker.counters.likes.sum() == 0
    assert len(world.ranker.audience) == 0 or world.ranker.audience.engaged.sum() == 0
