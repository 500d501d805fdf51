"""The creator rewards section of `summary.json`, from the rewards records and the books.

What the month paid comes from the close and its statements (the records of why money
moved); the program's cost comes from the books (`platform:expense:rewards`, net of
clawbacks). The statements split each creator's earnings into what reached the payout
minimum and moved to `creator:<id>:payable` and what is carried to the next period.
Worked example at the simulator's $0.50 minimum: a creator who earned $0.75 is paid
$0.75; one who earned $0.30 carries $0.30 over.

The comparison is the three modes on the same views and the same pool
(`Comparison.to_dict()`: totals per mode, who gains and loses, the pool's rate if the
platform watched half, as much, twice or four times as much), plus each creator's
payout under each mode for the report's chart (the `PAYOUT_ROWS` best paid under RPM).
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

import numpy as np

from reelmint.content.model import Origin
from reelmint.rewards import books
from reelmint.rewards.compare import Comparison
from reelmint.rewards.model import Mode
from reelmint.sim.metrics import distribution

if TYPE_CHECKING:
    from reelmint.sim.engines.rewards import RewardsEngine
    from reelmint.sim.world import World

TOP = 10
PAYOUT_ROWS = 1_000
RULES = ("min_age", "min_followers", "min_views_30d", "min_video_seconds",
         "earning_threshold_views", "payout_minimum_micros", "rpm_micros")  # fmt: skip


def rewards_summary(engine: RewardsEngine, world: World) -> dict[str, Any]:
    closed, comparison, service = engine.closed, engine.comparison, engine.service
    if closed is None or comparison is None:
        raise RuntimeError("the rewards engine summarises after its month-end close")
    statements = service.store.statements(period=closed.label)
    earned = np.array([s.earned for s in statements if s.earned > 0], np.int64)
    expense = world.ledger.balances([books.EXPENSE]).get(books.EXPENSE)
    views = closed.views
    return {
        "mode": closed.mode.value,
        "period": {
            "label": closed.label,
            "first": closed.first.isoformat(),
            "last": closed.last.isoformat(),
            "days": closed.period.days,
        },
        "scale": str(engine.sim.scale),
        "rules": {name: getattr(engine.rules, name) for name in RULES},
        "enrolled": len(service.store.enrollments()),
        "eligible_at_close": sum(1 for s in statements if s.eligible),
        "creators_earning": len(earned),
        "creators_paid": sum(1 for s in statements if s.paid > 0),
        "views": views,
        "earned_micros": closed.distributed,
        "paid_micros": sum(s.paid for s in statements),
        "carried_micros": sum(s.carried_out for s in statements),
        "effective_rpm_micros": closed.distributed * 1_000 // views if views else 0,
        "pool_micros": engine.pool_micros,
        "pool_source": "fixed" if engine.sim.pool_micros is not None else "rpm",
        "cost_micros": 0 if expense is None else -expense.posted,
        "payouts": distribution(earned),
        "top_earners": _top(statements),
        "origins": _origins(engine, world),
        "comparison": comparison.to_dict() | {"payouts": payouts_by_mode(comparison)},
        "books": service.check_books(),
    }


def _top(statements: list[Any]) -> list[dict[str, int]]:
    best = sorted(statements, key=lambda s: (-s.earned, s.creator))[:TOP]
    return [{"creator": s.creator, "views": s.views, "videos": s.videos, "earned_micros": s.earned,
             "paid_micros": s.paid, "carried_micros": s.carried_out}
            for s in best if s.earned > 0]  # fmt: skip


def _origins(engine: RewardsEngine, world: World) -> dict[str, dict[str, int]]:
    """Videos posted by origin (the back catalog and the run's), and how many earned."""
    catalog = world.catalog
    assert engine.closed is not None
    lines = engine.service.store.lines(period=engine.closed.label)
    paid = np.array([x.video for x in lines if x.micros > 0], np.int64)
    slots = catalog.ids.lookup(paid) if len(paid) else np.zeros(0, np.int64)
    posted = Counter(catalog.origin[catalog.posted_at_ms < engine.closed.period.end_ms].tolist())
    earning = Counter(catalog.origin[slots].tolist())
    return {o.name.lower(): {"videos": posted[int(o)], "earning": earning[int(o)]}
            for o in Origin}  # fmt: skip


def payouts_by_mode(c: Comparison, limit: int = PAYOUT_ROWS) -> dict[str, list[int]]:
    """Each creator's payout per mode, best paid under RPM first (ties by creator)."""
    order = np.lexsort((c.creator, -c.micros[Mode.RPM]))[:limit]
    out = {"creator": c.creator[order].tolist(), "views": c.views[order].tolist()}
    return out | {m.value: c.micros[m][order].tolist() for m in Mode}


__all__ = ["payouts_by_mode", "rewards_summary"]
