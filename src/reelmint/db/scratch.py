"""Scratch schemas on PostgreSQL: an empty schema per test or benchmark case, dropped after.

Connections reach the schema through `search_path` in the URL's `options`, so code under
test needs no notion of it. Worked example: `schema_url("postgresql://h/test", "t_1")` is
`postgresql://h/test?options=-csearch_path%3Dt_1`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from reelmint.db.engine import make_engine


def schema_url(url: str, schema: str) -> str:
    """`url` with every connection's search_path set to `schema`."""
    parsed = sa.engine.make_url(url)
    query = dict(parsed.query)
    query["options"] = f"-csearch_path={schema}"
    return parsed.set(query=query).render_as_string(hide_password=False)


@contextmanager
def scratch_schema(url: str, prefix: str = "t") -> Iterator[str]:
    """A new, empty schema; yields a URL whose connections use it; drops it afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{name}"'))
    try:
        yield schema_url(url, name)
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{name}" CASCADE'))
        admin.dispose()
