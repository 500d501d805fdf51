"""Billing: charging billable events at the auction price, within every budget, and
turning what was charged into ledger transfers.

Charges accrue in real-time counters: per ad group today, per campaign today, and per
advertiser not yet posted. An event is charged only while its group, its campaign and
its advertiser's prepaid balance all still have room (`pacing.cap_wins` for budgets, so
no budget is exceeded by more than the price of one billable event; strictly for the
balance, which is never overdrawn): an event past a limit is delivered free. `postings` turns
what each advertiser accrued in each hour into one transfer, advertiser prepaid ->
platform ad revenue, with an id made of the advertiser and the hour, so posting twice
is `exists` and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
from numpy.typing import NDArray

from reelmint.ads.inventory import Inventory
from reelmint.ads.pacing import cap_wins
from reelmint.ledger import Transfer
from reelmint.money import Asset

I64 = NDArray[np.int64]
HOUR_MS = 3_600_000
REVENUE = "platform:revenue:ads"


@dataclass
class Accruals:
    groups: int
    campaigns: int
    advertisers: int
    available: I64  # per advertiser: prepaid balance not yet spent or accrued
    tag: str = ""  # appended to posting ids: one per ad server process (see `serving`)
    group_today: I64 = field(init=False)
    campaign_today: I64 = field(init=False)
    group_total: I64 = field(init=False)
    _pending: dict[tuple[int, int], int] = field(default_factory=dict)  # (adv, hour) -> micros

    def __post_init__(self) -> None:
        self.group_today = np.zeros(self.groups, np.int64)
        self.campaign_today = np.zeros(self.campaigns, np.int64)
        self.group_total = np.zeros(self.groups, np.int64)

    def charge(self, inv: Inventory, group: I64, price: I64, ts_ms: I64) -> I64:
        """Charge events (in order) at their prices; returns what each was charged (0 for
        one past a limit)."""
        keep = (price > 0) & cap_wins(group, price, _room(self.group_today, inv.daily_cap))
        campaign = inv.campaign[group]
        keep &= _capped(campaign, price, keep, _room(self.campaign_today, inv.campaign_cap))
        advertiser = inv.advertiser[group]
        keep &= _affordable(advertiser, price, keep, self.available)
        charged = np.where(keep, price, 0)
        np.add.at(self.group_today, group, charged)
        np.add.at(self.group_total, group, charged)
        np.add.at(self.campaign_today, campaign, charged)
        np.subtract.at(self.available, advertiser, charged)
        hours = ts_ms // HOUR_MS
        for (a, h), amount in _sums(advertiser[keep], hours[keep], charged[keep]).items():
            self._pending[(a, h)] = self._pending.get((a, h), 0) + amount
        return charged

    def resize(self, groups: int, campaigns: int, advertisers: I64) -> None:
        """Follow an inventory that gained groups or campaigns (appended), with each
        advertiser's balance now: `advertisers` is the prepaid balance posted, per
        advertiser slot, of which what is accrued and not yet posted is not available."""
        self.group_today = _grown(self.group_today, groups)
        self.group_total = _grown(self.group_total, groups)
        self.campaign_today = _grown(self.campaign_today, campaigns)
        self.groups, self.campaigns, self.advertisers = groups, campaigns, len(advertisers)
        owed = np.zeros(len(advertisers), np.int64)
        for (adv, _), amount in self._pending.items():
            owed[adv] += amount
        self.available = np.asarray(advertisers, np.int64) - owed

    def owed(self) -> int:
        """Accrued and not yet posted, all advertisers together."""
        return sum(self._pending.values())

    def new_day(self) -> None:
        self.group_today[:] = 0
        self.campaign_today[:] = 0

    def postings(self, inv: Inventory, before_ms: int) -> list[Transfer]:
        """Transfers for every hour that ended by `before_ms`; they leave the pending set."""
        done = sorted(k for k in self._pending if (k[1] + 1) * HOUR_MS <= before_ms)
        transfers = []
        for adv, hour in done:
            name = inv.advertisers[adv]
            end = datetime.fromtimestamp((hour + 1) * HOUR_MS / 1000, UTC)
            transfers.append(Transfer(
                f"ads.spend:{name}:{hour}{self.tag}", f"advertiser:{name}:prepaid", REVENUE,
                self._pending.pop((adv, hour)), Asset.USD, "ads.spend",
                ref=f"{end:%Y-%m-%dT%H}", timestamp=end,
            ))  # fmt: skip
        return transfers


def _grown(counts: I64, size: int) -> I64:
    if size < len(counts):
        raise ValueError("an inventory only gains groups and campaigns")
    return np.concatenate([counts, np.zeros(size - len(counts), np.int64)])


def _room(spent: I64, cap: I64) -> I64:
    return np.where(cap < 0, -1, np.maximum(cap - spent, 0))


def _capped(key: I64, price: I64, keep: NDArray[np.bool_], room: I64) -> NDArray[np.bool_]:
    """cap_wins over the rows still kept, by another key (campaign, advertiser)."""
    out = np.zeros(len(key), np.bool_)
    rows = np.flatnonzero(keep)
    out[rows] = cap_wins(key[rows], price[rows], room)
    return out


def _affordable(key: I64, price: I64, keep: NDArray[np.bool_], available: I64
                ) -> NDArray[np.bool_]:  # fmt: skip
    """Strictly within a balance: per key, kept rows while the running total *including*
    the row fits in what is available. Unlike a budget, a prepaid balance may not be
    overshot even by one event, so a balance is never overdrawn. (A row after the first
    that does not fit is dropped too, even if a smaller one would: conservative.)"""
    out = np.zeros(len(key), np.bool_)
    rows = np.flatnonzero(keep)
    if not len(rows):
        return out
    k, p = key[rows], price[rows]
    order = np.argsort(k, kind="stable")
    ks, ps = k[order], p[order]
    total = np.cumsum(ps)
    starts = np.r_[0, np.flatnonzero(ks[1:] != ks[:-1]) + 1]
    before = np.repeat(total[starts] - ps[starts], np.diff(np.r_[starts, len(ks)]))
    fits = total - before <= available[ks]
    out[rows[order]] = fits
    return out


def _sums(a: I64, h: I64, amount: I64) -> dict[tuple[int, int], int]:
    if not len(a):
        return {}
    pairs, inverse = np.unique(np.stack([a, h]), axis=1, return_inverse=True)
    totals = np.bincount(inverse.reshape(-1), weights=amount).astype(np.int64)
    return {(int(x), int(y)): int(t) for x, y, t in zip(pairs[0], pairs[1], totals, strict=True)}
