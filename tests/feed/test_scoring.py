"""Scoring: smoothing, affinity, like bait, negative feedback, and its equal-say weights."""

from __future__ import annotations

import numpy as np
import pytest

from reelmint.content.catalog import VideoCatalog
from reelmint.events.counters import EngagementCounters
from reelmint.feed.ranker import ForYouRanker
from reelmint.feed.signals import prior_score, video_terms
from reelmint.settings import FeedSettings
from tests.feed.world import START_MS, small_settings


def ranker_with(counts: dict[str, list[int]], settings: FeedSettings | None = None,
                topic: list[int] | None = None) -> ForYouRanker:  # fmt: skip
    # One pool far bigger than any count here: these tests are about scores, not pools.
    settings = settings or small_settings(pool_sizes=(1_000_000,))
    n = len(next(iter(counts.values())))
    catalog = VideoCatalog(settings.topics)
    catalog.add_columns(
        ids=np.arange(n), creator=np.arange(n), duration_ms=np.full(n, 30_000),
        topic=np.array(topic or [0] * n), posted_at_ms=np.zeros(n, np.int64),
    )  # fmt: skip
    counters = EngagementCounters(n)
    for name, values in counts.items():
        getattr(counters, name)[:] = values
    ranker = ForYouRanker(settings, catalog, counters)
    ranker.refresh(START_MS)
    return ranker


def test_rates_are_shrunk_toward_the_peers_by_the_prior_impressions() -> None:
    settings = small_settings(prior_impressions=200, min_peers=1)
    counters = EngagementCounters(2)
    counters.impressions[:] = [300, 10]
    counters.likes[:] = [30, 3]
    level = np.zeros(2, np.int64)

    terms = video_terms(counters, level, 2, settings)

    # The pool's own rate (33 / 310) shrunk toward the 2% prior by 200 pseudo-impressions.
    peer = (33 + 200 * 0.02) / (310 + 200)
    assert terms.rates["like"][0] == pytest.approx((30 + 200 * peer) / 500)
    assert terms.rates["like"][1] == pytest.approx((3 + 200 * peer) / 210)
    assert terms.rates["like"][1] < 0.2  # 3 in 10 is a lucky start, not a 30% rate


def test_each_default_weight_gives_its_term_an_equal_say_at_the_priors() -> None:
    settings = FeedSettings()
    w, p = settings.weights, settings.priors
    actions = ("like", "comment", "share", "follow", "watch_s", "not_interested", "report")
    terms = {a: getattr(w, a) * getattr(p, a) for a in actions}

    assert all(abs(abs(v) - 1) < 0.05 for v in terms.values()), terms
    assert terms["not_interested"] < 0 and terms["report"] < 0
    assert prior_score(settings) == pytest.approx(sum(terms.values()))


def test_like_bait_does_not_outrank_a_video_people_watch() -> None:
    # Same impressions. Bait: 3x the likes, a third of the watch. Watched: normal likes,
    # twice the watch time.
    ranker = ranker_with({
        "impressions": [5_000, 5_000],
        "likes": [300, 100],
        "watch_ms": [5_000 * 3_300, 5_000 * 20_000],
    })  # fmt: skip
    assert ranker.terms is not None
    bait, watched = ranker.terms.score

    assert watched > bait
    page = ranker.recommend(user=1, n=2, now_ms=START_MS)
    assert page.videos == (1, 0)


def test_more_likes_with_everything_else_equal_score_higher() -> None:
    ranker = ranker_with({"impressions": [1_000] * 3, "likes": [10, 20, 40],
                          "watch_ms": [1_000 * 10_000] * 3})  # fmt: skip
    assert ranker.terms is not None
    assert list(np.argsort(ranker.terms.score)) == [0, 1, 2]


def test_negative_feedback_lowers_the_score() -> None:
    ranker = ranker_with({"impressions": [1_000, 1_000], "likes": [20, 20],
                          "not_interested": [0, 40], "watch_ms": [10_000_000] * 2})  # fmt: skip
    assert ranker.terms is not None
    assert ranker.terms.score[1] < ranker.terms.score[0]
    assert ranker.terms.negative[1] < ranker.terms.negative[0] <= 0


def test_a_users_taste_for_a_topic_lifts_that_topics_videos_for_them_only() -> None:
    counts = {"impressions": [1_000, 1_000], "likes": [20, 24], "watch_ms": [10_000_000] * 2}
    ranker = ranker_with(counts, topic=[0, 1])
    ranker.declare_interests(np.array([1, 2]), np.array([[1, 0, 0, 0], [0, 0, 0, 0]]))

    assert ranker.recommend(1, 2, START_MS).videos == (0, 1)  # taste beats 20% more likes
    assert ranker.recommend(2, 2, START_MS).videos == (1, 0)  # no taste: likes decide
