"""Every ledger adapter behind one factory, so contract tests run the same cases on each."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from reelmint.db.engine import make_engine
from reelmint.db.migrate import upgrade
from reelmint.ledger.memory import InMemoryLedger
from reelmint.ledger.port import Ledger
from reelmint.ledger.sql import open_sql_ledger
from tests.pg import fresh_schema, require_server

KINDS = ("memory", "sqlite", "postgres")


@contextmanager
def open_ledger(kind: str, tmp_path: Path) -> Iterator[Ledger]:
    """A fresh, empty ledger of the given kind; its storage is dropped afterwards."""
    if kind == "memory":
        yield InMemoryLedger()
        return
    if kind == "sqlite":
        path = tmp_path / f"books-{next_name()}.db"
        engine = make_engine(f"sqlite:///{path}")
        upgrade(engine)
        try:
            yield open_sql_ledger(engine)
        finally:
            engine.dispose()
        return
    if kind == "postgres":
        with fresh_schema(require_server()) as url:
            engine = make_engine(url)
            upgrade(engine)
            try:
                yield open_sql_ledger(engine)
            finally:
                engine.dispose()
        return
    raise ValueError(f"unknown ledger kind {kind!r}")


_counter = iter(range(1 << 62))


def next_name() -> int:
    return next(_counter)
