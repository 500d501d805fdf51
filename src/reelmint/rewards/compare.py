"""The three modes side by side on the same period: who gains and who loses. Pure.

For each mode: what it distributes, its effective RPM (micros per 1,000 payable views),
how many creators it pays, and how concentrated the payouts are (Gini, the top 10%'s
share). Per creator: the payout under each mode, and the change from RPM to the pool and
to user-centric. The pool's flaw is shown as arithmetic on the month itself: the rate
each view would have paid had the platform watched half, the same, twice or four times
as much, under the same fixed pool, beside RPM's rate, which does not move.

Worked example: a $100 pool over 200,000 payable views pays $0.50 per 1,000; with twice
the views it would pay $0.25, with half $1.00.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from reelmint.rewards.model import Mode
from reelmint.rewards.modes import VIEWS_PER_RATE, Distribution

I64 = NDArray[np.int64]
GROWTH = ((1, 2), (1, 1), (2, 1), (4, 1))  # views scaled by x0.5, x1, x2, x4


@dataclass(frozen=True)
class Comparison:
    period: str
    creator: I64
    views: I64
    micros: dict[Mode, I64]
    totals: dict[Mode, dict[str, Any]]
    pool_rate_by_growth: list[dict[str, Any]]

    def movers(self, mode: Mode, n: int = 10) -> dict[str, list[dict[str, int]]]:
        """The creators who gain and lose most going from RPM to `mode`."""
        delta = self.micros[mode] - self.micros[Mode.RPM]
        order = np.lexsort((self.creator, -delta))
        rows = [self._row(i, delta) for i in order.tolist()]
        gains = [r for r in rows if r["change_micros"] > 0][:n]
        losses = [r for r in reversed(rows) if r["change_micros"] < 0][:n]
        return {"gain": gains, "lose": losses}

    def _row(self, i: int, delta: I64) -> dict[str, int]:
        return {"creator": int(self.creator[i]), "views": int(self.views[i]),
                **{f"{m.value}_micros": int(self.micros[m][i]) for m in Mode},
                "change_micros": int(delta[i])}  # fmt: skip

    def to_dict(self, n: int = 10) -> dict[str, Any]:
        return {
            "period": self.period,
            "modes": {m.value: self.totals[m] for m in Mode},
            "movers": {m.value: self.movers(m, n) for m in (Mode.POOL, Mode.USER_CENTRIC)},
            "pool_rate_by_growth": self.pool_rate_by_growth,
            "creators": len(self.creator),
        }


def compare(period: str, runs: dict[Mode, Distribution]) -> Comparison:
    creators = np.unique(np.concatenate([d.creator for d in runs.values()]))
    views = _align(creators, runs[Mode.RPM].creator, runs[Mode.RPM].views)
    micros = {m: _align(creators, d.creator, d.micros) for m, d in runs.items()}
    totals = {m: summary(d) for m, d in runs.items()}
    return Comparison(period, creators, views, micros, totals,
                      pool_growth(runs[Mode.POOL], runs[Mode.RPM]))  # fmt: skip


def summary(d: Distribution) -> dict[str, Any]:
    paid = np.sort(d.micros[d.micros > 0])
    top = max(1, len(paid) // 10)
    return {
        "distributed_micros": d.distributed, "views": d.total_views,
        "effective_rpm_micros": d.effective_rpm, "creators_paid": len(paid),
        "gini": gini(paid),
        "top_10pct_share": round(int(paid[-top:].sum()) / max(int(paid.sum()), 1), 4),
        "median_micros": int(paid[len(paid) // 2]) if len(paid) else 0,
    }  # fmt: skip


def pool_growth(pool: Distribution, rpm: Distribution) -> list[dict[str, Any]]:
    """The pool's rate per 1,000 views, and RPM's, if every creator's views were scaled."""
    out = []
    views = pool.total_views
    for num, den in GROWTH:
        scaled = views * num // den
        rate = pool.pool_micros * VIEWS_PER_RATE // scaled if scaled else 0
        out.append({"views_factor": num / den, "views": scaled, "pool_rpm_micros": rate,
                    "rpm_micros": rpm.rate_micros})  # fmt: skip
    return out


def gini(values: I64) -> float:
    """Gini of non-negative amounts (0: all equal; near 1: one takes all)."""
    x = np.sort(np.asarray(values, np.float64))
    n, total = len(x), float(x.sum())
    if n == 0 or total == 0:
        return 0.0
    ranks = np.arange(1, n + 1)
    return round(float((2 * ranks - n - 1) @ x) / (n * total), 4)


def _align(creators: I64, ids: I64, values: I64) -> I64:
    out = np.zeros(len(creators), np.int64)
    out[np.searchsorted(creators, ids)] = values
    return out
