"""The stats over a real lake: each clause of the qualified-view rule, the daily tables,
time windows, and counters rebuilt after a restart."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from reelmint.events.counters import SIGNALS, EngagementCounters
from reelmint.events.lake import DAY_MS
from reelmint.events.model import Kind, Surface
from reelmint.events.stats import (
    DAILY_COLUMNS,
    creator_daily,
    qualified_views,
    qualified_views_by_viewer,
    rebuild_counters,
    video_daily,
    video_totals,
)
from tests.events.factories import T0, World, world


def views(w: World, **window: Any) -> dict[int, int]:
    w.lake.flush()
    return {
        r["object"]: r["qualified_views"] for r in qualified_views(w.lake, **window).to_pylist()
    }


@pytest.mark.parametrize(
    "play, counts",
    [({}, True), ({"watch_ms": 5_000}, True), ({"watch_ms": 4_999}, False),
     ({"surface": Surface.FOLLOWING}, False), ({"surface": Surface.SEARCH}, False),
     ({"paid": True}, False), ({"invalid": True, "invalid_reason": 2}, False)],
)  # fmt: skip
def test_each_clause_of_the_qualified_view_rule(
    tmp_path: Path, play: dict[str, Any], counts: bool
) -> None:
    w = world(tmp_path)
    w.ingest({"object": 43}, {"object": 42, **play})

    assert views(w) == ({42: 1, 43: 1} if counts else {43: 1})


def test_a_viewer_counts_once_per_video_however_often_they_watch(tmp_path: Path) -> None:
    w = world(tmp_path)
    w.ingest({"user": 1}, {"user": 1, "ts_ms": T0 + 1}, {"user": 2}, {"user": 1, "object": 43})
    w.ingest({"user": 1, "ts_ms": T0 + 2})

    assert views(w) == {42: 2, 43: 1}
    by_viewer = qualified_views_by_viewer(w.lake).to_pylist()
    assert by_viewer == [{"user": 1, "author": 7, "qualified_views": 2},
                         {"user": 2, "author": 7, "qualified_views": 1}]  # fmt: skip


def test_a_window_counts_the_plays_inside_it_only(tmp_path: Path) -> None:
    w = world(tmp_path, tolerance_ms=2 * DAY_MS)
    w.ingest({"user": 1, "ts_ms": T0 - DAY_MS}, {"user": 2}, {"user": 3, "ts_ms": T0 + 5})

    assert views(w, start_ms=T0) == {42: 2}
    assert views(w, start_ms=T0, end_ms=T0 + 5) == {42: 1}
    assert views(w, end_ms=T0) == {42: 1}
    assert views(w, start_ms=T0 + DAY_MS) == {}


def test_the_qualified_minimum_is_a_parameter(tmp_path: Path) -> None:
    w = world(tmp_path)
    w.ingest({"watch_ms": 5_500})

    assert views(w) == {42: 1}
    assert qualified_views(w.lake, min_watch_ms=6_000).num_rows == 0


def test_creator_daily_counts_each_kind_and_the_rates(tmp_path: Path) -> None:
    w = world(tmp_path)
    plays = [{"user": u, "watch_ms": 4_000 + 1_000 * (u % 3), "complete": u < 50}
             for u in range(200)]  # fmt: skip
    others = [{"kind": k, "user": 1, "watch_ms": -1}
              for k in (Kind.LIKE, Kind.LIKE, Kind.LIKE, Kind.LIKE, Kind.COMMENT, Kind.SHARE,
                        Kind.IMPRESSION, Kind.FOLLOW, Kind.NOT_INTERESTED)]  # fmt: skip
    w.ingest(*plays, *others, {"kind": Kind.LIKE, "object": 44, "watch_ms": -1},
             {"kind": Kind.LIKE, "invalid": True, "watch_ms": -1})  # fmt: skip
    w.lake.flush()

    seven, eight = creator_daily(w.lake).to_pylist()

    assert seven["day"] == date(2026, 11, 1) and seven["author"] == 7
    assert (seven["plays"], seven["likes"], seven["comments"], seven["shares"]) == (200, 4, 1, 1)
    assert (seven["impressions"], seven["follows"], seven["not_interested"]) == (1, 1, 1)
    assert seven["qualified_views"] == 133  # the plays watched 5 s or 6 s, not 4 s
    assert seven["watch_ms"] == sum(p["watch_ms"] for p in plays)
    assert seven["completion_rate"] == pytest.approx(50 / 200)
    assert seven["engagement_rate"] == pytest.approx(6 / 200)
    # Creator 8 has a like but no plays: no rate to speak of.
    assert (eight["author"], eight["likes"], eight["plays"]) == (8, 1, 0)
    assert eight["engagement_rate"] is None and eight["completion_rate"] is None


def test_daily_qualified_views_count_a_returning_viewer_once_a_day(tmp_path: Path) -> None:
    w = world(tmp_path, tolerance_ms=3 * DAY_MS)
    w.ingest({"user": 1, "ts_ms": T0 - DAY_MS}, {"user": 1}, {"user": 1, "ts_ms": T0 + 1},
             {"user": 2, "object": 43})  # fmt: skip
    w.lake.flush()

    daily = [
        (r["day"].day, r["object"], r["qualified_views"]) for r in video_daily(w.lake).to_pylist()
    ]
    month = views(w)

    assert daily == [(31, 42, 1), (1, 42, 1), (1, 43, 1)]
    assert month == {42: 1, 43: 1}  # the window counts the viewer once in all


def test_daily_tables_keep_to_the_days_asked_for(tmp_path: Path) -> None:
    w = world(tmp_path, tolerance_ms=3 * DAY_MS)
    w.ingest({"ts_ms": T0 - 2 * DAY_MS}, {"ts_ms": T0 - DAY_MS}, {"ts_ms": T0})
    w.lake.flush()

    table = creator_daily(w.lake, first_day=date(2026, 10, 31), last_day=date(2026, 10, 31))

    assert table.column("day").to_pylist() == [date(2026, 10, 31)]
    assert table.column_names == ["day", "author", *DAILY_COLUMNS]


def test_an_empty_lake_gives_empty_tables_of_the_same_shape(tmp_path: Path) -> None:
    w = world(tmp_path)
    w.ingest({"kind": Kind.GIFT, "object": 900, "amount": 5, "watch_ms": -1})
    w.lake.flush()

    assert creator_daily(w.lake).num_rows == 0
    assert video_daily(w.lake).column_names == ["day", "object", "author", *DAILY_COLUMNS]
    assert qualified_views(w.lake).column_names == ["object", "author", "qualified_views"]
    assert video_totals(w.lake)["object"].tolist() == []


def test_stats_read_a_lake_by_its_path_too(tmp_path: Path) -> None:
    w = world(tmp_path)
    w.ingest({"user": 1}, {"user": 2})
    w.lake.close()

    assert qualified_views(tmp_path).to_pylist() == [
        {"object": 42, "author": 7, "qualified_views": 2}
    ]


def test_counters_rebuilt_from_the_lake_equal_the_online_counters(tmp_path: Path) -> None:
    w = world(tmp_path, flush_rows=300)
    rng = np.random.default_rng(11)
    for b in range(4):
        n = 500
        events = [{"ts_ms": T0 + b, "kind": int(k), "user": int(u), "object": int(o),
                   "watch_ms": int(wm), "surface": int(s), "paid": bool(p), "invalid": bool(i),
                   "complete": bool(c)}
                  for k, u, o, wm, s, p, i, c in zip(
                      rng.integers(0, 8, n), rng.integers(0, 30, n), rng.choice([42, 43, 44], n),
                      rng.integers(-3, 12_000, n), rng.integers(0, 5, n), rng.random(n) < 0.2,
                      rng.random(n) < 0.1, rng.random(n) < 0.3, strict=True)]  # fmt: skip
        w.ingest(*events)
    w.lake.close()

    fresh = EngagementCounters(0)
    restored = rebuild_counters(tmp_path, w.catalog, fresh)

    assert restored == 3
    for name in SIGNALS:
        assert getattr(fresh, name).tolist() == getattr(w.counters, name).tolist(), name
    assert w.counters.qualifying_plays.sum() > 0 and w.counters.reports.sum() > 0
