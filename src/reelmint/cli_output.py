"""What every domain's CLI commands print with: JSON for scripts, tables for people.

Below the domains, so that `gifts` and `rewards` (which may not import each other)
share one way of showing figures.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

import typer
from rich.table import Table


def emit_json(data: Any) -> None:
    """Indented JSON on stdout; dates and other non-JSON values as their text."""
    typer.echo(json.dumps(data, indent=2, default=str))


def table(title: str, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> Table:
    """A table whose first column reads left and the rest, figures, read right."""
    shown = Table(title=title)
    for i, column in enumerate(columns):
        shown.add_column(column, justify="left" if i == 0 else "right")
    for row in rows:
        shown.add_row(*(str(cell) for cell in row))
    return shown
