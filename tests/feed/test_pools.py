"""Traffic pools: promotion against the peers' bar, stalls, open distribution."""

from __future__ import annotations

import numpy as np
import pytest

from reelmint.feed.model import PoolStatus
from reelmint.feed.pools import OPEN_CAPACITY, TrafficPools


def pools(n: int, sizes: tuple[int, ...] = (300, 3_000), min_peers: int = 5) -> TrafficPools:
    p = TrafficPools(sizes, 0.3, min_peers=min_peers, memory=100)
    p.grow(n)
    return p


def test_the_bar_is_the_peers_percentile_that_the_promote_share_must_beat() -> None:
    p = pools(10)
    p.evaluate(np.full(10, 300), np.arange(1.0, 11.0), fallback=0.0)

    assert p.bar(0, fallback=99.0) == pytest.approx(np.quantile(np.arange(1.0, 11.0), 0.7))
    assert p.bar(0, fallback=99.0) == pytest.approx(7.3)


def test_with_too_few_peers_a_pool_judges_by_the_prior_score() -> None:
    p = pools(3, min_peers=5)
    promoted, stalled, _ = p.evaluate(np.full(3, 300), np.array([1.0, 2.9, 3.1]), fallback=3.0)

    assert (promoted, stalled) == (1, 2)
    assert list(p.status) == [PoolStatus.STALLED, PoolStatus.STALLED, PoolStatus.TESTING]
    assert list(p.level) == [0, 0, 1]


def test_only_videos_that_filled_their_pool_are_judged() -> None:
    p = pools(2)
    p.evaluate(np.array([299, 300]), np.array([0.0, 0.0]), fallback=1.0)

    assert list(p.status) == [PoolStatus.TESTING, PoolStatus.STALLED]
    assert list(p.capacity(np.array([299, 300]))) == [1, 0]


def test_a_video_that_overshot_two_pools_is_judged_at_each() -> None:
    p = pools(1)
    p.evaluate(np.array([5_000]), np.array([10.0]), fallback=1.0)

    assert p.status[0] == PoolStatus.OPEN and p.level[0] == 2
    assert p.capacity(np.array([5_000]))[0] == OPEN_CAPACITY


def test_the_judgement_does_not_depend_on_catalog_order() -> None:
    scores = np.random.default_rng(3).random(40) * 10
    first, second = pools(40), pools(40)
    first.evaluate(np.full(40, 300), scores, fallback=5.0)
    order = np.argsort(scores)
    second.evaluate(np.full(40, 300), scores[order], fallback=5.0)

    assert np.array_equal(first.status[order], second.status)
