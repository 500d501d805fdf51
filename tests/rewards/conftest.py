"""A RewardsService over a real lake, catalog and database, with small worlds built by hand.

`RewardsWorld` writes For You plays straight into the lake (author filled in, as the
ingest does), keeps a catalog of videos, registers people, and counts followers in a dict
(the `Audience` port's fake; the lake-backed one has its own test). Periods are November
and December 2026; the defaults are scaled down (`SMALL`) so that a handful of viewers
makes a creator eligible and a video earn.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import Engine

from reelmint.content.catalog import VideoCatalog
from reelmint.content.model import Origin
from reelmint.events.batch import EventBatch
from reelmint.events.lake import Lake
from reelmint.events.model import Kind, Surface
from reelmint.ledger.sql import open_sql_ledger
from reelmint.parties.people import Person, Standing
from reelmint.rewards.model import Period
from reelmint.rewards.service import RewardsService
from reelmint.rewards_settings import RewardsSettings
from tests.ads.test_store import KINDS, open_engine

NOV, DEC = Period.parse("2026-11"), Period.parse("2026-12")
JOINED = datetime(2026, 10, 1, tzinfo=UTC)
AFTER_NOV = datetime(2026, 12, 1, 1, tzinfo=UTC)
AFTER_DEC = datetime(2027, 1, 1, 1, tzinfo=UTC)
DAY_MS = 86_400_000
# Small thresholds: 3 followers, 5 plays in 30 days, a video earns from 2 views, $1 minimum.
SMALL = {"min_followers": 3, "min_views_30d": 5, "earning_threshold_views": 2,
         "payout_minimum_micros": 1_000_000, "rpm_micros": 500_000_000,
         "pool_micros": 10_000_000}  # fmt: skip


@dataclass
class DictAudience:
    counts: dict[int, int] = field(default_factory=dict)

    def followers(self, creators: Any, until_ms: int) -> dict[int, int]:
        return {c: self.counts.get(c, 0) for c in creators.tolist()}


@dataclass
class RewardsWorld:
    engine: Engine
    root: Path
    rules: RewardsSettings
    catalog: VideoCatalog = field(default_factory=lambda: VideoCatalog(topics=1))
    audience: DictAudience = field(default_factory=DictAudience)
    _service: RewardsService | None = None

    @property
    def service(self) -> RewardsService:
        if self._service is None:
            self._service = RewardsService(self.engine, open_sql_ledger(self.engine),
                                           self.rules, self.root, lambda: self.catalog,
                                           self.audience)  # fmt: skip
        return self._service

    def creator(self, creator: int, *, born: date = date(1990, 1, 1), followers: int = 10,
                standing: Standing = Standing.GOOD) -> None:  # fmt: skip
        self.service.people.put([Person(creator, born, standing)])
        self.audience.counts[creator] = followers

    def video(self, video: int, creator: int, *, seconds: int = 90,
              origin: Origin = Origin.ORIGINAL, posted: datetime = JOINED) -> None:  # fmt: skip
        self.catalog.add_columns(
            ids=np.array([video], np.int64), creator=np.array([creator], np.int64),
            duration_ms=np.array([seconds * 1000], np.int64), topic=np.zeros(1, np.int64),
            posted_at_ms=np.array([int(posted.timestamp() * 1000)], np.int64),
            origin=np.array([int(origin)], np.int8),
        )  # fmt: skip

    def plays(self, video: int, viewers: Any, day: date, *, watch_ms: int = 6_000,
              surface: Surface = Surface.FOR_YOU, invalid: bool = False,
              paid: bool = False) -> None:  # fmt: skip
        """One play of `video` by each of `viewers` at noon on `day`."""
        users = np.asarray(list(viewers), np.int64)
        n = len(users)
        slot = int(self.catalog.ids.lookup(np.array([video], np.int64))[0])
        ts = int(datetime(day.year, day.month, day.day, 12, tzinfo=UTC).timestamp() * 1000)
        batch = EventBatch.of(
            ts_ms=np.full(n, ts, np.int64), kind=np.full(n, int(Kind.PLAY), np.int8),
            user=users, object=np.full(n, video, np.int64),
            author=np.full(n, int(self.catalog.creator[slot]), np.int64),
            surface=np.full(n, int(surface), np.int8), watch_ms=np.full(n, watch_ms, np.int64),
            invalid=np.full(n, invalid), paid=np.full(n, paid),
        )  # fmt: skip
        with Lake(self.root, writer_id=f"t{len(list(self.root.rglob('*.parquet')))}") as lake:
            lake.append(batch)

    def balance(self, account: str) -> int:
        held = self.service.ledger.balances([account]).get(account)
        return 0 if held is None else held.posted


def make_world(engine: Engine, tmp_path: Path, **rules: Any) -> RewardsWorld:
    return RewardsWorld(engine, tmp_path / "lake", RewardsSettings(**{**SMALL, **rules}))


@pytest.fixture(params=KINDS)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    with open_engine(request.param, tmp_path) as e:
        yield e


@pytest.fixture
def world(engine: Engine, tmp_path: Path) -> RewardsWorld:
    return make_world(engine, tmp_path)
