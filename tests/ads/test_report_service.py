"""`AdsManager.report` over a real lake and real books: an advertiser's report counts its
own ads' events only, `campaign` narrows it, and what it cannot mean is refused.

The hierarchy, built through the manager (ids as the database gives them): acme runs
campaign A with ad group A1 (ads a and b) and campaign B with ad group B1 (ad c); bolt
runs campaign Z with ad group Z1 (ad z). Every figure below is derived by hand.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from reelmint.ads.model import AdsError
from reelmint.ads.reports import METRICS
from reelmint.ads.service import AdsManager, NotFound, NotYours
from reelmint.ads.store import AdsStore
from reelmint.events.lake import Lake
from reelmint.ledger.sql import open_sql_ledger
from reelmint.settings import AdsSettings
from tests.ads.test_reports import CLICK, CONV, D1, D2, HOUR, IMP, Event, at, batch
from tests.ads.test_service import ACME, BOLT
from tests.ads.test_store import KINDS, ad_draft, campaign_draft, group_draft, open_engine


@dataclass(frozen=True)
class Ids:
    campaign_a: int
    group_a1: int
    campaign_b: int
    group_b1: int
    campaign_z: int


def placed(ads: AdsManager, advertiser: str, n_ads: int) -> tuple[int, int, list[int]]:
    """A campaign of `advertiser` with one ad group of `n_ads` ads: their ids."""
    campaign = ads.create_campaign(advertiser, campaign_draft(advertiser))
    group = ads.create_ad_group(advertiser, group_draft(campaign.id))
    made = [ads.create_ad(advertiser, ad_draft(group.id), D1) for _ in range(n_ads)]
    return campaign.id, group.id, [ad.id for ad in made]


def events(a: int, b: int, c: int, z: int) -> list[Event]:
    return [
        # ad a: users 1 and 2 see it on day 1 (5,000 micros each), user 1 clicks (100,000)
        (D1 + 10 * HOUR, IMP, 1, a, 5_000), (D1 + 10 * HOUR, IMP, 2, a, 5_000),
        (D1 + 10 * HOUR, CLICK, 1, a, 100_000),
        # ad b: user 1 on day 1 and again on day 2
        (D1 + 11 * HOUR, IMP, 1, b, 5_000), (D2 + 10 * HOUR, IMP, 1, b, 5_000),
        # ad c: user 3 sees it (7,000) and converts for $2
        (D1 + 10 * HOUR, IMP, 3, c, 7_000), (D1 + 10 * HOUR, CONV, 3, c, 2_000_000),
        # bolt's ad z: users 1 and 4, a click; none of it is acme's
        (D1 + 10 * HOUR, IMP, 1, z, 9_000), (D1 + 10 * HOUR, IMP, 4, z, 9_000),
        (D1 + 10 * HOUR, CLICK, 4, z, 50_000), (D2 + 10 * HOUR, IMP, 4, z, 9_000),
    ]  # fmt: skip


@pytest.fixture(params=KINDS)
def setup(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[AdsManager, Ids]]:
    with open_engine(request.param, tmp_path) as engine:
        ads = AdsManager(AdsStore(engine), open_sql_ledger(engine), AdsSettings(),
                         lake_dir=tmp_path / "lake")  # fmt: skip
        ads.register_advertiser(ACME)
        ads.register_advertiser(BOLT)
        campaign_a, group_a1, (a, b) = placed(ads, "acme", 2)
        campaign_b, group_b1, (c,) = placed(ads, "acme", 1)
        campaign_z, _, (z,) = placed(ads, "bolt", 1)
        lake = Lake(tmp_path / "lake")
        lake.append(batch(events(a, b, c, z)))
        lake.flush()
        yield ads, Ids(campaign_a, group_a1, campaign_b, group_b1, campaign_z)


def picked(row: dict[str, Any], *names: str) -> tuple[Any, ...]:
    return tuple(row[n] for n in names)


def test_a_report_counts_the_advertisers_own_ads_only(setup: tuple[AdsManager, Ids]) -> None:
    ads, ids = setup

    rows = ads.report("acme").to_pylist()

    keys = [picked(r, "period", "campaign", "ad_group", "advertiser") for r in rows]
    assert keys == [(at(D1), ids.campaign_a, ids.group_a1, "acme"),
                    (at(D1), ids.campaign_b, ids.group_b1, "acme"),
                    (at(D2), ids.campaign_a, ids.group_a1, "acme")]  # fmt: skip
    # day 1, group A1: 3 impressions to users {1, 2}, 1 click; 3 x 5,000 + 100,000 micros
    assert picked(rows[0], "impressions", "reach", "clicks", "spend_micros", "cpc_micros") == (
        3, 2, 1, 115_000, 115_000)  # fmt: skip
    # group B1: 1 impression of 7,000 and a $2 conversion, so CPA 7,000
    assert picked(rows[1], "impressions", "conversions", "conversion_value_micros",
                  "spend_micros", "cpa_micros") == (1, 1, 2_000_000, 7_000, 7_000)  # fmt: skip
    # bolt's 3 impressions and click are in neither day: acme saw 3 + 1 + 1 impressions
    assert sum(r["impressions"] for r in rows) == 5 and sum(r["clicks"] for r in rows) == 1
    bolt = ads.report("bolt", grain="campaign", period="total").to_pylist()
    assert [picked(r, "campaign", "impressions", "reach", "spend_micros") for r in bolt] == [
        (ids.campaign_z, 3, 2, 77_000)]  # fmt: skip


def test_a_campaign_narrows_the_report_to_itself(setup: tuple[AdsManager, Ids]) -> None:
    ads, ids = setup

    rows = ads.report("acme", grain="ad", period="hour", campaign=ids.campaign_b).to_pylist()

    assert [picked(r, "period", "campaign", "impressions", "spend_micros") for r in rows] == [
        (at(D1 + 10 * HOUR), ids.campaign_b, 1, 7_000)]  # fmt: skip


def test_the_total_period_is_one_row_a_key_over_the_window(setup: tuple[AdsManager, Ids]) -> None:
    ads, ids = setup

    table = ads.report("acme", grain="campaign", period="total")
    windowed = ads.report("acme", grain="campaign", period="total", start_ms=D2)

    assert table.column_names == ["campaign", "advertiser", *METRICS]  # no period column
    # campaign A: 4 impressions to users {1, 2} over both days (reach is not 2 + 1),
    # 120,000 micros in all, CPM 120,000 x 1,000 / 4 = 30,000,000
    assert [picked(r, "campaign", "impressions", "reach", "spend_micros", "cpm_micros")
            for r in table.to_pylist()] == [(ids.campaign_a, 4, 2, 120_000, 30_000_000),
                                            (ids.campaign_b, 1, 1, 7_000, 7_000_000)]  # fmt: skip
    assert [picked(r, "campaign", "impressions") for r in windowed.to_pylist()] == [
        (ids.campaign_a, 1)]  # fmt: skip
    assert ads.report_totals("acme", by="campaign").to_pylist() == table.to_pylist()


def test_what_a_report_cannot_mean_is_refused(setup: tuple[AdsManager, Ids]) -> None:
    ads, ids = setup

    with pytest.raises(NotFound, match="'nobody' is not registered"):
        ads.report("nobody")
    with pytest.raises(NotFound, match="campaign 999"):
        ads.report("acme", campaign=999)
    with pytest.raises(NotYours, match="not advertiser 'acme'"):
        ads.report("acme", campaign=ids.campaign_z)
    with pytest.raises(AdsError, match="grain is campaign, ad_group or ad"):
        ads.report("acme", grain="advertiser")
    with pytest.raises(AdsError, match="grain"):
        ads.report("acme", grain="advertiser", period="total")
    with pytest.raises(AdsError, match="period is hour, day or total"):
        ads.report("acme", period="week")
    with pytest.raises(AdsError, match="starts before it ends"):
        ads.report("acme", start_ms=D2, end_ms=D1)
    with pytest.raises(AdsError, match="1970 to 9999"):
        ads.report("acme", start_ms=-1)


def test_without_a_lake_a_report_is_empty_with_its_columns(setup: tuple[AdsManager, Ids]) -> None:
    ads, _ = setup
    bare = AdsManager(ads.store, ads.ledger, ads.rules)

    table = bare.report("acme", grain="ad")

    assert table.num_rows == 0
    assert table.column_names == ["period", "campaign", "ad_group", "ad", "advertiser", *METRICS]
