"""A GiftsService on a migrated database (SQLite, and PostgreSQL where marked), with the
embedded gateway and payouts, a sink that keeps the events, and a few adults."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from reelmint.events.batch import EventBatch
from reelmint.gifts.embedded import EmbeddedGateway, EmbeddedPayouts
from reelmint.gifts.service import GiftsService
from reelmint.ledger.sql import open_sql_ledger
from reelmint.parties.people import Person
from reelmint.settings import Economics
from tests.ads.test_store import KINDS, open_engine

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
KEY = b"k" * 32
HOST, FAN, WHALE, KID = 1, 2, 3, 4
ADULTS = [Person(HOST, date(1990, 1, 1)), Person(FAN, date(1995, 5, 5)),
          Person(WHALE, date(1980, 3, 3))]  # fmt: skip
MINOR = Person(KID, date(2010, 6, 1))  # 16 on NOW


class Events:
    """The events a service emitted, batch by batch."""

    def __init__(self) -> None:
        self.batches: list[EventBatch] = []

    def __call__(self, batch: EventBatch, now_ms: int) -> None:
        self.batches.append(batch)

    def column(self, name: str) -> list[int]:
        return [int(x) for b in self.batches for x in getattr(b, name)]


def make_service(engine: Engine, economics: Economics | None = None,
                 events: Events | None = None) -> GiftsService:  # fmt: skip
    service = GiftsService(
        engine, open_sql_ledger(engine), economics or Economics(),
        gateway=EmbeddedGateway(engine, KEY), payouts=EmbeddedPayouts(engine),
        webhook_key=KEY, sink=events,
    )  # fmt: skip
    service.register([*ADULTS, MINOR])
    return service


@pytest.fixture(params=KINDS)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    with open_engine(request.param, tmp_path) as e:
        yield e


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    with open_engine("sqlite", tmp_path) as e:
        yield e


Build = Callable[..., GiftsService]


@pytest.fixture
def build(engine: Engine) -> Build:
    """make_service on this test's database, with settings overrides as nested dicts:
    build(gifts={"chargeback_policy": "claw_back_diamonds"})."""

    def make(events: Events | None = None, **sections: dict[str, Any]) -> GiftsService:
        economics = Economics(**sections) if sections else Economics()
        return make_service(engine, economics, events)

    return make


@pytest.fixture
def gifts(build: Build) -> GiftsService:
    return build()


def balanced(service: GiftsService) -> bool:
    """Every asset's trial balance row balances and the gifts identities hold."""
    rows = service.ctx.ledger.trial_balance()
    return all(r.balanced for r in rows) and service.check_books() == []


def posted(service: GiftsService, account: str) -> int:
    b = service.ctx.ledger.balances([account]).get(account)
    return 0 if b is None else b.posted
