"""The For You ranker: `recommend` for one request, `rank_batch` for many, one set of kernels.

State: the catalog and counters it is given (the ingest path updates them), what it
learns of users (`observe` is an ingest listener), the traffic pools, and a snapshot
(scores and candidate index) rebuilt by `refresh(now)`. Requests read the snapshot, so
a request costs a few array operations over ~50 candidates, never a pass over the
catalog; the caller decides how fresh the snapshot must be (the API refreshes it at
most once per `refresh_ms`, the simulator after every round of sessions).

Between refreshes the ranker counts what it has served, so a seed pool of 300 is not
overrun by a burst of requests before its impressions come back as events.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reelmint.content.catalog import VideoCatalog
from reelmint.content.ids import DenseIds
from reelmint.events.batch import EventBatch
from reelmint.events.counters import EngagementCounters
from reelmint.events.model import VIDEO_KINDS, Kind
from reelmint.feed import kernels
from reelmint.feed.audience import Audience
from reelmint.feed.candidates import CandidateIndex, build_index, draw
from reelmint.feed.kernels import F32
from reelmint.feed.model import F64, I64, FeedPage, PoolStatus, RefreshReport, VideoTerms
from reelmint.feed.pools import TrafficPools
from reelmint.feed.seen import SeenFilter
from reelmint.feed.signals import prior_score, video_terms
from reelmint.feed.slots import SlotPlan
from reelmint.settings import FeedSettings


@dataclass(frozen=True, slots=True)
class BatchFeed:
    """Pages for many users: `videos` is users x length of catalog slots (-1: an ad slot
    or nothing to show), `scores` the matching personal scores (NaN where -1)."""

    users: I64
    videos: I64
    scores: F64

    @property
    def impressions(self) -> int:
        return int((self.videos >= 0).sum())


class ForYouRanker:
    def __init__(
        self, settings: FeedSettings, catalog: VideoCatalog, counters: EngagementCounters,
        *, seed: int = 0,
    ) -> None:  # fmt: skip
        if catalog.topics != settings.topics:
            raise ValueError(f"the catalog has {catalog.topics} topics, the feed {settings.topics}")
        self.settings = settings
        self.catalog = catalog
        self.counters = counters
        self.seed = seed
        self.pools = TrafficPools(
            settings.pool_sizes,
            float(settings.promote_share),
            min_peers=settings.min_peers,
            memory=settings.peer_memory,
        )
        self.audience = Audience(settings.topics, pseudo=settings.affinity_pseudo_count,
                                 bounds=settings.affinity_bounds)  # fmt: skip
        self.creators = DenseIds()
        self.creator_slot = np.zeros(0, np.int64)
        self.seen = SeenFilter(settings.seen_bits)
        self.plan = SlotPlan(settings.ad_every)
        self.prior_score = prior_score(settings)
        self.terms: VideoTerms | None = None
        self.index: CandidateIndex | None = None
        self.refreshed_at_ms: int | None = None
        self._room = np.zeros(0, np.int64)  # audience each video may still get
        self._positive = self._negative = np.zeros(0, np.float32)

    # -- learning ------------------------------------------------------------------

    def observe(self, batch: EventBatch, slots: I64) -> None:
        """Ingest listener: learn tastes and follows from accepted feed events.
        `slots` are the videos' catalog slots (-1 for events about other objects).
        Invalid events teach nothing: fake likes must not buy a taste either."""
        kind, user = batch.kind, batch.user
        video = (slots >= 0) & np.isin(kind, list(VIDEO_KINDS)) & ~batch.invalid
        if not video.any():
            return
        self._sync_catalog()
        s = slots[video]
        watched = np.where(kind[video] == Kind.PLAY,
                           batch.watch_ms[video] / self.catalog.duration_ms[s], 0.0)  # fmt: skip
        self.audience.learn(kind[video], user[video], self.catalog.topic[s], watched)
        follow = kind[video] == Kind.FOLLOW
        self.audience.follow(user[video][follow], self.creator_slot[s[follow]])

    def declare_interests(self, user_ids: I64, interests: F64) -> None:
        self.audience.declare(np.asarray(user_ids, np.int64), interests)

    def add_follows(self, user_ids: I64, creator_ids: I64) -> None:
        """Follows known from elsewhere (a social graph); creators with no video yet are
        skipped, since following them cannot bring a video to anyone."""
        self._sync_catalog()
        slots = self.creators.lookup(np.asarray(creator_ids, np.int64))
        known = slots >= 0
        self.audience.follow(np.asarray(user_ids, np.int64)[known], slots[known])

    # -- snapshot ------------------------------------------------------------------

    def refresh(self, now_ms: int) -> RefreshReport:
        """Judge the videos that filled their pool, then rebuild scores and candidates."""
        self._sync_catalog()
        f, impressions = self.settings, self.counters.impressions
        terms = video_terms(self.counters, self.pools.level, self.pools.levels, f)
        promoted, stalled, opened = self.pools.evaluate(impressions, terms.score,
                                                        self.prior_score)  # fmt: skip
        terms = video_terms(self.counters, self.pools.level, self.pools.levels, f)
        posted = self.catalog.posted_at_ms <= now_ms
        room = np.where(posted, self.pools.capacity(impressions), 0)
        eligible = np.flatnonzero(room > 0)
        fresh = eligible[(self.pools.level[eligible] == 0)
                         & (self.pools.status[eligible] == PoolStatus.TESTING)]  # fmt: skip
        self.index = build_index(
            eligible=eligible, topic=self.catalog.topic, level=self.pools.level,
            levels=self.pools.levels, score=terms.score, fresh=fresh, fresh_need=room[fresh],
            live=np.flatnonzero(posted), creator=self.creator_slot, creators=len(self.creators),
            posted_at=self.catalog.posted_at_ms, topics=f.topics, topic_list=f.topic_list,
            trending_list=f.trending_list, follows=self.audience.follows(),
            rng=np.random.default_rng([self.seed, now_ms]),
        )  # fmt: skip
        self.terms, self._room, self.refreshed_at_ms = terms, room, now_ms
        # Serving works in float32: half the memory traffic, and scores need no more.
        self._positive = terms.positive.astype(np.float32)
        self._negative = terms.negative.astype(np.float32)
        return RefreshReport(promoted, stalled, opened, len(self.catalog))

    # -- serving -------------------------------------------------------------------

    def rank_batch(
        self, user_ids: I64, length: int, now_ms: int, rng: np.random.Generator
    ) -> BatchFeed:
        """A page of `length` positions for each user (ad slots left empty, -1)."""
        if self.terms is None or self.index is None:
            self.refresh(now_ms)
        users = self.audience.slots(np.asarray(user_ids, np.int64))
        chosen, scores = self._rank(users, self.plan.organic_count(length), rng)
        page = self.plan.lay_out(chosen, length, -1)
        page_scores = self.plan.lay_out(scores, length, np.nan)
        return BatchFeed(np.asarray(user_ids, np.int64), page, page_scores)

    def recommend(self, user: int, n: int, now_ms: int) -> FeedPage:
        """One request: a page of `n` positions for `user` as of `now_ms`. Draws are
        seeded by (seed, user, now), so the same request gives the same page."""
        if n < 1:
            raise ValueError("a feed page has at least one position")
        rng = np.random.default_rng([self.seed, user, now_ms])
        page = self.rank_batch(np.array([user], np.int64), n, now_ms, rng)
        slots, scores = page.videos[0], page.scores[0]
        ids = kernels.gather(np.asarray(self.catalog.ids.ids), slots)
        return FeedPage(user, tuple(int(v) for v in ids), tuple(float(s) for s in scores),
                        tuple(int(p) for p in np.flatnonzero(self.plan.ad_mask(n))))  # fmt: skip

    def shortlist(
        self, users: I64, cand: I64, n: int, positive: F32 | None = None,
        negative: F32 | None = None,
    ) -> tuple[I64, F32, F32]:  # fmt: skip
        """Score candidates (rows per user), keep each row's best 2n + 4 and diversify
        them: (candidates, scores, diversified scores), best score first. Diversity only
        reorders near the top, so the per-row sorts run over ~20 columns, not ~50.
        `positive`/`negative` override the snapshot's score terms (for what-ifs)."""
        f = self.settings
        factors = self.audience.factors(users)
        score = kernels.personal_scores(
            cand, factors, self.catalog.topic,
            self._positive if positive is None else positive,
            self._negative if negative is None else negative,
        )  # fmt: skip
        best = kernels.top(score, 2 * n + 4)
        cand = np.take_along_axis(cand, best, axis=1)
        score = np.take_along_axis(score, best, axis=1)
        safe = np.maximum(cand, 0)
        ranked = kernels.diversify(score, np.where(cand >= 0, self.creator_slot[safe], -1),
                                   np.where(cand >= 0, self.catalog.topic[safe], -1),
                                   f.author_decay, f.topic_decay)  # fmt: skip
        return cand, score, ranked

    def candidates(self, users: I64, rng: np.random.Generator) -> I64:
        """Each user's candidates from every source, without repeats or seen videos."""
        f, index = self.settings, self.index
        assert index is not None
        factors = self.audience.factors(users)
        quotas = (f.followed, f.interest, f.trending, f.explore)
        cand = kernels.drop_repeats(draw(index, users, factors, quotas, rng))
        return np.where(self.seen.seen(users[:, None], cand), -1, cand)

    def _rank(self, users: I64, n: int, rng: np.random.Generator) -> tuple[I64, F32]:
        if not len(self.catalog):  # nothing to show yet: an empty page, not an error
            return np.full((len(users), n), -1, np.int64), np.full((len(users), n), np.nan,
                                                                  np.float32)  # fmt: skip
        cand, score, ranked = self.shortlist(users, self.candidates(users, rng), n)
        columns = kernels.top(ranked, n + n // 2 + 2)
        chosen = np.take_along_axis(cand, columns, axis=1)
        chosen = np.where(np.isfinite(np.take_along_axis(ranked, columns, axis=1)), chosen, -1)
        fits = kernels.within_capacity(chosen, self._room)
        organic, kept = kernels.compress(chosen, fits, n)
        picked = np.take_along_axis(np.take_along_axis(score, columns, axis=1), kept, axis=1)
        if organic.size:
            served = organic[organic >= 0]
            self._room -= np.bincount(served, minlength=len(self._room))
            self.seen.mark(users[:, None], organic)
        return organic, np.where(organic >= 0, picked, np.float32(np.nan))

    def _sync_catalog(self) -> None:
        """Give videos added to the catalog since the last call their pool and creator."""
        n, known = len(self.catalog), len(self.creator_slot)
        if n == known:
            return
        self.pools.grow(n)
        self.counters.grow(n)
        self._room = np.concatenate([self._room, np.zeros(n - known, np.int64)])
        fresh = self.creators.add(self.catalog.creator[known:])
        self.creator_slot = np.concatenate([self.creator_slot, fresh])
