"""PostgreSQL for the tests: a fresh schema per test on the server the Makefile found.

`scripts/with-postgres` sets REELMINT_TEST_DATABASE_URL. Without it, the default
developer server at 127.0.0.1:5432 is tried. When none answers, PostgreSQL tests skip
with a reason, except under CI=true, where they fail: CI must run them.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from reelmint.db.engine import make_engine

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"


def server_url() -> str:
    return os.environ.get("REELMINT_TEST_DATABASE_URL") or DEFAULT_URL


def require_server() -> str:
    """The server's URL, or a skip (a failure under CI=true) when none answers."""
    url = server_url()
    try:
        engine = make_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
    except Exception as exc:
        message = f"no PostgreSQL at {url}: {exc.__class__.__name__}: {exc}".splitlines()[0]
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true requires PostgreSQL; {message}")
        pytest.skip(message)
    return url


def schema_url(url: str, schema: str) -> str:
    parsed = sa.engine.make_url(url)
    query = dict(parsed.query)
    query["options"] = f"-csearch_path={schema}"
    return parsed.set(query=query).render_as_string(hide_password=False)


@contextmanager
def fresh_schema(url: str) -> Iterator[str]:
    """A new, empty schema; yields a URL whose connections use it; drops it afterwards."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{name}"'))
    try:
        yield schema_url(url, name)
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{name}" CASCADE'))
        admin.dispose()
