"""`reelmint ads ...`: the Ads Manager from the command line, as the platform's operator.

Thin: each command parses its input, calls the Ads Manager, and prints one line (or a
table). Every campaign, ad group, ad and report command names the advertiser it acts
for (`--advertiser`); another advertiser's object is refused. Amounts are money text
(`$50`, `20.5 USD`); `report --format csv|json` prints integer micros for machines.
"""

from __future__ import annotations

import csv
import enum
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import pyarrow as pa
import typer
from rich.console import Console
from rich.table import Table

from reelmint.ads.model import (
    Ad,
    AdGroup,
    AdsError,
    Advertiser,
    BidStrategy,
    Billing,
    Budget,
    BudgetMode,
    CallToAction,
    Campaign,
    Objective,
    Schedule,
    Status,
)
from reelmint.ads.service import AdsManager
from reelmint.ads.targeting import Condition, Dimension, Targeting
from reelmint.money import Asset, format_amount, parse_amount

app = typer.Typer(
    help="The Ads Manager: advertisers and their prepaid balance, campaigns, ad groups and "
    "ads.\n\nAn advertiser pays in advance (`top-up`), then builds campaign -> ad group -> ad "
    "and activates them in that order. Start with:\n\n"
    "reelmint ads advertiser add acme 'Acme Shoes'",
    no_args_is_help=True,
)
advertiser_app = typer.Typer(help="Register advertisers.", no_args_is_help=True)
campaign_app = typer.Typer(help="Campaigns: an objective and a budget.", no_args_is_help=True)
group_app = typer.Typer(help="Ad groups: when, to whom, and how to bid.", no_args_is_help=True)
ad_app = typer.Typer(help="Ads: a video creative and where it leads.", no_args_is_help=True)
app.add_typer(advertiser_app, name="advertiser")
app.add_typer(campaign_app, name="campaign")
app.add_typer(group_app, name="group")
app.add_typer(ad_app, name="ad")
console = Console()

AdvertiserOption = Annotated[str, typer.Option("--advertiser", "-a", help="acting for")]
StatusArg = Annotated[Status, typer.Argument(help="active, paused or completed")]
Codes = Annotated[list[int] | None, typer.Option(min=0)]


def _ads(ctx: typer.Context) -> AdsManager:
    opener: Callable[[], AdsManager] = ctx.meta["ads"]
    return opener()


def _usd(text: str) -> int:
    asset, micros = parse_amount(text, default_asset=Asset.USD)
    if asset is not Asset.USD:
        raise AdsError(f"ads money is USD, not {asset.value} ({text!r})")
    return micros


def _ms(text: str) -> int:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"not an ISO 8601 time: {text!r} (try 2026-11-01T00:00:00Z)") from exc
    return int((moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp() * 1000)


def _now_ms() -> int:
    return int(datetime.now(UTC).timestamp() * 1000)


def _budget(mode: BudgetMode, amount: str | None) -> Budget:
    return Budget(mode, None if amount is None else _usd(amount))


def _money(micros: int | None) -> str:
    return "—" if micros is None else format_amount(Asset.USD, micros)


# Advertisers and money


@advertiser_app.command("add")
def advertiser_add(
    ctx: typer.Context,
    advertiser_id: Annotated[str, typer.Argument(metavar="ID", help="letters, digits, _ or -")],
    name: Annotated[str, typer.Argument(help="display name")],
    industry: Annotated[str, typer.Option(help="for reports")] = "other",
) -> None:
    """Register an advertiser and open its prepaid account. Safe to run again.

    Example: reelmint ads advertiser add acme 'Acme Shoes' --industry retail
    """
    made = _ads(ctx).register_advertiser(Advertiser(advertiser_id, name, industry))
    console.print(f"advertiser {made.id} ({made.name}), prepaid account {made.prepaid_account}")


@app.command("top-up")
def top_up(
    ctx: typer.Context,
    advertiser_id: Annotated[str, typer.Argument(metavar="ADVERTISER")],
    amount: Annotated[str, typer.Argument(help="money text: $100, 250.50 USD")],
    ref: Annotated[str, typer.Option("--ref", help="the payment's id; a retry credits once")],
) -> None:
    """Credit a payment to an advertiser's prepaid balance.

    Example: reelmint ads top-up acme '$100' --ref pay-1
    """
    balance = _ads(ctx).top_up(advertiser_id, _usd(amount), ref, datetime.now(UTC))
    console.print(f"{advertiser_id}: balance {_money(balance)}")


@app.command()
def balance(ctx: typer.Context, advertiser_id: Annotated[str, typer.Argument(
        metavar="ADVERTISER")]) -> None:  # fmt: skip
    """Show an advertiser's prepaid balance.

    Example: reelmint ads balance acme
    """
    console.print(f"{advertiser_id}: balance {_money(_ads(ctx).balance(advertiser_id))}")


# Campaigns


@campaign_app.command("add")
def campaign_add(
    ctx: typer.Context,
    advertiser: AdvertiserOption,
    name: Annotated[str, typer.Option(help="campaign name")],
    objective: Annotated[Objective, typer.Option(help="what the campaign buys")],
    budget: Annotated[str | None, typer.Option(help="money text, at least $50")] = None,
    budget_mode: Annotated[BudgetMode, typer.Option(help="per day or in all")] = BudgetMode.DAILY,
) -> None:
    """Create a campaign (a draft until activated).

    Example: reelmint ads campaign add -a acme --name 'Spring sale' --objective traffic
    --budget '$50'
    """
    draft = Campaign(0, advertiser, name, objective, _budget(budget_mode, budget))
    made = _ads(ctx).create_campaign(advertiser, draft)
    console.print(f"campaign {made.id} ({made.name}): {made.status}")


@campaign_app.command("list")
def campaign_list(ctx: typer.Context, advertiser: AdvertiserOption) -> None:
    """List an advertiser's campaigns.

    Example: reelmint ads campaign list -a acme
    """
    table = Table(title=f"campaigns of {advertiser}")
    for column in ("id", "name", "objective", "budget", "status"):
        table.add_column(column)
    for c in _ads(ctx).list_campaigns(advertiser):
        budget = f"{_money(c.budget.micros)} {c.budget.mode}"
        table.add_row(str(c.id), c.name, str(c.objective), budget, str(c.status))
    console.print(table)


@campaign_app.command("status")
def campaign_status(ctx: typer.Context, campaign_id: Annotated[int, typer.Argument(metavar="ID")],
                    to: StatusArg, advertiser: AdvertiserOption) -> None:  # fmt: skip
    """Activate, pause or complete a campaign (completed is final).

    Example: reelmint ads campaign status 1 active -a acme
    """
    moved = _ads(ctx).set_campaign_status(advertiser, campaign_id, to)
    console.print(f"campaign {moved.id}: {moved.status}")


# Ad groups


@group_app.command("add")
def group_add(
    ctx: typer.Context,
    advertiser: AdvertiserOption,
    campaign: Annotated[int, typer.Option(help="the campaign it belongs to", min=0)],
    name: Annotated[str, typer.Option(help="ad group name")],
    billing: Annotated[Billing, typer.Option(help="what is billed; it must fit the objective")],
    budget: Annotated[str | None, typer.Option(help="money text, at least $20 a day")] = None,
    budget_mode: Annotated[BudgetMode, typer.Option(help="per day or in all")] = BudgetMode.DAILY,
    start: Annotated[str | None, typer.Option(help="ISO time (default: now)")] = None,
    end: Annotated[str | None, typer.Option(help="ISO time (default: until stopped)")] = None,
    bid_strategy: Annotated[BidStrategy, typer.Option()] = BidStrategy.MAX_DELIVERY,
    bid: Annotated[str | None, typer.Option(help="money per billed unit (caps only)")] = None,
    country: Codes = None,
    age_band: Codes = None,
    interest: Codes = None,
) -> None:
    """Create an ad group in a campaign (a draft until activated). Each repeatable
    targeting option is one include condition: any of its codes, and all options hold.

    Example: reelmint ads group add -a acme --campaign 1 --name 'US young' --billing cpc
    --budget '$20' --country 3 --age-band 1 --age-band 2 --interest 5
    """
    wanted = ((Dimension.COUNTRY, country), (Dimension.AGE_BAND, age_band),
              (Dimension.INTEREST, interest))  # fmt: skip
    targeting = Targeting(tuple(Condition(d, frozenset(v)) for d, v in wanted if v))
    schedule = Schedule(_now_ms() if start is None else _ms(start),
                        None if end is None else _ms(end))  # fmt: skip
    draft = AdGroup(0, campaign, name, schedule, _budget(budget_mode, budget), billing,
                    bid_strategy, None if bid is None else _usd(bid), targeting)  # fmt: skip
    made = _ads(ctx).create_ad_group(advertiser, draft)
    console.print(f"ad group {made.id} ({made.name}) in campaign {made.campaign}: {made.status}")


@group_app.command("status")
def group_status(ctx: typer.Context, group_id: Annotated[int, typer.Argument(metavar="ID")],
                 to: StatusArg, advertiser: AdvertiserOption) -> None:  # fmt: skip
    """Move an ad group; activating it needs its campaign active.

    Example: reelmint ads group status 1 active -a acme
    """
    moved = _ads(ctx).set_ad_group_status(advertiser, group_id, to)
    console.print(f"ad group {moved.id}: {moved.status}")


# Ads


@ad_app.command("add")
def ad_add(
    ctx: typer.Context,
    advertiser: AdvertiserOption,
    group: Annotated[int, typer.Option(help="the ad group it belongs to", min=0)],
    video: Annotated[int, typer.Option(help="the creative's video id", min=0)],
    url: Annotated[str, typer.Option(help="landing page, http(s)")],
    cta: Annotated[CallToAction, typer.Option(help="call to action")] = CallToAction.LEARN_MORE,
    authorization: Annotated[str | None, typer.Option(help="a creator's code")] = None,
) -> None:
    """Create an ad in an ad group (a draft until activated). A boosted creator post
    names the creator's authorization code.

    Example: reelmint ads ad add -a acme --group 1 --video 42 --url https://acme.example
    """
    draft = Ad(0, group, video, url, cta, authorization)
    made = _ads(ctx).create_ad(advertiser, draft, _now_ms())
    console.print(f"ad {made.id} in ad group {made.ad_group}: {made.status}")


@ad_app.command("status")
def ad_status(ctx: typer.Context, ad_id: Annotated[int, typer.Argument(metavar="ID")],
              to: StatusArg, advertiser: AdvertiserOption) -> None:  # fmt: skip
    """Move an ad; activating it needs its ad group active.

    Example: reelmint ads ad status 1 active -a acme
    """
    moved = _ads(ctx).set_ad_status(advertiser, ad_id, to, _now_ms())
    console.print(f"ad {moved.id}: {moved.status}")


# Reports


class ReportFormat(enum.StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


REPORT_COLUMNS = (  # the table's: (column, header); csv and json carry every column
    ("impressions", "impr."), ("reach", "reach"), ("frequency", "freq."),
    ("clicks", "clicks"), ("ctr", "CTR"), ("views_6s", "6 s views"), ("q100", "completed"),
    ("conversions", "conv."), ("spend_micros", "spend"), ("cpm_micros", "CPM"),
    ("cpc_micros", "CPC"), ("cpv_micros", "CPV"), ("cpa_micros", "CPA"),
)  # fmt: skip
FormatOption = Annotated[ReportFormat, typer.Option(
    "--format", "-f", help="table: for people; csv, json: every column, money in micros",
)]  # fmt: skip
TITLES = {"hour": "hourly", "day": "daily", "total": "total"}


@app.command()
def report(
    ctx: typer.Context,
    advertiser: AdvertiserOption,
    grain: Annotated[str, typer.Option(help="a row per campaign, ad_group or ad")] = "ad_group",
    period: Annotated[str, typer.Option(help="hour, day or total (the whole window)")] = "day",
    start: Annotated[str | None, typer.Option(help="ISO time, inclusive (UTC)")] = None,
    end: Annotated[str | None, typer.Option(help="ISO time, exclusive (UTC)")] = None,
    campaign: Annotated[int | None, typer.Option(help="of one campaign only", min=0)] = None,
    format: FormatOption = ReportFormat.table,
    lake: Annotated[
        Path | None,
        typer.Option(help="read this lake instead of the home's, e.g. a simulated run's RUN/lake"),
    ] = None,
) -> None:
    """Delivery and spend of an advertiser's ads, read from the event lake: impressions,
    reach, clicks, views, conversions, spend, CPM, CPC, CPV and CPA.

    Example: reelmint ads report -a acme --grain campaign --period total --start
    2026-11-01T00:00:00Z --end 2026-11-08T00:00:00Z --format csv
    """
    manager = _ads(ctx)
    if lake is not None:
        if not lake.is_dir():
            raise ValueError(f"--lake {lake} is not a folder (a run's lake is RUN/lake)")
        manager.lake_dir = lake  # this process reads that lake only
    table = manager.report(
        advertiser, grain=grain, period=period, campaign=campaign,
        start_ms=None if start is None else _ms(start), end_ms=None if end is None else _ms(end),
    )  # fmt: skip
    rows = [_machine_row(row) for row in table.to_pylist()]
    if format is ReportFormat.json:
        typer.echo(json.dumps(rows, indent=2))
    elif format is ReportFormat.csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=_machine_columns(table), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    else:
        title = f"{advertiser}: {TITLES[period]} report by {grain.replace('_', ' ')}"
        console.print(_report_table(table, title, hourly=period == "hour"))
    if not rows:  # on stderr beside csv and json, so that their output stays parseable
        typer.echo("no delivery in this window", err=format is not ReportFormat.table)


def _machine_columns(table: pa.Table) -> list[str]:
    return ["period_start" if c == "period" else c for c in table.column_names]


def _machine_row(row: dict[str, Any]) -> dict[str, Any]:
    """A report row for csv and json: `period` as `period_start`, ISO 8601 UTC."""
    if "period" not in row:
        return row
    start: datetime = row.pop("period")
    return {"period_start": start.strftime("%Y-%m-%dT%H:%M:%SZ"), **row}


def _report_table(table: pa.Table, title: str, *, hourly: bool) -> Table:
    """A person's view: the keys first, money in dollars, CTR in per cent."""
    keys = [c for c in table.column_names if c in ("period", "campaign", "ad_group", "ad")]
    shown = Table(title=title)
    for key in keys:
        shown.add_column(key.replace("_", " "))
    for _, header in REPORT_COLUMNS:
        shown.add_column(header, justify="right")
    for row in table.to_pylist():
        cells = [_period(row[k], hourly) if k == "period" else str(row[k]) for k in keys]
        shown.add_row(*cells, *(_cell(column, row[column]) for column, _ in REPORT_COLUMNS))
    return shown


def _period(start: datetime, hourly: bool) -> str:
    """A day as `2026-11-01`, an hour as `2026-11-01 10:00` (UTC)."""
    return start.strftime("%Y-%m-%d %H:%M" if hourly else "%Y-%m-%d")


def _cell(column: str, value: int | float | None) -> str:
    if value is None:
        return "—"
    if column.endswith("_micros"):
        return _money(int(value))
    if column == "ctr":
        return f"{value:.2%}"
    return f"{value:.2f}" if column == "frequency" else f"{value:,}"
