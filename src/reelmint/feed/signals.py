"""From counters to the terms of the score: smoothed rates with a prior from peers.

A video's rate for action a is its count per impression, shrunk toward its peers' rate
by `k` pseudo-impressions (Beta-Binomial smoothing, the empirical-Bayes estimate):

    rate_a = (count_a + k * peer_rate_a) / (impressions + k)

Peers are the videos in the same traffic pool. The peer rate is itself shrunk toward
the configured prior, so a pool with little traffic falls back to the settings.

Worked example, k = 200, peer like rate 2%: a video with 30 likes in 300 impressions
has rate (30 + 200 * 0.02) / (300 + 200) = 6.8%; one with 3 likes in 10 impressions,
(3 + 4) / 210 = 3.3% -- a lucky start moves it, but not to 30%.
"""

from __future__ import annotations

import numpy as np

from reelmint.events.counters import EngagementCounters
from reelmint.feed.model import ACTIONS, F64, I64, NEGATIVE_ACTIONS, WATCH, VideoTerms
from reelmint.settings import FeedSettings


def prior_score(settings: FeedSettings) -> float:
    """The score of a video that does exactly what the priors say."""
    w, p = settings.weights, settings.priors
    return float(sum(getattr(w, a) * getattr(p, a) for a in (*ACTIONS, WATCH)))


def peer_rates(
    counters: EngagementCounters, level: I64, levels: int, settings: FeedSettings
) -> dict[str, F64]:
    """Per pool level: the pooled rate of its videos, shrunk toward the priors by the
    weight of `min_peers` videos' worth of pseudo-impressions."""
    n = len(level)
    impressions = np.bincount(level, counters.impressions[:n], minlength=levels)
    strength = settings.prior_impressions * settings.min_peers
    rates = {}
    for action, counter in ACTIONS.items():
        total = np.bincount(level, getattr(counters, counter)[:n], minlength=levels)
        rates[action] = (total + strength * getattr(settings.priors, action)) / (
            impressions + strength
        )
    watch = np.bincount(level, counters.watch_ms[:n], minlength=levels) / 1000.0
    rates[WATCH] = (watch + strength * settings.priors.watch_s) / (impressions + strength)
    return rates


def video_terms(
    counters: EngagementCounters, level: I64, levels: int, settings: FeedSettings
) -> VideoTerms:
    """Smoothed rates for every video in the catalog and the score terms built on them."""
    n = len(level)
    k = float(settings.prior_impressions)
    peers = peer_rates(counters, level, levels, settings)
    impressions = counters.impressions[:n] + k
    rates = {
        action: (getattr(counters, counter)[:n] + k * peers[action][level]) / impressions
        for action, counter in ACTIONS.items()
    }
    rates[WATCH] = (counters.watch_ms[:n] / 1000.0 + k * peers[WATCH][level]) / impressions
    return terms_from_rates(rates, settings, rates[WATCH] / peers[WATCH][level])


def terms_from_rates(rates: dict[str, F64], settings: FeedSettings, retention: F64) -> VideoTerms:
    """Weigh the rates into the positive and negative halves of the score.

    Liked actions are credited in proportion to the attention behind them: with
    `retention` the video's watch time over its peers', they are scaled by
    min(1, retention) ** retention_gate. A video watched as long as its peers keeps
    every like; like bait, liked three times as often but watched a third as long,
    keeps a third of its like term (3 -> 1) and cannot buy its way past a video people
    actually watch. Negative feedback is never discounted.
    """
    w = settings.weights
    gate = np.minimum(retention, 1.0) ** settings.retention_gate
    positive = np.zeros_like(rates[WATCH])
    negative = np.zeros_like(positive)
    for action in ACTIONS:
        if action in NEGATIVE_ACTIONS:
            negative = negative + getattr(w, action) * rates[action]
        else:
            positive = positive + getattr(w, action) * rates[action]
    positive = positive * gate + w.watch_s * rates[WATCH]
    return VideoTerms(positive, negative, rates, retention)
