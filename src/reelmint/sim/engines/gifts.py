"""The LIVE gifts engine: creators go LIVE, viewers buy coins and send gifts, creators cash
out, all through the real `GiftsService` on the run's books (the behaviour is
`reelmint.sim.gifting`, its parameters `sim.live`).

**Start.** Every simulated person is registered with a birth date inside their age band,
so the service's own age gate decides who may host, buy and gift; payers' budgets are
drawn once (adults only).

**Per day** the day's LIVEs are planned: who goes LIVE (by follower tier), when, for how
long, and who joins. **Per tick**, at each whole hour in it: the gifts of the hour just
past go to `send_batch` as one batch for every LIVE running (the service sums the value
legs per creator), payers short of coins buy packs first, LIVEs that are over end, and
the hour's LIVEs start and their viewers join. A few minors try to gift too, and the age
gate refuses them. The service's `live_join` and `gift` events reach the lake through the
run's ingest once per tick.

**Per day end** a share of the day's purchases is refunded (`refund_share`) or charged
back through the embedded gateway's signed notification (`chargeback_share`): the coins
left are clawed back, the rest become the buyer's debt, and the buyer stops paying for
the month. Then creators holding at least the cash-out minimum cash out with
`cashout_chance` (at most the daily cap), holds that are due are released, and a payout
batch runs. **At month end** running LIVEs send their last hour and end, every creator
holding the minimum cashes out, and due holds are released and paid. Cash-outs made in
the last 15 days (the hold) stay held: they are reported as `held`, pending on the books,
rather than released at a date after the month, so the month's books show the month and
what it still owes. The books must then pass `check_books()` and balance, or the run fails.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from numpy.typing import NDArray

from reelmint.events.batch import EventBatch
from reelmint.events.model import Kind
from reelmint.gifts import books
from reelmint.gifts.context import ms
from reelmint.gifts.embedded import EmbeddedGateway, EmbeddedPayouts
from reelmint.gifts.model import BuyCoins, CashOut, Channel, GiftsError, SendGift
from reelmint.gifts.records import SentGift
from reelmint.gifts.service import GiftsService
from reelmint.parties.people import Person
from reelmint.sim import gifting as g
from reelmint.sim.engines import Engine, register
from reelmint.sim.gift_summary import gift_summary
from reelmint.sim.world import Tick, World

I64 = NDArray[np.int64]
HOUR_MS = 3_600_000
MINUTE_MS = 60_000


@dataclass(slots=True)
class _Live:
    creator: int
    start_ms: int
    end_ms: int
    viewers: I64
    id: int = 0  # the service's, once started


@register
class GiftsEngine(Engine):
    name = "gifts"
    order = 30

    def start(self, world: World) -> None:
        s, pop, cfg = world.settings, world.population, world.config
        self.live = s.sim.live
        db = world.database
        if db is None:
            raise RuntimeError("the gifts engine needs the run's records database")
        key = s.derived_key("gifts.webhooks")
        self.events: list[EventBatch] = []
        self.service = GiftsService(
            db, world.ledger, s.economics, gateway=EmbeddedGateway(db, key),
            payouts=EmbeddedPayouts(db), webhook_key=key,
            sink=lambda batch, _now: self.events.append(batch),
        )  # fmt: skip
        rng = world.rng("gifts.people")
        last = cfg.start + timedelta(days=cfg.days)  # the month-end cash-outs fall on it
        born = g.birth_dates(pop.age_band, pop.age_bands, cfg.start, last, rng)
        self.service.register(Person(i, day) for i, day in enumerate(born))
        self.sizes = tuple(sorted({p.coins for p in self.service.packs()}))
        offer = self.service.catalog().on_offer
        self.names = [gift.name for gift in offer]
        self.prices = np.array([gift.coins for gift in offer], np.int64)
        self.adult = pop.adult
        self.budget = g.budgets(pop.adult, self.live, self.sizes[0], rng)
        n = pop.users
        self.bought, self.wallet, self.sent = (np.zeros(n, np.int64) for _ in range(3))
        self.received, self.cashed = np.zeros(n, np.int64), np.zeros(n, np.int64)
        streams = np.zeros(n, np.bool_)
        streams[pop.creators[pop.live]] = True
        self.hosts = np.flatnonzero(streams & pop.adult).astype(np.int64)
        self.busy_until = np.zeros(n, np.int64)
        # Every account the month can touch, opened in one call: opened on first use,
        # one call each, they cost 2.3 s of the demo's month on SQL books.
        self.service.ctx.open_platform()
        self.service.ctx.open(
            [a for c in self.hosts.tolist() for a in books.creator_accounts(c)]
            + [a for u in np.flatnonzero(self.budget).tolist() for a in books.user_accounts(u)]
        )
        self.today: list[tuple[str, int]] = []  # the day's purchases: (key, buyer)
        self.gateway = EmbeddedGateway(db, key)
        self.planned: list[_Live] = []
        self.running: list[_Live] = []
        self.refused: Counter[str] = Counter()
        self.cashout_refused: Counter[str] = Counter()
        self.tally: Counter[str] = Counter()
        self.by_tier: Counter[int] = Counter()
        self.watched: set[int] = set()
        cash = s.economics.cashout
        self.value = cash.diamond_value_micros
        self.min_diamonds = math.ceil(cash.minimum_micros / self.value)
        self.cap_diamonds = cash.daily_cap_micros // self.value

    # -- the day ---------------------------------------------------------------------

    def begin_day(self, world: World, day: int) -> None:
        rng = world.rng("gifts.day", day)
        f = world.follows
        followers = f.followers[self.hosts] if len(f.followers) else 0 * self.hosts
        going = g.going_live(followers, self.live.lives_per_day, rng)
        who = self.hosts[going]
        hour, hours = g.schedule(len(who), self.live, rng)
        fans = g.followers_of(f.keys, world.config.users, who)
        tiers = g.tier_of(followers[going], self.live.lives_per_day)
        day_ms = world.config.day_ms(day)
        for c, h, length, tier in sorted(zip(who.tolist(), hour.tolist(), hours.tolist(),
                                             tiers.tolist(), strict=True),
                                         key=lambda x: (x[1], x[0])):  # fmt: skip
            start = day_ms + h * HOUR_MS
            if self.busy_until[c] > start:  # yesterday's late LIVE is still on
                continue
            self.busy_until[c] = start + length * HOUR_MS
            viewers = g.audience(fans[c], c, world.population.active_share, self.live, rng)
            self.planned.append(_Live(c, start, start + length * HOUR_MS, viewers))
            self.by_tier[tier] += 1
        world.record("lives", sum(1 for x in self.planned if x.start_ms >= day_ms))

    def tick(self, world: World, tick: Tick) -> None:
        first = -(-tick.start_ms // HOUR_MS) * HOUR_MS
        for hour in range(first, tick.end_ms, HOUR_MS):
            self._hour(world, hour)
        self._ingest(world, tick.end_ms)

    def end_day(self, world: World, day: int) -> None:
        for series in ("coins_bought", "coins_sent"):  # a day without gifts is a 0 too
            world.record(series, 0)
        at = world.config.day_ms(day + 1) - MINUTE_MS
        self._reverse(world.config.moment(at), world.rng("gifts.reversals", day))
        rng = world.rng("gifts.cashout", day)
        self._cash_out(world.config.moment(at), str(day), self.live.cashout_chance, rng)
        self._settle(world.config.moment(at))

    def end_month(self, world: World) -> None:
        end = world.config.day_ms(world.config.days)
        now = world.config.moment(end)
        self._gift_round(world, [x for x in self.running if x.start_ms < end], end)
        for x in self.running:
            self.service.lives.end(x.id, x.creator, now)
        self.running, self.planned = [], []
        self._ingest(world, end)
        self._cash_out(now, "end", 1.0, world.rng("gifts.cashout", world.config.days))
        self._settle(now)
        creators = world.population.creators
        world.shared.setdefault("creator_earnings", {})["gifts"] = (
            self.received[creators] * self.value)  # fmt: skip
        problems = self.service.check_books()
        unbalanced = [r.asset.value for r in world.ledger.trial_balance() if not r.balanced]
        if problems or unbalanced:
            raise RuntimeError(f"the gifts left the books unsound: {problems}, unbalanced "
                               f"assets {unbalanced}")  # fmt: skip

    # -- an hour of LIVE -------------------------------------------------------------

    def _hour(self, world: World, hour: int) -> None:
        now = world.config.moment(hour)
        self._gift_round(world, [x for x in self.running if x.start_ms < hour <= x.end_ms],
                         hour)  # fmt: skip
        for x in [x for x in self.running if x.end_ms <= hour]:
            self.service.lives.end(x.id, x.creator, now)
            self.running.remove(x)
        while self.planned and self.planned[0].start_ms <= hour:
            x = self.planned.pop(0)
            x.id = self.service.lives.start(x.creator, f"LIVE by creator {x.creator}", now).id
            self.tally["viewers"] += self.service.lives.join_many(x.id, x.viewers.tolist(), now)
            self.watched.update(x.viewers.tolist())
            self.running.append(x)

    def _gift_round(self, world: World, lives: list[_Live], hour: int) -> None:
        """The gifts of the hour before `hour` in these LIVEs, as one batch."""
        if not lives:
            return
        rng = world.rng("gifts.hour", hour // HOUR_MS)
        live_id = np.repeat([x.id for x in lives], [len(x.viewers) for x in lives])
        viewer = np.concatenate([x.viewers for x in lives])
        budget_left = self.budget[viewer] - self.bought[viewer]
        can_pay = (self.wallet[viewer] > 0) | (budget_left >= self.sizes[0])
        gifting = (self.budget[viewer] > 0) & can_pay & (rng.random(len(viewer)) <
                                                          self.live.gift_chance)  # fmt: skip
        trying = ~self.adult[viewer] & (rng.random(len(viewer)) < self.live.minor_tries)
        now = world.config.moment(hour)
        bought = self.tally["coins_bought"]
        pick, count = g.gifts(self.budget[viewer[gifting]], self.prices, self.live, rng)
        cmds: list[SendGift] = []
        for who, live, i, n in zip(viewer[gifting].tolist(), live_id[gifting].tolist(),
                                   pick.tolist(), count.tolist(), strict=True):  # fmt: skip
            n = self._afford(who, int(self.prices[i]), n, now, rng)
            if n:
                cmds.append(self._command(who, live, self.names[i], n))
        # The cheapest gift, which the age gate refuses before it looks at the wallet.
        cheapest = self.names[int(np.argmin(self.prices))]
        cmds += [self._command(who, live, cheapest, 1)
                 for who, live in zip(viewer[trying].tolist(), live_id[trying].tolist(),
                                      strict=True)]  # fmt: skip
        world.record("coins_bought", self.tally["coins_bought"] - bought)
        if cmds:
            self._send(world, cmds, now)

    def _command(self, sender: int, live: int, gift: str, count: int) -> SendGift:
        self.tally["commands"] += 1
        return SendGift(f"sim-gift-{self.tally['commands']}", sender, live, gift, count)

    def _afford(self, who: int, price: int, count: int, now: datetime,
                rng: np.random.Generator) -> int:  # fmt: skip
        """How many of the gift `who` can pay for, buying packs first if short; the coins
        are set aside in the engine's view of the wallet until the batch says."""
        while self.wallet[who] < price * count:
            short = int(price * count - self.wallet[who])
            pack = g.pack_to_buy(short, int(self.budget[who] - self.bought[who]), self.sizes)
            if not pack or not self._buy(who, pack, now, rng):
                break
        count = min(count, int(self.wallet[who] // price))
        self.wallet[who] -= price * count
        return count

    def _buy(self, who: int, coins: int, now: datetime, rng: np.random.Generator) -> bool:
        in_app = rng.random() < self.live.in_app_share
        self.tally["purchases"] += 1
        key = f"sim-buy-{self.tally['purchases']}"
        try:
            bought = self.service.wallets.buy(
                BuyCoins(key, who, Channel.IN_APP if in_app else Channel.WEB, coins), now
            )
        except GiftsError as refused:  # counted, and this gift goes without
            self.refused[f"buy:{type(refused).__name__}"] += 1
            return False
        self.today.append((key, who))
        self.bought[who] += coins
        self.wallet[who] += coins
        self.tally["in_app"] += in_app
        self.tally["paid_micros"] += bought.paid_micros
        self.tally["coins_bought"] += coins
        return True

    def _send(self, world: World, cmds: list[SendGift], now: datetime) -> None:
        prices = dict(zip(self.names, self.prices.tolist(), strict=True))
        coins_sent = 0
        for cmd, out in zip(cmds, self.service.lives.send_batch(cmds, now), strict=True):
            if isinstance(out, SentGift):
                self.sent[out.sender] += out.coins
                self.received[out.creator] += out.diamonds
                self.tally["gifts"] += 1
                self.tally["items"] += out.count
                coins_sent += out.coins
                continue
            self.refused[type(out).__name__] += 1
            if self.adult[cmd.sender]:  # the coins set aside for it are the payer's again
                self.wallet[cmd.sender] += prices[cmd.gift] * cmd.count
        world.record("coins_sent", coins_sent)

    def _ingest(self, world: World, now_ms: int) -> None:
        if not self.events:
            return
        batch = EventBatch.concat(self.events)
        self.events.clear()
        report = world.ingestor.ingest(batch, now_ms)
        world.events_ingested += report.accepted
        self.tally["events_refused"] += report.refused
        for kind in (Kind.LIVE_JOIN, Kind.GIFT):
            self.tally[kind.label] += int((batch.kind == kind).sum())

    # -- refunds and chargebacks ------------------------------------------------------

    def _reverse(self, now: datetime, rng: np.random.Generator) -> None:
        draws = rng.random(len(self.today))
        refund, chargeback = self.live.refund_share, self.live.chargeback_share
        for (key, who), u in zip(self.today, draws.tolist(), strict=True):
            if u >= refund + chargeback:
                continue
            wallets = self.service.wallets
            if u < refund:
                done = wallets.refund(key, now)
                self.tally["refunds"] += 1
            else:
                payment = wallets.purchase(key).payment_id
                body, header = self.gateway.chargeback(payment, ms(now))
                done = wallets.notify(body, header, now) or wallets.purchase(key)
                self.tally["chargebacks"] += 1
            self.tally["reversed_micros"] += done.paid_micros
            self.tally["coins_clawed_back"] += done.clawed_back or 0
            self.wallet[who] = wallets.wallet(who).coins  # 0; any shortfall is a debt
            self.budget[who] = self.bought[who]  # the buyer pays no more this month
        self.today.clear()

    # -- cash-outs ---------------------------------------------------------------------

    def _cash_out(self, now: datetime, label: str, chance: float,
                  rng: np.random.Generator) -> None:  # fmt: skip
        held = self.received - self.cashed
        ready = np.flatnonzero(held >= self.min_diamonds)
        for creator in ready[rng.random(len(ready)) < chance].tolist():
            diamonds = int(min(held[creator], self.cap_diamonds))
            try:
                self.service.cashouts.request(
                    CashOut(f"sim-cashout-{creator}-{label}", creator, diamonds), now
                )
            except GiftsError as refused:  # CashoutRefused and kin: counted, never expected
                self.cashout_refused[type(refused).__name__] += 1
                continue
            self.cashed[creator] += diamonds
            self.tally["cashouts"] += 1
            self.tally["cashout_micros"] += diamonds * self.value

    def _settle(self, now: datetime) -> None:
        released = self.service.cashouts.release(now)
        self.tally["voided"] += len(released.voided)
        paid = self.service.cashouts.pay_out(now)
        self.tally["paid"] += len(paid.paid)
        self.tally["paid_out_micros"] += paid.amount_micros

    # -- the summary -------------------------------------------------------------------

    def summarize(self, world: World, summary: dict[str, Any]) -> None:
        section = gift_summary(self, world)
        summary["gifts"] = section
        money = summary["money"]
        money["platform_revenue_micros"]["gifts"] = section["gift_revenue_micros"]
        money["platform_revenue_micros"]["coin_margin"] = section["coin_margin_micros"]
        money["creator_earnings_micros"]["gifts"] = section["diamonds_value_micros"]
        summary["events"].update(live_join=self.tally["live_join"], gift=self.tally["gift"])
