"""The creator rewards engine: creators enroll as they become eligible, and the month is
closed under one distribution mode through the real `RewardsService` on the run's books.

**Rules.** The program's own (`economics.rewards`) with the count thresholds and the
payout minimum multiplied by `sim.rewards.scale` (see `reelmint.rewards_sim_settings`):
at 0.01, 100 followers, 1,000 plays in 30 days, 10 qualified views before a video
earns, $0.50 to be paid. People are the ones the gifts engine registers (with birth
dates inside their age band); if it did not run, this engine registers them the same
way, from the same stream, so either engine gives each person the same birth date.

**Followers** come from the simulator's follow graph (`world.follows`): its starting
follows are not follow events in the lake, so the lake-backed audience would count only
the month's new follows.

**Per day end** creators who might be eligible (adult band, followers and plays so far
at or above the thresholds: the counters cover at least the 30 days the rule asks
about) go to `enroll_many` at the day's end, which checks them with the facts the
service reads; so a creator enrolls the day they qualify, and earns on what they post
from then on.

**At month end** the run's days are closed as one period (`2026-11` for a full
November) at the first moment after them. The pool of the pool and user-centric modes is
`sim.rewards.pool_micros`, or else what RPM pays that month, so the modes compared share
the same money. The comparison is made before the close, on the same views (a close
records the videos' totals, which a later dry run of the same period would count
twice). Then the books must pass `check_books()` and balance, or the run fails.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from numpy.typing import NDArray

from reelmint.parties.people import Person
from reelmint.parties.people_store import PeopleStore
from reelmint.rewards.compare import Comparison
from reelmint.rewards.model import Mode, Period, PeriodClose, days
from reelmint.rewards.service import RewardsService
from reelmint.rewards_settings import RewardsSettings
from reelmint.sim import gifting as g
from reelmint.sim.engines import Engine, register
from reelmint.sim.rewards_summary import rewards_summary
from reelmint.sim.world import Follows, World

I64 = NDArray[np.int64]
CHUNK = 20_000  # ids per query, below any driver's limit on parameters


@dataclass(frozen=True)
class FollowGraph:
    """The service's `Audience` over the simulator's follow graph. The graph holds the
    present only; the engine asks about the present (a day's end, the month's end)."""

    follows: Follows

    def followers(self, creators: I64, until_ms: int) -> dict[int, int]:
        counts = self.follows.followers
        if not len(counts):
            return {}
        return dict(zip(creators.tolist(), counts[creators].tolist(), strict=True))


@register
class RewardsEngine(Engine):
    name = "rewards"
    order = 90

    def start(self, world: World) -> None:
        s = world.settings
        if world.database is None:
            raise RuntimeError("the rewards engine needs the run's records database")
        self.sim = s.sim.rewards
        self.rules = self.sim.scaled(s.economics.rewards)
        self.mode = Mode.parse(self.sim.mode)
        self.service = RewardsService(
            world.database, world.ledger, self.rules, world.lake.root, lambda: world.catalog,
            FollowGraph(world.follows),
        )  # fmt: skip
        register_people(world, self.service.people)
        self.enrolled = np.zeros(world.population.users, np.bool_)
        self.closed: PeriodClose | None = None
        self.comparison: Comparison | None = None
        self.pool_micros = 0

    def end_day(self, world: World, day: int) -> None:
        world.lake.flush()  # the day's plays, for the service's 30-day count
        now = world.config.moment(world.config.day_ms(day + 1))
        todo = candidates(world, self.rules, self.enrolled)
        new = self.service.enroll_many(todo, now) if todo else []  # each call scans 30 days
        self.enrolled[[e.creator for e in new]] = True
        world.record("rewards_enrolled", len(new))

    def end_month(self, world: World) -> None:
        world.lake.flush()
        period = run_period(world)
        now = world.config.moment(period.end_ms)
        self.pool_micros = self._pool(period, now)
        self.comparison = self.service.compare(period, now, self.pool_micros)
        self.closed = self.service.close(period, now, self.mode, self.pool_micros)
        earned = np.zeros(world.population.users, np.int64)
        for s in self.service.store.statements(period=period.label):
            earned[s.creator] += s.earned
        creators = world.population.creators
        world.shared.setdefault("creator_earnings", {})["rewards"] = earned[creators]
        problems = self.service.check_books()
        unbalanced = [r.asset.value for r in world.ledger.trial_balance() if not r.balanced]
        if problems or unbalanced:
            raise RuntimeError(f"the rewards left the books unsound: {problems}, unbalanced "
                               f"assets {unbalanced}")  # fmt: skip

    def _pool(self, period: Period, now: datetime) -> int:
        """The fixed pool, or what RPM pays this period (a dry run of the close)."""
        if self.sim.pool_micros is not None:
            return self.sim.pool_micros
        return self.service.plan(period, now, Mode.RPM).distribution.distributed

    def summarize(self, world: World, summary: dict[str, Any]) -> None:
        section = rewards_summary(self, world)
        summary["rewards"] = section
        summary["money"]["creator_earnings_micros"]["rewards"] = section["earned_micros"]


def run_period(world: World) -> Period:
    """The run's days as one period: `2026-11` for November 1-30, else a range of days."""
    cfg = world.config
    return days(cfg.start, cfg.start + timedelta(days=cfg.days - 1))


def candidates(world: World, rules: RewardsSettings, enrolled: NDArray[np.bool_]) -> list[int]:
    """Creators not yet enrolled who could pass the rules: in an age band that reaches
    the minimum age, with the followers, and with the plays so far (the run's plays are
    at least the last 30 days'). A cheap superset; the service decides."""
    pop = world.population
    ids = pop.creators
    followers = world.follows.followers
    fans = followers[ids] if len(followers) else np.zeros(len(ids), np.int64)
    catalog = world.catalog
    per_slot = world.counters.plays[: len(catalog)]
    plays = np.bincount(catalog.creator, weights=per_slot, minlength=pop.users)[ids]
    oldest = np.array([g.band_ages(b)[1] for b in pop.age_bands], np.int64)
    could = (oldest[pop.age_band[ids]] >= rules.min_age) & ~enrolled[ids]
    could &= (fans >= rules.min_followers) & (plays >= rules.min_views_30d)
    return ids[could].tolist()  # type: ignore[no-any-return]


def register_people(world: World, people: PeopleStore) -> None:
    """Register whoever the gifts engine has not (all of them, when it did not run), with
    the birth dates it would give them: the same draw from the same stream."""
    pop, cfg = world.population, world.config
    known: set[int] = set()
    for start in range(0, pop.users, CHUNK):
        known.update(people.many(range(start, min(start + CHUNK, pop.users))))
    if len(known) == pop.users:
        return
    last = cfg.start + timedelta(days=cfg.days)  # as `GiftsEngine.start` draws them
    born = g.birth_dates(pop.age_band, pop.age_bands, cfg.start, last, world.rng("gifts.people"))
    people.put(Person(i, day) for i, day in enumerate(born) if i not in known)
