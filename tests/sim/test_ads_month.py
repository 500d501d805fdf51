"""A simulated month with ads: the books balance, spend agrees with the lake, and no ad
group spends past its daily budget by more than one billable event."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from reelmint.sim.runner import RunResult

Month = tuple[RunResult, Path]
AD_KINDS = ("ad_impression", "ad_click", "ad_view_6s")


def billed(out: Path) -> list[tuple[int, str, int, int]]:
    """(ad, day, spend, largest single charge) from the lake's billable ad events."""
    files = [str(p) for k in AD_KINDS
             for p in (out / "lake" / "events" / f"kind={k}").rglob("*.parquet")]  # fmt: skip
    sql = ("SELECT object, day::VARCHAR, sum(charged_micros)::BIGINT, max(charged_micros)::BIGINT "
           "FROM read_parquet($f, hive_partitioning = true) WHERE charged_micros > 0 "
           "GROUP BY ALL ORDER BY ALL")  # fmt: skip
    with duckdb.connect() as con:
        return [tuple(r) for r in con.execute(sql, {"f": files}).fetchall()]  # type: ignore[misc]


def test_books_balance_and_ad_revenue_is_what_was_charged(month: Month) -> None:
    result, out = month
    s = result.summary
    assert s["steps"] == ["feed", "ads", "gifts", "rewards"]
    assert all(row["balanced"] for row in s["trial_balance"]) and s["trial_balance"]
    assert s["gifts"]["books"] == []  # the gifts' own identities hold on the same books
    revenue = s["money"]["platform_revenue_micros"]["ads"]
    assert revenue > 0
    assert revenue == s["ads"]["spend_micros"] == sum(r[2] for r in billed(out))
    assert sum(g["spend_micros"] for g in s["ads"]["groups"]) == revenue


def test_no_group_overspends_a_day_by_more_than_one_event(month: Month) -> None:
    result, out = month
    caps = {g["id"]: g["daily_cap_micros"] for g in result.summary["ads"]["groups"]}
    rows = billed(out)
    assert rows
    for ad, day, spend, largest in rows:  # in the simulator an ad's id is its group's
        cap = caps[ad]
        assert cap < 0 or spend <= cap + largest, (ad, day, spend, cap)
    # At 10,000 users demand outruns supply, so daily budgets rarely bind here; the
    # binding cases are tested on their own in tests/ads (decision, pacing).


def test_ads_fill_slots_and_learn_their_rates(month: Month) -> None:
    ads = month[0].summary["ads"]
    assert 0 < ads["filled"] <= ads["slots"] and ads["impressions"] == ads["filled"]
    assert 0 < ads["clicks"] < ads["impressions"]
    assert ads["calibration"]["click"] == pytest.approx(1.0, abs=0.5)
    assert month[0].summary["events"]["ad_impression"] == ads["impressions"]
