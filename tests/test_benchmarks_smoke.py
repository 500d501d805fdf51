"""The benchmarks in their smallest form: they run, and their JSON has the right shape.

Nothing here asserts on speed; the figures only have to be positive.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from benchmarks import http_throughput as http_bench
from benchmarks import ledger_throughput as bench
from benchmarks.harness import result_table, write_result
from benchmarks.ledger_throughput import Case

from tests.ledger.test_export import required_tool
from tests.pg import require_server

CASE_KEYS = {
    "name", "backend", "batch_size", "account_pattern", "writers", "batches_per_writer",
    "transfers", "refused", "seconds", "transfers_per_s", "post_latency_ms", "target",
}  # fmt: skip


def run_and_reload(cases: list[Case], pg_url: str | None, directory: Path) -> dict[str, Any]:
    payload = bench.run(cases=cases, pg_url=pg_url)
    path = write_result(payload, directory)
    assert path == directory / "ledger_throughput.json"
    result_table(payload)  # renders without error
    loaded: dict[str, Any] = json.loads(path.read_text())
    assert loaded["failed"] == []
    return loaded


def assert_case_shape(result: dict[str, Any], case: Case) -> None:
    assert set(result) == CASE_KEYS
    assert (result["backend"], result["batch_size"], result["account_pattern"]) == (
        case.backend, case.batch, case.pattern,
    )  # fmt: skip
    assert result["writers"] == case.writers
    assert result["transfers"] == case.transfers
    assert result["refused"] == 0
    assert result["seconds"] > 0
    assert result["transfers_per_s"] > 0
    assert set(result["post_latency_ms"]) == {"p50", "p99", "max"}


def test_ledger_benchmark_on_sqlite_writes_json_with_the_expected_shape(tmp_path: Path) -> None:
    cases = [Case("sqlite", 1, "uniform", 1, 3), Case("sqlite", 50, "hot", 1, 2)]
    skipped = Case("postgres", 1, "uniform", 1, 1)

    payload = run_and_reload([*cases, skipped], None, tmp_path)

    assert payload["benchmark"] == "ledger_throughput"
    assert {"cpu_count", "python", "sqlite", "postgres_server", "platform"} <= set(
        payload["machine"]
    )
    assert {"commit", "dirty"} <= set(payload["git"])
    assert payload["timestamp"]
    assert [c["name"] for c in payload["skipped"]] == [skipped.name]
    for result, case in zip(payload["cases"], cases, strict=True):
        assert_case_shape(result, case)


@pytest.mark.postgres
def test_ledger_benchmark_on_postgres_with_concurrent_writers(tmp_path: Path) -> None:
    url = require_server()
    cases = [Case("postgres", 1, "uniform", 1, 3), Case("postgres", 20, "hot", 2, 2)]

    payload = run_and_reload(cases, url, tmp_path)

    assert payload["machine"]["postgres_server"]
    assert payload["skipped"] == []
    for result, case in zip(payload["cases"], cases, strict=True):
        assert_case_shape(result, case)


def test_every_target_is_held_against_a_planned_case() -> None:
    planned = {(c.backend, c.batch, c.pattern, c.writers) for c in bench.plan(quick=True)}
    for target in bench.TARGETS:
        assert any(target.matches(*shape) for shape in planned), target.label


def test_a_case_result_records_its_target_and_whether_it_was_met() -> None:
    case = Case("sqlite", 10_000, "uniform", 1, 1)

    result = bench.case_result(case, seconds=0.1, durations=[0.1], refused=0)

    assert result["transfers_per_s"] == 100_000
    assert result["target"] == {
        "label": "SQLite batch 10,000", "min_transfers_per_s": 200_000, "met": False,
    }  # fmt: skip


HTTP_CASE_KEYS = {
    "name", "backend", "batch_size", "account_pattern", "writers", "connections",
    "wrk_threads", "requests", "transfers", "refused", "non_200", "socket_errors", "seconds",
    "requests_per_s", "transfers_per_s", "latency_ms", "books", "target",
}  # fmt: skip


@pytest.mark.postgres
def test_http_benchmark_posts_through_the_server_and_writes_json(tmp_path: Path) -> None:
    url = require_server()
    required_tool(shutil.which("wrk"), "wrk", "run scripts/ensure-tools")
    cases = [http_bench.Case(1, False, 1), http_bench.Case(2, True, 1)]

    payload = http_bench.run(cases=cases, pg_url=url)
    path = write_result(payload, tmp_path)
    result_table(payload)  # renders without error
    loaded = json.loads(path.read_text())

    assert path == tmp_path / "http_throughput.json"
    assert loaded["failed"] == [] and loaded["skipped"] == []
    assert loaded["machine"]["postgres_server"]
    for result, case in zip(loaded["cases"], cases, strict=True):
        assert set(result) == HTTP_CASE_KEYS
        assert (result["name"], result["writers"]) == (case.name, case.workers)
        assert result["transfers"] > 0 and result["transfers_per_s"] > 0
        assert result["refused"] == 0
        assert set(result["latency_ms"]) == {"p50", "p90", "p99", "max", "mean"}
        # Requests cut off at wrk's deadline may still post: never fewer, at most one each.
        assert 0 <= result["books"]["posted"] - result["transfers"] <= case.connections
        assert result["books"]["trial_balance_balanced"] is True
    assert loaded["cases"][0]["target"]["max_p99_ms"] == http_bench.MAX_P99_MS
    assert loaded["cases"][1]["target"] is None  # the Idempotency-Key case is reported beside


def test_http_benchmark_without_postgres_skips_every_case_with_the_reason() -> None:
    payload = http_bench.run(pg_url=None)

    assert payload["cases"] == [] and payload["failed"] == []
    assert [c["name"] for c in payload["skipped"]] == [c.name for c in http_bench.plan()]
    assert {c["reason"] for c in payload["skipped"]} == {"no PostgreSQL server answered"}


def test_the_http_target_needs_both_the_rate_and_the_p99() -> None:
    wrk = {"requests": 12_000, "duration_us": 10_000_000, "non_200": 0, "refused": 0,
           "errors": {"connect": 0, "read": 0, "write": 0, "status": 0, "timeout": 0},
           "latency_us": {"p50": 20_000, "p90": 40_000, "p99": 60_000, "max": 90_000,
                          "mean": 25_000.0}}  # fmt: skip
    case = http_bench.Case(1, False, 10)

    result = http_bench.case_result(case, wrk, {"posted": 12_000, "trial_balance_balanced": True})

    assert result["transfers_per_s"] == 1_200
    assert result["latency_ms"]["p99"] == 60
    assert result["target"]["met"] is False  # fast enough, but p99 is over 50 ms
