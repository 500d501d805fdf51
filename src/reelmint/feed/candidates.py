"""Candidate sources for a request, drawn for many users at once.

Four sources, each a fixed quota of draws per user (settings.feed):

- followed: a followed creator (uniformly among those the user follows), then that
  creator's newest video;
- interest: topics drawn from the user's affinity, then for each topic drawn four
  videos from its best-scoring eligible videos, biased to the top
  (index = floor(count * r^2));
- trending: one of the leaders of every pool;
- explore: a fresh video still in its seed pool, drawn in proportion to the audience
  it still needs, so that seed pools fill evenly. The weighted draw is made once per
  refresh (a sample of `EXPLORE_SAMPLE` videos, with repeats); requests then draw
  uniformly from the sample, which costs an index, not a search.

The index over them is rebuilt on each refresh of the ranker; drawing is pure array
work over the index (no per-user Python). Empty draws are -1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from reelmint.feed.kernels import gather
from reelmint.feed.model import F64, I64

F32 = NDArray[np.float32]
PER_TOPIC = 4  # interest candidates drawn from each topic drawn
EXPLORE_SAMPLE = 8_192


@dataclass(frozen=True, slots=True)
class CandidateIndex:
    by_topic: I64  # topics x topic_list video slots, best first, -1 padded
    topic_count: I64  # filled entries per topic
    trending: I64  # leaders of every pool, concatenated
    explore: I64  # seed-pool videos drawn by the audience they still need
    latest: I64  # per creator slot: newest video slot (-1 if none)
    follow_indptr: I64  # CSR over user slots
    follow_creator: I64


def top_per_group(group: I64, score: F64, groups: int, keep: int) -> tuple[I64, I64]:
    """The `keep` best-scoring members (by index) of each group, as a groups x keep
    matrix padded with -1, and how many each group has."""
    order = np.lexsort((-score, group))
    grouped = group[order]
    starts = np.searchsorted(grouped, np.arange(groups))
    rank = np.arange(len(order)) - starts[grouped]
    kept = rank < keep
    table = np.full((groups, keep), -1, np.int64)
    table[grouped[kept], rank[kept]] = order[kept]
    return table, np.minimum(np.bincount(grouped, minlength=groups), keep)


def build_index(
    *, eligible: I64, topic: I64, level: I64, levels: int, score: F64, fresh: I64,
    fresh_need: I64, live: I64, creator: I64, creators: int, posted_at: I64, topics: int,
    topic_list: int, trending_list: int, follows: tuple[I64, I64], rng: np.random.Generator,
) -> CandidateIndex:  # fmt: skip
    """Rebuild the index. `eligible` are the slots pool traffic may go to; `fresh` the
    seed-pool slots with `fresh_need` impressions still to give; `live` every posted
    video, whatever its pool (followers see a creator's newest video regardless)."""
    by_topic, topic_count = top_per_group(topic[eligible], score[eligible], topics, topic_list)
    filled = by_topic >= 0
    by_topic[filled] = eligible[by_topic[filled]]  # positions in `eligible` -> slots
    leaders, _ = top_per_group(level[eligible], score[eligible], levels, trending_list)
    trending = eligible[leaders[leaders >= 0]]
    need = fresh_need.astype(np.float64)
    explore = (fresh[np.minimum(np.searchsorted(np.cumsum(need) / need.sum(),
                                                rng.random(EXPLORE_SAMPLE), side="right"),
                                len(fresh) - 1)]
               if len(need) and need.sum() > 0 else np.zeros(0, np.int64))  # fmt: skip
    latest = np.full(creators, -1, np.int64)
    if len(live):
        owner = creator[live]
        newest = np.lexsort((posted_at[live], owner))  # by creator, newest last
        last = np.r_[owner[newest][1:] != owner[newest][:-1], True]
        latest[owner[newest][last]] = live[newest][last]
    return CandidateIndex(by_topic, topic_count, trending, explore, latest, *follows)


def draw(
    index: CandidateIndex, users: I64, factors: F32, quotas: tuple[int, int, int, int],
    rng: np.random.Generator,
) -> I64:  # fmt: skip
    """Candidates for each user (rows: len(users) x sum(quotas)), -1 where a source
    has nothing. `factors` are the users' topic affinity factors (len(users) x T)."""
    followed, interest, trending, explore = quotas
    parts = [
        _followed(index, users, followed, rng),
        _interest(index, factors, interest, rng),
        _uniform(index.trending, len(users), trending, rng),
        _uniform(index.explore, len(users), explore, rng),
    ]
    return np.concatenate(parts, axis=1)


def _followed(index: CandidateIndex, users: I64, k: int, rng: np.random.Generator) -> I64:
    # Users who arrived after the last refresh are past the end of the CSR: no follows.
    last = len(index.follow_indptr) - 1
    start = index.follow_indptr[np.minimum(users, last)]
    degree = index.follow_indptr[np.minimum(users + 1, last)] - start
    pick = start[:, None] + (rng.random((len(users), k)) * degree[:, None]).astype(np.int64)
    creator = gather(index.follow_creator, np.where(degree[:, None] > 0, pick, -1))
    return gather(index.latest, creator)


def _interest(index: CandidateIndex, factors: F32, k: int, rng: np.random.Generator) -> I64:
    users, topics = factors.shape
    draws = -(-k // PER_TOPIC)
    cdf = np.cumsum(factors, axis=1, dtype=np.float64)
    cdf /= cdf[:, -1:]
    # One searchsorted for all users: row u's CDF is shifted by u, so the rows
    # concatenate into one rising sequence.
    offset = np.arange(users, dtype=np.float64)[:, None]
    cdf += offset
    cdf[:, -1] = offset[:, 0] + 1.0
    r = rng.random((users, draws)) + offset
    topic = np.searchsorted(cdf.ravel(), r.ravel(), side="right").reshape(users, draws)
    topic = np.minimum(topic - np.arange(users)[:, None] * topics, topics - 1)
    topic = np.repeat(topic, PER_TOPIC, axis=1)[:, :k]
    count = index.topic_count[topic]
    rank = (count * rng.random((users, k), np.float32) ** 2).astype(np.int64)
    found = index.by_topic[topic, np.minimum(rank, index.by_topic.shape[1] - 1)]
    return np.where(count > 0, found, -1)


def _uniform(pool: I64, users: int, k: int, rng: np.random.Generator) -> I64:
    if not len(pool) or not k:
        return np.full((users, k), -1, np.int64)
    return pool[(rng.random((users, k)) * len(pool)).astype(np.int64)]
