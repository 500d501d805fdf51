"""`reelmint gifts live|send|leaderboard|summary|earnings|cashout|release|payout`: LIVEs,
gifts, leaderboards and cash-outs. `reelmint.gifts.commands` registers them.

Worked example, with the defaults: a viewer sends a Concert (500 coins, $5.00 of face
value) in a LIVE; the host earns 500 diamonds ($2.50 at $0.005 each). The host cashes
them out on 2 November; the cash-out is held 15 days, `release --at 2026-11-17T12:00Z`
makes it payable, and `payout` sends it in the next batch.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

import typer

from reelmint.cli_output import emit_json, table
from reelmint.gifts import cli_common as ui
from reelmint.gifts.lives import Gifter
from reelmint.gifts.model import CashOut, GiftsError, SendGift

live_app = typer.Typer(help="LIVE sessions: start, join, end.", no_args_is_help=True)

LiveId = Annotated[int, typer.Argument(metavar="LIVE_ID", min=0, help="the LIVE's id")]


# LIVE sessions


@live_app.command("start")
def live_start(
    ctx: typer.Context,
    creator: ui.CreatorOption,
    title: Annotated[str, typer.Option(help="shown to viewers, at most 200 characters")] = "",
    at: ui.At = None,
) -> None:
    """Go LIVE.

    The host must be 18+ and in good standing, with no other LIVE running.

    Example: reelmint gifts live start --creator 2 --title 'Friday jam'
    """
    live = ui.service(ctx).lives.start(creator, title, ui.moment(at))
    ui.console.print(f"LIVE {live.id} started by creator {live.creator} at "
                     f"{ui.when(live.started_ms)}")  # fmt: skip


@live_app.command("end")
def live_end(
    ctx: typer.Context,
    live_id: LiveId,
    creator: Annotated[int | None, typer.Option(help="refuse unless this creator's LIVE")] = None,
    at: ui.At = None,
) -> None:
    """End a LIVE.

    Ending it again changes nothing. Without --creator, as an admin.

    Example: reelmint gifts live end 1
    """
    live = ui.service(ctx).lives.end(live_id, creator, ui.moment(at))
    assert live.ended_ms is not None
    ui.console.print(f"LIVE {live.id} ended at {ui.when(live.ended_ms)}")


@live_app.command("join")
def live_join(ctx: typer.Context, live_id: LiveId, user: ui.UserOption, at: ui.At = None) -> None:
    """A viewer joins a running LIVE.

    Joining again counts once in the LIVE's viewers.

    Example: reelmint gifts live join 1 --user 1
    """
    live = ui.service(ctx).lives.join(live_id, user, ui.moment(at))
    ui.console.print(f"user {user} is watching LIVE {live.id} of creator {live.creator}")


# Gifts


def send(
    ctx: typer.Context,
    live: Annotated[int, typer.Option(min=0, help="the LIVE's id")],
    user: ui.UserOption,
    gift: Annotated[str, typer.Option(help="a gift on offer (see `reelmint gifts catalog`)")],
    key: ui.Key,
    count: Annotated[int, typer.Option(help="a combo sends several at once")] = 1,
    at: ui.At = None,
) -> None:
    """Send a gift (or a combo of --count) to the host of a LIVE.

    The host earns diamonds worth half the coins' face value: a Concert (500 coins,
    $5.00) earns 500 diamonds ($2.50). Refused, with nothing posted, if the wallet is
    short, the gift retired or unknown, or either person under age.

    Example: reelmint gifts send --live 1 --user 1 --gift Rose --count 5 --key g-1
    """
    gifts = ui.service(ctx)
    sent = gifts.lives.send(SendGift(key, user, live, gift, count), ui.moment(at))
    left = gifts.wallets.wallet(user).coins
    ui.console.print(f"user {sent.sender} sent {sent.count} x {sent.gift} "
                     f"({ui.coins(sent.coins)}) in LIVE {sent.live}: creator {sent.creator} "
                     f"earns {ui.diamonds(sent.diamonds)}; wallet: {ui.coins(left)}")  # fmt: skip


def _gifters(title: str, gifters: list[Gifter]) -> None:
    rows = [(i, g.sender, ui.coins(g.coins), g.gifts) for i, g in enumerate(gifters, 1)]
    ui.console.print(table(title, ("rank", "user", "coins", "gifts"), rows))
    if not gifters:
        ui.console.print("no gifts sent yet")


def leaderboard(
    ctx: typer.Context,
    live: Annotated[int | None, typer.Option(min=0, help="top gifters of one LIVE")] = None,
    week: Annotated[
        str | None,
        typer.Option(help="or of the week (from Monday, UTC) holding this day, YYYY-MM-DD"),
    ] = None,
    creator: Annotated[int | None, typer.Option(min=0, help="only gifts to this creator")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 10,
    as_json: ui.Json = False,
) -> None:
    """Top gifters by coins sent.

    In one LIVE (--live), or in the week from Monday 00:00 UTC holding --week,
    optionally to one creator.

    Example: reelmint gifts leaderboard --week 2026-11-04 --creator 2
    """
    if (live is None) == (week is None):
        raise GiftsError("give either --live ID or --week YYYY-MM-DD")
    week_of = None if week is None else ui.moment(ui.day(week, "--week").isoformat())
    top = ui.service(ctx).lives.top_gifters(live=live, creator=creator, week_of=week_of,
                                            limit=limit)  # fmt: skip
    if as_json:
        emit_json([asdict(g) for g in top])
        return
    scope = f"LIVE {live}" if week is None else f"the week of {week}"
    _gifters(f"top gifters in {scope}" + ("" if creator is None else f" to creator {creator}"),
             top)  # fmt: skip


def summary(ctx: typer.Context, live_id: LiveId, as_json: ui.Json = False) -> None:
    """A LIVE's totals and its top five gifters.

    Gifts (a combo of 10 counts 10), coins, diamonds to the host, gifters and viewers.

    Example: reelmint gifts summary 1
    """
    found = ui.service(ctx).lives.summary(live_id)
    if as_json:
        emit_json(asdict(found))
        return
    live = found.live
    state = "LIVE now" if live.ended_ms is None else f"ended {ui.when(live.ended_ms)}"
    ui.console.print(f"LIVE {live.id} of creator {live.creator} {live.title!r}: started "
                     f"{ui.when(live.started_ms)}, {state}")  # fmt: skip
    ui.console.print(f"{ui.plural(found.gifts, 'gift')}, {ui.coins(found.coins)}, "
                     f"{ui.diamonds(found.diamonds)} to the host; "
                     f"{ui.plural(found.gifters, 'gifter')}, "
                     f"{ui.plural(found.viewers, 'viewer')}")  # fmt: skip
    _gifters(f"top gifters in LIVE {live.id}", found.top)


# Diamonds and cash-outs


def earnings(ctx: typer.Context, creator: ui.CreatorOption, as_json: ui.Json = False) -> None:
    """A creator's diamonds and dollars.

    Diamonds ($0.005 each) free to cash out and on hold; dollars payable (released from
    hold, not yet paid) and paid out.

    Example: reelmint gifts earnings --creator 2
    """
    found = ui.service(ctx).cashouts.earnings(creator)
    if as_json:
        emit_json(asdict(found))
        return
    money = f"payable {ui.usd(found.payable_micros)}, paid {ui.usd(found.paid_micros)}"
    ui.console.print(f"creator {found.creator}: {ui.diamonds(found.diamonds)} to cash out, "
                     f"{ui.diamonds(found.diamonds_held)} on hold; {money}")  # fmt: skip


def cashout(
    ctx: typer.Context,
    creator: ui.CreatorOption,
    diamonds: Annotated[int, typer.Option(help="diamonds to turn into dollars")],
    key: ui.Key,
    at: ui.At = None,
) -> None:
    """Cash diamonds out, paid after a 15-day hold.

    At least $1 (200 diamonds), at most $1,000 a day. The diamonds are reserved; once
    the hold is over `release` makes them payable and `payout` pays them.

    Example: reelmint gifts cashout --creator 2 --diamonds 500 --key co-1
    """
    c = ui.service(ctx).cashouts.request(CashOut(key, creator, diamonds), ui.moment(at))
    ui.console.print(f"cash-out {c.key}: {ui.diamonds(c.diamonds)} for {ui.usd(c.amount_micros)}, "
                     f"{c.status} until {ui.when(c.release_ms)}")  # fmt: skip


def cashout_status(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(metavar="KEY", help="the cash-out's --key")],
    as_json: ui.Json = False,
) -> None:
    """Where a cash-out stands.

    Held, payable (released), paid (in which batch), or voided (the account was banned).

    Example: reelmint gifts cashout-status co-1
    """
    c = ui.service(ctx).cashouts.get(key)
    if as_json:
        emit_json(asdict(c))
        return
    settled = "" if c.settled_ms is None else f" since {ui.when(c.settled_ms)}"
    batch = "" if c.batch is None else f" in batch {c.batch}"
    ui.console.print(f"cash-out {c.key} of creator {c.creator}: {ui.diamonds(c.diamonds)} for "
                     f"{ui.usd(c.amount_micros)}, {c.status}{settled}{batch}")  # fmt: skip


def release(ctx: typer.Context, at: ui.At = None) -> None:
    """Admin: end every cash-out hold due by --at.

    Each becomes payable, or is voided (its diamonds returned) if the creator was
    banned meanwhile.

    Example: reelmint gifts release --at 2026-11-17T12:00:00Z
    """
    done = ui.service(ctx).cashouts.release(ui.moment(at))
    ui.console.print(f"released {ui.plural(len(done.released), 'cash-out')}, voided "
                     f"{len(done.voided)}")  # fmt: skip
    for key in done.released:
        ui.console.print(f"  released {key}")
    for key in done.voided:
        ui.console.print(f"  voided {key}")


def payout(ctx: typer.Context, at: ui.At = None) -> None:
    """Admin: pay every payable cash-out in one batch.

    Through the payout provider; each payment it confirms is posted to the books.

    Example: reelmint gifts payout
    """
    batch = ui.service(ctx).cashouts.pay_out(ui.moment(at))
    ui.console.print(f"batch {batch.batch}: paid {ui.plural(len(batch.paid), 'cash-out')}, "
                     f"{ui.usd(batch.amount_micros)}")  # fmt: skip
    for key, reason in batch.failed:
        typer.echo(f"not paid: {key}: {reason}", err=True)
