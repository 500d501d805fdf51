"""Formatted rows and sentences shared by the terminal and HTML reports.

Both presenters show the same figures in the same words, so the wording lives here once:
counts get thousands separators, money goes through `format_amount` (12_345_678 micros
-> '$12.35'), ratios become signed percentages (-0.031 -> '-3.1%').
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from reelmint.money import Asset, format_amount

TOLERANCE = 0.25  # a rate within ±25% of its DESIGN §5 target counts as on target
RATE_HEADERS = ("rate", "actual", "target", "on target")
QUANTILES = ("p50", "p90", "p99", "max")
DIST_HEADERS = ("of", "gini", *QUANTILES, "zeros")
TOP_HEADERS: tuple[str, ...] = ("creator", "followers", "videos", "impressions")
TOP_HEADERS += ("qualified views", "likes", "value", "earnings")
TB_HEADERS: tuple[str, ...] = ("asset", "accounts", "debits posted", "credits posted")
TB_HEADERS += ("debits pending", "credits pending", "balanced")
CF_HEADERS = ("measure", "baseline", "like weight 0", "change")
CF_LABELS = {
    "impressions": "impressions",
    "qualified_views": "qualified views",
    "likes": "likes",
    "value_micros": "value of qualified views",
    "earnings_micros": "creator earnings",
}
MONEY = (
    ("Platform revenue by channel", "platform_revenue_micros"),
    ("Creator earnings by source", "creator_earnings_micros"),
)
NO_MONEY = "No money engine has booked anything in this run yet."
NO_GIFTS = "This run had no LIVE gifts engine."
GIFTER_HEADERS = ("user", "age band", "coins sent", "gifts", "month's budget")
NO_CF = "This run made no counterfactual, so it cannot say how much of the money rides on likes."
EXPLAIN = (
    "Likes pay nothing directly. A like raises a video's score; a higher score wins more "
    "impressions; impressions turn into qualified views; and qualified views are what pay "
    "(here valued at {rpm} per thousand). So likes make money only as far as they bring views."
)
_TB_SUMS = ("debits_posted", "credits_posted", "debits_pending", "credits_pending")


def usd(micros: int) -> str:
    """USD micros for people: 12_345_678 -> '$12.35'."""
    return format_amount(Asset.USD, int(micros))


def count(n: int) -> str:
    """A count with thousands separators: 1234567 -> '1,234,567'."""
    return f"{int(n):,}"


def percent(ratio: float | None, places: int = 1, sign: bool = True) -> str:
    """A ratio as a percentage: -0.031 -> '-3.1%'; None or NaN (no baseline) -> 'n/a'."""
    if ratio is None or not math.isfinite(ratio):
        return "n/a"
    return f"{ratio * 100:{'+' if sign else ''}.{places}f}%"


def labelled(values: Mapping[str, int]) -> list[tuple[str, str]]:
    """(label, count) pairs, snake_case keys spelled as words."""
    return [(key.replace("_", " "), count(value)) for key, value in values.items()]


def run_facts(s: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Seed, the run configuration and the engines that took part."""
    facts = [("seed", str(s["seed"]))]
    facts += [(key.replace("_", " "), str(value)) for key, value in s["config"].items()]
    facts.append(("engines", ", ".join(s["steps"]) or "—"))
    return facts


def rate_rows(s: Mapping[str, Any]) -> list[tuple[str, str, str, str]]:
    """(rate, actual, target, ✓/✗) per engagement rate; a rate with no target shows '—'.

    A like rate of 4.6% against a 4.0% target is 15% off, so ✓; 5.2% is 30% off, so ✗.
    """
    rows = []
    for name, rate in s["rates"].items():
        target = s["targets"].get(name)
        if target is None:
            rows.append((name, percent(rate, 2, False), "—", "—"))
            continue
        on_target = abs(rate - target) <= TOLERANCE * target
        rows.append((name, percent(rate, 2, False), percent(target, 2, False), _mark(on_target)))
    return rows


def distribution_rows(s: Mapping[str, Any]) -> list[tuple[str, ...]]:
    """Gini and quantiles of qualified views per video and of followers per creator."""
    return [
        _distribution("qualified views per video", s["views_per_video"]),
        _distribution("followers per creator", s["followers"]),
    ]


def top_rows(s: Mapping[str, Any]) -> list[tuple[str, ...]]:
    """Top creators, formatted: counts with separators, value and earnings in dollars."""
    counts = ("followers", "videos", "impressions", "qualified_views", "likes")
    return [
        (
            str(c["creator"]),
            *(count(c[k]) for k in counts),
            usd(c["value_micros"]),
            usd(c["earnings_micros"]),
        )
        for c in s["top_creators"]
    ]


def money_rows(by_channel: Mapping[str, int]) -> list[tuple[str, str]]:
    """(channel, dollars) pairs."""
    return [(channel, usd(micros)) for channel, micros in by_channel.items()]


def gift_rows(g: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The LIVE gifts month: who took part, the coins, where their money went, cash-outs.

    Worked example: 1,035,433,000 micros paid for coins shows as "$1,035.43".
    """
    c = g["cashouts"]
    refused = ", ".join(f"{why} {count(n)}" for why, n in g["refused"].items()) or "none"
    return [
        ("LIVEs", count(g["lives"])),
        ("viewers joining (unique)", f"{count(g['viewers'])} ({count(g['unique_viewers'])})"),
        ("buyers / gifters", f"{count(g['buyers'])} / {count(g['gifters'])}"),
        ("purchases (in-app)", f"{count(g['purchases'])} ({count(g['in_app_purchases'])})"),
        ("coins bought / spent", f"{count(g['coins_bought'])} / {count(g['coins_spent'])}"),
        ("gifts sent (items)", f"{count(g['gifts_sent'])} ({count(g['gift_items'])})"),
        ("paid for coins", usd(g["paid_micros"])),
        ("app-store fees", usd(g["app_store_fees_micros"])),
        ("coin margin (platform)", usd(g["coin_margin_micros"])),
        ("gift revenue (platform)", usd(g["gift_revenue_micros"])),
        ("diamonds to creators", f"{count(g['diamonds'])} ({usd(g['diamonds_value_micros'])})"),
        ("coins left in wallets", f"{count(g['coins_in_wallets'])} ({usd(g['wallets_micros'])})"),
        ("top 10% of gifters' coins", percent(g["top_tenth_coin_share"], 1, False)),
        *_reversal_rows(g.get("reversals")),
        ("cash-outs requested", f"{count(c['requested'])} ({usd(c['requested_micros'])})"),
        ("cash-outs paid", f"{count(c['paid'])} ({usd(c['paid_micros'])})"),
        ("cash-outs on hold", f"{count(c['held'])} ({usd(c['held_micros'])})"),
        ("gifts refused", refused),
    ]


def _reversal_rows(r: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """Refunds and chargebacks; none for runs made before the simulator had them."""
    if r is None:
        return []
    return [
        (
            "refunds / chargebacks",
            f"{count(r['refunds'])} / {count(r['chargebacks'])} "
            f"({usd(r['paid_back_micros'])} paid back)",
        ),
        (
            "coins clawed back / owed",
            f"{count(r['coins_clawed_back'])} / {usd(r['coin_debt_micros'])} of debt",
        ),
    ]


def gifter_rows(g: Mapping[str, Any]) -> list[tuple[str, ...]]:
    return [(str(x["user"]), x["age_band"], count(x["coins"]), count(x["gifts"]),
             count(x["budget_coins"])) for x in g["top_gifters"]]  # fmt: skip


def trial_rows(s: Mapping[str, Any]) -> list[tuple[str, ...]]:
    """The trial balance per asset, each sum in that asset's own display form."""
    rows = []
    for tb in s["trial_balance"]:
        sums = tuple(_amount(tb["asset"], tb[key]) for key in _TB_SUMS)
        rows.append((tb["asset"], count(tb["accounts"]), *sums, _mark(tb["balanced"])))
    return rows


def spearman_rows(s: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(pair, ρ) for each rank correlation across creators; ρ is None with too few."""
    spearman = s["likes_and_money"]["spearman"]
    return [(key.replace("_", " "), _rho(value)) for key, value in spearman.items()]


def cf_rows(cf: Mapping[str, Any]) -> list[tuple[str, str, str, str]]:
    """(measure, baseline, like weight 0, change) for each counterfactual total."""
    rows = []
    for key, label in CF_LABELS.items():
        base, after = cf["baseline"].get(key), cf["totals"].get(key)
        if base is None or after is None:
            continue
        show = usd if key.endswith("_micros") else count
        rows.append((label, show(base), show(after), percent(cf["change"].get(key))))
    return rows


def cf_sentence(cf: Mapping[str, Any] | None) -> str:
    """The counterfactual in plain words, or why there is none."""
    if cf is None:
        return NO_CF
    change, creators = cf["change"], cf["creators"]
    return (
        f"With the like weight at {cf['like_weight']:g}, qualified views moved "
        f"{percent(change.get('qualified_views'))} and their value "
        f"{percent(change.get('value_micros'))} (impressions {percent(change.get('impressions'))}"
        f", creator earnings {percent(change.get('earnings_micros'))}). "
        f"{count(creators['gained_views'])} creators gained views, "
        f"{count(creators['lost_views'])} lost views and {count(creators['unchanged'])} "
        "were unchanged."
    )


def explanation(s: Mapping[str, Any]) -> str:
    """Why likes can matter for money at all."""
    return EXPLAIN.format(rpm=usd(s["likes_and_money"]["value_rpm_micros"]))


def quantile_pairs(dist: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(p50, value) ... (max, value); '—' where the run had nothing to measure."""
    q = dist.get("quantiles") or {}
    return [(k, count(q[k]) if k in q else "—") for k in QUANTILES]


def _distribution(name: str, dist: Mapping[str, Any]) -> tuple[str, ...]:
    # Zeros are counted apart because a log-binned histogram has no bin for them.
    zeros = count(dist["zeros"]) if "zeros" in dist else "—"
    values = (value for _, value in quantile_pairs(dist))
    return (name, f"{dist['gini']:.3f}", *values, zeros)


def _amount(asset: str, minor: int) -> str:
    known = {a.value: a for a in Asset}
    return format_amount(known[asset], int(minor)) if asset in known else count(minor)


def _mark(ok: bool) -> str:
    return "✓" if ok else "✗"


def _rho(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.2f}"
