"""Run a synthetic platform through the engines: `simulate(settings, config, out)`.

The runner builds the world (population, catalog, counters, lake, ingest, books), asks
the registry for the engines and drives them day by day, tick by tick, in their order
(see `reelmint.sim.engines`). It knows no engine by name. At the end it writes
`out/summary.json` and `out/creators.parquet` (see `reelmint.sim.summary`). Engines
that keep records beside the books (the gifts engine's people, LIVEs and purchases) keep
them in `database`: the platform's, or else a migrated SQLite file `out/records.db`, since
books held in memory leave nowhere else to put them.

Determinism: every draw comes from `world.rng(purpose, ...)`, seeded by the run's seed;
nothing reads the clock. The same seed and settings give the same summary, byte for
byte. Wall time and speed go to `out/run.json`, which is not part of the summary.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from reelmint.content.catalog import VideoCatalog
from reelmint.db.engine import make_engine
from reelmint.db.migrate import upgrade
from reelmint.events.counters import EngagementCounters
from reelmint.events.ingest import Ingestor
from reelmint.events.lake import Lake
from reelmint.ledger import Ledger
from reelmint.settings import Settings
from reelmint.sim.calibration import calibrate
from reelmint.sim.engines import engines
from reelmint.sim.population import generate
from reelmint.sim.summary import write_outputs
from reelmint.sim.videos import VideoTraits
from reelmint.sim.world import Follows, RunConfig, World, seeded

DAILY = ("impressions", "plays", "qualifying_plays", "likes", "comments", "shares", "follows",
         "not_interested", "reports", "watch_ms", "completions")  # fmt: skip


@dataclass(frozen=True, slots=True)
class DayDone:
    """What a progress display needs after each day."""

    day: int
    days: int
    label: str
    events: int  # ingested so far, all days


@dataclass(frozen=True, slots=True)
class RunResult:
    summary: dict[str, Any]
    seconds: float
    events: int
    impressions: int


def simulate(settings: Settings, config: RunConfig, out: Path, ledger: Ledger,
             on_day: Callable[[DayDone], None] | None = None,
             clock: Callable[[], float] = time.perf_counter, *,
             database: Engine | None = None) -> RunResult:  # fmt: skip
    """Run `config` and write its outputs under `out` (which the caller has checked is
    fresh). `clock` only times the run for `run.json`; it never reaches the engines."""
    began = clock()
    records = records_database(out) if database is None else database
    world = build_world(settings, config, out, ledger)
    world.database = records
    steps = engines()
    for engine in steps:
        engine.start(world)
    before = world.totals()
    for day in range(config.days):
        world.daily.setdefault("day", []).append(config.day_label(day))  # type: ignore[arg-type]
        for engine in steps:
            engine.begin_day(world, day)
        for tick in world.ticks(day):
            for engine in steps:
                engine.tick(world, tick)
        for engine in steps:
            engine.end_day(world, day)
        # Write the day out: rare kinds would otherwise wait in memory for a full batch.
        world.lake.flush()
        after = world.totals()
        for name in DAILY:
            world.record(name, after[name] - before[name])
        before = after
        if on_day:
            on_day(DayDone(day, config.days, config.day_label(day), world.events_ingested))
    for engine in steps:
        engine.end_month(world)
    world.lake.flush()
    summary = write_outputs(world, steps, out)
    if database is None:
        records.dispose()
    seconds = clock() - began
    impressions = int(world.counters.impressions.sum())
    (out / "run.json").write_text(json.dumps({
        "seconds": round(seconds, 3), "events": world.events_ingested,
        "impressions": impressions, "impressions_per_s": round(impressions / max(seconds, 1e-9)),
        "events_per_s": round(world.events_ingested / max(seconds, 1e-9)),
    }, indent=2) + "\n")  # fmt: skip
    return RunResult(summary, seconds, world.events_ingested, impressions)


def build_world(settings: Settings, config: RunConfig, out: Path, ledger: Ledger) -> World:
    sim, feed = settings.sim, settings.feed
    cal = calibrate(sim.calibration_dir)
    pop = generate(config.users, feed.topics, cal, sim, seeded(config.seed, "population"))
    catalog = VideoCatalog(feed.topics)
    counters = EngagementCounters(
        qualified_view_min_ms=settings.economics.rewards.qualified_view_min_ms
    )
    lake = Lake(out / "lake", flush_rows=settings.events.flush_rows)
    ticks = sim.rounds_per_day
    # Events of a tick fall anywhere in it, so the ingest tolerance covers a tick.
    ingestor = Ingestor(lake, catalog, counters, tolerance_ms=86_400_000 // ticks)
    return World(settings, config, cal, pop, catalog, VideoTraits(), counters, lake, ingestor,
                 ledger, Follows(config.users), ticks)  # fmt: skip


def records_database(out: Path) -> Engine:
    """A fresh SQLite database for the run's records, at the current schema."""
    engine = make_engine(f"sqlite:///{out / 'records.db'}")
    upgrade(engine)
    return engine


__all__ = ["DayDone", "RunResult", "build_world", "simulate"]
