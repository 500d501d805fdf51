"""The creator rewards use cases: enroll, close a period, compare the modes, statements.

`RewardsService` checks creators against the program's rules with the facts of the
moment (people's age and standing, followers from the `Audience`, plays from the lake),
closes periods (`closing.plan`, then one transaction of records, then the books), and
reads statements back. Entry points build it through `Platform.rewards`; the simulator
builds its own over the run's lake, catalog and follow graph.

The money of a close, with the defaults: creators with 150,000 and 40,000 payable views
in November earn $75 and $20 at $0.50 per 1,000. The first has $75 >= $50 paid to
`creator:<id>:payable`; the second's $20 stays in `creator:<id>:rewards`, carried to
December. Closing November again pays nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Protocol

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Engine

from reelmint.content.catalog import VideoCatalog
from reelmint.ledger import AccountResult, Balance, Ledger, Transfer, TransferResult
from reelmint.parties.people_store import PeopleStore
from reelmint.rewards import books, closing, lake_views
from reelmint.rewards.compare import Comparison, compare
from reelmint.rewards.eligibility import CreatorFacts, reasons
from reelmint.rewards.model import (
    Conflict,
    Enrollment,
    EnrollmentStatus,
    Mode,
    NotEligible,
    NotFound,
    Period,
    PeriodClose,
    PeriodNotOver,
    PeriodStatus,
    RewardsError,
    Statement,
    VideoLine,
    day_of,
    ms,
)
from reelmint.rewards_settings import RewardsSettings

I64 = NDArray[np.int64]
CHUNK = 20_000  # ids per query


class Audience(Protocol):
    def followers(self, creators: I64, until_ms: int) -> dict[int, int]:
        """Followers of each creator just before `until_ms` (missing: none)."""
        ...


@dataclass(frozen=True)
class LakeAudience:
    """Followers as the lake's follow events count them."""

    root: Path

    def followers(self, creators: I64, until_ms: int) -> dict[int, int]:
        return lake_views.followers_by_creator(self.root, creators, until_ms)


class RewardsService:
    def __init__(self, engine: Engine, ledger: Ledger, rules: RewardsSettings, lake_root: Path,
                 catalog: Callable[[], VideoCatalog], audience: Audience | None = None
                 ) -> None:  # fmt: skip
        from reelmint.rewards.store import RewardsStore

        self.store = RewardsStore(engine)
        self.people = PeopleStore(engine)
        self.ledger = ledger
        self.rules = rules
        self.lake_root = Path(lake_root)
        self.audience = audience or LakeAudience(self.lake_root)
        self.closer = closing.Closer(self.store, rules, self.lake_root, catalog, self._facts)
        self._open: set[str] = set()

    # -- eligibility and enrollment ---------------------------------------------------

    def facts(self, creators: Iterable[int], at_ms: int) -> dict[int, CreatorFacts]:
        """The facts the rules ask about, as of `at_ms` (age on that day)."""
        ids = np.array(sorted(set(creators)), np.int64)
        day = day_of(at_ms - 1)
        people = {}
        for start in range(0, len(ids), CHUNK):
            people.update(self.people.many(ids[start : start + CHUNK].tolist()))
        followers = self.audience.followers(ids, at_ms)
        plays = lake_views.plays_by_creator(self.lake_root, ids, at_ms - 30 * 86_400_000, at_ms)
        out = {}
        for c in ids.tolist():
            p = people.get(c)
            out[c] = CreatorFacts(c, None if p is None else p.age_on(day),
                                  None if p is None else p.standing, followers.get(c, 0),
                                  plays.get(c, 0))  # fmt: skip
        return out

    def _facts(self, creators: I64, period: Period) -> dict[int, CreatorFacts]:
        return self.facts(creators.tolist(), period.end_ms)

    def check(self, creator: int, now: datetime) -> CreatorFacts:
        """The creator's facts now; NotEligible (with every reason) if they fall short."""
        facts = self.facts([creator], ms(now))[creator]
        why = reasons(facts, self.rules)
        if why:
            raise NotEligible(creator, why)
        return facts

    def enroll(self, creator: int, now: datetime) -> Enrollment:
        """Join the program if eligible now. Enrolling again while enrolled keeps the
        first date (so earlier videos stay earning); after leaving, it starts afresh."""
        known = self.store.enrollment(creator)
        if known is not None and known.status is EnrollmentStatus.ACTIVE:
            return known
        self.check(creator, now)
        joined = Enrollment(creator, ms(now))
        self.store.put_enrollments([joined])
        return joined

    def enroll_many(self, creators: Iterable[int], now: datetime) -> list[Enrollment]:
        """Enroll every eligible creator of `creators` not enrolled yet (the simulator's
        daily sweep); the new enrollments."""
        at = ms(now)
        active = {e.creator for e in self.store.enrollments()
                  if e.status is EnrollmentStatus.ACTIVE}  # fmt: skip
        todo = [c for c in sorted(set(creators)) if c not in active]
        facts = self.facts(todo, at)
        new = [Enrollment(c, at) for c in todo if not reasons(facts[c], self.rules)]
        self.store.put_enrollments(new)
        return new

    def leave(self, creator: int, now: datetime) -> Enrollment:
        known = self.enrollment(creator)
        if known.status is EnrollmentStatus.LEFT:
            return known
        gone = replace(known, status=EnrollmentStatus.LEFT, left_ms=ms(now))
        self.store.put_enrollments([gone])
        return gone

    def enrollment(self, creator: int) -> Enrollment:
        known = self.store.enrollment(creator)
        if known is None:
            raise NotFound(f"creator {creator} is not enrolled in creator rewards")
        return known

    # -- closing ------------------------------------------------------------------------

    def plan(self, period: Period, now: datetime, mode: Mode | None = None,
             pool_micros: int | None = None) -> closing.Plan:  # fmt: skip
        """What closing `period` now would do, without doing it."""
        now_ms = ms(now)
        if period.end_ms > now_ms:
            raise PeriodNotOver(f"period {period.label} ends {day_of(period.end_ms)} 00:00 UTC; "
                                "it can be closed from then on")  # fmt: skip
        mode = mode or Mode(self.rules.mode)
        pool = self.rules.pool_micros if pool_micros is None else pool_micros
        enrolled, why, facts = self.closer.who(period)
        views = self.closer.views(period, now_ms, enrolled, {c for c, r in why.items() if not r})
        dist = self.closer.distribute(mode, period, now_ms, views, pool)
        corrections = self.closer.corrections(period, now_ms)
        involved = set(why) | {c.creator for c in corrections}
        statements, settled = closing.statements(
            period, dist, why, corrections, self._positions(involved),
            self.rules.payout_minimum_micros,
        )  # fmt: skip
        totals = (views.video, views.creator, views.before + views.views)
        lines = closing.video_lines(period, dist)
        return closing.Plan(period, mode, dist, statements, settled, lines, corrections,
                            totals, facts)  # fmt: skip

    def close(self, period: Period, now: datetime, mode: Mode | None = None,
              pool_micros: int | None = None) -> PeriodClose:  # fmt: skip
        """Close `period`: record the statements, post the books. Idempotent by period:
        closing it again returns the first close (and finishes one left half-posted);
        asking for another mode than it was closed under is a Conflict."""
        known = self.store.period(period.label)
        if known is None:
            self._refuse_overlap(period)
            plan = self.plan(period, now, mode, pool_micros)
            known = plan.close(ms(now), PeriodStatus.POSTING.value)
            self.store.record_close(known, plan.statements, plan.lines, plan.corrections,
                                    plan.totals)  # fmt: skip
        elif mode is not None and mode is not known.mode:
            raise Conflict(f"period {period.label} was closed under {known.mode.value}, "
                           f"not {mode.value}")  # fmt: skip
        if known.status is PeriodStatus.POSTING:
            self._post(known, self.store.statements(period=period.label), now)
            self.store.mark_closed(period.label)
            known = replace(known, status=PeriodStatus.CLOSED)
        return known

    def _refuse_overlap(self, period: Period) -> None:
        for other in self.store.periods():
            if other.period.overlaps(period):
                raise Conflict(f"period {period.label} overlaps {other.label}, closed already")

    def _positions(self, creators: set[int]) -> dict[int, tuple[int, int]]:
        ids = [a for c in sorted(creators) for a in (books.balance(c), books.owed(c))]
        held: dict[str, Balance] = {}
        for start in range(0, len(ids), CHUNK):  # below any driver's limit on parameters
            held.update(self.ledger.balances(ids[start : start + CHUNK]))
        out = {}
        for c in creators:
            b, o = held.get(books.balance(c)), held.get(books.owed(c))
            out[c] = (0 if b is None else b.posted, 0 if o is None else -o.posted)
        return out

    def _post(self, close: PeriodClose, statements: list[Statement], now: datetime) -> None:
        from reelmint.rewards.settle import Settlement

        creators = [s.creator for s in statements]
        self._open_accounts(creators)
        transfers: list[Transfer] = []
        fund = books.fund(close.label, close.distributed)
        if fund is not None:
            transfers.append(fund)
        for s in statements:
            from_balance = min(s.clawback, s.carried_in + s.earned)
            settled = Settlement(s.earned, s.clawback, from_balance, s.clawback - from_balance,
                                 s.repaid, s.paid, s.carried_out, s.owed_out)  # fmt: skip
            transfers += books.creator_chain(close.label, s.creator, settled)
        results = self.ledger.post(transfers, now) if transfers else []
        refused = [(t.id, r) for t, r in zip(transfers, results, strict=True)
                   if not r.succeeded and r != TransferResult.LINKED_EVENT_FAILED]  # fmt: skip
        if refused:
            first, why = refused[0]
            raise RewardsError(f"the books refused {len(refused)} legs of the {close.label} "
                               f"close, first {first}: {why}; the close stays 'posting' and "
                               "closing it again retries")  # fmt: skip

    def _open_accounts(self, creators: list[int]) -> None:
        accounts = books.PLATFORM_ACCOUNTS + [a for c in creators
                                              for a in books.creator_accounts(c)]  # fmt: skip
        todo = [a for a in accounts if a.id not in self._open]
        results = []
        for start in range(0, len(todo), CHUNK):  # SQLite takes 250,000 parameters at most
            results += self.ledger.open_accounts(todo[start : start + CHUNK])
        clashes = [a.id for a, r in zip(todo, results, strict=True)
                   if r == AccountResult.EXISTS_WITH_DIFFERENT_FIELDS]  # fmt: skip
        if clashes:
            raise Conflict(f"ledger accounts {', '.join(clashes[:3])} exist with other flags")
        self._open.update(a.id for a in todo)

    # -- reading ----------------------------------------------------------------------------

    def compare(self, period: Period, now: datetime, pool_micros: int | None = None
                ) -> Comparison:  # fmt: skip
        """The three modes on the same views of `period` (a dry run), side by side. The
        pools default to the settings' pool."""
        now_ms = ms(now)
        if period.end_ms > now_ms:
            raise PeriodNotOver(f"period {period.label} is not over")
        pool = self.rules.pool_micros if pool_micros is None else pool_micros
        enrolled, why, _ = self.closer.who(period)
        views = self.closer.views(period, now_ms, enrolled, {c for c, r in why.items() if not r})
        runs = {m: self.closer.distribute(m, period, now_ms, views, pool) for m in Mode}
        return compare(period.label, runs)

    def statements(self, creator: int) -> list[Statement]:
        return self.store.statements(creator=creator)

    def statement(self, period: str, creator: int) -> tuple[Statement, list[VideoLine]]:
        found = self.store.statements(period=period, creator=creator)
        if not found:
            raise NotFound(f"creator {creator} has no statement for {period}")
        return found[0], self.store.lines(period=period, creator=creator)

    def period(self, label: str) -> PeriodClose:
        known = self.store.period(label)
        if known is None:
            raise NotFound(f"period {label} has not been closed")
        return known

    def check_books(self) -> list[str]:
        """The pool is empty whenever no close is half-posted; [] when sound."""
        if any(p.status is PeriodStatus.POSTING for p in self.store.periods()):
            return ["a close is still posting: close it again to finish"]
        pool = self.ledger.balances([books.POOL]).get(books.POOL)
        if pool is not None and pool.posted != 0:
            return [f"the rewards pool holds {pool.posted} micros after every close"]
        return []
