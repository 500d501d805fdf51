"""A small, realistic simulation run directory, written the way the runner writes one.

`write_run` draws creators from a seeded generator (heavy-tailed followers and views,
likes near 4% of plays), derives summary.json from those same arrays (totals, Gini,
quantiles, log-spaced histograms, top creators), and writes creators.parquet. The same
arguments always give the same files.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

RPM_MICROS = 500_000  # $0.50 per thousand qualified views
TARGETS = {"like": 0.04, "comment": 0.004, "share": 0.003, "follow": 0.002, "completion": 0.3}


def write_run(
    directory: Path,
    *,
    creators: int = 200,
    counterfactual: bool = True,
    money: bool = True,
    seed: int = 7,
) -> Path:
    """Write summary.json and creators.parquet under `directory` and return it."""
    rng = np.random.default_rng(seed)
    columns = _creators(rng, creators, counterfactual)
    directory.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(columns), directory / "creators.parquet")
    summary = _summary(rng, columns, seed=seed, counterfactual=counterfactual, money=money)
    (directory / "summary.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
    return directory


def edit_summary(directory: Path, change: Callable[[dict[str, Any]], object]) -> None:
    """Rewrite summary.json after `change` edits it in place."""
    path = directory / "summary.json"
    summary = json.loads(path.read_text(encoding="utf-8"))
    change(summary)
    path.write_text(json.dumps(summary), encoding="utf-8")


def _creators(rng: np.random.Generator, n: int, counterfactual: bool) -> dict[str, np.ndarray]:
    followers = (rng.pareto(1.3, n) * 40).astype(np.int64)
    videos = rng.integers(1, 12, n)
    impressions = ((followers + 20) * videos * rng.lognormal(1.0, 0.8, n)).astype(np.int64)
    plays = (impressions * rng.uniform(0.6, 0.9, n)).astype(np.int64)
    qualified = (plays * rng.uniform(0.3, 0.6, n)).astype(np.int64)
    likes = rng.binomial(plays, 0.04)
    cols = {
        "creator": np.arange(1, n + 1, dtype=np.int64),
        "followers": followers,
        "videos": videos.astype(np.int64),
        "impressions": impressions,
        "plays": plays,
        "qualified_views": qualified,
        "likes": likes.astype(np.int64),
        "comments": rng.binomial(plays, 0.004).astype(np.int64),
        "shares": rng.binomial(plays, 0.003).astype(np.int64),
        "value_micros": qualified * RPM_MICROS // 1000,
        "earnings_micros": qualified * RPM_MICROS // 2000,
    }
    if counterfactual:
        # Without the like weight, liked creators lose a little reach, the others gain some.
        shift = 1.0 - 0.3 * (likes / np.maximum(plays, 1) - 0.04) - rng.normal(0.03, 0.02, n)
        cf_qualified = np.maximum(0, (qualified * shift).round()).astype(np.int64)
        cols |= {
            "cf_impressions": np.maximum(0, (impressions * shift).round()).astype(np.int64),
            "cf_qualified_views": cf_qualified,
            "cf_likes": np.maximum(0, (likes * shift).round()).astype(np.int64),
            "cf_value_micros": cf_qualified * RPM_MICROS // 1000,
            "cf_earnings_micros": cf_qualified * RPM_MICROS // 2000,
        }
    return cols


def _summary(
    rng: np.random.Generator,
    c: dict[str, np.ndarray],
    *,
    seed: int,
    counterfactual: bool,
    money: bool,
) -> dict[str, Any]:
    days = 30
    totals = {k: int(c[k].sum()) for k in ("impressions", "plays", "likes", "comments", "shares")}
    totals |= {"qualified_views": int(c["qualified_views"].sum()), "follows": 900}
    totals |= {"not_interested": 40, "reports": 3, "completions": int(totals["plays"] * 0.31)}
    totals["watch_ms"] = totals["plays"] * 9_000
    per_play = {k: totals[k + "s"] / totals["plays"] for k in ("like", "comment", "share")}
    rates = per_play | {"follow": totals["follows"] / totals["plays"]}
    rates |= {"completion": totals["completions"] / totals["plays"]}
    rates["qualified"] = totals["qualified_views"] / totals["plays"]
    video_views = rng.pareto(1.1, int(c["videos"].sum())).astype(np.int64) * 30
    order = np.argsort(-c["qualified_views"], kind="stable")[:20]
    return {
        "format": "reelmint.simulation/1",
        "seed": seed,
        "config": {"users": 10_000, "days": days, "start": "2026-11-01", "rounds_per_day": 12}
        | {"page": 8},
        "steps": ["feed"],
        "settings": {"feed": {"like_weight": 1.0}},
        "counts": {"users": 10_000, "creators": len(c["creator"]), "videos": len(video_views)}
        | {"videos_posted": len(video_views) // 3, "follows": totals["follows"]},
        "events": {"impression": totals["impressions"], "play": totals["plays"]}
        | {"like": totals["likes"]},
        "totals": totals,
        "rates": rates,
        "targets": TARGETS,
        "daily": _daily(rng, totals, days),
        "views_per_video": _distribution(video_views),
        "followers": _distribution(c["followers"]),
        "top_creators": [_top(c, int(i)) for i in order],
        "money": _money(c)
        if money
        else {"platform_revenue_micros": {}} | {"creator_earnings_micros": {}},
        "trial_balance": [_trial_balance()],
        "likes_and_money": _likes_and_money(c, counterfactual),
    } | ({"gifts": _gifts()} if money else {})


def _daily(rng: np.random.Generator, totals: dict[str, int], days: int) -> dict[str, list[Any]]:
    start = dt.date(2026, 11, 1)
    weights = rng.dirichlet(np.full(days, 20.0))
    daily: dict[str, list[Any]] = {
        "day": [(start + dt.timedelta(days=i)).isoformat() for i in range(days)]
    }
    for key in ("impressions", "plays", "qualified_views", "likes", "comments", "shares"):
        daily[key] = [int(v) for v in (weights * totals[key]).round()]
    daily["follows"] = [int(v) for v in (weights * totals["follows"]).round()]
    daily["videos_posted"] = [int(v) for v in rng.integers(20, 40, days)]
    daily["active_users"] = [int(v) for v in rng.integers(6_000, 8_000, days)]
    daily["coins_bought"] = [int(v) for v in rng.integers(1_000, 4_000, days)]
    daily["coins_sent"] = [int(v) for v in rng.integers(800, 3_000, days)]
    return daily


def _distribution(values: np.ndarray) -> dict[str, Any]:
    ordered = np.sort(values.astype(float))
    n = len(ordered)
    gini = float((2 * np.arange(1, n + 1) - n - 1) @ ordered / (n * ordered.sum()))
    edges = np.unique(np.round(np.geomspace(1, max(2.0, ordered[-1] + 1), 17)))
    counts, _ = np.histogram(values[values > 0], bins=edges)  # zeros are counted apart
    q = {f"p{p}": int(np.percentile(values, p)) for p in (50, 90, 99)}
    return {
        "gini": round(gini, 4),
        "quantiles": q | {"max": int(ordered[-1])},
        "zeros": int((values == 0).sum()),
        "histogram": {"edges": [float(e) for e in edges], "counts": [int(k) for k in counts]},
    }


def _top(c: dict[str, np.ndarray], i: int) -> dict[str, int]:
    keys = ("creator", "followers", "videos", "impressions", "qualified_views", "likes")
    return {k: int(c[k][i]) for k in (*keys, "value_micros", "earnings_micros")}


def _money(c: dict[str, np.ndarray]) -> dict[str, dict[str, int]]:
    rewards = int(c["earnings_micros"].sum())
    return {
        "platform_revenue_micros": {"ads": 48_123_456_789, "gifts": 9_876_543_210},
        "creator_earnings_micros": {"rewards": rewards, "gifts": 4_938_271_605},
    }


def _gifts() -> dict[str, Any]:
    """A LIVE gifts month whose money adds up: paid = fees + margin + coins' face value."""
    bought, spent, face = 72_000, 60_000, 10_000
    gifters = [(6371, "18-24", 29_800, 331, 52_728), (4405, "55+", 9_720, 170, 15_852)]
    return {
        "lives": 352, "viewers": 11_026, "unique_viewers": 6_079, "buyers": 114,
        "gifters": 114, "purchases": 140, "in_app_purchases": 100, "coins_bought": bought,
        "coins_spent": spent, "coins_in_wallets": bought - spent,
        "wallets_micros": (bought - spent) * face, "paid_micros": 1_035_433_000,
        "app_store_fees_micros": 277_462_500, "coin_margin_micros": 37_970_500,
        "gift_revenue_micros": spent * face // 2, "gifts_sent": 200, "gift_items": 4_016,
        "diamonds": spent, "diamonds_value_micros": spent * face // 2,
        "top_tenth_coin_share": 0.8906, "refused": {"UnderAge": 9},
        "cashouts": {"requested": 23, "requested_micros": 288_180_000, "paid": 6,
                     "paid_micros": 105_505_000, "held": 17, "held_micros": 182_675_000},
        "top_gifters": [dict(zip(("user", "age_band", "coins", "gifts", "budget_coins"), g,
                                 strict=True)) for g in gifters],
    }  # fmt: skip


def _trial_balance() -> dict[str, Any]:
    posted = 61_234_567_890
    return {"asset": "USD", "accounts": 812, "debits_posted": posted, "credits_posted": posted} | {
        "debits_pending": 0,
        "credits_pending": 0,
        "balanced": True,
    }


def _likes_and_money(c: dict[str, np.ndarray], counterfactual: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "value_rpm_micros": RPM_MICROS,
        "spearman": {
            "likes_vs_qualified_views": _spearman(c["likes"], c["qualified_views"]),
            "likes_vs_value": _spearman(c["likes"], c["value_micros"]),
            "likes_vs_earnings": None,
        },
        "counterfactual": None,
    }
    if counterfactual:
        keys = ("impressions", "qualified_views", "likes", "value_micros", "earnings_micros")
        baseline = {k: int(c[k].sum()) for k in keys}
        totals = {k: int(c["cf_" + k].sum()) for k in keys}
        moved = c["cf_qualified_views"] - c["qualified_views"]
        out["counterfactual"] = {
            "like_weight": 0.0,
            "totals": totals,
            "baseline": baseline,
            "change": {k: totals[k] / baseline[k] - 1 for k in keys},
            "creators": {"gained_views": int((moved > 0).sum())}
            | {"lost_views": int((moved < 0).sum()), "unchanged": int((moved == 0).sum())},
        }
    return out


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    ranks_a, ranks_b = np.argsort(np.argsort(a)), np.argsort(np.argsort(b))
    return round(float(np.corrcoef(ranks_a, ranks_b)[0, 1]), 4)
