"""`reelmint keys ...`: issue, list and revoke API keys from the command line.

The first admin key has to come from here: the HTTP route that issues keys needs one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine

from reelmint.parties.model import Party, PartyError, Role
from reelmint.parties.service import issue_key
from reelmint.parties.store import PartyStore

app = typer.Typer(
    help="Manage API keys. Each request to `reelmint serve` sends one as "
    "`Authorization: Bearer <key>`.\n\nStart with: reelmint keys create --role admin",
    no_args_is_help=True,
)
console = Console()


def _store(ctx: typer.Context) -> PartyStore:
    engine: Callable[[], Engine] = ctx.meta["engine"]
    return PartyStore(engine())


@app.command()
def create(
    ctx: typer.Context,
    role: Annotated[Role, typer.Option(help="what the key may do", case_sensitive=False)],
    party: Annotated[
        str | None,
        typer.Option(
            help="the party's id, e.g. 7 for creator 7 (owner of creator:7:*); "
            "admins default to 'admin'"
        ),
    ] = None,
    label: Annotated[str, typer.Option(help="a note to find the key by later")] = "",
) -> None:
    """Issue a key and print it. It is shown once: only its hash is stored."""
    if party is None:
        if role is not Role.ADMIN:
            raise PartyError(f"a {role.value} key needs --party ID (whose accounts it owns)")
        party = "admin"
    issued = issue_key(_store(ctx), Party(role, party), datetime.now(UTC), label=label)
    console.print(f"key {issued.key.key_id} for {issued.key.party} (shown once):", style="bold")
    print(issued.token)


@app.command("list")
def list_keys(ctx: typer.Context) -> None:
    """Every key: its id, party, label and whether it is revoked. Never the secret."""
    table = Table(title="API keys")
    for column in ("key id", "party", "label", "created", "revoked"):
        table.add_column(column)
    for key in _store(ctx).list_keys():
        revoked = key.revoked_at.isoformat(timespec="seconds") if key.revoked_at else ""
        created = key.created_at.isoformat(timespec="seconds")
        table.add_row(key.key_id, str(key.party), key.label, created, revoked)
    console.print(table)


@app.command()
def revoke(
    ctx: typer.Context, key_id: Annotated[str, typer.Argument(help="the key id from `list`")]
) -> None:
    """Revoke a key. Servers stop accepting it within `api.key_cache_s` seconds."""
    if not _store(ctx).revoke(key_id, datetime.now(UTC)):
        raise PartyError(f"no active key {key_id!r}")
    console.print(f"revoked {key_id}")
