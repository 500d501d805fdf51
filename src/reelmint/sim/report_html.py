"""What the HTML report template needs: formatted rows, and the charts as inline SVG.

Kept apart from `report.py` so the terminal report never imports matplotlib, and so the
template gets only strings and `Markup` (our own SVG, trusted), with no logic of its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from markupsafe import Markup

from reelmint.sim import charts
from reelmint.sim import report_rewards as rw
from reelmint.sim import report_rows as rows
from reelmint.sim.report import RunReport

SCATTER_POINTS = 5_000  # enough to see the shape; keeps the page small for 10k+ creators
DAILY_VIEWS = {"impressions": "impressions", "plays": "plays", "qualified_views": "qualified views"}
DAILY_ENGAGEMENT = {"likes": "likes", "comments": "comments", "shares": "shares"}
DAILY_ENGAGEMENT |= {"follows": "follows"}
DAILY_COINS = {"coins_bought": "coins bought", "coins_sent": "coins gifted"}
COIN_MONEY = {  # the parts sum to what was paid (see reelmint.gifts.books)
    "app_store_fees_micros": "app-store fees",
    "diamonds_value_micros": "creators' diamonds",
    "gift_revenue_micros": "platform gift revenue",
    "coin_margin_micros": "platform coin margin",
    "wallets_micros": "coins not yet gifted",
}
DISTRIBUTIONS = (
    ("views_per_video", "Qualified views per video", "qualified views"),
    ("followers", "Followers per creator", "followers"),
)


def html_context(run: RunReport) -> dict[str, Any]:
    """Everything `report.html.j2` renders, as template variables."""
    s, cf = run.summary, run.counterfactual
    return {
        "seed": s["seed"],
        "facts": rows.run_facts(s),
        "counts": rows.labelled(s["counts"]),
        "totals": rows.labelled(s["totals"]),
        "rate_headers": rows.RATE_HEADERS,
        "rates": rows.rate_rows(s),
        "daily_charts": _daily_charts(s["daily"]),
        "distributions": [_distribution(s[key], what, axis) for key, what, axis in DISTRIBUTIONS],
        "top_chart": _top_chart(s["top_creators"]),
        "top_headers": rows.TOP_HEADERS,
        "top_rows": rows.top_rows(s),
        "money": [_money(title, s["money"].get(key) or {}) for title, key in rows.MONEY],
        "no_money": rows.NO_MONEY,
        "gifts": _gifts(s["daily"], s.get("gifts")),
        "no_gifts": rows.NO_GIFTS,
        "rewards": _rewards(s.get("rewards")),
        "no_rewards": rw.NO_REWARDS,
        "tb_headers": rows.TB_HEADERS,
        "tb_rows": rows.trial_rows(s),
        "likes_charts": _likes_charts(run.creators),
        "spearman": rows.spearman_rows(s),
        "cf_headers": rows.CF_HEADERS,
        "cf_rows": rows.cf_rows(cf) if cf is not None else None,
        "cf_chart": _cf_chart(run.creators) if cf is not None else None,
        "cf_sentence": rows.cf_sentence(cf),
        "explain": rows.explanation(s),
    }


def sample_rows(n: int, limit: int = SCATTER_POINTS) -> np.ndarray:
    """Row indices to plot: all of them up to `limit`, else a fixed-seed random subset.

    The fixed seed keeps the page identical between renders of the same run; sorting keeps
    the chosen rows in file order.
    """
    if n <= limit:
        return np.arange(n)
    return np.sort(np.random.default_rng(0).choice(n, size=limit, replace=False))


def _daily_charts(daily: Mapping[str, Sequence[Any]]) -> list[Markup]:
    days = [str(day) for day in daily["day"]]
    views = {label: daily[key] for key, label in DAILY_VIEWS.items() if key in daily}
    engagement = {label: daily[key] for key, label in DAILY_ENGAGEMENT.items() if key in daily}
    return [
        Markup(charts.line_chart("Views per day", days, views, ylabel="count")),
        Markup(charts.line_chart("Engagement per day", days, engagement, ylabel="count")),
    ]


def _distribution(dist: Mapping[str, Any], what: str, axis: str) -> dict[str, Any]:
    hist = dist["histogram"]
    title = f"{what} (Gini {dist['gini']:.2f})"
    chart = charts.loglog_histogram(title, hist["edges"], hist["counts"], xlabel=axis)
    return {
        "title": what,
        "gini": f"{dist['gini']:.3f}",
        "quantiles": rows.quantile_pairs(dist),
        "zeros": rows.count(dist["zeros"]) if "zeros" in dist else None,
        "chart": Markup(chart),
    }


def _top_chart(top: Sequence[Mapping[str, Any]]) -> Markup:
    labels = [f"creator {c['creator']}" for c in top]
    values = [c["qualified_views"] for c in top]
    title = f"Top {len(top)} creators by qualified views"
    return Markup(charts.bar_chart(title, labels, values, xlabel="qualified views"))


def _money(title: str, by_channel: Mapping[str, int]) -> dict[str, Any]:
    """A money chart and its table; no chart when nothing was booked."""
    section: dict[str, Any] = {"title": title, "rows": rows.money_rows(by_channel), "chart": None}
    if by_channel:
        # Float dollars set bar lengths only; every printed amount comes from `rows.usd`.
        dollars = [micros / 1_000_000 for micros in by_channel.values()]
        section["chart"] = Markup(charts.bar_chart(title, list(by_channel), dollars, xlabel="USD"))
    return section


def _gifts(daily: Mapping[str, Sequence[Any]], g: Mapping[str, Any] | None
           ) -> dict[str, Any] | None:  # fmt: skip
    """The LIVE gifts section: figures, coins per day, where the coin money went."""
    if g is None:
        return None
    days = [str(day) for day in daily["day"]]
    coins = {label: daily[key] for key, label in DAILY_COINS.items() if key in daily}
    split = {label: g[key] / 1_000_000 for key, label in COIN_MONEY.items()}
    title = "Where the money paid for coins went"
    return {
        "pairs": rows.gift_rows(g),
        "headers": rows.GIFTER_HEADERS,
        "top": rows.gifter_rows(g),
        "charts": [
            Markup(charts.line_chart("LIVE gift coins per day", days, coins, ylabel="coins")),
            Markup(charts.bar_chart(title, list(split), list(split.values()), xlabel="USD")),
        ],
    }


def _rewards(r: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The creator rewards section: figures, the modes side by side, movers, charts."""
    if r is None:
        return None
    movers = [{"title": f"Who would {side} most from RPM to {mode}",
               "rows": rw.mover_rows(r, mode, side)}
              for mode in ("pool", "user-centric") for side in ("gain", "lose")]  # fmt: skip
    return {
        "pairs": rw.rewards_rows(r),
        "mode_headers": rw.MODE_HEADERS,
        "modes": rw.mode_rows(r),
        "mover_headers": rw.MOVER_HEADERS,
        "movers": movers,
        "no_movers": rw.NO_MOVERS,
        "growth_headers": rw.GROWTH_HEADERS,
        "growth": rw.growth_rows(r),
        "flaw": rw.flaw_sentence(r),
        "charts": [Markup(rw.payout_chart(r)), Markup(rw.flaw_chart(r))],
    }


def _likes_charts(creators: Mapping[str, np.ndarray]) -> list[Markup]:
    """Likes against views and against their value, one point per (sampled) creator.

    Counts get +1 so creators with none still sit on the log axes; a value of $0 cannot,
    so those points are left out.
    """
    n = len(creators["creator"])
    pick = sample_rows(n)
    likes = creators["likes"][pick] + 1
    shown = f"{len(pick):,} of {n:,} creators"
    views_chart = charts.scatter(
        f"Likes vs qualified views ({shown})",
        likes,
        creators["qualified_views"][pick] + 1,
        xlabel="likes + 1",
        ylabel="qualified views + 1",
    )
    value_chart = charts.scatter(
        f"Likes vs value of views ({shown})",
        likes,
        creators["value_micros"][pick] / 1_000_000,
        xlabel="likes + 1",
        ylabel="value, USD",
    )
    return [Markup(views_chart), Markup(value_chart)]


def _cf_chart(creators: Mapping[str, np.ndarray]) -> Markup:
    """How each creator's qualified views moved with the like weight at 0, by baseline size.

    A creator with 0 baseline views has no relative change and is left out.
    """
    pick = sample_rows(len(creators["creator"]))
    before = creators["qualified_views"][pick]
    after = creators["cf_qualified_views"][pick]
    with np.errstate(divide="ignore", invalid="ignore"):
        change = np.where(before > 0, (after - before) / before * 100, np.nan)
    chart = charts.scatter(
        "Change in each creator's qualified views, like weight 0",
        before + 1,
        change,
        xlabel="baseline qualified views + 1",
        ylabel="change, %",
        log_y=False,
    )
    return Markup(chart)
