"""The creator rewards part of the reports: rows shared by the terminal and HTML pages,
and the two charts (payouts per creator by mode, the fixed pool's flaw).

The comparison answers "what if the month had been shared another way?": the same views
and the same money under RPM, a fixed pool pro rata and user-centric. With the pool set
to what RPM paid (the simulator's default) and no RPM multipliers, the pool pays exactly
what RPM pays (both are pro rata by views), so it moves nobody; the flaw shows in the
growth rows instead: a $100 pool over 200,000 views pays $0.50 per 1,000, over 400,000
views $0.25, while RPM stays at $0.50.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from reelmint.sim.report_rows import count, percent, usd

MODES = ("rpm", "pool", "user-centric")
MODE_HEADERS = ("mode", "distributed", "effective RPM", "creators paid", "Gini", "top 10% share")
MOVER_HEADERS = ("creator", "views", "RPM", "pool", "user-centric", "change")
GROWTH_HEADERS = ("views x", "views", "pool per 1,000", "RPM per 1,000")
NO_REWARDS = "This run had no creator rewards engine."
NO_MOVERS = "Nobody: every creator is paid the same as under RPM."
CHART_CREATORS = 30


def rewards_rows(r: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The month's figures. Worked example: 1,188 views earning 594,000 micros show as
    "$0.59", an effective RPM of "$0.50" per 1,000."""
    rules = r["rules"]
    return [
        ("mode", r["mode"]),
        ("period", f"{r['period']['label']} ({r['period']['days']} days)"),
        ("scale of the thresholds", r["scale"]),
        ("thresholds used", f"{count(rules['min_followers'])} followers, "
         f"{count(rules['min_views_30d'])} views in 30 days, a video earns from "
         f"{count(rules['earning_threshold_views'])} views, minimum payout "
         f"{usd(rules['payout_minimum_micros'])}"),
        ("enrolled / eligible at close", f"{count(r['enrolled'])} / "
         f"{count(r['eligible_at_close'])}"),
        ("creators earning / paid", f"{count(r['creators_earning'])} / "
         f"{count(r['creators_paid'])}"),
        ("qualified views paid for", count(r["views"])),
        ("rewards earned", usd(r["earned_micros"])),
        ("moved to payable", usd(r["paid_micros"])),
        ("carried over (below the minimum)", usd(r["carried_micros"])),
        ("effective RPM", usd(r["effective_rpm_micros"])),
        ("pool", f"{usd(r['pool_micros'])} ({_pool_source(r)})"),
        ("program cost (platform)", usd(r["cost_micros"])),
        ("non-originals posted (earning)", _origins(r["origins"])),
    ]  # fmt: skip


def mode_rows(r: Mapping[str, Any]) -> list[tuple[str, ...]]:
    modes = r["comparison"]["modes"]
    return [(m, usd(t["distributed_micros"]), usd(t["effective_rpm_micros"]),
             count(t["creators_paid"]), f"{t['gini']:.3f}",
             percent(t["top_10pct_share"], 1, False))
            for m, t in modes.items()]  # fmt: skip


def mover_rows(r: Mapping[str, Any], mode: str, side: str) -> list[tuple[str, ...]]:
    """Who gains (`side` "gain") or loses ("lose") most going from RPM to `mode`."""
    rows = r["comparison"]["movers"][mode][side]
    return [(str(x["creator"]), count(x["views"]), *(usd(x[f"{m}_micros"]) for m in MODES),
             _signed(x["change_micros"])) for x in rows]  # fmt: skip


def growth_rows(r: Mapping[str, Any]) -> list[tuple[str, ...]]:
    return [(f"x{g['views_factor']:g}", count(g["views"]), usd(g["pool_rpm_micros"]),
             usd(g["rpm_micros"])) for g in r["comparison"]["pool_rate_by_growth"]]  # fmt: skip


def flaw_sentence(r: Mapping[str, Any]) -> str:
    growth = r["comparison"]["pool_rate_by_growth"]
    low, high = growth[0], growth[-1]
    return (f"A fixed pool of {usd(r['pool_micros'])} pays {usd(low['pool_rpm_micros'])} per "
            f"1,000 views at {count(low['views'])} views but {usd(high['pool_rpm_micros'])} at "
            f"{count(high['views'])}: the more the platform watches, the less each view "
            f"earns. RPM pays {usd(high['rpm_micros'])} at any volume.")  # fmt: skip


def payout_chart(r: Mapping[str, Any]) -> str:
    """Payouts of the best-paid creators (by RPM) under each mode, as grouped bars."""
    from reelmint.sim import charts

    p = r["comparison"]["payouts"]
    n = min(CHART_CREATORS, len(p["creator"]))
    labels = [f"creator {c}" for c in p["creator"][:n]]
    series = {m: [v / 1_000_000 for v in p[m][:n]] for m in MODES}  # bar lengths only
    title = f"Payouts per creator by mode (top {n} by RPM)"
    return charts.grouped_bars(title, labels, series, xlabel="USD")


def flaw_chart(r: Mapping[str, Any]) -> str:
    """The rate per 1,000 views against the month's total views: the pool's falls, RPM's
    stays."""
    from reelmint.sim import charts

    growth = r["comparison"]["pool_rate_by_growth"]
    views = [float(g["views"]) for g in growth]
    series = {"fixed pool": [g["pool_rpm_micros"] / 1_000_000 for g in growth],
              "RPM": [g["rpm_micros"] / 1_000_000 for g in growth]}  # fmt: skip
    return charts.xy_lines("The fixed pool's flaw: rate per 1,000 views vs total views",
                           views, series, xlabel="qualified views in the month",
                           ylabel="USD per 1,000 views")  # fmt: skip


def _pool_source(r: Mapping[str, Any]) -> str:
    return "fixed in the settings" if r["pool_source"] == "fixed" else "what RPM paid"


def _origins(origins: Mapping[str, Mapping[str, int]]) -> str:
    kinds: Sequence[str] = ("duet", "stitch", "sponsored")
    return ", ".join(f"{k} {count(origins[k]['videos'])} ({count(origins[k]['earning'])})"
                     for k in kinds)  # fmt: skip


def _signed(micros: int) -> str:
    return ("+" if micros > 0 else "-") + usd(abs(micros))
