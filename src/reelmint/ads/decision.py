"""The decision for ad slots: who may show, what each is worth, who wins, at what price.

One path serves a batch of slots (the simulator's, many users at once) and a single
slot (a request), which is a batch of one. Per batch:

1. **Live groups**: serving, within schedule and dayparting, with daily budget left
   (group and campaign) and an advertiser balance left.
2. **Worth**: P(billable action) per group from the predictor (1 for CPM), and
   eCPM = bid x P x 1000 (a CPM bid is already per 1,000). The ranking by eCPM is
   cached until the predictor changes.
3. **Candidates**: each distinct categorical profile among the slots (age band, gender,
   country, language, device) asks the conjunction index once which groups it may see
   (`Eligibility.categorical`, cached); its candidates are those groups among the live
   ones, in falling eCPM. Each slot walks its profile's candidates in chunks (the first
   of `shortlist`, each next one four times wider), and every (slot, candidate) pair of
   a chunk is checked for the rest of the targeting (interests, behaviour, audiences:
   bit sets), frequency caps and pacing (participation drawn at the group's throttle).
   A slot stops once it has two takers or no candidates left: the two best takers are
   all an auction over one slot needs, and since candidates come in falling eCPM, the
   first two takers are the best two. A slot no group targets costs one cached look-up.
4. **Auction**: the configured rule's batch form (`auction.BATCH_RULES`) with the reserve,
   then the price per billable event in integer micros.

Frequency caps and pacing apply before the auction, as the issue asks: a capped or
throttled group is not a bidder, so it sets no one's price either.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from reelmint.ads.auction import BATCH_RULES
from reelmint.ads.billing import Accruals
from reelmint.ads.frequency import FrequencyCounter
from reelmint.ads.inventory import Inventory
from reelmint.ads.pacing import PacingController
from reelmint.ads.predict import Action, RatePredictor
from reelmint.ads.targeting import UserColumns

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]
GROWTH = 4  # each chunk of candidates is this many times wider than the one before
EVENT_OF_BILLING = (Action.IMPRESSION, Action.CLICK, Action.VIEW_6S, Action.CONVERSION)


@dataclass(frozen=True, slots=True)
class Decisions:
    """Per slot: the winning group slot (-1: no ad), its ad id, the price per billable
    event in micros, and the P(event) it was judged on (for calibration)."""

    group: I64
    ad: I64
    price_micros: I64
    p_event: F64

    @property
    def filled(self) -> NDArray[np.bool_]:
        return self.group >= 0


@dataclass
class Decider:
    inventory: Inventory
    predictor: RatePredictor
    pacing: PacingController
    frequency: FrequencyCounter
    accruals: Accruals
    rule: str = "gsp"
    reserve_cpm_micros: float = 0.0
    shortlist: int = 16
    _ranked: tuple[int, F64, F64, I64] | None = field(default=None, init=False, repr=False)

    def use(self, inventory: Inventory) -> None:
        """Decide over a rebuilt inventory (the same slots, perhaps more): the cached
        ranking is of the old bids, so it goes."""
        self.inventory, self._ranked = inventory, None

    def worth(self) -> tuple[F64, F64]:
        """(P(billable event) per impression, eCPM in micros) per group slot."""
        inv = self.inventory
        slots = np.arange(len(inv))
        p = np.ones(len(inv))
        for code, action in enumerate(EVENT_OF_BILLING):
            rows = inv.billing == code
            if code and rows.any():
                p[rows] = self.predictor.predict(action, slots[rows])
        ecpm = np.where(inv.billing == 0, inv.bid_micros.astype(np.float64),
                        inv.bid_micros * p * 1000.0)  # fmt: skip
        # oCPM bills impressions: its price per event is per impression, so P(event) = 1.
        return np.where(inv.billing == 3, 1.0, p), ecpm

    def live(self, now_ms: int) -> NDArray[np.bool_]:
        inv, acc = self.inventory, self.accruals
        group_room = (inv.daily_cap < 0) | (acc.group_today < inv.daily_cap)
        cap = inv.campaign_cap[inv.campaign]
        campaign_room = (cap < 0) | (acc.campaign_today[inv.campaign] < cap)
        # Funded: the balance can pay the most one billable event may cost (its bid), so
        # an advertiser that cannot pay stops winning rather than being served free.
        _, ecpm, _ = self._ranking()
        funded = acc.available[inv.advertiser] >= self._bid_per_event(np.arange(len(inv)), ecpm)
        on: NDArray[np.bool_] = inv.running(now_ms) & group_room & campaign_room & funded
        return on

    def decide(self, users: I64, columns: UserColumns, now_ms: int, rng: np.random.Generator,
               blocked: NDArray[np.bool_] | None = None) -> Decisions:  # fmt: skip
        """Decide every slot (one per user row). `blocked` (per group slot) keeps groups
        out of this call, e.g. those already shown higher on the same page."""
        inv = self.inventory
        n = len(users)
        p_event, ecpm, order = self._ranking()
        live = self.live(now_ms) & (ecpm >= self.reserve_cpm_micros)
        if blocked is not None:
            live &= ~blocked
        ranked = order[live[order]]  # live groups, best first
        profiles, which = inv.eligibility.profiles(columns)
        allowed = inv.eligibility.categorical(profiles)[:, ranked]
        owner, position = np.nonzero(allowed)  # per profile, its candidates in rank order
        candidates = ranked[position]
        bounds = np.searchsorted(owner, np.arange(len(profiles) + 1))
        first, last = bounds[which], bounds[which + 1]
        packed = inv.eligibility.packed(columns)
        best = np.full((n, 2), -np.inf)
        who = np.full((n, 2), -1, np.int64)
        rows = np.flatnonzero(first < last)
        done, width = 0, self.shortlist
        while len(rows):
            at = first[rows, None] + done + np.arange(width)
            chunk = np.where(at < last[rows, None],
                             candidates[np.minimum(at, len(candidates) - 1)], -1)  # fmt: skip
            ok = inv.eligibility.residual(packed, rows, chunk)
            ok &= self._allowed(users[rows][:, None], chunk, now_ms, rng)
            _take(best, who, rows, ok, chunk, ecpm)
            done += width
            width *= GROWTH
            rows = rows[(who[rows, 1] < 0) & (first[rows] + done < last[rows])]
        column, clearing = BATCH_RULES[self.rule](best, self.reserve_cpm_micros)
        group = np.where(column >= 0, who[np.arange(n), np.maximum(column, 0)], -1)
        price = np.zeros(n, np.int64)
        won = np.flatnonzero(group >= 0)
        if len(won):
            g = group[won]
            per_event = clearing[won] / (1000.0 * p_event[g])
            whole = np.floor(per_event)
            charged = (whole + (per_event - whole >= 0.5)).astype(np.int64)
            price[won] = np.minimum(np.maximum(charged, 1), self._bid_per_event(g, ecpm))
        return Decisions(group, np.where(group >= 0, inv.ad[np.maximum(group, 0)], -1), price,
                         np.where(group >= 0, p_event[np.maximum(group, 0)], np.nan))  # fmt: skip

    def _ranking(self) -> tuple[F64, F64, I64]:
        """(P(event), eCPM, group slots in falling eCPM with ties to the lower slot), kept
        until the predictor changes: a request should not pay for a sort of every group."""
        version = self.predictor.version
        if self._ranked is None or self._ranked[0] != version:
            p_event, ecpm = self.worth()
            order = np.lexsort((np.arange(len(ecpm)), -ecpm))
            self._ranked = (version, p_event, ecpm, order)
        return self._ranked[1], self._ranked[2], self._ranked[3]

    def _allowed(self, users: I64, groups: I64, now_ms: int,
                 rng: np.random.Generator) -> NDArray[np.bool_]:  # fmt: skip
        """Frequency caps and pacing for (user, group) pairs (broadcast): may it bid?
        A negative group (no candidate) is never allowed."""
        inv = self.inventory
        users, groups = np.broadcast_arrays(users, groups)
        safe = np.maximum(groups, 0)
        ok = (groups >= 0) & (rng.random(users.shape) < self.pacing.throttle_of(safe))
        capped = ok & (inv.cap_impressions[safe] > 0)
        if capped.any():
            g = groups[capped]
            seen = self.frequency.seen(users[capped], g, inv.cap_days[g], now_ms)
            ok[capped] = seen < inv.cap_impressions[g]
        return ok

    def _bid_per_event(self, g: I64, ecpm: F64) -> I64:
        """The most a billable event may cost: the bid, per impression for CPM (per 1,000
        in the bid) and for oCPM (its eCPM over 1,000: a bid per conversion billed per
        impression)."""
        inv = self.inventory
        per_impression = np.where(inv.billing[g] == 0, -(-inv.bid_micros[g] // 1000),
                                  np.ceil(ecpm[g] / 1000).astype(np.int64))  # fmt: skip
        cap: I64 = np.where(np.isin(inv.billing[g], (0, 3)), per_impression, inv.bid_micros[g])
        return cap


def _take(best: F64, who: I64, rows: I64, ok: NDArray[np.bool_], chunk: I64, ecpm: F64) -> None:
    """Give each row its first takers of this chunk, up to two in all. Chunks and the
    candidates in them come in falling eCPM, so the first takers are the best, and an
    earlier taker beats a later one of equal worth."""
    ok = ok.copy()
    for _ in range(2):
        has = ok.any(axis=1) & (who[rows, 1] < 0)
        if not has.any():
            return
        pick = ok.argmax(axis=1)[has]
        mine = rows[has]
        group = chunk[has, pick]
        place = (who[mine, 0] >= 0).astype(np.int64)
        who[mine, place], best[mine, place] = group, ecpm[group]
        ok[np.flatnonzero(has), pick] = False
