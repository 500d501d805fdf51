"""The ad server over a real store, the SQL ledger and a real lake: what it serves, what
each reported event is charged, when spend reaches the books, and what it refuses."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from reelmint.ads.model import (
    DAY_MS,
    AdsError,
    Advertiser,
    BidStrategy,
    Billing,
    Budget,
    BudgetMode,
    Status,
)
from reelmint.ads.service import REVENUE, AdsManager
from reelmint.ads.serving import AdEvent, AdServer, Outcome
from reelmint.ads.store import AdsStore
from reelmint.ads.targeting import Condition, Dimension, Targeting
from reelmint.ads.tokens import Ticket, sign, verify
from reelmint.events.batch import EventBatch
from reelmint.events.lake import Lake
from reelmint.events.model import Kind
from reelmint.ledger.sql import open_sql_ledger
from reelmint.settings import AdsSettings
from tests.ads.test_store import KINDS, T0, USD, ad_draft, campaign_draft, group_draft, open_engine

KEY = bytes(range(32))
US, FR = {Dimension.COUNTRY: frozenset({1})}, {Dimension.COUNTRY: frozenset({2})}
HOUR = 3_600_000
NOON = T0 + 12 * HOUR
AT_NOON = datetime.fromtimestamp(NOON / 1000, UTC)


@dataclass
class Rig:
    ads: AdsManager
    lake: Lake
    lake_dir: Path

    def server(self, *, tag: str = "p1", refresh_s: int = 0) -> AdServer:
        def sink(batch: EventBatch, now_ms: int) -> None:
            self.lake.append(batch)
            self.lake.flush()

        rules = self.ads.rules.model_copy(update={"refresh_s": refresh_s})
        return AdServer(self.ads.store, self.ads.ledger, rules, key=KEY, sink=sink,
                        rng=np.random.default_rng(7), tag=tag, lake_dir=self.lake_dir)  # fmt: skip

    def group(self, advertiser: str, billing: Billing, bid: int, *, country: int = 1,
              budget: int = 20 * USD) -> int:  # fmt: skip
        """An active group (with an active ad) bidding `bid` micros per billable event."""
        campaign = self.ads.create_campaign(advertiser, campaign_draft(advertiser))
        self.ads.set_campaign_status(advertiser, campaign.id, Status.ACTIVE)
        group = self.ads.create_ad_group(advertiser, group_draft(
            campaign.id, billing=billing, bid_strategy=BidStrategy.BID_CAP, bid_micros=bid,
            budget=Budget(BudgetMode.DAILY, budget),
            targeting=Targeting((Condition(Dimension.COUNTRY, frozenset({country})),)),
        ))  # fmt: skip
        self.ads.set_ad_group_status(advertiser, group.id, Status.ACTIVE)
        ad = self.ads.create_ad(advertiser, ad_draft(group.id), NOON)
        self.ads.set_ad_status(advertiser, ad.id, Status.ACTIVE, NOON)
        return group.id


@pytest.fixture(params=KINDS)
def rig(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Rig]:
    with open_engine(request.param, tmp_path) as engine:
        ads = AdsManager(
            AdsStore(engine), open_sql_ledger(engine), AdsSettings(), lake_dir=tmp_path / "lake"
        )
        for name in ("acme", "bolt"):
            ads.register_advertiser(Advertiser(name, name.title()))
            ads.top_up(name, 100 * USD, f"pay-{name}", AT_NOON)
        lake = Lake(tmp_path / "lake", fsync=False)
        yield Rig(ads, lake, tmp_path / "lake")
        lake.close()


def test_the_best_bid_wins_at_the_next_price_and_each_slot_gets_another_group(rig: Rig) -> None:
    high = rig.group("acme", Billing.CPM, 8 * USD)
    low = rig.group("bolt", Billing.CPM, 5 * USD)
    rig.group("bolt", Billing.CPM, 9 * USD, country=2)  # French users only

    page = rig.server().serve(11, US, 3, NOON)

    assert [s.ad_group for s in page] == [high, low]  # no third taker for a US user
    assert page[0].price_micros == 5_000  # $5 CPM second price: 5,000 micros an impression
    assert page[0].advertiser == "acme" and page[0].billing is Billing.CPM
    assert page[0].landing_url == "https://acme.example/shop"
    ticket = verify(page[0].token, KEY)
    assert ticket is not None and (ticket.user, ticket.group) == (11, high)
    assert ticket.price_micros == page[0].price_micros and ticket.served_ms == NOON


def test_only_the_billable_event_is_charged_once_at_the_served_price(rig: Rig) -> None:
    cpc = rig.group("acme", Billing.CPC, 400_000)
    rig.group("bolt", Billing.CPC, 300_000)
    server = rig.server()
    served = server.serve(11, US, 1, NOON)[0]
    assert served.ad_group == cpc
    token = served.token

    first = server.record([AdEvent(token, Kind.AD_IMPRESSION), AdEvent(token, Kind.AD_CLICK),
                           AdEvent(token, Kind.AD_QUARTILE, quartile=2)], NOON + 1_000)  # fmt: skip
    again = server.record([AdEvent(token, Kind.AD_CLICK)], NOON + 2_000)

    assert [r.outcome for r in first] == [Outcome.COUNTED, Outcome.CHARGED, Outcome.COUNTED]
    assert first[1].charged_micros == served.price_micros > 0
    assert again[0].outcome is Outcome.DUPLICATE
    day = rig.ads.report_totals("acme", by="ad_group", start_ms=T0, end_ms=T0 + DAY_MS)
    row = day.to_pylist()[0]
    assert (row["impressions"], row["clicks"], row["q50"]) == (1, 1, 1)
    assert row["spend_micros"] == served.price_micros


def test_forged_late_and_out_of_order_events_are_refused(rig: Rig) -> None:
    rig.group("acme", Billing.CPM, 8 * USD)
    server = rig.server()
    token = server.serve(11, US, 1, NOON)[0].token
    fields = token.split(".")
    cheaper = ".".join([*fields[:5], "1", *fields[6:]])  # the price a client would rather pay
    assert cheaper != token
    stranger = sign(Ticket("x1", 11, 1, 1, 8_000, NOON), bytes(32))  # another key
    ttl = server.rules.token_ttl_s * 1000

    early = server.record([AdEvent(token, Kind.AD_VIEW_6S)], NOON + 1)
    bad = server.record([AdEvent(cheaper, Kind.AD_IMPRESSION),
                         AdEvent(stranger, Kind.AD_IMPRESSION)], NOON + 2)  # fmt: skip
    late = server.record([AdEvent(token, Kind.AD_IMPRESSION)], NOON + ttl + 1)

    assert early[0].outcome is Outcome.NO_IMPRESSION
    assert [r.outcome for r in bad] == [Outcome.UNKNOWN, Outcome.UNKNOWN]
    assert late[0].outcome is Outcome.EXPIRED
    assert rig.ads.report_totals("acme", by="ad_group").num_rows == 0


def test_bad_event_shapes_are_refused() -> None:
    with pytest.raises(AdsError, match="one of"):
        AdEvent("t", Kind.LIKE)
    with pytest.raises(AdsError, match="quartile"):
        AdEvent("t", Kind.AD_QUARTILE)
    with pytest.raises(AdsError, match="only a conversion"):
        AdEvent("t", Kind.AD_CLICK, value_micros=5)


def test_spend_is_posted_to_the_books_when_the_hour_ends_and_at_close(rig: Rig) -> None:
    rig.group("acme", Billing.CPM, 8 * USD)
    rig.group("bolt", Billing.CPM, 5 * USD)
    server = rig.server()
    for user in range(10):
        token = server.serve(user, US, 1, NOON)[0].token
        server.record([AdEvent(token, Kind.AD_IMPRESSION)], NOON + 10)
    assert rig.ads.balance("acme") == 100 * USD  # accrued, not yet posted
    server.serve(99, US, 1, NOON + HOUR)  # the hour has ended
    assert rig.ads.balance("acme") == 100 * USD - 10 * 5_000
    token = server.serve(98, US, 1, NOON + HOUR)[0].token
    server.record([AdEvent(token, Kind.AD_IMPRESSION)], NOON + HOUR + 5)
    server.close(NOON + HOUR + 10)  # mid-hour: posted now, under this process's tag

    assert rig.ads.balance("acme") == 100 * USD - 11 * 5_000
    assert rig.ads.ledger.balance(REVENUE).posted == 11 * 5_000 == server.posted_micros
    assert rig.ads.ledger.verify() == []


def test_a_restarted_server_remembers_todays_spend_from_the_lake(rig: Rig) -> None:
    group = rig.group("acme", Billing.CPM, 8 * USD, budget=20 * USD)
    rig.group("bolt", Billing.CPM, 5 * USD)
    first = rig.server(tag="a")
    for user in range(4):
        token = first.serve(user, US, 1, NOON)[0].token
        first.record([AdEvent(token, Kind.AD_IMPRESSION)], NOON + 1)
    first.close(NOON + 2)

    second = rig.server(tag="b")
    mine = {d.ad_group: d for d in second.delivery("acme", NOON + 3)}
    tomorrow = {d.ad_group: d for d in second.delivery("acme", NOON + DAY_MS)}

    assert mine[group].spend_today_micros == 4 * 5_000 and mine[group].daily_cap_micros == 20 * USD
    assert tomorrow[group].spend_today_micros == 0
    assert rig.ads.ledger.balance(REVENUE).posted == 4 * 5_000


def test_changes_in_the_manager_reach_delivery_on_refresh(rig: Rig) -> None:
    group = rig.group("acme", Billing.CPM, 8 * USD)
    server = rig.server(refresh_s=3_600)
    assert [s.ad_group for s in server.serve(1, US, 1, NOON)] == [group]

    rig.ads.set_ad_group_status("acme", group, Status.PAUSED)
    newer = rig.group("bolt", Billing.CPM, 6 * USD)
    assert [s.ad_group for s in server.serve(1, US, 1, NOON + 1)] == [group]  # not yet
    server.refresh(NOON + 2)

    assert [s.ad_group for s in server.serve(1, US, 1, NOON + 3)] == [newer]
    assert server.serve(1, FR, 1, NOON + 3) == []


def test_an_advertiser_that_cannot_pay_is_not_served_and_never_overdrawn(rig: Rig) -> None:
    rig.ads.register_advertiser(Advertiser("thin", "Thin"))
    rig.ads.top_up("thin", 18_000, "pay-thin", AT_NOON)  # a bid of 9,000 fits twice
    rig.group("thin", Billing.CPM, 9 * USD)
    rig.group("bolt", Billing.CPM, 5 * USD)
    server = rig.server()
    outcomes = []
    for user in range(5):
        page = server.serve(user, US, 1, NOON)
        outcomes += [(page[0].advertiser, r.outcome) for r in server.record(
            [AdEvent(page[0].token, Kind.AD_IMPRESSION)], NOON + 1)]  # fmt: skip
    server.close(NOON + 2)

    charged = [a for a, o in outcomes if a == "thin" and o is Outcome.CHARGED]
    assert len(charged) == 2 and outcomes[2:] == [("bolt", Outcome.CHARGED)] * 3
    assert rig.ads.balance("thin") == 18_000 - 2 * 5_000  # 8,000 left cannot pay a 9,000 bid


def test_slots_and_profiles_are_checked(rig: Rig) -> None:
    server = rig.server()
    with pytest.raises(AdsError, match="1 to 10"):
        server.serve(1, US, 0, NOON)
    with pytest.raises(ValueError, match="one country"):
        server.serve(1, {Dimension.COUNTRY: frozenset({1, 2})}, 1, NOON)
