"""The "do likes make money?" counterfactual: the same seed with the like weight at zero.

Both runs share the population, the posting and every draw up to the first page the
ranker orders differently, so what moves between them is what the like signal moved.
`compare` sets `likes_and_money.counterfactual` in the baseline's summary and adds the
rerun's per-creator figures to its creators table as `cf_*` columns.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from reelmint.settings import Settings

COMPARED = ("impressions", "qualified_views", "likes", "value_micros", "earnings_micros")


def without_likes(settings: Settings) -> Settings:
    """The same settings with the ranker's like weight set to zero."""
    weights = settings.feed.weights.model_copy(update={"like": 0.0})
    feed = settings.feed.model_copy(update={"weights": weights})
    return settings.model_copy(update={"feed": feed})


def compare(summary: dict[str, Any], creators: pa.Table, rerun: pa.Table) -> pa.Table:
    """Fill the counterfactual section of `summary`; returns `creators` with cf columns."""
    if creators.column("creator").to_pylist() != rerun.column("creator").to_pylist():
        raise ValueError("the counterfactual run has other creators than the baseline")
    base = {k: int(np.sum(creators.column(k).to_numpy())) for k in COMPARED}
    cf = {k: int(np.sum(rerun.column(k).to_numpy())) for k in COMPARED}
    views = creators.column("qualified_views").to_numpy()
    cf_views = rerun.column("qualified_views").to_numpy()
    summary["likes_and_money"]["counterfactual"] = {
        "like_weight": 0.0,
        "baseline": base,
        "totals": cf,
        "change": {k: (round(cf[k] / base[k] - 1, 6) if base[k] else None) for k in COMPARED},
        "creators": {
            "gained_views": int((cf_views > views).sum()),
            "lost_views": int((cf_views < views).sum()),
            "unchanged": int((cf_views == views).sum()),
        },
    }
    for name in COMPARED:
        creators = creators.append_column(f"cf_{name}", rerun.column(name))
    return creators
