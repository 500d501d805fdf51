"""The ad groups that can serve, as columns: what the decision path reads per request.

Built from the Ads Manager's objects (campaigns, ad groups and their ads) whenever they
change; a request then costs array operations over slots 0..G-1, never a walk over
objects. Each group serves one creative, its first active ad (rotating creatives within
a group is later work).

**Bids per billable event.** A bid cap bids its cap; a cost cap bids its cap too (GSP
charges at most the bid, so the average cost per result stays at or under the cap);
maximum delivery bids `ads.auto_bid_micros` for its billing, and pacing, not the bid,
keeps its spend on plan.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from reelmint.ads.eligibility import Eligibility
from reelmint.ads.model import (
    Ad,
    AdGroup,
    BidStrategy,
    Billing,
    Budget,
    BudgetMode,
    Campaign,
    Status,
)
from reelmint.settings import AdsSettings

I64 = NDArray[np.int64]
NEVER = np.iinfo(np.int64).max
BILLING_CODES = {Billing.CPM: 0, Billing.CPC: 1, Billing.CPV: 2, Billing.OCPM: 3}
ALL_HOURS = (1 << 24) - 1


@dataclass(frozen=True)
class Inventory:
    group: I64  # ad group id per slot
    campaign: I64  # campaign slot (index into `campaigns`)
    campaigns: I64  # campaign ids
    campaign_cap: I64  # per campaign slot: micros per day, -1: none
    advertiser: I64  # advertiser slot (index into `advertisers`)
    advertisers: tuple[str, ...]
    billing: NDArray[np.int8]  # BILLING_CODES
    bid_micros: I64  # per billable event; for CPM per 1,000 impressions
    daily_cap: I64  # the group's own micros per day, -1: none
    pacing: NDArray[np.int8]
    cap_impressions: I64  # frequency cap, 0: none
    cap_days: I64
    start_ms: I64
    end_ms: I64
    hours: I64  # dayparting bit mask over UTC hours
    serving: NDArray[np.bool_]  # active, in an active campaign, with an active ad
    ad: I64  # the creative: ad id (-1: none)
    video: I64
    eligibility: Eligibility  # targeting, by group slot

    def __len__(self) -> int:
        return len(self.group)

    def running(self, now_ms: int) -> NDArray[np.bool_]:
        hour = (now_ms // 3_600_000) % 24
        on: NDArray[np.bool_] = (self.serving & (self.start_ms <= now_ms) & (now_ms < self.end_ms)
                                 & ((self.hours >> hour) & 1).astype(bool))  # fmt: skip
        return on

    def slot_of(self, group_ids: I64) -> I64:
        order = np.argsort(self.group)
        at = np.searchsorted(self.group, group_ids, sorter=order)
        slots: I64 = order[np.minimum(at, len(order) - 1)]
        return np.where(self.group[slots] == group_ids, slots, -1)


def build(campaigns: Iterable[Campaign], groups: Iterable[AdGroup], ads: Iterable[Ad],
          advertisers: Iterable[str], rules: AdsSettings) -> Inventory:  # fmt: skip
    by_campaign = {c.id: c for c in sorted(campaigns, key=lambda c: c.id)}
    campaign_slot = {cid: i for i, cid in enumerate(by_campaign)}
    names = tuple(advertisers)
    slot_of = {name: i for i, name in enumerate(names)}
    creative: dict[int, Ad] = {}
    for ad in sorted(ads, key=lambda a: a.id):
        if ad.status is Status.ACTIVE:
            creative.setdefault(ad.ad_group, ad)
    rows = sorted(groups, key=lambda g: g.id)
    campaign_of = [by_campaign[g.campaign] for g in rows]

    def column(values: Iterable[int], dtype: type = np.int64) -> Any:
        return np.fromiter(values, dtype=dtype, count=len(rows))

    return Inventory(
        group=column(g.id for g in rows),
        campaign=column(campaign_slot[g.campaign] for g in rows),
        campaigns=np.array(list(by_campaign), np.int64),
        campaign_cap=np.array([_cap(c.budget, None) for c in by_campaign.values()], np.int64),
        advertiser=column(slot_of[c.advertiser] for c in campaign_of),
        advertisers=names,
        billing=column((BILLING_CODES[g.billing] for g in rows), np.int8),
        bid_micros=column(bid_for(g, rules.auto_bid_micros) for g in rows),
        daily_cap=column(_cap(g.budget, g.schedule.days) for g in rows),
        pacing=column((int(g.pacing) for g in rows), np.int8),
        cap_impressions=column(g.frequency_cap.impressions if g.frequency_cap else 0 for g in rows),
        cap_days=column(g.frequency_cap.days if g.frequency_cap else 0 for g in rows),
        start_ms=column(g.schedule.start_ms for g in rows),
        end_ms=column(g.schedule.end_ms or NEVER for g in rows),
        hours=column(_mask(g.schedule.hours) for g in rows),
        serving=column(
            (
                g.status is Status.ACTIVE and c.status is Status.ACTIVE and g.id in creative
                for g, c in zip(rows, campaign_of, strict=True)
            ),
            np.bool_,
        ),
        ad=column(creative[g.id].id if g.id in creative else -1 for g in rows),
        video=column(creative[g.id].video if g.id in creative else -1 for g in rows),
        eligibility=Eligibility([g.targeting for g in rows]),
    )


def bid_for(group: AdGroup, auto: Mapping[str, int]) -> int:
    if group.bid_strategy is BidStrategy.MAX_DELIVERY or group.bid_micros is None:
        return int(auto[group.billing.value])
    return group.bid_micros


def _cap(budget: Budget, days: int | None) -> int:
    """What a budget allows per day, -1 for none."""
    cap = budget.daily_cap(days) if budget.mode is not BudgetMode.UNLIMITED else None
    return -1 if cap is None else cap


def _mask(hours: frozenset[int]) -> int:
    return sum(1 << h for h in hours) if hours else ALL_HOURS
