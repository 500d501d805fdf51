"""LIVE sessions, viewers joining, gifts sent during them, and the leaderboards.

A gift is refused, with nothing posted, unless: the LIVE is running; sender and host are
both 18+ (by default) and in good standing; the gift is on offer; the sender owes no
coins; today's spend stays within the daily limit (when one is set); and the wallet
holds the coins. The books then post it as one linked chain (`books.gift`), and a
`gift` event goes to the lake with the coins as its amount.

`send_batch` is the same rules for many gifts at once (the simulator and the benchmark
use it): the checks run in memory against balances read once, and the accepted gifts go
to the books as one all-or-nothing chain with the value legs summed per creator. Should
a wallet have moved since it was read, the chain is refused whole and posted again
without that gift, so a batch never credits a creator for coins that did not move.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from reelmint.events.model import Kind
from reelmint.gifts import books
from reelmint.gifts.context import GiftsContext, day_start_ms, ms, today
from reelmint.gifts.economics import check_daily_limit, gift_split
from reelmint.gifts.model import (
    DAY_MS,
    Catalog,
    Conflict,
    Gift,
    GiftsError,
    GiftSplit,
    LiveRole,
    NotAllowed,
    NotEnoughCoins,
    NotFound,
    NotLive,
    NotYours,
    SendGift,
)
from reelmint.gifts.records import Live, SentGift
from reelmint.ledger import Balance, Transfer
from reelmint.ledger import TransferResult as R
from reelmint.parties.people import Person

WEEK_MS = 7 * DAY_MS
MONDAY_OFFSET_MS = 4 * DAY_MS  # 1970-01-01 was a Thursday: weeks start 4 days later
MAX_TITLE = 200
MAX_BATCH_TRIES = 8


@dataclass(frozen=True, slots=True)
class Gifter:
    sender: int
    coins: int
    gifts: int


@dataclass(frozen=True, slots=True)
class LiveSummary:
    live: Live
    gifts: int
    coins: int
    diamonds: int
    gifters: int
    viewers: int
    top: list[Gifter]


class Lives:
    def __init__(self, ctx: GiftsContext, catalog: Callable[[], Catalog]) -> None:
        self.ctx, self.catalog = ctx, catalog

    def start(self, creator: int, title: str, now: datetime) -> Live:
        """Go LIVE: the host must be 18+ and in good standing, with no LIVE running."""
        if len(title) > MAX_TITLE:
            raise GiftsError(f"a LIVE title is at most {MAX_TITLE} characters")
        self.ctx.person(creator, LiveRole.HOST, today(now))
        running = self.ctx.store.active_live(creator)
        if running is not None:
            raise NotLive(f"creator {creator} is already LIVE (LIVE {running.id}); end it first")
        self.ctx.open(books.creator_accounts(creator))
        return self.ctx.store.add_live(creator, title, ms(now))

    def end(self, live_id: int, creator: int | None, now: datetime) -> Live:
        """End a LIVE (`creator` None: an admin ending it); ending it again changes nothing."""
        live = self.get(live_id, creator)
        if live.active:
            self.ctx.store.end_live(live_id, ms(now))
        return self.get(live_id, creator)

    def get(self, live_id: int, creator: int | None = None) -> Live:
        live = self.ctx.store.live(live_id)
        if live is None:
            raise NotFound(f"no LIVE {live_id}")
        if creator is not None and live.creator != creator:
            raise NotYours(f"LIVE {live_id} is another creator's")
        return live

    def join(self, live_id: int, viewer: int, now: datetime) -> Live:
        """A viewer joins a running LIVE; joining again is counted once."""
        live = self._running(live_id)
        if self.ctx.store.add_viewers(live_id, [viewer], ms(now)):
            self.ctx.emit(Kind.LIVE_JOIN, [ms(now)], [viewer], [live_id], [live.creator])
        return live

    def join_many(self, live_id: int, viewers: Sequence[int], now: datetime) -> int:
        """Many viewers join at once (the simulator's followers); how many were new."""
        live = self._running(live_id)
        fresh = [v for v in dict.fromkeys(viewers) if v != live.creator]
        added = self.ctx.store.add_viewers(live_id, fresh, ms(now))
        n = len(fresh)
        self.ctx.emit(Kind.LIVE_JOIN, [ms(now)] * n, fresh, [live_id] * n, [live.creator] * n)
        return added

    def _running(self, live_id: int) -> Live:
        live = self.get(live_id)
        if not live.active:
            raise NotLive(f"LIVE {live_id} has ended")
        return live

    # Gifts

    def send(self, cmd: SendGift, now: datetime) -> SentGift:
        """Send one gift (or combo); a retry of the key returns what was sent."""
        [outcome] = self.send_batch([cmd], now)
        if isinstance(outcome, GiftsError):
            raise outcome
        return outcome

    def send_batch(self, cmds: Sequence[SendGift], now: datetime) -> list[SentGift | GiftsError]:
        """Send many gifts; one outcome per command, in order: what was sent, or why not."""
        ctx, now_ms = self.ctx, ms(now)
        done = ctx.store.sent(c.key for c in cmds)
        plan = _Plan(self, cmds, now)
        outcomes: list[SentGift | GiftsError] = []
        for cmd in cmds:
            known = done.get(cmd.key) or plan.taken.get(cmd.key)
            if known is not None:
                outcomes.append(_same(known, cmd))
                continue
            try:
                outcomes.append(plan.accept(cmd))
            except GiftsError as refused:
                outcomes.append(refused)
        accepted = plan.post()
        for i, outcome in enumerate(outcomes):
            if not isinstance(outcome, SentGift) or outcome.key not in plan.taken:
                continue  # a refusal, or a gift recorded by an earlier call
            if outcome.key not in accepted:
                outcomes[i] = NotEnoughCoins(f"the wallet of user {outcome.sender} no longer "
                                             "holds the coins for this gift")  # fmt: skip
        fresh = list(accepted.values())
        ctx.store.add_sends(fresh)
        ctx.emit(
            Kind.GIFT,
            [now_ms] * len(fresh),
            [g.sender for g in fresh],
            [g.live for g in fresh],
            [g.creator for g in fresh],
            [g.coins for g in fresh],
        )
        return outcomes

    # Leaderboards and summaries

    def top_gifters(self, *, live: int | None = None, creator: int | None = None,
                    week_of: datetime | None = None, limit: int = 10) -> list[Gifter]:  # fmt: skip
        """Top gifters by coins: in one LIVE, or in the week (Monday 00:00 UTC on) holding
        `week_of`, optionally to one creator."""
        start = end = None
        if week_of is not None:
            start = week_start_ms(ms(week_of))
            end = start + WEEK_MS
        rows = self.ctx.store.top_gifters(live=live, creator=creator, from_ms=start, to_ms=end,
                                          limit=limit)  # fmt: skip
        return [Gifter(*row) for row in rows]

    def summary(self, live_id: int, creator: int | None = None, top: int = 5) -> LiveSummary:
        live = self.get(live_id, creator)
        gifts, coins, diamonds, gifters = self.ctx.store.live_totals(live_id)
        return LiveSummary(live, gifts, coins, diamonds, gifters,
                           self.ctx.store.viewer_count(live_id),
                           self.top_gifters(live=live_id, limit=top))  # fmt: skip


class _Plan:
    """The gifts of one batch being checked and then posted."""

    def __init__(self, lives: Lives, cmds: Sequence[SendGift], now: datetime) -> None:
        ctx = self.ctx = lives.ctx
        self.now, self.now_ms, self.day = now, ms(now), today(now)
        self.catalog = lives.catalog()
        self.lives = ctx.store.lives_by_id(c.live for c in cmds)
        hosts = {live.creator for live in self.lives.values() if live is not None}
        senders = {c.sender for c in cmds}
        self.people: dict[int, Person] = ctx.people.many(senders | hosts)
        accounts = [books.wallet(u) for u in senders] + [books.coin_debt(u) for u in senders]
        balances = ctx.ledger.balances(accounts)
        self.coins = {u: _available(balances, books.wallet(u)) for u in senders}
        self.owed = {u: -_posted(balances, books.coin_debt(u)) for u in senders}
        self.limit = ctx.economics.gifts.daily_spend_limit_coins
        self.spent: dict[int, int] = {}
        self.taken: dict[str, SentGift] = {}
        # Asked once per batch, not per gift: a person's checks hold all day, and a
        # split depends only on the coins (measured: 0.2 s of a batch of 10,000).
        self.passed: set[tuple[int, LiveRole]] = set()
        self.splits: dict[int, GiftSplit] = {}
        self.gifts: dict[str, Gift] = {}  # the catalog scans its list; a batch asks often

    def _check(self, person: int, role: LiveRole) -> None:
        if (person, role) not in self.passed:
            self.ctx.person(person, role, self.day, self.people)
            self.passed.add((person, role))

    def _split(self, coins: int) -> GiftSplit:
        split = self.splits.get(coins)
        if split is None:
            e = self.ctx.economics
            split = self.splits[coins] = gift_split(coins, e.gifts, e.cashout, e.coins)
        return split

    def accept(self, cmd: SendGift) -> SentGift:
        ctx = self.ctx
        live = self.lives.get(cmd.live)
        if live is None:
            raise NotFound(f"no LIVE {cmd.live}")
        if not live.active:
            raise NotLive(f"LIVE {cmd.live} has ended")
        if cmd.sender == live.creator:
            raise GiftsError("a creator cannot send gifts to their own LIVE")
        self._check(cmd.sender, LiveRole.SENDER)
        self._check(live.creator, LiveRole.RECEIVER)
        gift = self.gifts.get(cmd.gift)
        if gift is None:
            gift = self.gifts[cmd.gift] = self.catalog.sendable(cmd.gift)
        coins = gift.coins * cmd.count
        if self.owed.get(cmd.sender, 0) > 0:
            raise NotAllowed(f"user {cmd.sender} owes {self.owed[cmd.sender]:,} coins from a "
                             "reversed purchase; buying coins repays it first")  # fmt: skip
        if self.limit is not None:
            if cmd.sender not in self.spent:
                self.spent[cmd.sender] = ctx.store.coins_sent(cmd.sender, day_start_ms(self.now_ms))
            check_daily_limit(self.spent[cmd.sender], coins, self.limit)
        if self.coins.get(cmd.sender, 0) < coins:
            raise NotEnoughCoins(f"this costs {coins:,} coins and user {cmd.sender}'s wallet "
                                 f"holds {self.coins.get(cmd.sender, 0):,}")  # fmt: skip
        split = self._split(coins)
        self.coins[cmd.sender] -= coins
        self.spent[cmd.sender] = self.spent.get(cmd.sender, 0) + coins
        sent = SentGift(cmd.key, cmd.sender, live.creator, cmd.live, gift.name, cmd.count, coins,
                        split.diamonds, self.now_ms)  # fmt: skip
        self.taken[cmd.key] = sent
        return sent

    def post(self) -> dict[str, SentGift]:
        """Post the accepted gifts; the ones the books took, by key."""
        ctx, now = self.ctx, self.now
        todo = dict(self.taken)
        creators = dict.fromkeys(g.creator for g in todo.values())
        ctx.open(a for c in creators for a in books.creator_accounts(c))
        for _ in range(MAX_BATCH_TRIES):
            if not todo:
                return {}
            legs = self._legs(list(todo.values()))
            results = ctx.ledger.post(legs, now)
            if all(r.succeeded for r in results):
                return todo
            refused = [t.id for t, r in zip(legs, results, strict=True)
                       if not r.succeeded and r != R.LINKED_EVENT_FAILED]  # fmt: skip
            if not any(t.startswith("gifts.send:") and t.endswith(":coins") for t in refused):
                raise GiftsError(f"the books refused the gifts: {', '.join(refused)}")
            # A chain stops at its first refusal, so the books name one wallet that moved;
            # others may have too. Check every gift again against the balances now.
            # (A refused id stays refused in the books, so its gift is out for good.)
            todo = self._still_affordable(
                {k: g for k, g in todo.items() if f"gifts.send:{k}:coins" not in refused}
            )
        raise GiftsError("the gifts' wallets kept changing while they were posted; try again")

    def _still_affordable(self, todo: dict[str, SentGift]) -> dict[str, SentGift]:
        senders = {g.sender for g in todo.values()}
        balances = self.ctx.ledger.balances(books.wallet(u) for u in senders)
        left = {u: _available(balances, books.wallet(u)) for u in senders}
        kept = {}
        for key, g in todo.items():
            if left[g.sender] >= g.coins:
                left[g.sender] -= g.coins
                kept[key] = g
        return kept

    def _legs(self, gifts: list[SentGift]) -> list[Transfer]:
        ctx = self.ctx
        if len(gifts) == 1:
            g = gifts[0]
            return books.gift(g.key, g.sender, g.creator, self._split(g.coins))
        value: dict[int, int] = {}
        count: dict[int, int] = {}
        revenue = 0
        diamond_value, face = ctx.diamond_value, ctx.face
        for g in gifts:
            creator_value = g.diamonds * diamond_value
            value[g.creator] = value.get(g.creator, 0) + creator_value
            count[g.creator] = count.get(g.creator, 0) + g.diamonds
            revenue += g.coins * face - creator_value
        spends = [(g.key, g.sender, g.coins) for g in gifts]
        batch_id = hashlib.sha256("\n".join(sorted(g.key for g in gifts)).encode()).hexdigest()
        return books.gift_batch(batch_id[:24], spends, books.BatchTotals(value, count, revenue))


def _same(known: SentGift, cmd: SendGift) -> SentGift | GiftsError:
    if (known.sender, known.live, known.gift, known.count) == (cmd.sender, cmd.live, cmd.gift,
                                                               cmd.count):  # fmt: skip
        return known
    return Conflict(f"key {cmd.key!r} already sent {known.count} x {known.gift} from user "
                    f"{known.sender} in LIVE {known.live}")  # fmt: skip


def week_start_ms(now_ms: int) -> int:
    """Monday 00:00 UTC of the week holding `now_ms`."""
    return now_ms - (now_ms - MONDAY_OFFSET_MS) % WEEK_MS


def _available(balances: Mapping[str, Balance], account: str) -> int:
    b = balances.get(account)
    return 0 if b is None else b.available


def _posted(balances: Mapping[str, Balance], account: str) -> int:
    b = balances.get(account)
    return 0 if b is None else b.posted
