"""What a run leaves behind: `summary.json` and `creators.parquet`.

`summary.json` ("format": "reelmint.simulation/1") holds counts, events by kind,
totals and per-play rates against DESIGN.md section 5's targets, daily series, the
distributions of views per video and followers per creator, the top creators, money
booked per platform channel and creator channel (USD micros, from the engines), the
trial balance per asset, the likes-and-money figures, and the seed and settings used;
engines add their own sections (`ads`, `gifts`: see `reelmint.sim.gift_summary`).
Nothing in it depends on the machine or the clock, so a seed reproduces it exactly.

`creators.parquet` has one row per creator (int64 columns): creator, followers, videos,
impressions, plays, qualified_views, likes, comments, shares, value_micros (qualified
views at the rewards RPM, what those views would earn in the program before its
eligibility rules) and earnings_micros (what the engines booked).

Qualified views are counted from the lake with the events' definition (first view per
viewer per video in the month, For You, at least 5 s, not paid, not invalid).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from reelmint.events.stats import qualified_views
from reelmint.sim.metrics import distribution, spearman

if TYPE_CHECKING:
    from reelmint.sim.engines import Engine
    from reelmint.sim.world import World

FORMAT = "reelmint.simulation/1"
TOP = 20
_KIND_NAMES = {"impressions": "impression", "plays": "play", "likes": "like",
               "comments": "comment", "shares": "share", "follows": "follow",
               "not_interested": "not_interested", "reports": "report"}  # fmt: skip
# Settings that name places on this machine, not choices that shape the run.
_LOCAL = {"home": True, "database_url": True, "events": {"lake_dir": True},
          "sim": {"calibration_dir": True}, "api": True}  # fmt: skip


def write_outputs(world: World, engines: Sequence[Engine], out: Path) -> dict[str, Any]:
    views = video_qualified_views(world)
    creators = creator_table(world, views)
    summary = build_summary(world, engines, creators, views)
    write_table(creators, out / "creators.parquet")
    write_json(summary, out / "summary.json")
    return summary


def creator_table(world: World, views: np.ndarray) -> pa.Table:
    """One row per creator; `views` are qualified views per catalog slot."""
    pop, catalog, c = world.population, world.catalog, world.counters
    ids = pop.creators
    index = np.full(pop.users, -1, np.int64)
    index[ids] = np.arange(len(ids))
    owner = index[catalog.creator]

    def per_creator(values: np.ndarray) -> np.ndarray:
        return np.bincount(owner, weights=values, minlength=len(ids)).astype(np.int64)

    rpm = world.settings.economics.rewards.rpm_micros
    qv = per_creator(views)
    earnings = np.zeros(len(ids), np.int64)
    for channel in world.shared.get("creator_earnings", {}).values():
        earnings += np.asarray(channel, np.int64)
    followers = world.follows.followers[ids] if len(world.follows.followers) else 0 * ids
    return pa.table({
        "creator": ids, "followers": followers,
        "videos": np.bincount(owner, minlength=len(ids)).astype(np.int64),
        "impressions": per_creator(c.impressions), "plays": per_creator(c.plays),
        "qualified_views": qv, "likes": per_creator(c.likes),
        "comments": per_creator(c.comments), "shares": per_creator(c.shares),
        "value_micros": qv * np.int64(rpm) // 1000,  # floored: a valuation never overstates
        "earnings_micros": earnings,
    })  # fmt: skip


def video_qualified_views(world: World) -> np.ndarray:
    """Qualified views in the run, per catalog slot."""
    table = qualified_views(world.lake, start_ms=world.config.start_ms,
                            end_ms=world.config.day_ms(world.config.days))  # fmt: skip
    views = np.zeros(len(world.catalog), np.int64)
    slots = world.catalog.ids.lookup(table.column("object").to_numpy())
    views[slots] = table.column("qualified_views").to_numpy()
    return views


def build_summary(world: World, engines: Sequence[Engine], creators: pa.Table,
                  views: np.ndarray) -> dict[str, Any]:  # fmt: skip
    cfg, s = world.config, world.settings
    totals = world.totals()
    qv = int(pc.sum(creators.column("qualified_views")).as_py() or 0)
    posted = world.catalog.posted_at_ms < cfg.day_ms(cfg.days)
    col = {name: creators.column(name).to_numpy() for name in creators.column_names}
    config = {"users": cfg.users, "days": cfg.days, "start": cfg.start.isoformat(),
              "rounds_per_day": world.ticks_per_day, "page": s.sim.page}  # fmt: skip
    counts = {"users": cfg.users, "creators": len(world.population.creators),
              "videos": int(posted.sum()), "videos_posted": sum(world.daily["videos_posted"]),
              "follows": len(world.follows)}  # fmt: skip
    summary: dict[str, Any] = {
        "format": FORMAT,
        "seed": cfg.seed,
        "config": config,
        "steps": [engine.name for engine in engines],
        "calibration": world.calibration.source,
        "settings": _portable(s.model_dump(mode="json")),
        "counts": counts,
        "events": {_KIND_NAMES[k]: totals[k] for k in _KIND_NAMES},
        "totals": _totals(totals, qv),
        **_rates(world, totals),
        "daily": _daily(world),
        "views_per_video": distribution(views[posted]),
        "followers": distribution(col["followers"]),
        "top_creators": _top(col),
        "money": {"platform_revenue_micros": {}, "creator_earnings_micros": {}},
        "trial_balance": _trial_balance(world),
        "likes_and_money": _likes_and_money(world, col),
    }
    for engine in engines:
        engine.summarize(world, summary)
    return summary


def _totals(totals: dict[str, int], qualified: int) -> dict[str, int]:
    out = {k: totals[k] for k in _KIND_NAMES}
    out.update(qualified_views=qualified, watch_ms=totals["watch_ms"],
               completions=totals["completions"])  # fmt: skip
    return out


def _rates(world: World, totals: dict[str, int]) -> dict[str, dict[str, float]]:
    """Per-play rates, beside the targets the behaviour was calibrated to."""
    plays = max(totals["plays"], 1)
    e, sim = world.settings.economics.engagement, world.settings.sim
    measured = {"like": totals["likes"], "comment": totals["comments"],
                "share": totals["shares"], "follow": totals["follows"],
                "completion": totals["completions"],
                "qualified": totals["qualifying_plays"]}  # fmt: skip
    targets: dict[str, float] = {
        "like": float(e.like), "comment": float(e.comment), "share": float(e.share),
        "follow": float(e.follow), "completion": float(e.completion),
        "qualified": sim.qualified_share,
    }  # fmt: skip
    return {"rates": {k: round(v / plays, 6) for k, v in measured.items()},
            "targets": targets}  # fmt: skip


_TOP_COLUMNS = ("creator", "followers", "videos", "impressions", "qualified_views", "likes",
                "value_micros", "earnings_micros")  # fmt: skip


def _top(col: dict[str, np.ndarray]) -> list[dict[str, int]]:
    order = np.lexsort((col["creator"], -col["qualified_views"]))[:TOP]
    return [{name: int(col[name][i]) for name in _TOP_COLUMNS} for i in order]


def _trial_balance(world: World) -> list[dict[str, Any]]:
    return [
        {"asset": row.asset.value, "accounts": row.accounts,
         "debits_posted": row.debits_posted, "credits_posted": row.credits_posted,
         "debits_pending": row.debits_pending, "credits_pending": row.credits_pending,
         "balanced": row.balanced}
        for row in world.ledger.trial_balance()
    ]  # fmt: skip


def _likes_and_money(world: World, col: dict[str, np.ndarray]) -> dict[str, Any]:
    likes = col["likes"]
    return {
        "value_rpm_micros": world.settings.economics.rewards.rpm_micros,
        "spearman": {
            "likes_vs_qualified_views": spearman(likes, col["qualified_views"]),
            "likes_vs_value": spearman(likes, col["value_micros"]),
            "likes_vs_earnings": spearman(likes, col["earnings_micros"]),
        },
        "counterfactual": None,
    }


def _daily(world: World) -> dict[str, list[Any]]:
    rename = {"qualifying_plays": "qualified_views"}
    return {rename.get(k, k): list(v) for k, v in world.daily.items()}


def _portable(values: dict[str, Any], local: dict[str, Any] = _LOCAL) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in values.items():
        rule = local.get(key)
        if rule is True:
            continue
        out[key] = _portable(value, rule) if isinstance(rule, dict) else value
    return out


def write_json(data: dict[str, Any], path: Path) -> None:
    """Write through a temporary file and rename, so a reader never sees half a file."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n")
    os.replace(tmp, path)


def write_table(table: pa.Table, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    pq.write_table(table, tmp)
    os.replace(tmp, path)
