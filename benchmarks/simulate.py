"""The simulator end to end: wall time and throughput of `simulate` as users x days grow.

Each case calls `reelmint.sim.runner.simulate(settings, RunConfig(users, days, seed),
out, ledger)` directly (no CLI, no counterfactual rerun) with the books in an
`InMemoryLedger` and `load_settings(home=...)` defaults, into a fresh temporary
directory that is removed afterwards (the lake of a large run is gigabytes). Seed 7,
the CLI's default. An `on_day` callback timestamps the end of each day with
`perf_counter`, so the call splits into:

- day 0 + setup: from the call to the end of day 0 (building the population, catalog
  and back catalog, the engines' `start`, then the first day; the runner has no hook
  between setup and day 0, so the two are only seen together);
- days 1..N-1: each day's duration, end to end;
- post-run: from the end of the last day to the return (`end_month`, the lake's last
  flush, `summary.json` and `creators.parquet`).

A typical day is the mean of days 1..N-1, and setup = (day 0 + setup) - typical day;
this charges to setup whatever day 0 costs beyond a later day (cold caches, the first
feed refresh), which is where it belongs.

Cases (full run; `--quick` in brackets):

- 10,000 users x 30 days [2,000 x 5] and 100,000 users x 30 days [20,000 x 5], run in
  full: wall seconds, impressions/s and events/s over the whole call. Target:
  >= 2,000,000 impressions/s.
- 1,000,000 users [100,000], measured over 3 days [2] and *scaled* to 30: wall(30) =
  setup + 30 x typical day + post-run, impressions(30) = day 0's + 29 x the mean of
  days 1..N-1, and their ratio the 30-day impressions/s. The measured days, wall time
  and rates are in the JSON beside the scaled figures. Target: wall(30) <= 600 s.
- growth: seconds per user-day (wall / (users x days), the scaled wall for the scaled
  case) of each size, listed as `curve` in the payload. Target: linear, every size's
  cost within 1.5x of the smallest's.

Days are not all alike: later days of a run can cost more than its first ones.
A case run in full reports `day_slowdown`, its last three days' time over days 1-3.
The linear scaling cannot see that, so the scaled case also reports `with_slowdown`:
wall(30) had its days 2..29 slowed down, relative to its measured days 1..N-1, as the
largest full 30-day case's did. The target is held to the linear figure, as stated;
the other shows how far it may be low.

Peak RSS is the process's high-water mark (`ru_maxrss`) after each case; cases run
smallest first, so it is the case's own peak as long as each needs more memory than
the one before (where one did not, the figure repeats). The machine's load average at
start and at the end is in `machine`: other processes on it slow every figure here.

Worked example: 1,000,000 users measured over 3 days in 150 s, of which day 0 + setup
60 s, days 1 and 2 40 s each and post-run 10 s: typical day 40 s, setup 20 s, and
wall(30) = 20 + 30 x 40 + 10 = 1,230 s (target missed). At 8,000,000 impressions a
day that is 240,000,000 impressions in 1,230 s, 195,122 impressions/s, and
1,230 / 30,000,000 user-days = 41 µs per user-day.
"""

from __future__ import annotations

import gc
import os
import resource
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from itertools import pairwise
from pathlib import Path
from time import perf_counter
from typing import Any

from benchmarks.harness import envelope, record_case
from reelmint.ledger.memory import InMemoryLedger
from reelmint.settings import load_settings
from reelmint.sim.runner import DayDone, RunResult, simulate
from reelmint.sim.world import RunConfig

NAME = "simulate"
SEED = 7
MONTH = 30
MAX_MONTH_S = 600.0
MIN_IMPRESSIONS_PER_S = 2_000_000
MAX_COST_RATIO = 1.5


@dataclass(frozen=True, slots=True)
class Case:
    users: int
    days: int  # measured
    scaled_to: int | None = None  # days the figures are scaled to, if not run in full

    @property
    def name(self) -> str:
        return f"{self.users:,} users x {self.scaled_to or self.days} days"


def plan(quick: bool) -> list[Case]:
    if quick:
        return [Case(2_000, 5), Case(20_000, 5), Case(100_000, 2, scaled_to=MONTH)]
    return [Case(10_000, MONTH), Case(100_000, MONTH), Case(1_000_000, 3, scaled_to=MONTH)]


@dataclass(frozen=True, slots=True)
class Timing:
    """One `simulate` call, timed from outside."""

    result: RunResult
    wall: float  # the call, end to end
    first: float  # from the call to the end of day 0: setup and day 0
    days: list[float]  # durations of days 1..N-1
    post: float  # from the end of the last day to the return
    events_by_day: list[int]  # ingested on each day
    peak_rss_mb: float | None

    @property
    def typical_day(self) -> float | None:
        return sum(self.days) / len(self.days) if self.days else None

    @property
    def setup(self) -> float | None:
        typical = self.typical_day
        return None if typical is None else max(0.0, self.first - typical)


def peak_rss_mb() -> float | None:
    if sys.platform == "win32":
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)


def measure(users: int, days: int, seed: int = SEED) -> Timing:
    """Run `simulate` once into a temporary directory (removed afterwards), timed."""
    gc.collect()  # the previous case's world goes before this one is timed
    root = Path(tempfile.mkdtemp(prefix="reelmint-sim-"))
    try:
        settings = load_settings(home=root / "home")
        marks: list[float] = []
        events: list[int] = []

        def on_day(done: DayDone) -> None:
            marks.append(perf_counter())
            events.append(done.events)

        began = perf_counter()
        result = simulate(settings, RunConfig(users, days, seed), root / "out",
                          InMemoryLedger(), on_day)  # fmt: skip
        ended = perf_counter()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    if len(marks) != days:
        raise RuntimeError(f"on_day was called {len(marks)} times for {days} days")
    return Timing(
        result=result, wall=ended - began, first=marks[0] - began,
        days=[b - a for a, b in pairwise(marks)], post=ended - marks[-1],
        events_by_day=[b - a for a, b in pairwise([0, *events])],
        peak_rss_mb=peak_rss_mb(),
    )  # fmt: skip


def daily_impressions(t: Timing, days: int) -> list[int]:
    """Impressions served on each day, from the summary's daily series."""
    series = t.result.summary.get("daily", {}).get("impressions")
    if not isinstance(series, list) or len(series) != days:
        raise RuntimeError("summary.json has no daily impressions series")
    return [int(x) for x in series]


def with_slowdown(t: Timing, days: int, profile: list[float]) -> float:
    """wall(days) if the days after the measured ones slow down, relative to days
    1..N-1, as those of `profile` (days 1.. of a longer run) did."""
    assert t.setup is not None and t.typical_day is not None and len(profile) >= days - 1
    base = sum(profile[: len(t.days)]) / len(t.days)
    return t.setup + t.typical_day * (1 + sum(p / base for p in profile[: days - 1])) + t.post


def size_case(case: Case, curve: list[dict[str, Any]],
              profiles: dict[str, list[float]]) -> dict[str, Any]:  # fmt: skip
    """Run one size; append its point to `curve`, and to `profiles` its days 1.. if it ran
    in full."""
    t = measure(case.users, case.days)
    r = t.result
    per_day = daily_impressions(t, case.days)
    out: dict[str, Any] = {
        "name": case.name, "users": case.users, "days": case.scaled_to or case.days,
        "measured_days": case.days, "scaled": case.scaled_to is not None,
        "impressions": r.impressions, "events": r.events,
        "seconds": round(t.wall, 3), "runner_seconds": round(r.seconds, 3),
        "impressions_per_s": round(r.impressions / t.wall),
        "events_per_s": round(r.events / t.wall),
        "phases_s": {
            "day0_and_setup": round(t.first, 3),
            "setup_estimate": None if t.setup is None else round(t.setup, 3),
            "typical_day": None if t.typical_day is None else round(t.typical_day, 3),
            "post_run": round(t.post, 3),
            "days_1_on": [round(d, 3) for d in t.days],
        },
        "impressions_by_day": per_day, "events_by_day": t.events_by_day,
        "peak_rss_mb": t.peak_rss_mb,
    }  # fmt: skip
    wall, impressions, days = t.wall, r.impressions, case.days
    if case.scaled_to is not None:
        if t.setup is None or t.typical_day is None:
            raise ValueError("a scaled case needs at least 2 measured days")
        days = case.scaled_to
        wall = t.setup + days * t.typical_day + t.post
        steady = per_day[1:]
        impressions = per_day[0] + round((days - 1) * sum(steady) / len(steady))
        out["measured"] = {
            "days": case.days, "seconds": out["seconds"], "impressions": r.impressions,
            "events": r.events, "impressions_per_s": out["impressions_per_s"],
            "events_per_s": out["events_per_s"],
            "steady_impressions_per_s": round(sum(steady) / sum(t.days)),
        }  # fmt: skip
        events_steady = sum(t.events_by_day[1:]) / (case.days - 1)
        out.update(
            scaled_from_days=case.days,
            scaling=f"scaled from {case.days} measured days: wall = setup + {days} x "
            "mean(days 1..N-1) + post-run; impressions = day 0 + "
            f"{days - 1} x mean(days 1..N-1)",
            seconds=round(wall, 1), impressions=impressions,
            events=t.events_by_day[0] + round((days - 1) * events_steady),
        )  # fmt: skip
        out["impressions_per_s"] = round(impressions / wall)
        out["events_per_s"] = round(out["events"] / wall)
        longer = [(n, p) for n, p in profiles.items() if len(p) >= days - 1]
        if longer:
            source, profile = longer[-1]  # the largest run in full
            slow = with_slowdown(t, days, profile)
            out["with_slowdown"] = {
                "seconds": round(slow, 1), "profile_from": source,
                "note": f"days 2..{days} slowed down relative to the measured days 1..N-1 "
                f"as in the {source} run; setup and post-run as measured",
            }  # fmt: skip
    elif len(t.days) >= 6:
        profiles[case.name] = t.days
        out["day_slowdown"] = round(sum(t.days[-3:]) / sum(t.days[:3]), 3)
    cost = wall / (case.users * days)
    out["seconds_per_user_day"] = cost
    out["us_per_user_day"] = round(cost * 1e6, 3)
    curve.append({"users": case.users, "days": days, "measured_days": case.days,
                  "seconds_per_user_day": cost})  # fmt: skip
    rate = out["impressions_per_s"]
    throughput = {"label": f"throughput >= {MIN_IMPRESSIONS_PER_S:,} impressions/s",
                  "min_impressions_per_s": MIN_IMPRESSIONS_PER_S,
                  "met": rate >= MIN_IMPRESSIONS_PER_S}  # fmt: skip
    out["throughput_target"] = throughput
    scaled = f" (scaled from {case.days} days)" if case.scaled_to else ""
    if "with_slowdown" in out:
        source = out["with_slowdown"]["profile_from"].split(" users")[0]
        scaled = (f" (scaled from {case.days} days; {out['with_slowdown']['seconds']:,.0f} s "
                  f"if days slow down as at {source} users)")  # fmt: skip
    out["headline"] = f"{wall:,.1f} s{scaled}, {rate:,.0f} impressions/s"
    if case.scaled_to is None:
        out["target"] = throughput
    else:
        out["target"] = {"label": f"{case.users:,} users x {days} days <= {MAX_MONTH_S:.0f} s",
                         "max_seconds": MAX_MONTH_S, "met": wall <= MAX_MONTH_S}  # fmt: skip
    return out


def growth_case(curve: list[dict[str, Any]]) -> dict[str, Any]:
    """Cost per user-day from the smallest size to the largest (and each size between)."""
    if len(curve) < 2:
        raise RuntimeError("fewer than two sizes ran, so there is no growth to report")
    points = sorted(curve, key=lambda p: p["users"] * p["days"])
    base = points[0]["seconds_per_user_day"]
    ratios = [p["seconds_per_user_day"] / base for p in points]
    small, large, worst = points[0], points[-1], max(ratios)

    def size(users: int) -> str:
        return f"{users // 1_000_000}M" if users % 1_000_000 == 0 else f"{users // 1_000}k"

    return {
        "name": "growth",
        "points": len(points), "ratios": [round(x, 3) for x in ratios],
        "headline": f"cost per user-day {size(small['users'])}→{size(large['users'])}: "
        f"{small['seconds_per_user_day'] * 1e6:.2f} µs → "
        f"{large['seconds_per_user_day'] * 1e6:.2f} µs (ratio {ratios[-1]:.2f})",
        "target": {"label": f"linear: ratio <= {MAX_COST_RATIO}", "max_ratio": MAX_COST_RATIO,
                   "met": worst <= MAX_COST_RATIO},
    }  # fmt: skip


def run(
    *, quick: bool = False, pg_url: str | None = None,
    on_case: Callable[[dict[str, Any]], None] | None = None, cases: list[Case] | None = None,
) -> dict[str, Any]:  # fmt: skip
    payload = envelope(NAME, quick=quick, pg_url=pg_url)
    payload.update(cases=[], failed=[], skipped=[])
    payload["setup"] = {"seed": SEED, "ledger": "InMemoryLedger", "settings": "defaults",
                        "counterfactual": False}  # fmt: skip
    curve: list[dict[str, Any]] = []
    payload["curve"] = curve  # filled as the sizes run
    profiles: dict[str, list[float]] = {}
    for case in plan(quick) if cases is None else cases:
        record_case(payload, case.name, partial(size_case, case, curve, profiles), on_case)
    record_case(payload, "growth", lambda: growth_case(curve), on_case)
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    payload["machine"]["load_average_at_end"] = [round(x, 2) for x in load] if load else None
    return payload
