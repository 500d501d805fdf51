"""PostgreSQL for the tests: a fresh schema per test on the server the Makefile found.

`scripts/with-postgres` sets REELMINT_TEST_DATABASE_URL. Without it, the default
developer server at 127.0.0.1:5432 is tried. When none answers, PostgreSQL tests skip
with a reason, except under CI=true, where they fail: CI must run them.
"""

from __future__ import annotations

import os
from contextlib import AbstractContextManager

import pytest
import sqlalchemy as sa

from reelmint.db.engine import make_engine
from reelmint.db.scratch import scratch_schema

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


def fresh_schema(url: str) -> AbstractContextManager[str]:
    """A new, empty schema; yields a URL whose connections use it; drops it afterwards."""
    return scratch_schema(url, "t")
