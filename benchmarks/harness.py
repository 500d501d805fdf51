"""Shared benchmark plumbing: targets, machine facts, scratch databases, JSON and tables.

The harness may read the wall clock (for the timestamp) and the environment (for the
PostgreSQL URL); it is tooling, not domain code.
"""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import subprocess
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from rich.table import Table

from reelmint.db.engine import make_engine
from reelmint.db.scratch import scratch_schema

RESULTS_DIR = Path(__file__).with_name("results")
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"


@dataclass(frozen=True, slots=True)
class Target:
    """A floor on a rate, for the cases it matches (None matches anything)."""

    label: str
    min_per_s: float
    backend: str | None = None
    batch: int | None = None
    pattern: str | None = None
    writers: int | None = None

    def matches(self, backend: str, batch: int, pattern: str, writers: int) -> bool:
        wanted = (self.backend, self.batch, self.pattern, self.writers)
        given = (backend, batch, pattern, writers)
        return all(w is None or w == v for w, v in zip(wanted, given, strict=True))

    def verdict(self, rate: float) -> dict[str, Any]:
        return {
            "label": self.label,
            "min_transfers_per_s": self.min_per_s,
            "met": rate >= self.min_per_s,
        }


def percentiles_ms(seconds: Sequence[float]) -> dict[str, float]:
    """p50, p99 and max of per-call durations, in milliseconds (nearest-rank)."""
    if not seconds:
        return {"p50": 0.0, "p99": 0.0, "max": 0.0}
    ordered = sorted(seconds)

    def rank(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000

    return {
        "p50": round(rank(0.5), 3),
        "p99": round(rank(0.99), 3),
        "max": round(ordered[-1] * 1000, 3),
    }


# -- PostgreSQL -----------------------------------------------------------------------


def postgres_url() -> str | None:
    """REELMINT_TEST_DATABASE_URL (set by scripts/with-postgres), else the default server.

    None when no server answers: the PostgreSQL cases are then skipped with a reason.
    """
    url = os.environ.get("REELMINT_TEST_DATABASE_URL") or DEFAULT_PG_URL
    return url if postgres_version(url) else None


def postgres_version(url: str) -> str | None:
    try:
        engine = make_engine(url, connect_args={"connect_timeout": 3})
        try:
            with engine.connect() as conn:
                return str(conn.execute(sa.text("SHOW server_version")).scalar_one())
        finally:
            engine.dispose()
    except Exception:
        return None


def record_case(
    payload: dict[str, Any], name: str, run: Callable[[], dict[str, Any]],
    on_case: Callable[[dict[str, Any]], None] | None,
) -> None:  # fmt: skip
    """Run one case into `payload`: its result under `cases`, or its error under `failed`.
    One broken case (say, the ledger mid-refactor) must not lose the others."""
    try:
        result = run()
    except Exception as exc:
        result = {"name": name, "error": f"{type(exc).__name__}: {exc}".splitlines()[0]}
    payload["failed" if "error" in result else "cases"].append(result)
    if on_case is not None:
        on_case(result)


def fresh_schema(url: str) -> AbstractContextManager[str]:
    """A new, empty schema; yields a URL whose connections use it; drops it afterwards."""
    return scratch_schema(url, "bench")


# -- provenance -----------------------------------------------------------------------


def machine_info(pg_url: str | None) -> dict[str, Any]:
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgres_server": postgres_version(pg_url) if pg_url else None,
        # Other processes on the machine move the figures; the load shows how busy it was.
        "load_average_at_start": [round(x, 2) for x in load] if load else None,
    }


def git_info() -> dict[str, Any]:
    """The commit measured and whether the tree had changes (None outside a checkout)."""
    root = Path(__file__).resolve().parent.parent

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(
                ["git", *args], cwd=root, capture_output=True, text=True, timeout=10, check=True
            )
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout.strip()

    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain") if commit else None
    return {"commit": commit, "dirty": bool(status) if status is not None else None}


def envelope(name: str, *, quick: bool, pg_url: str | None) -> dict[str, Any]:
    """The header every result file starts with; the benchmark adds `cases`."""
    return {
        "benchmark": name,
        "quick": quick,
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "git": git_info(),
        "machine": machine_info(pg_url),
    }


# -- output ---------------------------------------------------------------------------


def write_result(payload: dict[str, Any], directory: Path = RESULTS_DIR) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{payload['benchmark']}.json"
    path.write_text(json.dumps(payload, indent=2) + "\n")
    return path


def result_table(payload: dict[str, Any]) -> Table:
    """One row per case: its shape, the measured rate, and the target it is held to."""
    title = payload["benchmark"] + (" (quick)" if payload["quick"] else "")
    table = Table(title=title)
    for column in ("case", "batch", "writers", "transfers", "refused", "seconds"):
        table.add_column(column, justify="left" if column == "case" else "right")
    table.add_column("transfers/s", justify="right", style="bold")
    table.add_column("target", justify="right")
    table.add_column("met", justify="center")
    for case in payload["cases"]:
        target = case["target"]
        met = "—" if target is None else ("[green]yes[/]" if target["met"] else "[red]no[/]")
        table.add_row(
            f"{case['backend']} {case['account_pattern']}",
            f"{case['batch_size']:,}",
            str(case["writers"]),
            f"{case['transfers']:,}",
            f"{case['refused']:,}" if case["refused"] else "0",
            f"{case['seconds']:.2f}",
            f"{case['transfers_per_s']:,.0f}",
            "" if target is None else f"≥ {target['min_transfers_per_s']:,.0f}",
            met,
        )
    return table


def headline_table(payload: dict[str, Any]) -> Table:
    """One row per case of a benchmark whose cases carry a `headline` and a `target`
    with `label` and `met` (the lake and the feed ranking)."""
    out = Table(title=payload["benchmark"] + (" (quick)" if payload["quick"] else ""))
    for column in ("case", "figure", "target", "met"):
        out.add_column(column)
    for case in payload["cases"]:
        target = case["target"]
        out.add_row(case["name"], case["headline"], target["label"],
                    "[green]yes[/]" if target["met"] else "[red]no[/]")  # fmt: skip
    return out
