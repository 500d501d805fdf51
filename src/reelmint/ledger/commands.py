"""`reelmint books ...`: read the books and export them for external checkers.

Thin: each command parses its input, asks the ledger, and prints. The ledger comes from
the context object the root CLI sets up (a callable returning a `Ledger`), so this
module does not know how the books are wired.
"""

from __future__ import annotations

import enum
import os
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from reelmint.ledger.export import write_beancount, write_hledger
from reelmint.ledger.model import Balance, LedgerError, TrialBalanceRow
from reelmint.ledger.port import Ledger
from reelmint.money import format_amount

app = typer.Typer(
    help="Read the double-entry books: balances, statements, the trial balance, exports.\n\n"
    "Account ids read as paths, e.g. user:42:coins, creator:7:diamonds, platform:revenue:ads.",
    no_args_is_help=True,
)
console = Console()


def _books(ctx: typer.Context) -> Ledger:
    opener: Callable[[], Ledger] = ctx.obj
    return opener()


def _parse_time(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise LedgerError(f"not an ISO 8601 time: {text!r} (try 2026-11-01T12:00:00Z)") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@app.command()
def balance(
    ctx: typer.Context,
    account: Annotated[str, typer.Argument(help="account id, e.g. user:42:coins")],
    at: Annotated[
        str | None, typer.Option(help="posted balance as of this ISO time (UTC if no zone)")
    ] = None,
) -> None:
    """Show an account's balance: posted, pending and available."""
    found = _books(ctx).balance(account, at=_parse_time(at))
    table = Table(title=f"{account} ({found.asset.value})")
    for column in ("posted", "available", "debits", "credits", "debits pending",
                   "credits pending"):  # fmt: skip
        table.add_column(column, justify="right")
    table.add_row(*_money_cells(found))
    console.print(table)


def _money_cells(b: Balance) -> list[str]:
    values = (b.posted, b.available, b.debits_posted, b.credits_posted, b.debits_pending,
              b.credits_pending)  # fmt: skip
    return [format_amount(b.asset, v, exact=True) for v in values]


@app.command()
def statement(
    ctx: typer.Context,
    account: Annotated[str, typer.Argument(help="account id, e.g. creator:7:diamonds")],
    after: Annotated[int, typer.Option(help="cursor: show entries after this seq", min=0)] = 0,
    limit: Annotated[int, typer.Option(help="entries per page", min=1, max=10_000)] = 50,
) -> None:
    """List an account's posted entries with a running balance, oldest first.

    Page with --after: the last seq printed is the cursor for the next page.
    """
    books = _books(ctx)
    found = books.balance(account)
    lines = books.statement(account, after=after, limit=limit)
    table = Table(title=f"statement of {account}")
    for column in ("seq", "time (UTC)", "code", "counterparty", "amount", "balance"):
        table.add_column(column, justify="right" if column in ("amount", "balance") else "left")
    for line in lines:
        table.add_row(
            str(line.seq), line.timestamp.strftime("%Y-%m-%d %H:%M:%S"), line.code,
            line.counterparty, format_amount(found.asset, line.amount, exact=True),
            format_amount(found.asset, line.balance, exact=True),
        )  # fmt: skip
    console.print(table)
    if len(lines) == limit:
        console.print(f"more: --after {lines[-1].seq}")


@app.command("trial-balance")
def trial_balance(ctx: typer.Context) -> None:
    """Total debits and credits per asset; they must be equal. Exits 1 if they are not."""
    rows = _books(ctx).trial_balance()
    console.print(trial_balance_table(rows))
    if not all(row.balanced for row in rows):
        raise typer.Exit(1)


def trial_balance_table(rows: list[TrialBalanceRow]) -> Table:
    table = Table(title="trial balance")
    for column in ("asset", "accounts", "debits", "credits", "pending debits",
                   "pending credits", "balanced"):  # fmt: skip
        table.add_column(column, justify="right")
    for row in rows:
        table.add_row(
            row.asset.value, str(row.accounts),
            *(format_amount(row.asset, v, exact=True) for v in
              (row.debits_posted, row.credits_posted, row.debits_pending, row.credits_pending)),
            "yes" if row.balanced else "NO",
        )  # fmt: skip
    return table


@app.command()
def verify(ctx: typer.Context) -> None:
    """Recompute every balance from its entries. Exits 1 and lists problems if any differ."""
    problems = _books(ctx).verify()
    for problem in problems:
        typer.echo(problem, err=True)
    if problems:
        raise typer.Exit(1)
    console.print("books verified: every balance equals the sum of its entries")


class ExportFormat(enum.StrEnum):
    beancount = "beancount"
    hledger = "hledger"


@app.command()
def export(
    ctx: typer.Context,
    format: Annotated[ExportFormat, typer.Option("--format", "-f", help="output format")],
    output: Annotated[Path, typer.Option("--output", "-o", help="file to write")],
    as_of: Annotated[
        str | None, typer.Option(help="date of the closing assertions (default: last transfer)")
    ] = None,
) -> None:
    """Write every account and transfer, with balance assertions, for bean-check or hledger.

    \b
    reelmint books export -f beancount -o books.beancount && bean-check books.beancount
    reelmint books export -f hledger -o books.journal && hledger -f books.journal check

    The file is written to a temporary name and renamed, so a failure leaves nothing.
    """
    books = _books(ctx)
    moment = _parse_time(as_of) or _last_time(books)
    writer = write_beancount if format is ExportFormat.beancount else write_hledger
    if not output.parent.is_dir():
        raise LedgerError(f"cannot write {output}: {output.parent} is not a directory")
    fd, tmp = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            writer(books, out, as_of=moment)
        os.replace(tmp, output)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    console.print(f"wrote {output} ({format.value})")


def _last_time(books: Ledger) -> datetime:
    last = None
    after = 0
    while page := books.transfers(after=after, limit=10_000):
        last, after = page[-1].timestamp, page[-1].seq
    return last or datetime(1970, 1, 1, tzinfo=UTC)
