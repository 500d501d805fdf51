"""The `reelmint` command: assembles each domain's sub-app with demo and db.

Errors a person can fix (bad input, a database behind the code) print one line on
stderr and exit with code 2, having written nothing. Everything else is a bug and keeps
its traceback.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from reelmint.ads.commands import app as ads_app
from reelmint.content.model import ContentError
from reelmint.events.codec import CodecError
from reelmint.feed.commands import app as feed_app
from reelmint.gifts.commands import app as gifts_app
from reelmint.gifts.model import GiftsError
from reelmint.gifts.ports import PaymentRefused
from reelmint.gifts.webhooks import BadNotification
from reelmint.ledger.commands import app as books_app
from reelmint.ledger.commands import trial_balance_table
from reelmint.ledger.model import LedgerError
from reelmint.money import MoneyError, format_amount
from reelmint.parties.commands import app as keys_app
from reelmint.platform import Platform, SchemaNotReady
from reelmint.rewards.commands import app as rewards_app
from reelmint.rewards.model import RewardsError
from reelmint.settings import Settings, load_settings
from reelmint.sim.commands import demo_command, report_command, simulate_command

app = typer.Typer(
    help="reelmint: the monetization engine for short-video and live platforms.\n\n"
    "Start with `reelmint demo`. Settings come from REELMINT_* environment variables and an "
    "optional reelmint.toml; --database-url overrides the database "
    "(default: SQLite in $REELMINT_HOME, else ./.reelmint/).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Manage the database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(books_app, name="books")
app.add_typer(keys_app, name="keys")
app.add_typer(feed_app, name="feed")
app.add_typer(ads_app, name="ads")
app.add_typer(gifts_app, name="gifts")
app.add_typer(rewards_app, name="rewards")
app.command("demo")(demo_command)
app.command("simulate")(simulate_command)
app.command("report")(report_command)
console = Console()


class _State:
    """What the root callback learned; sub-commands open the platform lazily."""

    def __init__(self, database_url: str | None) -> None:
        self.database_url = database_url
        self.platform: Platform | None = None

    def settings(self) -> Settings:
        overrides = {"database_url": self.database_url} if self.database_url else {}
        return load_settings(**overrides)

    def open(self, *, migrate: bool = False) -> Platform:
        if self.platform is None:
            self.platform = Platform.open(self.settings(), migrate=migrate)
        return self.platform


@app.callback()
def root(
    ctx: typer.Context,
    database_url: Annotated[
        str | None,
        typer.Option(
            help="SQLAlchemy URL, e.g. postgresql://user@host/db or sqlite:///books.db",
            envvar="REELMINT_DATABASE_URL",
        ),
    ] = None,
) -> None:
    state = _State(database_url)
    ctx.obj = lambda: state.open().ledger
    ctx.meta["engine"] = lambda: state.open(migrate=True).engine
    ctx.meta["feed"] = lambda: state.open(migrate=True).feed
    ctx.meta["ads"] = lambda: state.open(migrate=True).ads
    ctx.meta["gifts"] = lambda: state.open(migrate=True).gifts
    ctx.meta["rewards"] = lambda: state.open(migrate=True).rewards
    ctx.meta["state"] = state


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Create or migrate the schema to the newest revision. Safe to run again."""
    state: _State = ctx.meta["state"]
    state.open(migrate=True)
    console.print(f"schema up to date at {state.settings().database_url}")


@books_app.command("walkthrough")
def walkthrough(
    ctx: typer.Context,
    start: Annotated[str, typer.Option(help="simulated start time (ISO 8601, UTC)")] = (
        "2026-11-01T12:00:00"
    ),
) -> None:
    """A scripted day through the books: buy coins, send a gift, cash out.

    Prints the balances and the trial balance. Runs on the embedded SQLite database
    unless --database-url says otherwise; running it again changes nothing (every
    transfer id is an idempotency key).
    """
    from reelmint.demo import ACCOUNTS, run_demo

    state: _State = ctx.meta["state"]
    platform = state.open(migrate=True)
    moment = datetime.fromisoformat(start).replace(tzinfo=UTC)
    figures = run_demo(platform.ledger, platform.settings.economics, moment)
    console.print(
        f"[bold]Alice buys {figures.coins:,} coins for "
        f"{format_amount(ACCOUNTS[0].asset, figures.price)}, sends a "
        f"{figures.gift_coins}-coin gift; Bob cashes out "
        f"{figures.diamonds:,} diamonds after the hold.[/bold]"
    )
    balances = platform.ledger.balances([a.id for a in ACCOUNTS])
    table = Table(title="balances (credits - debits)")
    table.add_column("account")
    table.add_column("posted", justify="right")
    for account in ACCOUNTS:
        found = balances[account.id]
        table.add_row(account.id, format_amount(found.asset, found.posted, exact=True))
    console.print(table)
    console.print(trial_balance_table(platform.ledger.trial_balance()))
    console.print(f"books at {platform.settings.database_url}")


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="address to listen on [api.host]")] = None,
    port: Annotated[int | None, typer.Option(help="TCP port [api.port]")] = None,
    workers: Annotated[int | None, typer.Option(help="worker processes [api.workers]")] = None,
) -> None:
    """Serve the REST API (FastAPI on Uvicorn) over the configured database.

    The schema is brought up to date first. Every request needs an API key: make the
    first one with `reelmint keys create --role admin`. The OpenAPI schema is at
    /openapi.json and the docs at /docs; request logs are JSON lines on stderr.

    Example: reelmint --database-url postgresql://postgres@127.0.0.1/test serve --port 8080
    """
    import os

    import uvicorn

    state: _State = ctx.meta["state"]
    platform = state.open(migrate=True)
    api = platform.settings.api
    platform.close()
    # The workers build their own platform from the environment: hand the URL down.
    os.environ["REELMINT_DATABASE_URL"] = platform.settings.database_url
    uvicorn.run(
        "reelmint.api.app:app_from_env", factory=True, host=host or api.host,
        port=port or api.port, workers=workers or api.workers, access_log=False,
        log_level=api.log_level,
    )  # fmt: skip


def main() -> None:
    """Console entry point: maps fixable errors to one line on stderr and exit code 2.

    Usage errors (a bad option or value) are Typer's own, and also exit with code 2.
    """
    try:
        app()
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "settings"
        _fail(f"bad setting {where}: {first['msg']}")
    except (LedgerError, MoneyError, SchemaNotReady, ContentError, CodecError, GiftsError,
            BadNotification, PaymentRefused, RewardsError, ValueError) as exc:  # fmt: skip
        _fail(str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__)


def _fail(message: str) -> None:
    typer.echo(f"reelmint: error: {message}", err=True)
    sys.exit(2)


if __name__ == "__main__":
    main()
