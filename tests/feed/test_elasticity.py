"""Likes elasticity: re-scoring one video with its like rate moved, all else held."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from reelmint.feed.elasticity import like_elasticity
from tests.feed.world import make_world

PEERS = 100


def judged_world(tmp_path: Path):  # type: ignore[no-untyped-def]
    like = np.concatenate([np.linspace(0.01, 0.04, PEERS), [0.02]])
    world = make_world(tmp_path, like, np.full(PEERS + 1, 10.0), users=2_000)
    for _ in range(3):
        world.round()
    return world


def test_more_likes_raise_score_win_rate_and_the_pool_headed_for(tmp_path: Path) -> None:
    world = judged_world(tmp_path)
    video = int(world.ranker.catalog.ids.ids[PEERS])

    points = like_elasticity(world.ranker, video, (-0.5, 0.0, 1.0, 3.0), sample_users=500)

    scores = [p.score for p in points]
    wins = [p.win_rate for p in points]
    assert scores == sorted(scores) and scores[0] < scores[-1]
    assert wins == sorted(wins) and wins[-1] > wins[0]
    assert points[1].like_rate == pytest.approx(world.ranker.terms.rates["like"][PEERS])
    assert points[3].like_rate == pytest.approx(4 * points[1].like_rate)
    assert not points[0].promoted and points[0].headed_for == 300
    assert points[3].promoted and points[3].headed_for == 3_000


def test_the_what_if_changes_nothing_in_the_ranker(tmp_path: Path) -> None:
    world = judged_world(tmp_path)
    assert world.ranker.terms is not None
    before = world.ranker.terms.score.copy()
    room = world.ranker._room.copy()

    like_elasticity(world.ranker, int(world.ranker.catalog.ids.ids[3]), (1.0,), sample_users=50)

    assert np.array_equal(world.ranker.terms.score, before)
    assert np.array_equal(world.ranker._room, room)


def test_an_unknown_video_or_an_impossible_change_is_refused(tmp_path: Path) -> None:
    world = judged_world(tmp_path)
    with pytest.raises(ValueError, match="no video 5"):
        like_elasticity(world.ranker, 5, (0.5,))
    with pytest.raises(ValueError, match="100%"):
        like_elasticity(world.ranker, 1_000, (-1.0,))
