"""The feed engine: creators post, users open sessions, the batch ranker serves them and
their responses come back as events through the real ingest path.

Per day: today's videos are posted (times spread over the day); each user opens the app
with their activity class's chance and asks for a Poisson number of pages (mean: their
activity level), and each page is assigned a tick of the day at random. Per tick: users
with pages in it are ranked page after page with `rank_batch` (the seen filter keeps a
page from repeating an earlier one), every served video is played, the responses
(`reelmint.sim.behaviour`) become impression, play and action events at random times in
the tick, the ingestor puts them in the lake and the counters, and the ranker refreshes
its snapshot at the tick's end. Follows grow from follow events.

What it served in the tick is left in `world.shared["feed.tick"]` (viewer ids, catalog
slots, responses), and the pages' ad positions (`sim.ad_every`) in
`world.shared["feed.ad_slots"]` (one viewer id per position), for engines that run
after it in the same tick.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from reelmint.events.batch import EventBatch
from reelmint.events.model import Kind
from reelmint.feed.ranker import ForYouRanker
from reelmint.sim.behaviour import Behaviour, Responses, Targets
from reelmint.sim.engines import Engine, register
from reelmint.sim.videos import Poster
from reelmint.sim.world import DAY_MS, Tick, World

I64 = NDArray[np.int64]
_ACTIONS = (("like", Kind.LIKE), ("comment", Kind.COMMENT), ("share", Kind.SHARE),
            ("follow", Kind.FOLLOW), ("not_interested", Kind.NOT_INTERESTED),
            ("report", Kind.REPORT))  # fmt: skip


@register
class FeedEngine(Engine):
    name = "feed"
    order = 10

    def start(self, world: World) -> None:
        s, pop = world.settings, world.population
        self.poster = Poster(pop, world.calibration, s.sim, s.feed.topics)
        self.ranker = ForYouRanker(feed_settings(world), world.catalog, world.counters,
                                   seed=world.config.seed)  # fmt: skip
        world.ingestor.add_listener(self.ranker.observe)
        world.shared["ranker"] = self.ranker
        self.behaviour = Behaviour.calibrate(
            pop, targets(world), lambda n: self.poster.quality(n, world.rng("feed.reference")),
            lambda n: self.poster.durations(n, world.rng("feed.reference", 1)).astype(float),
            world.rng("feed.reference", 2), selection=s.sim.reference_selection,
        )  # fmt: skip
        back = s.sim.back_catalog_days * DAY_MS
        if back:
            self.poster.post(world.catalog, world.traits, world.config.start_ms - back, back,
                             world.rng("feed.back-catalog"))  # fmt: skip
        declared = np.flatnonzero(pop.declared.sum(axis=1) > 0)
        self.ranker.declare_interests(declared, pop.declared[declared].astype(np.float64))
        user, creator = pop.follows
        world.follows.add(user, creator)
        order = np.argsort(creator, kind="stable")
        self._edges = (user[order], creator[order])
        self._creators_seen = np.zeros(pop.users, np.bool_)
        self._follow_new_creators(world)
        self.ranker.refresh(world.config.start_ms)
        self._plan: list[tuple[I64, I64]] = []

    def begin_day(self, world: World, day: int) -> None:
        rng = world.rng("feed.day", day)
        self.ranker.seen.forget()  # "seen" means seen today: a feed may bring a video back
        posted = self.poster.post(world.catalog, world.traits, world.config.day_ms(day),
                                  DAY_MS, rng)  # fmt: skip
        self._follow_new_creators(world)
        pop = world.population
        active = np.flatnonzero(rng.random(pop.users) < pop.active_share)
        pages = rng.poisson(pop.pages[active])
        viewer = np.repeat(active, pages)
        tick_of = rng.integers(0, world.ticks_per_day, len(viewer))
        self._plan = []
        for t in range(world.ticks_per_day):
            users, counts = np.unique(viewer[tick_of == t], return_counts=True)
            self._plan.append((users.astype(np.int64), counts.astype(np.int64)))
        world.record("videos_posted", len(posted))
        world.record("active_users", int((pages > 0).sum()))

    def tick(self, world: World, tick: Tick) -> None:
        users, counts = self._plan[tick.index]
        rng = world.rng("feed.tick", tick.day, tick.index)
        page = world.settings.sim.page
        viewers: list[I64] = []
        slots: list[I64] = []
        ad_slots = page - self.ranker.plan.organic_count(page)
        ad_viewers: list[I64] = []
        for j in range(int(counts.max()) if len(counts) else 0):
            who = users[counts > j]
            served = self.ranker.rank_batch(who, page, tick.start_ms, rng).videos
            rows, cols = np.nonzero(served >= 0)
            viewers.append(who[rows])
            slots.append(served[rows, cols])
            ad_viewers.append(np.repeat(who, ad_slots))
        viewer = np.concatenate(viewers) if viewers else np.zeros(0, np.int64)
        slot = np.concatenate(slots) if slots else np.zeros(0, np.int64)
        responses = self._respond(world, viewer, slot, rng)
        batch = self._events(world, tick, viewer, slot, responses, rng)
        report = world.ingestor.ingest(batch, tick.end_ms)
        world.events_ingested += report.accepted
        self.ranker.refresh(tick.end_ms)
        world.shared["feed.tick"] = (viewer, slot, responses)
        # The ad positions of the pages served, one viewer per position, for the ads.
        world.shared["feed.ad_slots"] = (np.concatenate(ad_viewers) if ad_viewers
                                         else np.zeros(0, np.int64))  # fmt: skip

    def summarize(self, world: World, summary: dict[str, Any]) -> None:
        summary.setdefault("engines", {})["feed"] = {
            "seen_bits": self.ranker.settings.seen_bits,
            "calibration": {"k_qualified": round(self.behaviour.k_qualified, 6),
                            "k_complete": round(self.behaviour.k_complete, 6)},
        }  # fmt: skip

    # -- pieces --------------------------------------------------------------------

    def _respond(self, world: World, viewer: I64, slot: I64, rng: np.random.Generator
                 ) -> Responses:  # fmt: skip
        c, t = world.catalog, world.traits
        topic = c.topic[slot]
        return self.behaviour.respond(
            t.quality[slot], t.likeability[slot],
            world.population.interests[viewer, topic].astype(np.float64), c.duration_ms[slot],
            rng,
        )  # fmt: skip

    def _events(self, world: World, tick: Tick, viewer: I64, slot: I64, r: Responses,
                rng: np.random.Generator) -> EventBatch:  # fmt: skip
        n = len(viewer)
        ts = tick.start_ms + rng.integers(0, tick.end_ms - tick.start_ms, n, dtype=np.int64)
        follow = np.flatnonzero(r.follow)
        is_new = world.follows.add(viewer[follow], world.catalog.creator[slot[follow]])
        masks = {name: getattr(r, name) for name, _ in _ACTIONS}
        masks["follow"] = np.zeros(n, np.bool_)
        masks["follow"][follow[is_new]] = True  # following twice is not a second follow
        rows = [np.arange(n), np.arange(n)] + [np.flatnonzero(masks[a]) for a, _ in _ACTIONS]
        kinds = [Kind.IMPRESSION, Kind.PLAY] + [k for _, k in _ACTIONS]
        pick = np.concatenate(rows)
        kind = np.repeat(np.array(kinds, np.int8), [len(r_) for r_ in rows])
        play = kind == Kind.PLAY
        return EventBatch.of(
            ts_ms=ts[pick], kind=kind, user=viewer[pick],
            object=world.catalog.ids.ids[slot[pick]], device=device_of(viewer[pick]),
            watch_ms=np.where(play, r.watch_ms[pick], -1),
            complete=play & r.complete[pick],
        )  # fmt: skip

    def _follow_new_creators(self, world: World) -> None:
        """Hand the ranker the starting follows of creators whose first video just
        appeared (it keeps follows only of creators it has videos of)."""
        present = np.zeros(world.population.users, np.bool_)
        present[world.catalog.creator] = True
        fresh = np.flatnonzero(present & ~self._creators_seen)
        if not len(fresh):
            return
        self._creators_seen[fresh] = True
        user, creator = self._edges
        lo = np.searchsorted(creator, fresh, side="left")
        hi = np.searchsorted(creator, fresh, side="right")
        take = np.concatenate([np.arange(a, b) for a, b in zip(lo, hi, strict=True)]
                              ) if len(fresh) else np.zeros(0, np.int64)  # fmt: skip
        if len(take):
            self.ranker.add_follows(user[take], creator[take])


def device_of(user: I64) -> I64:
    """One device fingerprint per simulated user (non-zero: zero means none)."""
    return (user * np.int64(2_654_435_761) % np.int64(2**31 - 1)) + 1


def feed_settings(world: World) -> Any:
    """The feed settings with a seen filter big enough for a day of this population:
    about 8 flags per (user, video) pair served in a day, 2^24 to 2^30 flags."""
    pop, s = world.population, world.settings
    daily = float((pop.active_share * pop.pages).sum()) * s.sim.page
    bits = int(min(30, max(s.feed.seen_bits, math.ceil(math.log2(max(daily * 8, 2))))))
    return s.feed.model_copy(update={"seen_bits": bits, "ad_every": s.sim.ad_every})


def targets(world: World) -> Targets:
    e, sim = world.settings.economics.engagement, world.settings.sim
    return Targets(qualified=sim.qualified_share, completion=float(e.completion),
                   like=float(e.like), comment=float(e.comment), share=float(e.share),
                   follow=float(e.follow), not_interested=sim.not_interested,
                   report=sim.report)  # fmt: skip
