"""The mechanism the issue is about: engagement buys visibility through the pools.

Everything about videos A and B is equal (topic, watch time, duration, one video per
creator) except the true like rate; they compete with peers whose like rates span 1%
to 4%. Likes pay nothing here; they only change what the ranker shows.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from reelmint.feed.model import PoolStatus
from tests.feed.world import make_world

PEERS = 100
A, B = PEERS, PEERS + 1


def peers_and_pair(like_a: float, like_b: float) -> tuple[np.ndarray, np.ndarray]:
    like = np.concatenate([np.linspace(0.01, 0.04, PEERS), [like_a, like_b]])
    return like, np.full(PEERS + 2, 10.0)


def test_a_higher_like_rate_earns_promotion_and_more_impressions(tmp_path: Path) -> None:
    like, watch = peers_and_pair(0.02, 0.08)
    topic = np.zeros(PEERS + 2, np.int64)
    topic[:PEERS] = np.arange(PEERS) % 4
    world = make_world(tmp_path, like, watch, users=2_000, topic=topic)

    for _ in range(10):
        world.round()

    pools, impressions = world.ranker.pools, world.ranker.counters.impressions
    assert pools.level[B] >= 1 and pools.status[B] != PoolStatus.STALLED
    assert pools.status[A] == PoolStatus.STALLED and pools.level[A] == 0
    assert impressions[A] >= 300  # it had its seed audience ...
    assert impressions[B] > 2 * impressions[A]  # ... and B earned far more
    assert world.served[B] == impressions[B]  # every impression came back as an event


def test_a_seed_pool_is_not_overrun_between_refreshes(tmp_path: Path) -> None:
    like, watch = peers_and_pair(0.02, 0.02)
    world = make_world(tmp_path, like, watch, users=5_000)

    world.round()  # 40,000 positions asked for, 102 videos with 300 impressions of room

    assert world.ranker.counters.impressions.max() <= 300
    assert world.served.sum() <= 300 * (PEERS + 2)


def test_stalled_videos_get_no_more_pool_traffic(tmp_path: Path) -> None:
    like, watch = peers_and_pair(0.0, 0.0)
    world = make_world(tmp_path, like, watch, users=2_000)
    for _ in range(6):
        world.round()
    stalled = np.flatnonzero(world.ranker.pools.status == PoolStatus.STALLED)
    before = world.ranker.counters.impressions[stalled].copy()

    for _ in range(3):
        world.round()

    assert len(stalled) > 0
    assert np.array_equal(world.ranker.counters.impressions[stalled], before)
