"""The ads engine: advertisers buy the ad positions of the For You pages the feed served.

**Advertisers** (`sim.advertisers_per_10k_users`, at least 3; `reelmint.sim.advertisers`),
each with one or two campaigns of random objective and one to three ad groups each, daily
budgets lognormal around $40 (never under the $20 minimum), bids by billing (CPM $2-10,
CPC $0.20-1.00, CPV $0.02-0.08, oCPM $5-30 a conversion; a third bid by maximum
delivery), targeting by country and adult age bands (a third add interests), a third
with the 7-per-7-days reach cap. They top up their prepaid balance before day 1 with
enough for about the month (one in five for about a week, so some run dry and stop).

**Viewers' responses** to an ad: a click with the group's own click-through rate
(lognormal around 1%), a 2 s view (60%), a 6 s view (a third), quartiles of the ad
video, and a conversion after a click at the group's conversion rate (around 3%).

**Per tick**: the pacing controller updates from today's spend, the decision path
(`reelmint.ads.decision`) fills the tick's ad positions, responses are drawn, billable
events are charged within every limit (`reelmint.ads.billing`), the events go into the
lake with what was charged as their amount, the predictor learns from them, and every
hour that ended is posted to the books (advertiser prepaid -> platform ad revenue).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray

from reelmint.ads.billing import REVENUE, Accruals
from reelmint.ads.decision import Decider, Decisions
from reelmint.ads.frequency import FrequencyCounter
from reelmint.ads.inventory import build
from reelmint.ads.pacing import PacingController, SpendPlan
from reelmint.ads.predict import Action, RatePredictor
from reelmint.events.batch import EventBatch
from reelmint.events.model import Kind
from reelmint.ledger import Account, AccountFlags, Transfer, TransferResult
from reelmint.money import Asset
from reelmint.sim.advertisers import market, user_columns
from reelmint.sim.engines import Engine, register
from reelmint.sim.world import DAY_MS, Tick, World

I64 = NDArray[np.int64]
USD = 1_000_000
CLEARING = "platform:cash:clearing"


@register
class AdsEngine(Engine):
    name = "ads"
    order = 20

    def start(self, world: World) -> None:
        s = world.settings
        rng = world.rng("ads.advertisers")
        count = s.sim.advertisers_per_10k_users * world.config.users / 10_000
        synthetic = [f"adv{i:04d}" for i in range(max(3, round(count)) if count else 0)]
        own = world.config.market
        self.own = [n for n in own.advertisers if n not in synthetic] if own else []
        self.names = synthetic + self.own
        if not self.names:
            return
        campaigns, groups, ads = market(synthetic, world, rng, own.last_id if own else 0)
        if own:
            campaigns, groups, ads = (campaigns + list(own.campaigns), groups + list(own.groups),
                                      ads + list(own.ads))  # fmt: skip
        self.inventory = build(campaigns, groups, ads, self.names, s.economics.ads)
        inv = self.inventory
        self.ctr = np.exp(rng.normal(np.log(0.01), 0.5, len(inv)))
        self.cvr = np.exp(rng.normal(np.log(0.03), 0.5, len(inv)))
        self.ad_ms = rng.integers(15, 61, len(inv)) * 1_000
        balances = self._top_up(world, rng)
        predictor = RatePredictor()
        predictor.grow(len(inv), inv.advertiser)
        pacing = PacingController(
            inv.daily_cap,
            inv.pacing,
            SpendPlan.from_hourly(),
            step_minutes=DAY_MS / world.ticks_per_day / 60_000,
        )
        accruals = Accruals(len(inv), len(inv.campaigns), len(self.names), balances)
        self.decider = Decider(
            inv,
            predictor,
            pacing,
            FrequencyCounter(),
            accruals,
            s.economics.ads.auction,
            s.economics.ads.reserve_cpm_micros,
            s.economics.ads.shortlist,
        )
        self.columns = user_columns(world.population, s.feed.topics)
        self.posted = 0
        self.events: dict[str, int] = {}
        self.counts = {
            k: 0 for k in ("slots", "filled", "impressions", "clicks", "views_6s", "conversions")
        }

    def tick(self, world: World, tick: Tick) -> None:
        viewers = world.shared.get("feed.ad_slots")
        if not self.names or viewers is None or not len(viewers):
            return
        d = self.decider
        minute = (tick.start_ms % DAY_MS) / 60_000
        d.pacing.update(minute, d.accruals.group_today)
        rng = world.rng("ads.tick", tick.day, tick.index)
        out = d.decide(viewers, self.columns.take(viewers), tick.start_ms, rng)
        self.counts["slots"] += len(viewers)
        shown = out.filled
        self.counts["filled"] += int(shown.sum())
        batch = self._serve(world, tick, viewers[shown], _only(out, shown), rng)
        report = world.ingestor.ingest(batch, tick.end_ms)
        world.events_ingested += report.accepted
        self._post(world, tick.end_ms)

    def end_day(self, world: World, day: int) -> None:
        if self.names:
            self.decider.accruals.new_day()
            self.decider.pacing.reset_day()

    def end_month(self, world: World) -> None:
        if self.names:
            self._post(world, world.config.day_ms(world.config.days))

    def summarize(self, world: World, summary: dict[str, Any]) -> None:
        if not self.names:
            return
        inv, acc = self.inventory, self.decider.accruals
        summary["money"]["platform_revenue_micros"]["ads"] = self.posted
        summary["events"].update(sorted(self.events.items()))
        spend = np.bincount(
            inv.advertiser, weights=acc.group_total, minlength=len(self.names)
        ).astype(np.int64)
        summary["ads"] = {
            "advertisers": len(self.names),
            "from_manager": self.own,
            "campaigns": len(inv.campaigns),
            "ad_groups": len(inv),
            **self.counts,
            "fill_rate": round(self.counts["filled"] / max(self.counts["slots"], 1), 6),
            "spend_micros": int(acc.group_total.sum()),
            "posted_micros": self.posted,
            "cpm_micros": int(acc.group_total.sum() * 1000 // max(self.counts["impressions"], 1)),
            "calibration": self.decider.predictor.calibration(),
            "groups": [
                {
                    "id": int(inv.group[i]),
                    "advertiser": self.names[int(inv.advertiser[i])],
                    "billing": ["cpm", "cpc", "cpv", "ocpm"][int(inv.billing[i])],
                    "daily_cap_micros": int(inv.daily_cap[i]),
                    "spend_micros": int(acc.group_total[i]),
                }
                for i in range(len(inv))
            ],
            "by_advertiser": {n: int(v) for n, v in zip(self.names, spend, strict=True)},
        }

    # -- pieces --------------------------------------------------------------------

    def _top_up(self, world: World, rng: np.random.Generator) -> I64:
        inv = self.inventory
        daily = np.bincount(
            inv.advertiser, weights=np.maximum(inv.daily_cap, 0), minlength=len(self.names)
        )
        days = np.where(rng.random(len(self.names)) < 0.2, 7, world.config.days)
        amount = (daily * days * 1.1).astype(np.int64) + 50 * USD
        own = world.config.market
        for name in self.own:  # the Manager's advertisers bring the balance they hold
            amount[self.names.index(name)] = own.balances.get(name, 0) if own else 0
        world.ledger.open_accounts(
            [Account(CLEARING, Asset.USD), Account(REVENUE, Asset.USD)]
            + [
                Account(f"advertiser:{n}:prepaid", Asset.USD, AccountFlags.NO_OVERDRAFT)
                for n in self.names
            ]
        )
        when = datetime.fromtimestamp(world.config.start_ms / 1000, UTC)
        results = world.ledger.post(
            [
                Transfer(
                    f"ads.top_up:{n}:0",
                    CLEARING,
                    f"advertiser:{n}:prepaid",
                    int(a),
                    Asset.USD,
                    "ads.top_up",
                )
                for n, a in zip(self.names, amount, strict=True)
                if a > 0
            ],
            when,
        )
        _check(results)
        return amount

    def _serve(
        self, world: World, tick: Tick, user: I64, out: Decisions, rng: np.random.Generator
    ) -> EventBatch:
        d, g = self.decider, out.group
        n = len(user)
        ts = tick.start_ms + rng.integers(0, tick.end_ms - tick.start_ms, n, dtype=np.int64)
        for action in (Action.CLICK, Action.VIEW_6S, Action.CONVERSION):
            d.predictor.record_served(action, d.predictor.predict(action, g))
        click = rng.random(n) < self.ctr[g]
        view2 = rng.random(n) < 0.6
        view6 = view2 & (rng.random(n) < 0.55)
        quartiles = np.where(view6, rng.integers(1, 5, n), np.where(view2, 1, 0))
        convert = click & (rng.random(n) < self.cvr[g])
        billing = self.inventory.billing[g]
        billed = {
            Kind.AD_IMPRESSION: np.isin(billing, (0, 3)),
            Kind.AD_CLICK: billing == 1,
            Kind.AD_VIEW_6S: billing == 2,
        }
        kinds = {
            Kind.AD_IMPRESSION: np.ones(n, np.bool_),
            Kind.AD_CLICK: click,
            Kind.AD_VIEW_2S: view2,
            Kind.AD_VIEW_6S: view6,
            Kind.CONVERSION: convert,
        }
        rows = [np.flatnonzero(mask) for mask in kinds.values()]
        kind = np.repeat(np.array(list(kinds), np.int8), [len(r) for r in rows])
        pick = np.concatenate(rows)
        amount = np.zeros(len(pick), np.int64)
        charge = np.zeros(len(pick), np.bool_)
        for k, mask in billed.items():
            at = kind == k
            charge[at] = mask[pick[at]]
        order = np.flatnonzero(charge)[np.argsort(ts[pick[charge]], kind="stable")]
        amount[order] = d.accruals.charge(
            self.inventory, g[pick[order]], out.price_micros[pick[order]], ts[pick[order]]
        )
        conv = kind == Kind.CONVERSION
        amount[conv] = rng.integers(10, 120, int(conv.sum())) * USD  # order value
        # quartile events: one per quartile reached
        q_rows = np.repeat(np.arange(n), quartiles)
        q_amount = np.concatenate([np.arange(1, q + 1) for q in quartiles]) if n else q_rows
        d.frequency.add(user, g, tick.start_ms)
        taught, learnt = _actions(kind)
        d.predictor.observe(g[pick[taught]], learnt)
        for name, k in (
            ("impressions", Kind.AD_IMPRESSION),
            ("clicks", Kind.AD_CLICK),
            ("views_6s", Kind.AD_VIEW_6S),
            ("conversions", Kind.CONVERSION),
        ):
            self.counts[name] += int((kind == k).sum())
        for k, c in zip(*np.unique(kind, return_counts=True), strict=True):
            self.events[Kind(int(k)).label] = self.events.get(Kind(int(k)).label, 0) + int(c)
        self.events["ad_quartile"] = self.events.get("ad_quartile", 0) + len(q_rows)
        all_rows = np.concatenate([pick, q_rows])
        return EventBatch.of(
            ts_ms=ts[all_rows],
            kind=np.concatenate([kind, np.full(len(q_rows), Kind.AD_QUARTILE, np.int8)]),
            user=user[all_rows],
            object=self.inventory.ad[g[all_rows]],
            amount=np.concatenate([amount, q_amount]),
            paid=np.ones(len(all_rows), np.bool_),
        )

    def _post(self, world: World, before_ms: int) -> None:
        transfers = self.decider.accruals.postings(self.inventory, before_ms)
        if transfers:
            _check(world.ledger.post(transfers, datetime.fromtimestamp(before_ms / 1000, UTC)))
            self.posted += sum(t.amount or 0 for t in transfers)


def _actions(kind: NDArray[np.int8]) -> tuple[NDArray[np.bool_], NDArray[np.int8]]:
    """Which events teach the predictor, and as which action (2 s views teach nothing)."""
    table = np.full(max(Kind) + 1, -1, np.int8)
    table[Kind.AD_IMPRESSION], table[Kind.AD_CLICK] = Action.IMPRESSION, Action.CLICK
    table[Kind.AD_VIEW_6S], table[Kind.CONVERSION] = Action.VIEW_6S, Action.CONVERSION
    out = table[kind]
    return out >= 0, out[out >= 0]


def _check(results: list[TransferResult]) -> None:
    bad = [r for r in results if r not in (TransferResult.OK, TransferResult.EXISTS)]
    if bad:
        raise RuntimeError(f"the books refused ad transfers: {sorted(set(bad))}")


def _only(out: Decisions, rows: NDArray[np.bool_]) -> Decisions:
    return Decisions(out.group[rows], out.ad[rows], out.price_micros[rows], out.p_event[rows])
