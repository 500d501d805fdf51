"""The ads, feed, lake and simulate benchmarks in their smallest form: they run and report
their shape.

Nothing here asserts on speed; the figures only have to be positive.
"""

from __future__ import annotations

from pathlib import Path

from benchmarks import ads_decision, feed_ranking, lake, simulate
from benchmarks.harness import headline_table, write_result


def test_the_ads_decision_cases_report_latency_throughput_and_fill(tmp_path: Path) -> None:
    single = ads_decision.single_case(300, 2_000, 40)
    batch = ads_decision.batch_case(300, 2_000, 500, 2)

    assert set(single["latency_ms"]) == {"p50", "p99", "max"} and single["latency_ms"]["p99"] > 0
    assert single["target"]["max_p99_ms"] == ads_decision.MAX_P99_MS
    assert 0 < single["fill_rate"] <= 1 and 0 < batch["fill_rate"] <= 1  # auctions have winners
    assert batch["decisions_per_s"]["median"] > 0 and len(batch["decisions_per_s"]["runs"]) == 2
    payload = {"benchmark": "ads_decision", "quick": True, "cases": [single, batch]}
    headline_table(payload)  # renders
    assert write_result(payload, tmp_path).name == "ads_decision.json"


def test_the_feed_ranking_cases_report_latency_and_throughput(tmp_path: Path) -> None:
    online = feed_ranking.online_case(2_000, 300, 50)
    batch = feed_ranking.batch_case(2_000, 300, 2)

    assert set(online["latency_ms"]) == {"p50", "p99", "max"} and online["latency_ms"]["p99"] > 0
    assert online["target"]["max_p99_ms"] == feed_ranking.MAX_P99_MS
    assert batch["impressions"] > 0 and batch["impressions_per_s"]["median"] > 0
    payload = {"benchmark": "feed_ranking", "quick": True, "cases": [online, batch]}
    headline_table(payload)  # renders
    assert write_result(payload, tmp_path).name == "feed_ranking.json"


def test_the_lake_cases_report_rates_and_query_times() -> None:
    ingest = lake.ingest_case(40_000, 10_000)
    stats = lake.stats_case(60_000, days=3)

    assert ingest["events_per_s"] > 0 and ingest["lake_only_events_per_s"] > 0
    assert ingest["refused"] == 0  # the generated events are all valid, so all are stored
    assert stats["events"] == 60_000 and stats["files"] >= 3 and stats["rows"] > 0
    assert stats["seconds"]["best"] <= stats["seconds"]["median"]
    assert 0 < stats["qualifying_plays"] < stats["events"] and stats["bytes"] > 0
    assert len(stats["seconds"]["runs"]) == 3


def test_the_simulate_cases_report_wall_time_rates_and_the_cost_curve(tmp_path: Path) -> None:
    cases = [simulate.Case(200, 2), simulate.Case(400, 2, scaled_to=5)]

    payload = simulate.run(quick=True, cases=cases)

    assert payload["failed"] == []
    full, scaled, growth = payload["cases"]
    assert full["days"] == full["measured_days"] == 2 and not full["scaled"]
    assert full["impressions"] > 0 and full["impressions_per_s"] > 0 and full["events"] > 0
    assert (scaled["days"], scaled["measured_days"], scaled["scaled_from_days"]) == (5, 2, 2)
    assert scaled["measured"]["impressions"] < scaled["impressions"]  # 2 days up to 5
    assert scaled["seconds"] > scaled["phases_s"]["typical_day"] * 5 > 0
    assert [(p["users"], p["days"]) for p in payload["curve"]] == [(200, 2), (400, 5)]
    assert growth["target"]["max_ratio"] == simulate.MAX_COST_RATIO and len(growth["ratios"]) == 2
    headline_table(payload)  # renders
    assert write_result(payload, tmp_path).name == "simulate.json"
