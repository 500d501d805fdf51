"""The ad server: a platform's ad slots filled while users scroll, and the events that
follow charged, counted and booked.

The Ads Manager (`service`) is where advertisers build campaigns; the ad server is what
the platform calls for each page:

- `serve(user, profile, slots, now_ms)`: up to `slots` ads for one page, best first,
  never one ad group twice on a page (each later slot is decided with the groups already
  placed kept out, so each slot is its own auction at its own second price). Each comes
  with a signed token (`tokens`) naming the user, the ad and the price.
- `record(events, now_ms)`: the client's reports, each naming its token. An event counts
  once per (token, kind) (a quartile once per quartile), only within `ads.token_ttl_s`
  of serving, and a click, view or conversion only after that token's impression. The
  billable one (impression for CPM and oCPM, click for CPC, 6 s view for CPV) is charged
  at the token's price within every budget and the balance (`billing.Accruals`); past a
  limit it is delivered free. The events then go to the lake through `sink` (the feed
  service's ingest) with what was charged as their amount, and only then teach the
  predictor and the frequency counter: if the sink fails, nothing was charged or marked.
- Each hour's spend is posted to the books (advertiser prepaid -> platform ad revenue)
  by the first call after the hour ends, and at `close`.

**Freshness.** The server works from an inventory built from the Manager's store and
rebuilt every `ads.refresh_s` seconds (or on `refresh`): a new, paused or re-budgeted
campaign reaches delivery within that time. Slots only grow (groups and campaigns in id
order, advertisers in order of first sight), so learned rates, pacing, frequency counts
and today's spend carry over. An advertiser's available money is its posted balance less
what has accrued since, so a top-up counts from the next refresh. A boosted post whose
authorization expired stops at the next refresh (revoking one pauses its ads at once).

**One process holds the counters** (today's spend, frequency, the events already seen),
so the API serves ads from one worker. On start, today's spend per group is read back
from the lake, so a restart does not hand out a day's budget twice. Posting ids carry a
per-process `tag`, so a process that closes mid-hour and its successor never collide on
an hour's transfer id. (Events seen before a restart are not remembered: a token
replayed across one could count twice; a durable seen-set is later work.)
"""

from __future__ import annotations

import copy
import enum
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa

from reelmint.ads.billing import HOUR_MS, Accruals
from reelmint.ads.decision import Decider
from reelmint.ads.frequency import FrequencyCounter
from reelmint.ads.inventory import Inventory, build
from reelmint.ads.model import DAY_MS, Ad, AdsError, Billing, CallToAction
from reelmint.ads.pacing import PacingController, SpendPlan
from reelmint.ads.predict import Action, RatePredictor
from reelmint.ads.reports import ADS_COLUMNS, totals
from reelmint.ads.store import AdsStore
from reelmint.ads.targeting import Profile, UserColumns
from reelmint.ads.tokens import Ticket, sign, verify
from reelmint.events.batch import EventBatch
from reelmint.events.model import Kind
from reelmint.ledger import Ledger, TransferResult
from reelmint.settings import AdsSettings

Sink = Callable[[EventBatch, int], object]  # (events, now_ms): into the lake
BILLINGS = (Billing.CPM, Billing.CPC, Billing.CPV, Billing.OCPM)  # by inventory code
BILLED = (Kind.AD_IMPRESSION, Kind.AD_CLICK, Kind.AD_VIEW_6S, Kind.AD_IMPRESSION)
TEACHES = {Kind.AD_IMPRESSION: Action.IMPRESSION, Kind.AD_CLICK: Action.CLICK,
           Kind.AD_VIEW_6S: Action.VIEW_6S, Kind.CONVERSION: Action.CONVERSION}  # fmt: skip
AD_KINDS = frozenset(TEACHES) | {Kind.AD_VIEW_2S, Kind.AD_QUARTILE}
SEEN = (int(Kind.AD_IMPRESSION), 0)
MAX_SLOTS = 10


class Outcome(enum.StrEnum):
    CHARGED = "charged"  # billable, and charged the token's price
    FREE = "free"  # billable, but past a budget or the balance: delivered free
    COUNTED = "counted"  # not billable (a 2 s view, a quartile, ...): counted
    DUPLICATE = "duplicate"  # this token's event of this kind was already counted
    NO_IMPRESSION = "no_impression"  # a click or view before the token's impression
    EXPIRED = "expired"  # reported more than `ads.token_ttl_s` after serving
    UNKNOWN = "unknown"  # not a token this server signed


@dataclass(frozen=True, slots=True)
class AdEvent:
    token: str
    kind: Kind
    quartile: int = 0  # 1-4 for AD_QUARTILE (the quarter of the video reached)
    value_micros: int = 0  # a conversion's order value

    def __post_init__(self) -> None:
        if self.kind not in AD_KINDS:
            raise AdsError(f"an ad event is one of {sorted(k.label for k in AD_KINDS)}, "
                           f"not {Kind(self.kind).label}")  # fmt: skip
        if (self.kind is Kind.AD_QUARTILE) != (1 <= self.quartile <= 4):
            raise AdsError("a quartile event names its quartile (1-4); other events none")
        if self.value_micros < 0 or (self.value_micros and self.kind is not Kind.CONVERSION):
            raise AdsError("only a conversion carries a value, and it is not negative")


@dataclass(frozen=True, slots=True)
class Served:
    position: int  # 0: the page's first ad slot
    ad: int
    ad_group: int
    campaign: int
    advertiser: str
    video: int
    billing: Billing
    price_micros: int  # per billable event
    landing_url: str
    call_to_action: CallToAction
    token: str


@dataclass(frozen=True, slots=True)
class Recorded:
    outcome: Outcome
    charged_micros: int = 0


@dataclass(frozen=True, slots=True)
class Delivery:
    """One ad group's real-time counters."""

    ad_group: int
    campaign: int
    spend_today_micros: int
    daily_cap_micros: int | None  # None: no daily limit
    throttle: float  # the pacing controller's participation probability now
    live: bool  # could win a slot now


class AdServer:
    def __init__(
        self, store: AdsStore, ledger: Ledger, rules: AdsSettings, *, key: bytes, sink: Sink,
        rng: np.random.Generator, tag: str = "", lake_dir: Path | None = None,
    ) -> None:  # fmt: skip
        """`key` signs tokens; `tag` (letters and digits) tells this process's postings
        apart from any other's; `lake_dir` is read once, for today's spend so far."""
        self.store, self.ledger, self.rules = store, ledger, rules
        self.key, self.sink, self.rng, self.tag = key, sink, rng, tag
        self.lake_dir = lake_dir
        self.posted_micros = 0  # posted to the books by this process
        self._lock = threading.Lock()
        self._decider: Decider | None = None
        self._names: list[str] = []
        self._ads: dict[int, Ad] = {}
        self._every_ad: list[tuple[int, int]] = []  # (ad, its group), whatever its status
        self._serial = 0
        self._seen: dict[str, tuple[int, set[tuple[int, int]]]] = {}  # serial -> (served, marks)
        self._clock = self._loaded_ms = self._day = self._hour = 0
        self._minute: float | None = None

    # -- the calls -------------------------------------------------------------------

    def serve(self, user: int, profile: Profile, slots: int, now_ms: int) -> list[Served]:
        if not 1 <= slots <= MAX_SLOTS:
            raise AdsError(f"a page asks for 1 to {MAX_SLOTS} ad slots, not {slots}")
        columns = UserColumns.of([profile])
        users = np.array([user], np.int64)
        with self._lock:
            d, now_ms = self._ready(now_ms)
            inv = d.inventory
            blocked = np.zeros(len(inv), np.bool_)
            served: list[Served] = []
            for position in range(slots):
                won = d.decide(users, columns, now_ms, self.rng, blocked)
                g = int(won.group[0])
                if g < 0:
                    break
                blocked[g] = True
                served.append(self._ticket(inv, position, user, g, int(won.price_micros[0]),
                                           now_ms))  # fmt: skip
            if served:
                chosen = inv.slot_of(np.array([s.ad_group for s in served], np.int64))
                for action in (Action.CLICK, Action.VIEW_6S, Action.CONVERSION):
                    d.predictor.record_served(action, d.predictor.predict(action, chosen))
            return served

    def record(self, events: Sequence[AdEvent], now_ms: int) -> list[Recorded]:
        with self._lock:
            d, now_ms = self._ready(now_ms)
            inv = d.inventory
            outcomes: list[Recorded | None] = [None] * len(events)
            marks: dict[str, set[tuple[int, int]]] = {}  # made by this call
            taken: list[tuple[int, Ticket, int]] = []  # (event, ticket, group slot)
            for i, event in enumerate(events):
                ticket = verify(event.token, self.key)
                slot = -1 if ticket is None else int(inv.slot_of(np.array([ticket.group]))[0])
                if ticket is None or slot < 0:
                    outcomes[i] = Recorded(Outcome.UNKNOWN)
                    continue
                if now_ms - ticket.served_ms > self.rules.token_ttl_s * 1000:
                    outcomes[i] = Recorded(Outcome.EXPIRED)
                    continue
                had = self._seen.get(ticket.serial, (0, set()))[1] | marks.get(ticket.serial, set())
                mark = (int(event.kind), event.quartile)
                if mark in had:
                    outcomes[i] = Recorded(Outcome.DUPLICATE)
                elif mark != SEEN and SEEN not in had:
                    outcomes[i] = Recorded(Outcome.NO_IMPRESSION)
                else:
                    marks.setdefault(ticket.serial, set()).add(mark)
                    taken.append((i, ticket, slot))
            for (i, _, _), charged, billable in self._charge(d, events, taken, now_ms):
                outcomes[i] = Recorded(
                    (Outcome.CHARGED if charged else Outcome.FREE) if billable
                    else Outcome.COUNTED, charged)  # fmt: skip
            for serial, made in marks.items():
                served_ms = next(t.served_ms for _, t, _ in taken if t.serial == serial)
                self._seen.setdefault(serial, (served_ms, set()))[1].update(made)
            self._forget(now_ms)
            return [o for o in outcomes if o is not None]

    def delivery(self, advertiser: str, now_ms: int) -> list[Delivery]:
        """The advertiser's ad groups' spend today and pacing, from the live counters."""
        with self._lock:
            d, now_ms = self._ready(now_ms)
            inv, acc = d.inventory, d.accruals
            if advertiser not in self._names:
                return []
            rows = np.flatnonzero(inv.advertiser == self._names.index(advertiser))
            live = d.live(now_ms)
            return [Delivery(int(inv.group[g]), int(inv.campaigns[inv.campaign[g]]),
                             int(acc.group_today[g]),
                             None if inv.daily_cap[g] < 0 else int(inv.daily_cap[g]),
                             round(float(d.pacing.throttle_of(np.array([g]))[0]), 6),
                             bool(live[g])) for g in rows]  # fmt: skip

    def refresh(self, now_ms: int) -> None:
        """Rebuild the inventory from the Manager now, not at the next `refresh_s`."""
        with self._lock:
            self._loaded_ms = -(self.rules.refresh_s * 1000) - 1
            self._ready(now_ms)

    def close(self, now_ms: int) -> None:
        """Post everything accrued, the current hour's part too (under this process's
        tag, so a successor's postings for the same hour do not collide)."""
        with self._lock:
            if self._decider is not None:
                self._post(max(now_ms, self._clock), whole_hour=True)

    # -- pieces ----------------------------------------------------------------------

    def _ready(self, now_ms: int) -> tuple[Decider, int]:
        """Bring the counters to `now_ms` (which never runs backwards for them): reload
        when due, roll the day, post ended hours, step the pacing controller."""
        now_ms = self._clock = max(now_ms, self._clock)
        first = self._decider is None
        if first or now_ms - self._loaded_ms >= self.rules.refresh_s * 1000:
            self._load(now_ms)
        d = self._decider
        assert d is not None
        if first:
            self._day, self._hour = now_ms // DAY_MS, now_ms // HOUR_MS
            self._restore(d, now_ms)
        if now_ms // DAY_MS != self._day:
            self._post(now_ms)
            d.accruals.new_day()
            d.pacing.reset_day()
            self._day, self._minute = now_ms // DAY_MS, None
        elif now_ms // HOUR_MS != self._hour:
            self._post(now_ms)
        minute = (now_ms % DAY_MS) / 60_000
        if self._minute is None or minute - self._minute >= 1:
            d.pacing.update(minute, d.accruals.group_today)
            self._minute = minute
        return d, now_ms

    def _load(self, now_ms: int) -> None:
        with self.store.read() as tx:
            campaigns, groups, ads, auths = tx.catalog()
        valid = {a.code for a in auths if a.valid(now_ms)}
        self._every_ad = [(a.id, a.ad_group) for a in ads]
        ads = [a for a in ads if a.authorization is None or a.authorization in valid]
        for c in campaigns:
            if c.advertiser not in self._names:
                self._names.append(c.advertiser)
        inv = build(campaigns, groups, ads, self._names, self.rules)
        accounts = [f"advertiser:{n}:prepaid" for n in self._names]
        held = self.ledger.balances(accounts)
        posted = np.array([held[a].posted if a in held else 0 for a in accounts], np.int64)
        self._ads = {a.id: a for a in ads}
        d = self._decider
        if d is None:
            predictor = RatePredictor()
            predictor.grow(len(inv), inv.advertiser)
            pacing = PacingController(inv.daily_cap, inv.pacing, SpendPlan.from_hourly())
            accruals = Accruals(len(inv), len(inv.campaigns), len(self._names), posted,
                                tag=f":{self.tag}" if self.tag else "")  # fmt: skip
            r = self.rules
            self._decider = Decider(inv, predictor, pacing, FrequencyCounter(), accruals,
                                    r.auction, r.reserve_cpm_micros, r.shortlist)  # fmt: skip
        else:
            known = d.predictor.groups
            d.predictor.grow(len(inv) - known, inv.advertiser[known:])
            d.pacing.resize(inv.daily_cap, inv.pacing)
            d.accruals.resize(len(inv), len(inv.campaigns), posted)
            d.use(inv)
        self._loaded_ms = now_ms

    def _restore(self, d: Decider, now_ms: int) -> None:
        """Today's spend per group so far, from the lake (what an earlier process charged,
        under any of the group's ads)."""
        inv = d.inventory
        if self.lake_dir is None or not self._every_ad:
            return
        ad, group = np.array(self._every_ad, np.int64).T
        campaign = inv.campaign[inv.slot_of(group)]
        place = pa.table({"ad": ad, "ad_group": group, "campaign": inv.campaigns[campaign],
                          "advertiser": [inv.advertisers[inv.advertiser[g]]
                                         for g in inv.slot_of(group)]})  # fmt: skip
        spent = totals(self.lake_dir, place.select(list(ADS_COLUMNS)), by="ad_group",
                       start_ms=now_ms - now_ms % DAY_MS, end_ms=now_ms + 1)  # fmt: skip
        slots = inv.slot_of(np.asarray(spent.column("ad_group"), np.int64))
        amount = np.asarray(spent.column("spend_micros").fill_null(0), np.int64)
        np.add.at(d.accruals.group_today, slots, amount)
        np.add.at(d.accruals.campaign_today, inv.campaign[slots], amount)

    def _ticket(self, inv: Inventory, position: int, user: int, g: int, price: int,
                now_ms: int) -> Served:  # fmt: skip
        self._serial += 1
        serial = f"{self.tag}{self._serial:x}" if self.tag else f"{self._serial:x}"
        ad = self._ads[int(inv.ad[g])]
        token = sign(Ticket(serial, user, int(inv.group[g]), ad.id, price, now_ms), self.key)
        return Served(position, ad.id, int(inv.group[g]), int(inv.campaigns[inv.campaign[g]]),
                      inv.advertisers[int(inv.advertiser[g])], ad.video,
                      BILLINGS[int(inv.billing[g])], price, ad.landing_url, ad.call_to_action,
                      token)  # fmt: skip

    def _charge(
        self, d: Decider, events: Sequence[AdEvent], taken: list[tuple[int, Ticket, int]],
        now_ms: int,
    ) -> list[tuple[tuple[int, Ticket, int], int, bool]]:  # fmt: skip
        """Charge the billable events, send all to the sink, then learn from them."""
        if not taken:
            return []
        inv = d.inventory
        kind = np.array([events[i].kind for i, _, _ in taken], np.int8)
        slot = np.array([s for _, _, s in taken], np.int64)
        price = np.array([t.price_micros for _, t, _ in taken], np.int64)
        billable = kind == np.array(BILLED, np.int8)[inv.billing[slot]]
        before = copy.deepcopy(d.accruals)
        charged = np.zeros(len(taken), np.int64)
        rows = np.flatnonzero(billable)
        charged[rows] = d.accruals.charge(inv, slot[rows], price[rows],
                                          np.full(len(rows), now_ms, np.int64))  # fmt: skip
        amount = np.where(billable, charged, [events[i].quartile or events[i].value_micros
                                              for i, _, _ in taken])  # fmt: skip
        batch = EventBatch.of(ts_ms=np.full(len(taken), now_ms), kind=kind,
                              user=[t.user for _, t, _ in taken],
                              object=[t.ad for _, t, _ in taken], amount=amount,
                              paid=np.ones(len(taken), np.bool_))  # fmt: skip
        try:
            self.sink(batch, now_ms)
        except BaseException:
            d.accruals = before  # nothing was stored, so nothing is charged
            raise
        shown = kind == Kind.AD_IMPRESSION
        users = np.array([t.user for _, t, _ in taken], np.int64)
        d.frequency.add(users[shown], slot[shown], now_ms)
        teach = np.isin(kind, list(TEACHES))
        d.predictor.observe(slot[teach], np.array([TEACHES[Kind(k)] for k in kind[teach]],
                                                  np.int8))  # fmt: skip
        return [(t, int(c), bool(b)) for t, c, b in zip(taken, charged, billable, strict=True)]

    def _post(self, now_ms: int, *, whole_hour: bool = False) -> None:
        d = self._decider
        assert d is not None
        until = (now_ms // HOUR_MS + 1) * HOUR_MS if whole_hour else now_ms
        transfers = d.accruals.postings(d.inventory, until)
        # An hour posted before it ends (at close) is dated now, not in the future.
        at = datetime.fromtimestamp(now_ms / 1000, UTC)
        transfers = [replace(t, timestamp=min(t.timestamp, at)) if t.timestamp else t
                     for t in transfers]  # fmt: skip
        self._hour = now_ms // HOUR_MS
        if not transfers:
            return
        results = self.ledger.post(transfers, at)
        refused = [t.id for t, r in zip(transfers, results, strict=True)
                   if r not in (TransferResult.OK, TransferResult.EXISTS)]  # fmt: skip
        if refused:
            raise RuntimeError(f"the books refused ad spend postings {refused}: {set(results)}")
        self.posted_micros += sum(t.amount or 0 for t in transfers)

    def _forget(self, now_ms: int) -> None:
        """Drop the events seen of tokens past their lifetime (kept in first-seen order,
        which follows serving order closely enough for a sweep from the front)."""
        horizon = now_ms - self.rules.token_ttl_s * 1000
        while self._seen:
            serial, (served_ms, _) = next(iter(self._seen.items()))
            if served_ms >= horizon:
                break
            del self._seen[serial]
