"""Runs shared by the simulator tests: each is simulated once per session."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from reelmint.ledger import Ledger
from reelmint.ledger.memory import InMemoryLedger
from reelmint.settings import Settings, load_settings
from reelmint.sim.runner import RunResult, simulate
from reelmint.sim.world import RunConfig

Runner = Callable[..., tuple[RunResult, Path]]


def run_sim(root: Path, users: int, days: int, seed: int, name: str = "run",
            settings: Settings | None = None,
            ledger: Ledger | None = None) -> tuple[RunResult, Path]:  # fmt: skip
    out = root / name
    out.mkdir(parents=True)
    settings = settings or load_settings(home=root / f"{name}-home")
    books = InMemoryLedger() if ledger is None else ledger
    return simulate(settings, RunConfig(users, days, seed), out, books), out


@pytest.fixture(scope="session")
def month(tmp_path_factory: pytest.TempPathFactory) -> tuple[RunResult, Path]:
    """The demo's platform: 10,000 users for 30 days on the defaults."""
    return run_sim(tmp_path_factory.mktemp("month"), 10_000, 30, 7)
