"""Shared fixtures. PostgreSQL plumbing lives in tests/pg.py."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from reelmint.ledger.port import Ledger
from tests.ledger.backends import KINDS, open_ledger


@pytest.fixture(
    params=[pytest.param(k, marks=pytest.mark.postgres) if k == "postgres" else k for k in KINDS]
)
def ledger(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Ledger]:
    """A fresh ledger on each adapter in turn."""
    with open_ledger(request.param, tmp_path) as books:
        yield books


@pytest.fixture
def now() -> datetime:
    return datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
