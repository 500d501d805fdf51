"""What the gifts use cases share: the stores, the books, the rules and the checks on
people that every money step makes.

Accounts are opened on first use and remembered, so a hot path (a batch of gifts) does
not ask the books to open accounts it already opened.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import numpy as np

from reelmint.events.batch import EventBatch
from reelmint.events.model import Kind, Surface
from reelmint.gifts import books
from reelmint.gifts.economics import check_age, check_creator_share, check_prices
from reelmint.gifts.model import DAY_MS, Conflict, GiftsError, LiveRole, NotAllowed, NotFound
from reelmint.gifts.store import GiftsStore
from reelmint.ledger import Account, AccountResult, Ledger, Transfer, TransferResult
from reelmint.parties.people import Person
from reelmint.parties.people_store import PeopleStore
from reelmint.settings import Economics

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
Sink = Callable[[EventBatch, int], None]  # events, now in ms


@dataclass
class GiftsContext:
    store: GiftsStore
    people: PeopleStore
    ledger: Ledger
    economics: Economics
    sink: Sink | None = None
    _open: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        check_prices(self.economics.coins)
        check_creator_share(self.economics.gifts.creator_share)

    @property
    def face(self) -> int:
        return self.economics.coins.face_value_micros

    @property
    def diamond_value(self) -> int:
        return self.economics.cashout.diamond_value_micros

    def open(self, accounts: Iterable[Account]) -> None:
        """Open the accounts not opened yet (by this process); a clash is a Conflict."""
        todo = [a for a in accounts if a.id not in self._open]
        if not todo:
            return
        results = self.ledger.open_accounts(todo)
        clashes = [a.id for a, r in zip(todo, results, strict=True)
                   if r == AccountResult.EXISTS_WITH_DIFFERENT_FIELDS]  # fmt: skip
        if clashes:
            raise Conflict(f"ledger accounts {', '.join(clashes)} exist with other flags")
        self._open.update(a.id for a in todo)

    def open_platform(self) -> None:
        self.open(books.PLATFORM_ACCOUNTS)

    def post(self, transfers: list[Transfer], now: datetime, what: str) -> list[TransferResult]:
        """Post a chain; a refusal raises GiftsError naming the first refused leg."""
        results = self.ledger.post(transfers, now) if transfers else []
        for t, r in zip(transfers, results, strict=True):
            if r == TransferResult.EXISTS_WITH_DIFFERENT_FIELDS:
                raise Conflict(f"{what}: transfer {t.id} was posted before with other fields; "
                               "use a new idempotency key for a new request")  # fmt: skip
            if not r.succeeded and r != TransferResult.LINKED_EVENT_FAILED:
                raise GiftsError(f"{what} was refused by the books: {t.id} {r}")
        return results

    def person(self, person_id: int, role: LiveRole, today: date,
               known: dict[int, Person] | None = None) -> Person:  # fmt: skip
        """The person, if 18+ (by default) and in good standing; else the reason why not."""
        person = (known if known is not None else {}).get(person_id) or self.people.get(person_id)
        if person is None:
            raise NotFound(f"person {person_id} is not registered; register their date of "
                           "birth first (reelmint gifts person add)")  # fmt: skip
        check_age(person.age_on(today), self.economics.gifts.min_age, role)
        if not person.in_good_standing:
            raise NotAllowed(f"account {person_id} is {person.standing.value}: it cannot "
                             f"{role.value} on LIVE")  # fmt: skip
        return person

    def coins_owed(self, user: int) -> int:
        """Coins the user owes from reversed purchases (0 when none or never opened)."""
        balance = self.ledger.balances([books.coin_debt(user)]).get(books.coin_debt(user))
        return 0 if balance is None else -balance.posted

    def emit(self, kind: Kind, ts_ms: list[int], user: list[int], live: list[int],
             creator: list[int], amount: list[int] | None = None) -> None:  # fmt: skip
        """Record LIVE events in the lake (when the service has a sink)."""
        if self.sink is None or not ts_ms:
            return
        n = len(ts_ms)
        batch = EventBatch.of(
            ts_ms=ts_ms,
            kind=np.full(n, int(kind), np.int8),
            user=user,
            object=live,
            author=creator,
            surface=np.full(n, int(Surface.LIVE), np.int8),
            amount=amount if amount is not None else np.zeros(n, np.int64),
        )
        self.sink(batch, max(ts_ms))


def ms(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise GiftsError("times must be timezone-aware (use UTC)")
    return (moment - EPOCH) // timedelta(milliseconds=1)


def day_start_ms(now_ms: int) -> int:
    return now_ms - now_ms % DAY_MS


def today(now: datetime) -> date:
    return now.astimezone(UTC).date()
