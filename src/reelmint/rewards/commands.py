"""`reelmint rewards ...`: creator rewards from the command line, as the platform's operator.

Thin: each command parses its input, calls `Platform.rewards`, and prints a line or a
table. Commands that depend on the time take `--at` (default: now, UTC), so a demo or a
test can close November on the 1st of December. Read commands take `--json`, which
prints integer micros for machines; the tables show dollars. Refusals are typed
`RewardsError`s, which the root CLI prints as one line with exit code 2, having changed
nothing.

People (date of birth, standing) are registered with `reelmint gifts person add`;
followers and views come from the event lake.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from reelmint.cli_output import emit_json, table
from reelmint.events.flags import Flag, write_flags
from reelmint.events.model import InvalidReason
from reelmint.money import Asset, MoneyError, format_amount, parse_amount
from reelmint.rewards.compare import Comparison
from reelmint.rewards.eligibility import CreatorFacts, reasons
from reelmint.rewards.model import (
    Enrollment,
    EnrollmentStatus,
    Mode,
    NotFound,
    Period,
    PeriodClose,
    RewardsError,
    Statement,
    ms,
)
from reelmint.rewards.service import RewardsService

app = typer.Typer(
    help="Creator rewards: creators paid per qualified view of their original videos.\n\n"
    "A creator 18+ in good standing, with enough followers and views in the last 30 days, "
    "enrolls; each period (a month by default) is closed once over, under RPM, a fixed "
    "pool or user-centric shares, and each creator gets a statement. Register people "
    "with `reelmint gifts person add` first. Start with:\n\n"
    "reelmint rewards eligibility 7",
    no_args_is_help=True,
)
console = Console(markup=False, emoji=False)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

CreatorArg = Annotated[int, typer.Argument(metavar="CREATOR", min=0, help="the creator's id")]
PERIOD_HELP = "2026-11 (a month), 2026-W45 (a week) or 2026-11-01..2026-11-07 (days)"
PeriodArg = Annotated[str, typer.Argument(metavar="PERIOD", help=PERIOD_HELP)]
At = Annotated[str | None, typer.Option(help="when, ISO 8601 (UTC if no zone; default: now)")]
Json = Annotated[bool, typer.Option("--json", help="JSON for machines: money in micros")]
POOL_HELP = "the pool, e.g. '$1,000,000' (pool and user-centric modes; default: the settings')"
Pool = Annotated[str | None, typer.Option(help=POOL_HELP)]
Top = Annotated[int, typer.Option(min=1, max=1_000, help="how many creators to list")]


def service(ctx: typer.Context) -> RewardsService:
    """The rewards service the root CLI opens on first use (`ctx.meta["rewards"]`)."""
    opener: Callable[[], RewardsService] = ctx.meta["rewards"]
    return opener()


def moment(text: str | None, what: str = "--at") -> datetime:
    """An aware time: now when absent, UTC when it names no zone."""
    if text is None:
        return datetime.now(UTC)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise RewardsError(f"{what}: not an ISO 8601 time: {text!r} (try "
                           "2026-12-01T00:00:00Z)") from exc  # fmt: skip
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def pool_micros(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        asset, micros = parse_amount(text, default_asset=Asset.USD)
    except MoneyError as exc:
        raise RewardsError(f"--pool: {exc}") from exc
    if asset is not Asset.USD:
        raise RewardsError(f"--pool is in dollars, not {asset.value} (try '$1,000,000')")
    return micros


def usd(micros: int) -> str:
    return format_amount(Asset.USD, micros)


def when(at_ms: int) -> str:
    return f"{EPOCH + timedelta(milliseconds=at_ms):%Y-%m-%d %H:%M} UTC"


def _facts_line(f: CreatorFacts) -> str:
    age = "no date of birth" if f.age is None else f"aged {f.age}"
    standing = "unregistered" if f.standing is None else f"{f.standing.value} standing"
    return f"{age}, {standing}, {f.followers:,} followers, {f.views_30d:,} views in 30 days"


def _enrollment_line(e: Enrollment) -> str:
    if e.status is EnrollmentStatus.LEFT and e.left_ms is not None:
        return f"creator {e.creator}: joined {when(e.joined_ms)}, left {when(e.left_ms)}"
    return f"creator {e.creator}: enrolled since {when(e.joined_ms)}"


# Enrollment


@app.command()
def enroll(ctx: typer.Context, creator: CreatorArg, at: At = None) -> None:
    """Enroll a creator who is eligible now.

    The rules (by default): 18+, good standing, 10,000 followers and 100,000 views in
    the last 30 days. Only original videos over 60 s posted from the day of joining earn.
    Enrolling again while enrolled keeps the first date. Not eligible: exit 2, with
    every reason.

    Example: reelmint rewards enroll 7 --at 2026-11-01T00:00:00Z
    """
    rewards, now = service(ctx), moment(at)
    try:
        before: Enrollment | None = rewards.enrollment(creator)
    except NotFound:
        before = None
    joined = rewards.enroll(creator, now)
    if joined == before:
        console.print(f"{_enrollment_line(joined)} (already enrolled)")
        return
    facts = rewards.facts([creator], ms(now))[creator]
    console.print(f"creator {creator} enrolled at {when(joined.joined_ms)}: {_facts_line(facts)}")


@app.command()
def leave(ctx: typer.Context, creator: CreatorArg, at: At = None) -> None:
    """Take a creator out of the program.

    Periods that end after leaving pay nothing; enrolling later starts afresh (videos
    posted before the new date do not earn).

    Example: reelmint rewards leave 7
    """
    console.print(_enrollment_line(service(ctx).leave(creator, moment(at))))


@app.command()
def eligibility(ctx: typer.Context, creator: CreatorArg, at: At = None,
                as_json: Json = False) -> None:  # fmt: skip
    """The facts the rules ask about a creator, and why they fall short if they do.

    Enrolls nobody. Followers and views are counted from the event lake up to --at.

    Example: reelmint rewards eligibility 7 --json
    """
    rewards = service(ctx)
    facts = rewards.facts([creator], ms(moment(at)))[creator]
    why = reasons(facts, rewards.rules)
    if as_json:
        standing = None if facts.standing is None else facts.standing.value
        emit_json({**asdict(facts), "standing": standing, "eligible": not why, "reasons": why})
        return
    console.print(f"creator {creator}: {_facts_line(facts)}")
    console.print("eligible" if not why else "not eligible: " + "; ".join(why))


# Statements


COUNTS = {"period", "creator", "eligible", "reasons", "views", "videos"}


def _statement_json(s: Statement) -> dict[str, Any]:
    """The statement with its amounts named `*_micros`, as the API names them."""
    return {k if k in COUNTS else f"{k}_micros": v for k, v in asdict(s).items()}


@app.command()
def statements(ctx: typer.Context, creator: CreatorArg, as_json: Json = False) -> None:
    """A creator's statement of every closed period.

    Each reads: carried in + earned - clawed back, less what repays a debt, is paid to
    the payable account once it reaches the minimum ($50), else carried over.

    Example: reelmint rewards statements 7
    """
    found = service(ctx).statements(creator)
    if as_json:
        emit_json([_statement_json(s) for s in found])
        return
    rows = [(s.period, f"{s.views:,}", usd(s.earned), usd(s.clawback), usd(s.paid),
             usd(s.carried_out), usd(s.owed_out)) for s in found]  # fmt: skip
    columns = ("period", "views", "earned", "clawed back", "paid", "carried", "owed")
    console.print(table(f"rewards statements of creator {creator}", columns, rows))


@app.command()
def statement(ctx: typer.Context, creator: CreatorArg, period: PeriodArg,
              as_json: Json = False) -> None:  # fmt: skip
    """One period's statement of a creator, with what each video earned.

    Example: reelmint rewards statement 7 2026-11
    """
    s, lines = service(ctx).statement(Period.parse(period).label, creator)
    if as_json:
        emit_json({**_statement_json(s), "lines": [asdict(x) for x in lines]})
        return
    why = "eligible" if s.eligible else "not eligible: " + "; ".join(s.reasons)
    videos = f"{s.videos:,} video{'' if s.videos == 1 else 's'}"
    console.print(f"creator {s.creator}, {s.period} ({why}): {s.views:,} views on {videos} "
                  f"earned {usd(s.earned)}")  # fmt: skip
    figures = (("carried in", s.carried_in), ("earned", s.earned), ("clawed back", s.clawback),
               ("owed before", s.owed_in), ("repaid", s.repaid), ("paid", s.paid),
               ("carried over", s.carried_out), ("owed after", s.owed_out))  # fmt: skip
    console.print(table("statement", ("", "amount"), [(k, usd(v)) for k, v in figures]))
    rows = [(x.video, f"{x.views:,}", usd(x.micros), f"{x.views_lost:,}", usd(x.micros_clawed))
            for x in lines]  # fmt: skip
    columns = ("video", "views", "earned", "views lost", "clawed back")
    console.print(table(f"videos of creator {s.creator} in {s.period}", columns, rows))


# Closing and comparing


def _close_table(c: PeriodClose) -> Table:
    rows = [("period", f"{c.label} ({c.first} to {c.last})"), ("mode", c.mode.value),
            ("rate per 1,000 views", usd(c.rate_micros) if c.mode is Mode.RPM else "-"),
            ("pool", usd(c.pool_micros) if c.mode is not Mode.RPM else "-"),
            ("distributed", usd(c.distributed)), ("payable views", f"{c.views:,}"),
            ("viewers", f"{c.viewers:,}"), ("creators paid", f"{c.creators:,}"),
            ("clawed back", usd(c.clawed)), ("status", c.status.value),
            ("closed at", when(c.closed_ms))]  # fmt: skip
    return table(f"rewards close {c.label}", ("", "value"), rows)


@app.command()
def close(ctx: typer.Context, period: PeriodArg,
          mode: Annotated[str | None, typer.Option(
              help="rpm, pool or user-centric (default: the settings')")] = None,
          pool: Pool = None, top: Top = 10, at: At = None,
          as_json: Json = False) -> None:  # fmt: skip
    """Close a period that is over: a statement per creator, the books posted.

    Closing again shows the first close and pays nothing twice; asking for another mode
    than it was closed under is refused. Worked example, at $0.50 per 1,000: 150,000
    views earn $75, paid (the minimum is $50); 40,000 earn $20, carried over.

    Example: reelmint rewards close 2026-11 --mode pool --pool '$1,000,000' --at 2026-12-01
    """
    rewards = service(ctx)
    chosen = None if mode is None else Mode.parse(mode)
    done = rewards.close(Period.parse(period), moment(at), chosen, pool_micros(pool))
    found = rewards.store.statements(period=done.label)
    if as_json:
        emit_json({**asdict(done), "mode": done.mode.value, "status": done.status.value,
                   "statements": [_statement_json(s) for s in found]})  # fmt: skip
        return
    console.print(_close_table(done))
    best = sorted(found, key=lambda s: (-s.earned, s.creator))[:top]
    rows = [(s.creator, f"{s.views:,}", usd(s.earned), usd(s.paid), usd(s.carried_out))
            for s in best if s.earned > 0]  # fmt: skip
    columns = ("creator", "views", "earned", "paid", "carried")
    console.print(table(f"top payouts of {done.label}", columns, rows))


def _modes_table(c: dict[str, Any]) -> Table:
    names = [m.value for m in Mode]
    count = "{:,}".format
    metrics = (("distributed", "distributed_micros", usd), ("payable views", "views", count),
               ("effective RPM", "effective_rpm_micros", usd),
               ("creators paid", "creators_paid", count), ("gini", "gini", str),
               ("top 10% share", "top_10pct_share", "{:.1%}".format),
               ("median payout", "median_micros", usd))  # fmt: skip
    rows = [(label, *(show(c["modes"][n][key]) for n in names)) for label, key, show in metrics]
    return table(f"{c['period']}: the three modes on the same views", ("", *names), rows)


def _movers_table(mode: str, side: str, rows: list[dict[str, int]]) -> Table:
    shown = [(r["creator"], f"{r['views']:,}", usd(r["rpm_micros"]), usd(r[f"{mode}_micros"]),
              usd(r["change_micros"])) for r in rows]  # fmt: skip
    return table(f"who {side}s from rpm to {mode}", ("creator", "views", "rpm", mode, "change"),
                 shown)  # fmt: skip


@app.command()
def compare(ctx: typer.Context, period: PeriodArg, pool: Pool = None, top: Top = 5,
            at: At = None, as_json: Json = False) -> None:  # fmt: skip
    """The three modes side by side on one period's views: a dry run that records nothing.

    Shows what each distributes, its effective RPM and how concentrated it is, who gains
    and who loses going from RPM to the pool modes, and the fixed pool's flaw: a $100
    pool over 200,000 views pays $0.50 per 1,000, over twice the views only $0.25.

    Example: reelmint rewards compare 2026-11 --pool '$100' --json
    """
    found: Comparison = service(ctx).compare(Period.parse(period), moment(at), pool_micros(pool))
    c = found.to_dict(top)
    if as_json:
        emit_json(c)
        return
    console.print(_modes_table(c))
    for mode, movers in c["movers"].items():
        for side in ("gain", "lose"):
            console.print(_movers_table(mode, side, movers[side]))
    rows = [(f"x{g['views_factor']:g}", f"{g['views']:,}", usd(g["pool_rpm_micros"]),
             usd(g["rpm_micros"])) for g in c["pool_rate_by_growth"]]  # fmt: skip
    columns = ("views", "payable views", "pool per 1,000", "rpm per 1,000")
    console.print(table("the fixed pool's rate as views grow", columns, rows))


# Late flags


@app.command()
def flag(
    ctx: typer.Context,
    user: Annotated[int, typer.Option("--user", min=0, help="the viewer whose plays are invalid")],
    start: Annotated[str, typer.Option("--from", help="first event time covered, ISO 8601")],
    end: Annotated[str, typer.Option("--to", help="first event time after the span, ISO 8601")],
    reason: Annotated[
        str, typer.Option(help="fake_engagement, bot_traffic, click_fraud or other")
    ] = "bot_traffic",
    video: Annotated[int | None, typer.Option(min=0, help="only this video (default: all)")] = None,
    at: At = None,
) -> None:
    """Record a late invalid flag: a viewer's plays in [--from, --to) count in no pay.

    Events are never rewritten; the flag sits beside the lake, made at --at. A close
    after it leaves those plays out, and claws back what an earlier close paid for them.

    Example: reelmint rewards flag --user 42 --from 2026-11-01 --to 2026-12-01 --video 10
    """
    try:
        why = InvalidReason[reason.strip().upper()]
    except KeyError:
        raise RewardsError(f"--reason {reason!r}: use fake_engagement, bot_traffic, "
                           "click_fraud or other") from None  # fmt: skip
    made = Flag(user, ms(moment(start, "--from")), ms(moment(end, "--to")), why,
                ms(moment(at)), video)  # fmt: skip
    write_flags(service(ctx).lake_root, [made])
    what = "all videos" if video is None else f"video {video}"
    console.print(f"flagged user {user} on {what} from {when(made.start_ms)} to "
                  f"{when(made.end_ms)}: {why.label} (made {when(made.flagged_ms)})")  # fmt: skip
