"""Likes elasticity: how a video's exposure would move if its like rate moved, all else equal.

Likes pay nothing by themselves; they move a video's score, the score moves its
exposure, and exposure (views) is what pays. This makes that chain visible for one
video, by re-scoring it with its like rate scaled and every other input held fixed:

- **per request**: a seeded sample of users' candidate sets, each with the video in
  it, is ranked as usual; the share of requests whose page the video makes is its
  win rate (its expected share of those users' pages);
- **per pool**: whether its score now clears its pool's promotion bar, and so the
  audience it is headed for (the next pool's size if it moves up, the current one's
  if it stalls).

Worked example (default settings): a video in pool 0 with a 2% like rate and watch
time at the prior scores about 3.0 against a bar of 3.0. At +50% likes (3%) the like
term rises from 1.0 to 1.5, its score to about 3.5: it clears the bar and heads for
3,000 impressions instead of 300, and it wins more of the sampled requests.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from reelmint.feed import kernels
from reelmint.feed.candidates import draw
from reelmint.feed.kernels import F32
from reelmint.feed.model import I64, PoolStatus
from reelmint.feed.ranker import ForYouRanker
from reelmint.feed.signals import terms_from_rates


@dataclass(frozen=True, slots=True)
class ExposurePoint:
    like_change: float  # relative change of the like rate: 0.5 is +50%
    like_rate: float  # smoothed likes per impression
    score: float  # unpersonalised score
    pool: int
    bar: float  # the score that moves it up from its pool
    promoted: bool
    headed_for: int | None  # impressions of the pool it is headed for (None: open)
    win_rate: float  # share of sampled requests whose page it makes


def like_elasticity(
    ranker: ForYouRanker, video: int, changes: tuple[float, ...], *, sample_users: int = 2_000,
    page: int = 8, seed: int = 0,
) -> list[ExposurePoint]:  # fmt: skip
    """One point per relative like-rate change (0 is the video as it is). Needs a
    refreshed ranker; the same seed gives the same sample for every change."""
    if ranker.terms is None or ranker.index is None:
        raise ValueError("refresh the ranker before asking about exposure")
    if any(c <= -1 for c in changes):
        raise ValueError("a like rate cannot fall by 100% or more")
    slot = int(ranker.catalog.ids.lookup(np.array([video]))[0])
    if slot < 0:
        raise ValueError(f"no video {video} in the catalog")
    users = _sample(ranker, sample_users, seed)
    cand = _with_video(ranker, users, slot, seed)
    return [_point(ranker, slot, users, cand, c, page) for c in changes]


def _sample(ranker: ForYouRanker, n: int, seed: int) -> I64:
    known = len(ranker.audience)
    if known == 0:
        return ranker.audience.slots(np.arange(n, dtype=np.int64))
    return np.random.default_rng(seed).choice(known, size=min(n, known), replace=False)


def _with_video(ranker: ForYouRanker, users: I64, slot: int, seed: int) -> I64:
    f = ranker.settings
    assert ranker.index is not None
    quotas = (f.followed, f.interest, f.trending, f.explore)
    factors = ranker.audience.factors(users)
    # The ranker's own sources, without its seen filter: a what-if must not depend on
    # what this process happened to serve.
    cand = draw(ranker.index, users, factors, quotas, np.random.default_rng(seed))
    cand = np.where(cand == slot, -1, cand)
    return kernels.drop_repeats(np.concatenate([cand, np.full((len(users), 1), slot)], axis=1))


def _point(
    ranker: ForYouRanker, slot: int, users: I64, cand: I64, change: float, page: int
) -> ExposurePoint:  # fmt: skip
    assert ranker.terms is not None
    rates = {a: r[slot : slot + 1].copy() for a, r in ranker.terms.rates.items()}
    rates["like"] = rates["like"] * (1 + change)
    one = terms_from_rates(rates, ranker.settings, ranker.terms.retention[slot : slot + 1])
    positive = ranker.terms.positive.astype(np.float32)
    negative = ranker.terms.negative.astype(np.float32)
    positive[slot], negative[slot] = one.positive[0], one.negative[0]
    score = float(one.score[0])
    level = int(ranker.pools.level[slot])
    bar, promoted, headed = _pool_outcome(ranker, slot, level, score)
    wins = _wins(ranker, users, cand, positive, negative, slot, page)
    return ExposurePoint(change, float(rates["like"][0]), score, level, bar, promoted, headed,
                         float(wins.mean()) if len(wins) else 0.0)  # fmt: skip


def _pool_outcome(
    ranker: ForYouRanker, slot: int, level: int, score: float
) -> tuple[float, bool, int | None]:  # fmt: skip
    pools = ranker.pools
    if pools.status[slot] == PoolStatus.OPEN or level >= len(pools.sizes):
        return float("nan"), True, None
    bar = pools.bar(level, ranker.prior_score)
    promoted = score >= bar
    if not promoted:
        return bar, False, int(pools.sizes[level])
    nxt = level + 1
    return bar, True, int(pools.sizes[nxt]) if nxt < len(pools.sizes) else None


def _wins(
    ranker: ForYouRanker, users: I64, cand: I64, positive: F32, negative: F32, slot: int,
    page: int,
) -> NDArray[np.bool_]:  # fmt: skip
    n = ranker.plan.organic_count(page)
    cand, _, ranked = ranker.shortlist(users, cand, n, positive, negative)
    best = np.take_along_axis(cand, kernels.top(ranked, n), axis=1)
    wins: NDArray[np.bool_] = (best == slot).any(axis=1)
    return wins
