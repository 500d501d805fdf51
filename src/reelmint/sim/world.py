"""The state one simulated run shares among its engines, and the run's clock.

Engines meet here the way domains meet in production: through the catalog, the event
lake (with its counters and listeners), the books and the database that holds the
records the books refer to (people, LIVEs, purchases). Randomness is per purpose:
`world.rng("feed", day, tick)` is a generator seeded by (run seed, purpose, keys), so an
engine added later draws from its own streams and leaves every other engine's draws,
and so their results, as they were.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Engine

from reelmint.content.catalog import VideoCatalog
from reelmint.events.counters import SIGNALS, EngagementCounters
from reelmint.events.ingest import Ingestor
from reelmint.events.lake import Lake
from reelmint.feed.audience import merge_keys
from reelmint.ledger import Ledger
from reelmint.settings import Settings
from reelmint.sim.calibration import Calibration
from reelmint.sim.population import Population
from reelmint.sim.videos import VideoTraits

if TYPE_CHECKING:
    from reelmint.sim.advertisers import ManagerMarket

DAY_MS = 86_400_000


def seeded(seed: int, purpose: str, *keys: int) -> np.random.Generator:
    """A generator for one purpose of one run: (seed, crc32 of the purpose, keys)."""
    return np.random.default_rng([seed, zlib.crc32(purpose.encode()), *keys])


@dataclass(frozen=True, slots=True)
class RunConfig:
    users: int
    days: int
    seed: int
    start: date = date(2026, 11, 1)
    # Ads Manager campaigns run beside the synthetic market (`simulate --campaigns`)
    market: ManagerMarket | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.users < 1:
            raise ValueError(f"--users must be at least 1 (got {self.users})")
        if self.days < 1:
            raise ValueError(f"--days must be at least 1 (got {self.days})")

    @property
    def start_ms(self) -> int:
        return int(datetime(self.start.year, self.start.month, self.start.day,
                            tzinfo=UTC).timestamp() * 1000)  # fmt: skip

    def day_ms(self, day: int) -> int:
        return self.start_ms + day * DAY_MS

    def day_label(self, day: int) -> str:
        return (self.start + timedelta(days=day)).isoformat()

    def moment(self, ms: int) -> datetime:
        return datetime.fromtimestamp(ms / 1000, UTC)


@dataclass(frozen=True, slots=True)
class Tick:
    day: int
    index: int
    start_ms: int
    end_ms: int


@dataclass
class Follows:
    """The follow graph as the simulator knows it: (user, creator id) pairs, kept as one
    sorted array of keys user * users + creator."""

    users: int
    keys: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    followers: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))

    def __len__(self) -> int:
        return len(self.keys)

    def add(self, user: NDArray[np.int64], creator: NDArray[np.int64]) -> NDArray[np.bool_]:
        """Record follows; returns which were new (a repeat, within the call or of an
        earlier follow, or a self-follow is not)."""
        keys = user * np.int64(self.users) + creator
        order = np.argsort(keys, kind="stable")
        first = np.zeros(len(keys), np.bool_)
        ranked = keys[order]
        first[order] = np.r_[True, ranked[1:] != ranked[:-1]] if len(keys) else first
        at = np.searchsorted(self.keys, keys)
        known = at < len(self.keys)
        known[known] = self.keys[at[known]] == keys[known]
        new: NDArray[np.bool_] = first & ~known & (user != creator)
        if len(self.followers) < self.users:
            self.followers = np.zeros(self.users, np.int64)
        self.followers += np.bincount(creator[new], minlength=self.users)
        self.keys = merge_keys(self.keys, np.sort(keys[new]))
        return new


@dataclass
class World:
    settings: Settings
    config: RunConfig
    calibration: Calibration
    population: Population
    catalog: VideoCatalog
    traits: VideoTraits
    counters: EngagementCounters
    lake: Lake
    ingestor: Ingestor
    ledger: Ledger
    follows: Follows
    ticks_per_day: int
    daily: dict[str, list[int]] = field(default_factory=dict)
    shared: dict[str, Any] = field(default_factory=dict)  # what engines hand each other
    events_ingested: int = 0
    database: Engine | None = None  # the records' SQL database (see `runner.simulate`)

    def rng(self, purpose: str, *keys: int) -> np.random.Generator:
        return seeded(self.config.seed, purpose, *keys)

    def ticks(self, day: int) -> list[Tick]:
        start = self.config.day_ms(day)
        step = DAY_MS // self.ticks_per_day
        bounds = [start + i * step for i in range(self.ticks_per_day)] + [start + DAY_MS]
        return [Tick(day, i, bounds[i], bounds[i + 1]) for i in range(self.ticks_per_day)]

    def record(self, name: str, value: int) -> None:
        """Add to today's figure `name` (the runner opens a new day's slot each day)."""
        self.daily.setdefault(name, [])
        series = self.daily[name]
        while len(series) < len(self.daily["day"]):
            series.append(0)
        series[-1] += int(value)

    def totals(self) -> dict[str, int]:
        return {name: int(getattr(self.counters, name).sum()) for name in SIGNALS}
