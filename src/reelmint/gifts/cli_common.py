"""What the `reelmint gifts ...` command modules share: the service from the context,
times from `--at`, money as people read it, tables and JSON.

Money goes to people through `format_amount` (`$7.42`, `700 coins`, `350 diamonds`) and
to machines (`--json`) as the integers the books hold.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Annotated

import typer
from rich.console import Console

from reelmint.gifts.context import EPOCH
from reelmint.gifts.model import GiftsError
from reelmint.gifts.service import GiftsService
from reelmint.money import Asset, format_amount

console = Console(markup=False, emoji=False)  # names, titles and keys print as typed

At = Annotated[str | None, typer.Option(help="when, ISO 8601 (UTC if no zone; default: now)")]
Json = Annotated[bool, typer.Option("--json", help="JSON for machines: money in micros")]
Key = Annotated[str, typer.Option(help="idempotency key: a retry with it does nothing twice")]
UserOption = Annotated[int, typer.Option("--user", min=0, help="the viewer's user id")]
CreatorOption = Annotated[int, typer.Option("--creator", min=0, help="the creator's user id")]


def service(ctx: typer.Context) -> GiftsService:
    """The gifts service the root CLI opens on first use (`ctx.meta["gifts"]`)."""
    opener: Callable[[], GiftsService] = ctx.meta["gifts"]
    return opener()


def moment(text: str | None) -> datetime:
    """`--at` as an aware time: now when absent, UTC when it names no zone."""
    if text is None:
        return datetime.now(UTC)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise GiftsError(f"not an ISO 8601 time: {text!r} (try 2026-11-02T12:00:00Z)") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def day(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise GiftsError(f"{what} is a date, YYYY-MM-DD (got {text!r})") from exc


def when(at_ms: int) -> str:
    """Milliseconds since the epoch as `2026-11-17 12:00 UTC`."""
    return f"{EPOCH + timedelta(milliseconds=at_ms):%Y-%m-%d %H:%M} UTC"


def usd(micros: int) -> str:
    return format_amount(Asset.USD, micros)


def coins(count: int) -> str:
    return format_amount(Asset.COIN, count)


def diamonds(count: int) -> str:
    return format_amount(Asset.DIAMOND, count)


def plural(count: int, noun: str) -> str:
    """`1 gifter`, `2 gifters`, `1,200 viewers`."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"
