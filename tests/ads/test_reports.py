"""Advertiser reports over a real lake, every figure derived by hand below.

Charges travel in the files' `charged_micros`, conversion values in `amount_micros`.
The hierarchy: advertiser acme runs campaign 1 with ad group 10 (CPM, ads 100 and 101,
5,000 micros an impression) and ad group 11 (CPC, ad 110); advertiser bolt runs
campaign 2 with ad group 20 (CPV, ad 200, 40,000 micros a 6-second view). Ad 999 is in
no campaign. Day 1 is 2026-11-01, day 2 the day after; events fall in hours 10 and 11.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from reelmint.ads.reports import METRICS, ad_report, totals
from reelmint.events.batch import EventBatch
from reelmint.events.lake import DAY_MS, Lake
from reelmint.events.model import Kind

D1 = 1_793_491_200_000  # 2026-11-01T00:00:00Z
D2 = D1 + DAY_MS
HOUR = 3_600_000
MINUTE = 60_000
IMP, CLICK, V2, V6, Q, CONV = (Kind.AD_IMPRESSION, Kind.AD_CLICK, Kind.AD_VIEW_2S,
                               Kind.AD_VIEW_6S, Kind.AD_QUARTILE, Kind.CONVERSION)  # fmt: skip
ADS = pa.table({
    "ad": [100, 101, 110, 200], "ad_group": [10, 10, 11, 20], "campaign": [1, 1, 1, 2],
    "advertiser": ["acme", "acme", "acme", "bolt"],
})  # fmt: skip
Event = tuple[int, Kind, int, int, int]  # ts_ms, kind, user, ad, amount

DAY1_HOUR10: list[Event] = [
    # group 10 (CPM): ad 100 shown to users 1, 2, 1; ad 101 to user 3
    (D1 + 10 * HOUR, IMP, 1, 100, 5_000), (D1 + 10 * HOUR + MINUTE, IMP, 2, 100, 5_000),
    (D1 + 10 * HOUR + 2 * MINUTE, IMP, 1, 100, 5_000), (D1 + 10 * HOUR, IMP, 3, 101, 5_000),
    (D1 + 10 * HOUR + 3 * MINUTE, CLICK, 1, 100, 0),
    (D1 + 10 * HOUR, V2, 1, 100, 0), (D1 + 10 * HOUR, V2, 2, 100, 0),
    (D1 + 10 * HOUR, V6, 1, 100, 0),
    *((D1 + 10 * HOUR, Q, 1, 100, q) for q in (1, 2, 3, 4)),  # user 1 watched it all
    *((D1 + 10 * HOUR, Q, 2, 100, q) for q in (1, 2)),  # user 2 half of it
    (D1 + 10 * HOUR + 5 * MINUTE, CONV, 1, 100, 25_000_000),
    # group 11 (CPC): ad 110 shown to users 5, 6, 7; clicks by 5 and 6
    (D1 + 10 * HOUR, IMP, 5, 110, 0), (D1 + 10 * HOUR, IMP, 6, 110, 0),
    (D1 + 10 * HOUR, IMP, 7, 110, 0),
    (D1 + 10 * HOUR, CLICK, 5, 110, 150_001), (D1 + 10 * HOUR, CLICK, 6, 110, 150_000),
    # ad 999 is in no campaign: left out
    (D1 + 10 * HOUR, IMP, 1, 999, 5_000), (D1 + 10 * HOUR, CLICK, 1, 999, 0),
]  # fmt: skip
DAY1_HOUR11: list[Event] = [
    (D1 + 11 * HOUR, IMP, 4, 100, 5_000),
    # group 20 (CPV): ad 200 shown to users 1 and 8, both view 2 s and 6 s, 8 converts twice
    (D1 + 11 * HOUR, IMP, 1, 200, 0), (D1 + 11 * HOUR, IMP, 8, 200, 0),
    (D1 + 11 * HOUR, V2, 1, 200, 0), (D1 + 11 * HOUR, V2, 8, 200, 0),
    (D1 + 11 * HOUR, V6, 1, 200, 40_000), (D1 + 11 * HOUR, V6, 8, 200, 40_000),
    (D1 + 11 * HOUR, CONV, 8, 200, 10_000_000), (D1 + 11 * HOUR, CONV, 8, 200, 5_000_000),
]  # fmt: skip
DAY2: list[Event] = [
    # users 1 and 2 come back to ad 100, user 5 (seen on ad 110 on day 1) sees ad 101
    (D2 + 10 * HOUR, IMP, 1, 100, 5_000), (D2 + 10 * HOUR, IMP, 2, 100, 5_000),
    (D2 + 10 * HOUR, IMP, 5, 101, 5_000),
]  # fmt: skip
INVALID: list[Event] = [
    # flagged by integrity: they would change impressions, reach, clicks, views and spend
    (D1 + 10 * HOUR, IMP, 9, 100, 5_000), (D1 + 10 * HOUR, CLICK, 9, 110, 150_000),
    (D1 + 11 * HOUR, V6, 9, 200, 40_000), (D1 + 11 * HOUR, Q, 9, 200, 4),
    (D2 + 10 * HOUR, CONV, 9, 100, 1_000_000),
]  # fmt: skip


def batch(events: list[Event], *, invalid: bool = False) -> EventBatch:
    ts, kind, user, ad, amount = zip(*events, strict=True)
    n = len(events)
    return EventBatch.of(ts_ms=ts, kind=kind, user=user, object=ad, amount=amount,
                         paid=[True] * n, invalid=[invalid] * n,
                         invalid_reason=[3 if invalid else 0] * n)  # fmt: skip


@pytest.fixture
def lake(tmp_path: Path) -> Lake:
    lake = Lake(tmp_path / "lake", flush_rows=3)  # several files per partition
    lake.append(batch(DAY1_HOUR10))
    lake.append(batch(INVALID, invalid=True))
    lake.append(batch(DAY1_HOUR11 + DAY2))
    lake.flush()
    return lake


def at(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def metrics(row: dict[str, Any]) -> dict[str, Any]:
    return {m: row[m] for m in METRICS}


ZERO = {m: 0 for m in METRICS} | {
    "frequency": None, "ctr": None, "cpm_micros": None, "cpc_micros": None,
    "cpv_micros": None, "cpa_micros": None,
}  # fmt: skip
# Day 1, group 10: impressions 3 + 1 (ad 100) + 1 (ad 101) = 5 to users {1, 2, 3, 4};
# spend 5 x 5,000 = 25,000; CPM 25,000 x 1,000 / 5; one click, 6 s view and conversion.
GROUP_10_DAY_1 = {
    "impressions": 5, "reach": 4, "frequency": 5 / 4, "clicks": 1, "ctr": 1 / 5,
    "views_2s": 2, "views_6s": 1, "q25": 2, "q50": 2, "q75": 1, "q100": 1,
    "conversions": 1, "conversion_value_micros": 25_000_000, "spend_micros": 25_000,
    "cpm_micros": 5_000_000, "cpc_micros": 25_000, "cpv_micros": 25_000, "cpa_micros": 25_000,
}  # fmt: skip
# Group 11: 3 impressions, 3 users, 2 clicks charged 150,001 + 150,000 = 300,001.
# CPM 300,001,000 / 3 = 100,000,333.3 -> 100,000,333; CPC 150,000.5 -> 150,001 (half up).
GROUP_11_DAY_1 = ZERO | {
    "impressions": 3, "reach": 3, "frequency": 1.0, "clicks": 2, "ctr": 2 / 3,
    "spend_micros": 300_001, "cpm_micros": 100_000_333, "cpc_micros": 150_001,
}  # fmt: skip
# Group 20: 2 impressions to 2 users, 2 views of 6 s at 40,000, 2 conversions worth 15 USD.
# CPM 80,000 x 1,000 / 2 = 40,000,000; CPV 80,000 / 2; CPA 80,000 / 2.
GROUP_20_DAY_1 = ZERO | {
    "impressions": 2, "reach": 2, "frequency": 1.0, "ctr": 0.0, "views_2s": 2, "views_6s": 2,
    "conversions": 2, "conversion_value_micros": 15_000_000, "spend_micros": 80_000,
    "cpm_micros": 40_000_000, "cpv_micros": 40_000, "cpa_micros": 40_000,
}  # fmt: skip
# Day 2, group 10: 3 impressions to users {1, 2, 5}, 15,000 micros.
GROUP_10_DAY_2 = ZERO | {
    "impressions": 3, "reach": 3, "frequency": 1.0, "ctr": 0.0, "spend_micros": 15_000,
    "cpm_micros": 5_000_000,
}  # fmt: skip


def test_daily_report_by_ad_group_has_every_metric(lake: Lake) -> None:
    rows = ad_report(lake, ADS).to_pylist()

    keys = [(r["period"], r["campaign"], r["ad_group"], r["advertiser"]) for r in rows]
    assert keys == [(at(D1), 1, 10, "acme"), (at(D1), 1, 11, "acme"),
                    (at(D1), 2, 20, "bolt"), (at(D2), 1, 10, "acme")]  # fmt: skip
    assert [metrics(r) for r in rows] == [GROUP_10_DAY_1, GROUP_11_DAY_1, GROUP_20_DAY_1,
                                          GROUP_10_DAY_2]  # fmt: skip


def test_columns_and_types_follow_the_grain(lake: Lake) -> None:
    for grain, keys in (("campaign", ["campaign"]), ("ad_group", ["campaign", "ad_group"]),
                        ("ad", ["campaign", "ad_group", "ad"])):  # fmt: skip
        table = ad_report(lake, ADS, grain=grain)  # type: ignore[arg-type]
        assert table.column_names == ["period", *keys, "advertiser", *METRICS]
        assert table.schema.field("period").type == pa.timestamp("ms", tz="UTC")
        assert table.schema.field("spend_micros").type == pa.int64()
        assert table.schema.field("cpm_micros").type == pa.int64()
        assert table.schema.field("ctr").type == pa.float64()


def test_hourly_report_by_ad_splits_the_hours(lake: Lake) -> None:
    rows = ad_report(lake, ADS, grain="ad", period="hour").to_pylist()

    keys = [(r["period"], r["ad"]) for r in rows]
    assert keys == [(at(D1 + 10 * HOUR), 100), (at(D1 + 10 * HOUR), 101),
                    (at(D1 + 10 * HOUR), 110), (at(D1 + 11 * HOUR), 100),
                    (at(D1 + 11 * HOUR), 200), (at(D2 + 10 * HOUR), 100),
                    (at(D2 + 10 * HOUR), 101)]  # fmt: skip
    ad_100_at_10 = rows[0]
    # users 1, 2, 1: 3 impressions, reach 2, frequency 1.5; 15,000 micros
    assert (ad_100_at_10["impressions"], ad_100_at_10["reach"], ad_100_at_10["frequency"],
            ad_100_at_10["spend_micros"], ad_100_at_10["cpm_micros"],
            ad_100_at_10["q100"]) == (3, 2, 1.5, 15_000, 5_000_000, 1)  # fmt: skip
    ad_100_at_11 = rows[3]
    assert (ad_100_at_11["impressions"], ad_100_at_11["reach"],
            ad_100_at_11["clicks"]) == (1, 1, 0)  # fmt: skip


def test_a_window_keeps_only_its_events(lake: Lake) -> None:
    rows = ad_report(lake, ADS, start_ms=D1 + 11 * HOUR, end_ms=D2 + 10 * HOUR).to_pylist()

    # hour 11 of day 1 only: ad 100's impression for user 4, and all of group 20
    assert [(r["ad_group"], r["impressions"], r["spend_micros"]) for r in rows] == [
        (10, 1, 5_000), (20, 2, 80_000)]  # fmt: skip
    assert metrics(rows[1]) == GROUP_20_DAY_1


def test_a_window_reads_only_the_ad_kinds_and_days_it_touches(lake: Lake) -> None:
    for kind, day in (("ad_impression", "2026-11-03"), ("play", "2026-11-01")):
        junk = lake.events / f"kind={kind}" / f"day={day}" / "part-x-00000001.parquet"
        junk.parent.mkdir(parents=True)
        junk.write_bytes(b"not parquet")

    rows = ad_report(lake, ADS, start_ms=D1, end_ms=D2 + DAY_MS).to_pylist()

    assert len(rows) == 4
    with pytest.raises(Exception, match=r"(?i)parquet"):
        ad_report(lake, ADS)  # unbounded: day 3's file is read


def test_invalid_events_count_nowhere(tmp_path: Path) -> None:
    lake = Lake(tmp_path / "lake")
    lake.append(batch(INVALID, invalid=True))
    lake.append(batch([(D1 + 11 * HOUR, IMP, 8, 200, 0)]))
    lake.flush()

    rows = totals(lake, ADS, by="ad").to_pylist()

    assert [(r["ad"], metrics(r)) for r in rows] == [
        (200, ZERO | {"impressions": 1, "reach": 1, "frequency": 1.0, "ctr": 0.0,
                      "spend_micros": 0, "cpm_micros": 0})]  # fmt: skip


def test_totals_reach_is_distinct_over_the_window_not_a_sum_of_days(lake: Lake) -> None:
    daily = ad_report(lake, ADS, grain="campaign").to_pylist()
    total = totals(lake, ADS).to_pylist()

    # campaign 1 reaches {1, 2, 3, 4, 5, 6, 7} on day 1 and {1, 2, 5} on day 2
    assert [r["reach"] for r in daily if r["campaign"] == 1] == [7, 3]
    assert total[0]["campaign"] == 1 and total[0]["reach"] == 7
    # 5 + 3 + 3 impressions, 25,000 + 300,001 + 15,000 micros, 3 clicks
    assert (
        total[0]["impressions"],
        total[0]["frequency"],
        total[0]["spend_micros"],
        total[0]["clicks"],
        total[0]["cpc_micros"],
        total[0]["cpm_micros"],
    ) == (11, 11 / 7, 340_001, 3, 113_334, 30_909_182)  # 340,001 / 3; 340,001,000 / 11
    assert (total[1]["campaign"], total[1]["advertiser"]) == (2, "bolt")
    assert metrics(total[1]) == GROUP_20_DAY_1


def test_totals_by_ad_group_add_up_the_days(lake: Lake) -> None:
    rows = totals(lake, ADS, by="ad_group", start_ms=D1, end_ms=D2 + DAY_MS).to_pylist()

    assert [(r["campaign"], r["ad_group"]) for r in rows] == [(1, 10), (1, 11), (2, 20)]
    # day 1 users {1, 2, 3, 4}, day 2 {1, 2, 5}: 8 impressions to 5 users, 40,000 micros
    assert (rows[0]["impressions"], rows[0]["reach"], rows[0]["frequency"],
            rows[0]["spend_micros"], rows[0]["cpm_micros"], rows[0]["cpa_micros"]) == (
        8, 5, 8 / 5, 40_000, 5_000_000, 40_000)  # fmt: skip
    assert metrics(rows[1]) == GROUP_11_DAY_1


@pytest.mark.parametrize("by", ["campaign", "ad_group", "ad"])
def test_an_empty_lake_gives_an_empty_table_with_the_columns(tmp_path: Path, by: Any) -> None:
    lake = Lake(tmp_path / "lake")
    keys = {"campaign": ["campaign"], "ad_group": ["campaign", "ad_group"],
            "ad": ["campaign", "ad_group", "ad"]}[by]  # fmt: skip

    report = ad_report(lake, ADS, grain=by, period="hour")
    total = totals(tmp_path / "lake", ADS, by=by)

    assert report.num_rows == 0 and total.num_rows == 0
    assert report.column_names == ["period", *keys, "advertiser", *METRICS]
    assert total.column_names == [*keys, "advertiser", *METRICS]
    assert report.schema.field("period").type == pa.timestamp("ms", tz="UTC")


def test_bad_arguments_are_refused(lake: Lake) -> None:
    with pytest.raises(ValueError, match="grain"):
        ad_report(lake, ADS, grain="advertiser")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="period"):
        ad_report(lake, ADS, period="week")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="more than once"):
        totals(lake, pa.concat_tables([ADS, ADS]))
    with pytest.raises(ValueError, match="advertiser"):
        totals(lake, ADS.drop_columns(["advertiser"]))


def test_ratios_are_null_where_the_denominator_is_zero(tmp_path: Path) -> None:
    lake = Lake(tmp_path / "lake")
    lake.append(batch([(D1, CONV, 1, 100, 2_000_000), (D1, Q, 1, 100, 1)]))
    lake.flush()

    rows = ad_report(lake, ADS).to_pylist()

    # a conversion and a quartile without an impression: no reach, rates or prices but CPA
    assert [metrics(r) for r in rows] == [
        ZERO | {"q25": 1, "conversions": 1, "conversion_value_micros": 2_000_000, "cpa_micros": 0}
    ]
