"""`reelmint gifts ...`: LIVE gifts from the command line, as the platform's operator.

Thin: each command parses its input, calls `GiftsService`, and prints one line (or a
table). Every command that moves money or time takes `--at` (default: now, UTC), so a
demo or a test can go LIVE on a Monday and release the cash-out hold 15 days later.
Read commands take `--json`, which prints integer micros, coins and diamonds for
machines; the tables show dollars. Refusals are typed `GiftsError`s, which the root CLI
prints as one line with exit code 2, having posted nothing.

This module holds people, the catalog, coins and the books' check;
`reelmint.gifts.commands_live` holds LIVEs, gifts, leaderboards and cash-outs.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

import typer

from reelmint.cli_output import emit_json, table
from reelmint.gifts import cli_common as ui
from reelmint.gifts import commands_live as live
from reelmint.gifts.context import ms
from reelmint.gifts.embedded import EmbeddedGateway
from reelmint.gifts.model import BuyCoins, Catalog, Channel, GiftsError
from reelmint.gifts.records import Purchase
from reelmint.gifts.service import GiftsService
from reelmint.ledger.commands import trial_balance_table
from reelmint.parties.people import Person, Standing

app = typer.Typer(
    help="LIVE gifts: people, the coin shop, LIVEs and gifts, diamonds and cash-outs.\n\n"
    "A viewer buys coins, joins a creator's LIVE and sends gifts; the creator earns "
    "diamonds and cashes them out after a 15-day hold. Everyone is registered (18+) "
    "first. Start with:\n\n"
    "reelmint gifts person add 1 --born 1990-05-01",
    no_args_is_help=True,
)
person_app = typer.Typer(help="Register people: date of birth and standing.", no_args_is_help=True)
catalog_app = typer.Typer()
app.add_typer(person_app, name="person")
app.add_typer(catalog_app, name="catalog")
app.add_typer(live.live_app, name="live")

GiftName = Annotated[str, typer.Argument(metavar="NAME", help="gift name, e.g. 'Rose'")]
Price = Annotated[int, typer.Argument(metavar="COINS", help="price in coins")]
PurchaseKey = Annotated[str, typer.Argument(metavar="KEY", help="the purchase's --key")]


# People


@person_app.command("add")
def person_add(
    ctx: typer.Context,
    person_id: Annotated[int, typer.Argument(metavar="ID", min=0, help="the user id")],
    born: Annotated[str, typer.Option(help="date of birth, YYYY-MM-DD")],
    standing: Annotated[Standing, typer.Option(help="good, restricted or banned")] = Standing.GOOD,
) -> None:
    """Register a person's date of birth and standing.

    Only people 18 or older and in good standing may buy coins, go LIVE, send gifts or
    cash out. Running it again updates the record.

    Example: reelmint gifts person add 1 --born 1990-05-01
    """
    person = Person(person_id, ui.day(born, "--born"), standing)
    ui.service(ctx).register([person])
    ui.console.print(f"person {person.id}: born {person.birth_date}, {person.standing} standing")


@person_app.command("standing")
def person_standing(
    ctx: typer.Context,
    person_id: Annotated[int, typer.Argument(metavar="ID", min=0)],
    standing: Annotated[Standing, typer.Argument(help="good, restricted or banned")],
) -> None:
    """Change a person's standing: good, restricted or banned.

    Only good standing may buy, send, receive or cash out. A banned creator's cash-outs
    still on hold are voided at release; the diamonds go back to the (frozen) account.

    Example: reelmint gifts person standing 2 banned
    """
    person = ui.service(ctx).set_standing(person_id, standing)
    ui.console.print(f"person {person.id}: {person.standing} standing")


# The catalog and the coin shop


@catalog_app.callback(invoke_without_command=True)
def catalog(ctx: typer.Context, as_json: ui.Json = False) -> None:
    """The gift catalog; with no command, list it.

    Each gift has a price in coins (a coin is $0.01 of face value). Retired gifts stay
    listed, because their names are never reused.

    Example: reelmint gifts catalog --json
    """
    if ctx.invoked_subcommand is not None:
        return
    gifts = ui.service(ctx)
    face = gifts.ctx.face
    if as_json:
        emit_json([{**asdict(g), "face_value_micros": g.coins * face} for g in gifts.catalog()])
        return
    rows = [(g.name, ui.coins(g.coins), ui.usd(g.coins * face),
             "retired" if g.retired else "on offer") for g in gifts.catalog()]  # fmt: skip
    ui.console.print(table("gift catalog", ("gift", "price", "face value", "status"), rows))


def _changed(catalog: Catalog, name: str, what: str) -> None:
    ui.console.print(f"gift {name!r} {what}: {ui.coins(catalog.get(name).coins)}")


@catalog_app.command("add")
def catalog_add(ctx: typer.Context, name: GiftName, coins: Price) -> None:
    """Add a gift at the end of the catalog.

    A name is never reused, even once retired.

    Example: reelmint gifts catalog add 'Disco ball' 250
    """
    _changed(ui.service(ctx).add_gift(name, coins), name, "added")


@catalog_app.command("reprice")
def catalog_reprice(ctx: typer.Context, name: GiftName, coins: Price) -> None:
    """Change a gift's price.

    Gifts sent before keep the price they were sent at.

    Example: reelmint gifts catalog reprice Rose 2
    """
    _changed(ui.service(ctx).reprice_gift(name, coins), name, "repriced")


@catalog_app.command("retire")
def catalog_retire(ctx: typer.Context, name: GiftName) -> None:
    """Stop offering a gift.

    It can no longer be sent, and its name stays taken.

    Example: reelmint gifts catalog retire Lion
    """
    _changed(ui.service(ctx).retire_gift(name), name, "retired")


@app.command()
def packs(
    ctx: typer.Context,
    channel: Annotated[Channel | None, typer.Option(help="web or in_app (default: both)")] = None,
    as_json: ui.Json = False,
) -> None:
    """The coin shop: each pack on each channel, with its price.

    In-app coins cost more because the app store keeps 30%: 700 coins are $7.42 on the
    web (700 x $0.0106) and $10.57 in-app (700 x $0.0151).

    Example: reelmint gifts packs --channel web
    """
    shown = [p for p in ui.service(ctx).packs() if channel in (None, p.channel)]
    if as_json:
        emit_json([asdict(p) for p in shown])
        return
    rows = [(p.id, p.channel, ui.coins(p.coins), ui.usd(p.price_micros)) for p in shown]
    ui.console.print(table("coin packs", ("pack", "channel", "coins", "price"), rows))


# Coins


def _order(gifts: GiftsService, coins: int | None, pack: str | None,
           channel: Channel | None) -> tuple[int, Channel]:  # fmt: skip
    """The coins and channel asked for, by count (web unless told) or by pack id."""
    if (coins is None) == (pack is None):
        raise GiftsError("give either --coins N or --pack ID (see `reelmint gifts packs`)")
    if pack is None:
        assert coins is not None
        return coins, channel or Channel.WEB
    found = next((p for p in gifts.packs() if p.id == pack), None)
    if found is None:
        raise GiftsError(f"no pack {pack!r}; packs read <channel>-<coins>, e.g. web-700")
    if channel not in (None, found.channel):
        raise GiftsError(f"pack {pack} is sold on {found.channel}, not {channel}")
    return found.coins, found.channel


@app.command()
def buy(
    ctx: typer.Context,
    user: ui.UserOption,
    key: ui.Key,
    coins: Annotated[int | None, typer.Option(help="how many coins")] = None,
    pack: Annotated[str | None, typer.Option(help="a pack id instead, e.g. in_app-350")] = None,
    channel: Annotated[Channel | None, typer.Option(help="web (default) or in_app")] = None,
    at: ui.At = None,
) -> None:
    """Buy coins through the payment gateway into the user's wallet.

    Give a count (--coins, on the web unless --channel in_app) or a pack (--pack, see
    `packs`). The buyer must be 18+. Coins bought while owing coins repay the debt first.

    Example: reelmint gifts buy --user 1 --pack web-700 --key buy-1
    """
    gifts, now = ui.service(ctx), ui.moment(at)
    count, where = _order(gifts, coins, pack, channel)
    p = gifts.wallets.buy(BuyCoins(key, user, where, count), now)
    wallet = gifts.wallets.wallet(user)
    ui.console.print(f"user {p.buyer} bought {ui.coins(p.coins)} on {p.channel} for "
                     f"{ui.usd(p.paid_micros)} (key {p.key}, payment {p.payment_id}); wallet: "
                     f"{ui.coins(wallet.coins)}")  # fmt: skip


@app.command()
def wallet(ctx: typer.Context, user: ui.UserOption, as_json: ui.Json = False) -> None:
    """The coins a user can send, and any they owe.

    Coins are owed when a purchase is refunded or charged back after they were sent;
    gifting waits until a new purchase repays them.

    Example: reelmint gifts wallet --user 1
    """
    found = ui.service(ctx).wallets.wallet(user)
    if as_json:
        emit_json(asdict(found))
        return
    ui.console.print(f"user {found.user}: {ui.coins(found.coins)}, owes {ui.coins(found.debt)}")


@app.command()
def purchases(ctx: typer.Context, user: ui.UserOption, as_json: ui.Json = False) -> None:
    """A user's coin purchases, newest first.

    The key column is what `refund` and `chargeback` take.

    Example: reelmint gifts purchases --user 1
    """
    found = ui.service(ctx).wallets.purchases(user)
    if as_json:
        emit_json([asdict(p) for p in found])
        return
    rows = [(p.key, p.channel, ui.coins(p.coins), ui.usd(p.paid_micros), p.status,
             ui.when(p.at_ms)) for p in found]  # fmt: skip
    columns = ("key", "channel", "coins", "paid", "status", "at")
    ui.console.print(table(f"purchases of user {user}", columns, rows))


def _reversed(p: Purchase) -> None:
    ui.console.print(f"purchase {p.key}: {p.status}; {ui.coins(p.clawed_back or 0)} taken back, "
                     f"user {p.buyer} owes {ui.coins(p.debt or 0)}")  # fmt: skip


@app.command()
def refund(ctx: typer.Context, key: PurchaseKey, at: ui.At = None) -> None:
    """Refund a purchase in full, at the gateway and in the books.

    The coins still in the wallet are taken back; coins already sent become a debt that
    blocks gifting until a new purchase repays it. Worked example: 700 coins bought for
    $7.42, 500 sent: 200 are taken back and the buyer owes 500.

    Example: reelmint gifts refund buy-1
    """
    _reversed(ui.service(ctx).wallets.refund(key, ui.moment(at)))


@app.command()
def chargeback(ctx: typer.Context, key: PurchaseKey, at: ui.At = None) -> None:
    """Simulate a card dispute the buyer wins (embedded gateway only).

    A real processor would POST its signed chargeback notification to the platform's
    webhook. Here the embedded gateway charges the payment back and signs the
    notification, and this command applies it as the webhook would: the same reversal
    as a refund.

    Example: reelmint gifts chargeback buy-2
    """
    gifts, now = ui.service(ctx), ui.moment(at)
    gateway = gifts.gateway
    if not isinstance(gateway, EmbeddedGateway):
        raise GiftsError("only the embedded gateway simulates disputes; a real processor "
                         "sends its chargeback to the webhook")  # fmt: skip
    p = gifts.wallets.purchase(key)
    body, header = gateway.chargeback(p.payment_id, ms(now))
    done = gifts.wallets.notify(body, header, now)
    if done is None:
        ui.console.print(f"purchase {key}: the notification changed nothing")
        return
    _reversed(done)


for command in (live.send, live.leaderboard, live.summary, live.earnings, live.cashout,
                live.cashout_status, live.release, live.payout):  # fmt: skip
    app.command()(command)


# The books


@app.command()
def check(ctx: typer.Context) -> None:
    """Check the gifts books and the trial balance; exit 1 if anything is off.

    Coins out must equal their liability (less the debts owed) at face value, diamonds
    out their liability at $0.005 each, and every asset's debits its credits.

    Example: reelmint gifts check
    """
    gifts = ui.service(ctx)
    rows = gifts.ctx.ledger.trial_balance()
    ui.console.print(trial_balance_table(rows))
    problems = gifts.check_books()
    problems += [f"{r.asset.value}: debits and credits differ" for r in rows if not r.balanced]
    for problem in problems:
        typer.echo(problem, err=True)
    if problems:
        raise typer.Exit(1)
    ui.console.print("gifts books check: coins and diamonds match their liabilities")
