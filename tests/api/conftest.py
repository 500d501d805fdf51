"""An API over fresh books, on SQLite and on PostgreSQL, and keys for any party."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from reelmint.api.app import create_app
from reelmint.parties.model import Party, Role
from reelmint.parties.service import issue_key
from reelmint.parties.store import PartyStore
from reelmint.platform import Platform
from reelmint.settings import load_settings
from tests.pg import fresh_schema, require_server

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@dataclass
class Service:
    app: FastAPI
    client: TestClient
    platform: Platform

    def key(self, role: Role, party_id: str = "1") -> dict[str, str]:
        """Headers carrying a new key for (`role`, `party_id`)."""
        store = PartyStore(self.platform.engine)
        issued = issue_key(store, Party(role, party_id), datetime.now(UTC))
        return {"Authorization": f"Bearer {issued.token}"}


@contextmanager
def database_url(kind: str, where: Path) -> Iterator[str]:
    """A URL of empty books of `kind`, dropped afterwards."""
    if kind == "sqlite":
        where.mkdir(parents=True, exist_ok=True)
        yield f"sqlite:///{where / 'books.db'}"
        return
    with fresh_schema(require_server()) as url:
        yield url


@pytest.fixture
def make_service(tmp_path: Path) -> Iterator[Callable[..., Service]]:
    """Build a service on `kind` books, with API settings overridden (no rate limit unless
    asked for)."""
    with ExitStack() as stack:

        def make(kind: str = "sqlite", **api: object) -> Service:
            where = tmp_path / uuid.uuid4().hex[:8]
            url = stack.enter_context(database_url(kind, where))
            settings = load_settings(database_url=url, home=where,
                                     api={"rate_limit_per_s": 0, **api})  # fmt: skip
            platform = Platform.open(settings, migrate=True)
            stack.callback(platform.close)
            app = create_app(platform)
            client = stack.enter_context(TestClient(app))
            return Service(app, client, platform)

        yield make


@pytest.fixture(params=BACKENDS)
def service(request: pytest.FixtureRequest, make_service: Callable[..., Service]) -> Service:
    return make_service(request.param)
