"""The decision for ad slots: who may show, what each is worth, who wins, at what price.

One path serves a batch of slots (the simulator's, many users at once) and a single
slot (a request), which is a batch of one. Per batch:

1. **Eligible groups**: serving, within schedule and dayparting, with daily budget
   left (group and campaign) and an advertiser balance left.
2. **Worth**: P(billable action) per group from the predictor (1 for CPM), and
   eCPM = bid x P x 1000 (a CPM bid is already per 1,000).
3. **Shortlist**: groups in falling eCPM. For each slot, the best `shortlist` are
   checked for targeting (`TargetingIndex.eligible`), frequency caps and pacing
   (participation drawn at the group's throttle); slots that have not yet found two
   takers go on to the next `shortlist`. After `PROBE_CHUNKS` shortlists, a slot still
   short asks the conjunction index which groups target it at all (`match`), so a slot
   nobody targets costs one look-up, not a walk over every group. The two best takers
   per slot are all an auction over one slot needs.
4. **Auction**: the configured rule's batch form (`auction.RULES_BATCH`) with the reserve,
   then the price per billable event in integer micros (`auction.price_micros`).

Frequency caps and pacing apply before the auction, as the issue asks: a capped or
throttled group is not a bidder, so it sets no one's price either.
"""

from __future__ import annotations

from dataclasses import dataclass

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
PROBE_CHUNKS = 2  # shortlists checked cell by cell before asking the index per slot
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
    shortlist: int = 64

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
        funded = acc.available[inv.advertiser] > 0
        on: NDArray[np.bool_] = inv.running(now_ms) & group_room & campaign_room & funded
        return on

    def decide(self, users: I64, columns: UserColumns, now_ms: int,
               rng: np.random.Generator) -> Decisions:  # fmt: skip
        inv = self.inventory
        n = len(users)
        p_event, ecpm = self.worth()
        live = np.flatnonzero(self.live(now_ms) & (ecpm >= self.reserve_cpm_micros))
        ranked = live[np.lexsort((live, -ecpm[live]))]  # best first, ties to the lower slot
        best = np.full((n, 2), -np.inf)
        who = np.full((n, 2), -1, np.int64)
        open_rows = np.arange(n)
        probed = min(len(ranked), PROBE_CHUNKS * self.shortlist)
        for start in range(0, probed, self.shortlist):
            if not len(open_rows):
                break
            chunk = ranked[start : start + self.shortlist]
            ok = inv.index.eligible(columns.take(open_rows), inv.group[chunk])
            ok &= self._allowed(users[open_rows][:, None], chunk[None, :], now_ms, rng)
            _merge(best, who, open_rows, np.where(ok, ecpm[chunk][None, :], -np.inf), chunk)
            open_rows = open_rows[who[open_rows, 1] < 0]
        if len(open_rows) and probed < len(ranked):
            self._exhaust(users, columns, open_rows, ranked, probed, ecpm, best, who, now_ms, rng)
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

    def _allowed(self, users: I64, groups: I64, now_ms: int,
                 rng: np.random.Generator) -> NDArray[np.bool_]:  # fmt: skip
        """Frequency caps and pacing for (user, group) pairs (broadcast): may it bid?"""
        inv = self.inventory
        users, groups = np.broadcast_arrays(users, groups)
        ok = rng.random(users.shape) < self.pacing.throttle[groups]
        capped = inv.cap_impressions[groups] > 0
        if capped.any():
            seen = self.frequency.seen(users[capped], groups[capped], inv.cap_days[groups[capped]],
                                       now_ms)  # fmt: skip
            ok[capped] &= seen < inv.cap_impressions[groups[capped]]
        return ok

    def _exhaust(
        self, users: I64, columns: UserColumns, rows: I64, ranked: I64, probed: int,
        ecpm: F64, best: F64, who: I64, now_ms: int, rng: np.random.Generator,
    ) -> None:  # fmt: skip
        """Slots still short of two takers after the probed shortlists: ask the targeting
        index which groups match each (once per distinct profile), keep the unprobed live
        ones and fold them in. A slot nothing targets is settled at once, instead of
        walking every shortlist to the end."""
        inv = self.inventory
        rank = np.full(len(inv), -1, np.int64)
        rank[ranked[probed:]] = np.arange(probed, len(ranked))
        subset = columns.take(rows)
        found: dict[tuple[tuple[str, frozenset[int]], ...], I64] = {}
        pair_row: list[I64] = []
        pair_group: list[I64] = []
        for i, row in enumerate(rows.tolist()):
            profile = subset.profile(i)
            key = tuple(sorted(profile.items()))
            if key not in found:
                slots = inv.slot_of(inv.index.match(profile))
                slots = slots[(slots >= 0) & (rank[np.maximum(slots, 0)] >= 0)]
                found[key] = slots[np.argsort(rank[slots], kind="stable")]
            if len(found[key]):
                pair_row.append(np.full(len(found[key]), row))
                pair_group.append(found[key])
        if not pair_row:
            return
        row_of, group_of = np.concatenate(pair_row), np.concatenate(pair_group)
        ok = self._allowed(users[row_of], group_of, now_ms, rng)
        row_of, group_of = row_of[ok], group_of[ok]
        for row in np.unique(row_of).tolist():
            mine = group_of[row_of == row]  # in rank order: falling eCPM
            here = np.array([row])
            _merge(best, who, here, ecpm[mine][None, :], mine)

    def _bid_per_event(self, g: I64, ecpm: F64) -> I64:
        """The most a billable event may cost: the bid, per impression for CPM (per 1,000
        in the bid) and for oCPM (its eCPM over 1,000: a bid per conversion billed per
        impression)."""
        inv = self.inventory
        per_impression = np.where(inv.billing[g] == 0, -(-inv.bid_micros[g] // 1000),
                                  np.ceil(ecpm[g] / 1000).astype(np.int64))  # fmt: skip
        cap: I64 = np.where(np.isin(inv.billing[g], (0, 3)), per_impression, inv.bid_micros[g])
        return cap


def _merge(best: F64, who: I64, rows: I64, scores: F64, chunk: I64) -> None:
    """Fold a chunk's scores into each row's two best (score, group) so far. Chunks come
    in falling eCPM, so an earlier taker beats a later one of equal worth."""
    if not scores.shape[1]:
        return
    top = np.argsort(-scores, axis=1, kind="stable")[:, :2]
    for k in range(top.shape[1]):
        value = np.take_along_axis(scores, top[:, k : k + 1], axis=1)[:, 0]
        group = chunk[top[:, k]]
        for slot in (0, 1):
            better = value > best[rows, slot]
            if slot == 1:
                better &= group != who[rows, 0]
            take = rows[better]
            if slot == 0:
                best[take, 1], who[take, 1] = best[take, 0], who[take, 0]
            best[take, slot], who[take, slot] = value[better], group[better]
            value = np.where(better, -np.inf, value)
