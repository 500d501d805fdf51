"""The Ads Manager's objects on SQL (SQLite or PostgreSQL), through SQLAlchemy Core.

`AdsStore.begin()` opens one transaction and yields an `AdsTx` with every read and
write, so a use case reads, checks and writes in one unit of work; the store's own
methods are the same operations, each in a transaction of its own. Rows read with
`lock=True` are locked until commit (`SELECT ... FOR UPDATE` on PostgreSQL; SQLite's
write transactions already hold the database lock from their start).

Ids of campaigns, ad groups and ads are assigned on insert: the object passed to `add_*`
carries any id (0 by convention), and the stored object, with its id, comes back.
Targeting round-trips through JSON, one object per condition in the targeting's order:

    [{"dimension": "country", "exclude": false, "values": [1, 2]}]
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Engine

from reelmint.ads import schema as s
from reelmint.ads.model import (
    Ad,
    AdGroup,
    AdsError,
    Advertiser,
    Authorization,
    BidStrategy,
    Billing,
    Budget,
    BudgetMode,
    CallToAction,
    Campaign,
    FrequencyCap,
    Objective,
    Placement,
    Schedule,
    Status,
)
from reelmint.ads.pacing import Pacing
from reelmint.ads.targeting import Condition, Dimension, Targeting
from reelmint.db.engine import insert_new


class Missing(AdsError):
    """An update named an object the store does not hold."""


class AdsTx:
    """The store's operations inside one open transaction."""

    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    # Advertisers

    def add_advertiser(self, advertiser: Advertiser) -> bool:
        """Store `advertiser` unless its id is known; whether it was new."""
        row = {"id": advertiser.id, "name": advertiser.name, "industry": advertiser.industry}
        return self._insert_new(s.advertisers, row)

    def get_advertiser(self, advertiser_id: str) -> Advertiser | None:
        query = sa.select(s.advertisers).where(s.advertisers.c.id == advertiser_id)
        row = self.conn.execute(query).first()
        return None if row is None else Advertiser(row.id, row.name, row.industry)

    def list_advertisers(self) -> list[Advertiser]:
        rows = self.conn.execute(sa.select(s.advertisers).order_by(s.advertisers.c.id))
        return [Advertiser(r.id, r.name, r.industry) for r in rows]

    def update_advertiser(self, advertiser: Advertiser) -> None:
        values = {"name": advertiser.name, "industry": advertiser.industry}
        self._update(s.advertisers, advertiser.id, values, "advertiser")

    # Campaigns

    def add_campaign(self, campaign: Campaign) -> Campaign:
        return replace(campaign, id=self._insert(s.campaigns, _campaign_row(campaign)))

    def get_campaign(self, campaign_id: int, *, lock: bool = False) -> Campaign | None:
        row = self._get(s.campaigns, campaign_id, lock)
        return None if row is None else _campaign(row)

    def list_campaigns(self, advertiser: str) -> list[Campaign]:
        c = s.campaigns.c
        rows = self.conn.execute(sa.select(s.campaigns).where(c.advertiser == advertiser)
                                 .order_by(c.id))  # fmt: skip
        return [_campaign(r) for r in rows]

    def update_campaign(self, campaign: Campaign) -> None:
        self._update(s.campaigns, campaign.id, _campaign_row(campaign), "campaign")

    def catalog(self) -> tuple[list[Campaign], list[AdGroup], list[Ad], list[Authorization]]:
        """Every campaign, ad group, ad and authorization, each in id order: what the ad
        server builds its inventory from (four queries, however many advertisers)."""
        return ([_campaign(r) for r in self.conn.execute(
                    sa.select(s.campaigns).order_by(s.campaigns.c.id))],
                [_group(r) for r in self.conn.execute(
                    sa.select(s.ad_groups).order_by(s.ad_groups.c.id))],
                [_ad(r) for r in self.conn.execute(sa.select(s.ads).order_by(s.ads.c.id))],
                [_auth(r) for r in self.conn.execute(
                    sa.select(s.authorizations).order_by(s.authorizations.c.code))])  # fmt: skip

    # Ad groups

    def add_ad_group(self, group: AdGroup) -> AdGroup:
        return replace(group, id=self._insert(s.ad_groups, _group_row(group)))

    def get_ad_group(self, group_id: int, *, lock: bool = False) -> AdGroup | None:
        row = self._get(s.ad_groups, group_id, lock)
        return None if row is None else _group(row)

    def list_ad_groups(self, campaign: int) -> list[AdGroup]:
        g = s.ad_groups.c
        rows = self.conn.execute(sa.select(s.ad_groups).where(g.campaign == campaign)
                                 .order_by(g.id))  # fmt: skip
        return [_group(r) for r in rows]

    def update_ad_group(self, group: AdGroup) -> None:
        self._update(s.ad_groups, group.id, _group_row(group), "ad group")

    # Ads

    def add_ad(self, ad: Ad) -> Ad:
        return replace(ad, id=self._insert(s.ads, _ad_row(ad)))

    def get_ad(self, ad_id: int, *, lock: bool = False) -> Ad | None:
        row = self._get(s.ads, ad_id, lock)
        return None if row is None else _ad(row)

    def list_ads(self, ad_group: int) -> list[Ad]:
        a = s.ads.c
        rows = self.conn.execute(sa.select(s.ads).where(a.ad_group == ad_group).order_by(a.id))
        return [_ad(r) for r in rows]

    def list_ads_by_authorization(self, code: str) -> list[Ad]:
        a = s.ads.c
        rows = self.conn.execute(sa.select(s.ads).where(a.authorization == code).order_by(a.id))
        return [_ad(r) for r in rows]

    def update_ad(self, ad: Ad) -> None:
        self._update(s.ads, ad.id, _ad_row(ad), "ad")

    # Authorizations

    def add_authorization(self, auth: Authorization) -> bool:
        """Store `auth` unless its code is known; whether it was new."""
        return self._insert_new(s.authorizations, _auth_row(auth))

    def get_authorization(self, code: str, *, lock: bool = False) -> Authorization | None:
        query = sa.select(s.authorizations).where(s.authorizations.c.code == code)
        row = self.conn.execute(query.with_for_update() if lock else query).first()
        return None if row is None else _auth(row)

    def list_authorizations(self, creator: int) -> list[Authorization]:
        a = s.authorizations.c
        query = sa.select(s.authorizations).where(a.creator == creator).order_by(a.code)
        return [_auth(r) for r in self.conn.execute(query)]

    def update_authorization(self, auth: Authorization) -> None:
        t = s.authorizations
        done = self.conn.execute(sa.update(t).where(t.c.code == auth.code)
                                 .values(_auth_row(auth)))  # fmt: skip
        if not done.rowcount:
            raise Missing(f"authorization {auth.code!r} is unknown")

    # Plumbing

    def _insert(self, table: sa.Table, row: dict[str, Any]) -> int:
        new_id = self.conn.execute(table.insert().returning(table.c.id), row).scalar_one()
        return int(new_id)

    def _insert_new(self, table: sa.Table, row: dict[str, Any]) -> bool:
        """Insert unless the key is taken; whether a row was written (RETURNING is the
        portable answer: rowcount after ON CONFLICT DO NOTHING differs by driver)."""
        key = next(iter(table.primary_key.columns))
        query = insert_new(self.conn.engine, table).returning(key)
        return self.conn.execute(query, row).first() is not None

    def _get(self, table: sa.Table, key: int, lock: bool) -> sa.Row[Any] | None:
        query = sa.select(table).where(table.c.id == key)
        return self.conn.execute(query.with_for_update() if lock else query).first()

    def _update(self, table: sa.Table, key: object, row: dict[str, Any], what: str) -> None:
        values = {k: v for k, v in row.items() if k != "id"}
        done = self.conn.execute(sa.update(table).where(table.c.id == key).values(values))
        if not done.rowcount:
            raise Missing(f"{what} {key} is unknown")


class AdsStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @contextmanager
    def begin(self) -> Iterator[AdsTx]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        with self.engine.begin() as conn:
            yield AdsTx(conn)

    @contextmanager
    def read(self) -> Iterator[AdsTx]:
        """A read-only view (on SQLite, a deferred transaction that takes no write lock)."""
        with self.engine.connect() as conn:
            yield AdsTx(conn.execution_options(sqlite_begin="DEFERRED"))

    def add_advertiser(self, advertiser: Advertiser) -> bool:
        with self.begin() as tx:
            return tx.add_advertiser(advertiser)

    def get_advertiser(self, advertiser_id: str) -> Advertiser | None:
        with self.read() as tx:
            return tx.get_advertiser(advertiser_id)

    def list_advertisers(self) -> list[Advertiser]:
        with self.read() as tx:
            return tx.list_advertisers()

    def update_advertiser(self, advertiser: Advertiser) -> None:
        with self.begin() as tx:
            tx.update_advertiser(advertiser)

    def add_campaign(self, campaign: Campaign) -> Campaign:
        with self.begin() as tx:
            return tx.add_campaign(campaign)

    def get_campaign(self, campaign_id: int) -> Campaign | None:
        with self.read() as tx:
            return tx.get_campaign(campaign_id)

    def list_campaigns(self, advertiser: str) -> list[Campaign]:
        with self.read() as tx:
            return tx.list_campaigns(advertiser)

    def update_campaign(self, campaign: Campaign) -> None:
        with self.begin() as tx:
            tx.update_campaign(campaign)

    def add_ad_group(self, group: AdGroup) -> AdGroup:
        with self.begin() as tx:
            return tx.add_ad_group(group)

    def get_ad_group(self, group_id: int) -> AdGroup | None:
        with self.read() as tx:
            return tx.get_ad_group(group_id)

    def list_ad_groups(self, campaign: int) -> list[AdGroup]:
        with self.read() as tx:
            return tx.list_ad_groups(campaign)

    def update_ad_group(self, group: AdGroup) -> None:
        with self.begin() as tx:
            tx.update_ad_group(group)

    def add_ad(self, ad: Ad) -> Ad:
        with self.begin() as tx:
            return tx.add_ad(ad)

    def get_ad(self, ad_id: int) -> Ad | None:
        with self.read() as tx:
            return tx.get_ad(ad_id)

    def list_ads(self, ad_group: int) -> list[Ad]:
        with self.read() as tx:
            return tx.list_ads(ad_group)

    def update_ad(self, ad: Ad) -> None:
        with self.begin() as tx:
            tx.update_ad(ad)

    def add_authorization(self, auth: Authorization) -> bool:
        with self.begin() as tx:
            return tx.add_authorization(auth)

    def get_authorization(self, code: str) -> Authorization | None:
        with self.read() as tx:
            return tx.get_authorization(code)

    def list_authorizations(self, creator: int) -> list[Authorization]:
        with self.read() as tx:
            return tx.list_authorizations(creator)

    def update_authorization(self, auth: Authorization) -> None:
        with self.begin() as tx:
            tx.update_authorization(auth)


# Rows <-> model objects


def targeting_json(targeting: Targeting) -> str:
    return json.dumps(
        [{"dimension": c.dimension.value, "values": sorted(c.values), "exclude": c.exclude}
         for c in targeting.conditions],
        sort_keys=True, separators=(",", ":"),
    )  # fmt: skip


def targeting_from_json(text: str) -> Targeting:
    return Targeting(tuple(
        Condition(Dimension(c["dimension"]), frozenset(c["values"]), bool(c["exclude"]))
        for c in json.loads(text)
    ))  # fmt: skip


def _hours(text: str) -> frozenset[int]:
    return frozenset(int(h) for h in text.split(",")) if text else frozenset()


def _campaign_row(c: Campaign) -> dict[str, Any]:
    return {"advertiser": c.advertiser, "name": c.name, "objective": c.objective.value,
            "budget_mode": c.budget.mode.value, "budget_micros": c.budget.micros,
            "status": c.status.value}  # fmt: skip


def _campaign(r: Any) -> Campaign:
    budget = Budget(BudgetMode(r.budget_mode), r.budget_micros)
    return Campaign(r.id, r.advertiser, r.name, Objective(r.objective), budget, Status(r.status))


def _group_row(g: AdGroup) -> dict[str, Any]:
    cap = g.frequency_cap
    return {
        "campaign": g.campaign, "name": g.name, "placement": g.placement.value,
        "start_ms": g.schedule.start_ms, "end_ms": g.schedule.end_ms,
        "hours": ",".join(str(h) for h in sorted(g.schedule.hours)),
        "budget_mode": g.budget.mode.value, "budget_micros": g.budget.micros,
        "billing": g.billing.value, "bid_strategy": g.bid_strategy.value,
        "bid_micros": g.bid_micros, "pacing": int(g.pacing),
        "frequency_impressions": None if cap is None else cap.impressions,
        "frequency_days": None if cap is None else cap.days,
        "targeting": targeting_json(g.targeting), "status": g.status.value,
    }  # fmt: skip


def _group(r: Any) -> AdGroup:
    cap = None
    if r.frequency_impressions is not None:
        cap = FrequencyCap(r.frequency_impressions, r.frequency_days)
    return AdGroup(
        r.id, r.campaign, r.name, Schedule(r.start_ms, r.end_ms, _hours(r.hours)),
        Budget(BudgetMode(r.budget_mode), r.budget_micros), Billing(r.billing),
        BidStrategy(r.bid_strategy), r.bid_micros, targeting_from_json(r.targeting),
        Placement(r.placement), Pacing(r.pacing), cap, Status(r.status),
    )  # fmt: skip


def _ad_row(a: Ad) -> dict[str, Any]:
    return {"ad_group": a.ad_group, "video": a.video, "landing_url": a.landing_url,
            "call_to_action": a.call_to_action.value, "authorization": a.authorization,
            "status": a.status.value}  # fmt: skip


def _ad(r: Any) -> Ad:
    return Ad(r.id, r.ad_group, r.video, r.landing_url, CallToAction(r.call_to_action),
              r.authorization, Status(r.status))  # fmt: skip


def _auth_row(a: Authorization) -> dict[str, Any]:
    return {"code": a.code, "creator": a.creator, "video": a.video,
            "expires_at_ms": a.expires_at_ms, "revoked": a.revoked}  # fmt: skip


def _auth(r: Any) -> Authorization:
    return Authorization(r.code, r.creator, r.video, r.expires_at_ms, bool(r.revoked))
