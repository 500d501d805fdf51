"""A simulated month: calibration targets, heavy tails, determinism, the lake and follows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from reelmint.events.stats import creator_daily
from reelmint.sim.engines import Engine, register, unregister
from reelmint.sim.runner import RunResult
from reelmint.sim.world import Tick, World
from tests.sim.conftest import run_sim

Month = tuple[RunResult, Path]


@pytest.mark.parametrize("rate", ["like", "comment", "share", "follow", "completion"])
def test_default_rates_reproduce_the_engagement_defaults_within_a_quarter(
    month: Month, rate: str
) -> None:
    summary = month[0].summary
    measured, target = summary["rates"][rate], summary["targets"][rate]
    assert target == pytest.approx({"like": 0.02, "comment": 0.0007, "share": 0.0002,
                                    "follow": 0.0014, "completion": 0.19}[rate])  # fmt: skip
    assert abs(measured / target - 1) <= 0.25, f"{rate}: {measured:.5f} against {target}"


def test_views_per_video_are_heavy_tailed(month: Month) -> None:
    views = month[0].summary["views_per_video"]
    assert views["gini"] >= 0.8
    assert views["quantiles"]["max"] > 20 * max(views["quantiles"]["p50"], 1)


def test_totals_agree_with_the_lake_and_the_creators_table(month: Month) -> None:
    result, out = month
    summary = result.summary
    table = creator_daily(out / "lake")
    for column in ("impressions", "likes", "comments", "shares", "follows"):
        assert sum(table.column(column).to_pylist()) == summary["totals"][column], column
    creators = pq.read_table(out / "creators.parquet")
    assert sum(creators.column("qualified_views").to_pylist()) == summary["totals"][
        "qualified_views"]  # fmt: skip
    assert sum(creators.column("impressions").to_pylist()) == summary["totals"]["impressions"]
    daily = summary["daily"]
    assert len(daily["day"]) == 30 and sum(daily["impressions"]) == summary["totals"][
        "impressions"]  # fmt: skip
    assert summary["events"]["impression"] == summary["events"]["play"]


def test_followers_grow_from_follow_events(month: Month) -> None:
    result, out = month
    summary = result.summary
    creators = pq.read_table(out / "creators.parquet")
    assert sum(creators.column("followers").to_pylist()) == summary["counts"]["follows"]
    assert summary["totals"]["follows"] > 0
    assert summary["counts"]["videos_posted"] == sum(summary["daily"]["videos_posted"]) > 0


def test_same_seed_same_summary_other_seed_other_summary(tmp_path: Path) -> None:
    texts = []
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        _, out = run_sim(tmp_path, 1_500, 4, seed, name=name)
        texts.append((out / "summary.json").read_bytes())
    assert texts[0] == texts[1]
    assert texts[0] != texts[2]
    summary = json.loads(texts[0])
    assert summary["seed"] == 5 and summary["config"]["users"] == 1_500
    assert "home" not in summary["settings"]  # nothing of the machine in it


class _Probe(Engine):
    name = "probe"
    order = 15  # after the feed, before anything later

    def __init__(self) -> None:
        self.calls: list[Any] = []

    def start(self, world: World) -> None:
        self.calls.append("start")

    def begin_day(self, world: World, day: int) -> None:
        self.calls.append(("begin", day))

    def tick(self, world: World, tick: Tick) -> None:
        viewers, slots, _ = world.shared["feed.tick"]  # the feed ran first in this tick
        self.calls.append(("tick", tick.day, tick.index, len(viewers) == len(slots)))

    def end_day(self, world: World, day: int) -> None:
        self.calls.append(("end", day))

    def end_month(self, world: World) -> None:
        self.calls.append("month")

    def summarize(self, world: World, summary: dict[str, Any]) -> None:
        summary["probe"] = len(self.calls)


def test_a_registered_engine_takes_part_in_every_day_in_its_order(tmp_path: Path) -> None:
    made: list[_Probe] = []

    class Probe(_Probe):
        def __init__(self) -> None:
            super().__init__()
            made.append(self)

    register(Probe)
    try:
        result, _ = run_sim(tmp_path, 300, 2, 1)
    finally:
        unregister("probe")
    calls = made[0].calls
    ticks = result.summary["config"]["rounds_per_day"]
    assert calls[0] == "start" and calls[1] == ("begin", 0)
    assert calls[2 : 2 + ticks] == [("tick", 0, i, True) for i in range(ticks)]
    assert calls[2 + ticks] == ("end", 0) and calls[-1] == "month"
    assert result.summary["steps"] == ["feed", "probe", "ads", "gifts", "rewards"]  # 10 ... 90
    assert result.summary["probe"] == len(calls)
