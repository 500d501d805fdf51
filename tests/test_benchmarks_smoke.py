"""The benchmarks in their smallest form: they run, and their JSON has the right shape.

Nothing here asserts on speed; the figures only have to be positive.
"""

from __future__ import annotations

import itertools
import json
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from benchmarks import gifts as gifts_bench
from benchmarks import http_throughput as http_bench
from benchmarks import ledger_throughput as bench
from benchmarks import rewards as rewards_bench
from benchmarks.harness import headline_table, result_table, write_result
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


# -- gifts --------------------------------------------------------------------------------

GIFT_BATCH_KEYS = {
    "name", "backend", "senders", "creators", "batch", "batches", "gifts", "refused",
    "seconds", "gifts_per_s", "batch_ms", "books_only", "setup", "checks", "headline", "target",
}  # fmt: skip


def assert_gift_batch_shape(result: dict[str, Any], case: gifts_bench.BatchCase) -> None:
    assert set(result) == GIFT_BATCH_KEYS
    assert (result["backend"], result["gifts"]) == (case.backend, case.gifts)
    assert result["refused"] == 0 and result["gifts_per_s"] > 0
    assert result["books_only"]["gifts_per_s"] > 0 and result["books_only"]["transfers"] > 0
    checks = result["checks"]
    assert checks["trial_balance_balanced"] is True and checks["check_books"] == []
    assert checks["coins_spent"] == checks["coins_recorded"] > 0
    assert checks["gifts_recorded"] == case.gifts
    assert result["target"]["min_gifts_per_s"] == gifts_bench.MIN_GIFTS_PER_S[case.backend]


def test_gifts_benchmark_on_sqlite_sends_batches_and_balances_the_books(tmp_path: Path) -> None:
    case = gifts_bench.BatchCase("sqlite", 30, 3, 40, 2)
    skipped = [gifts_bench.BatchCase("postgres", 30, 3, 40, 1), gifts_bench.ApiCase(10, 1, 1, 5, 2)]

    payload = gifts_bench.run(cases=[case, *skipped], pg_url=None)
    headline_table(payload)  # renders
    loaded = json.loads(write_result(payload, tmp_path).read_text())

    assert loaded["benchmark"] == "gifts" and loaded["failed"] == []
    assert [c["name"] for c in loaded["skipped"]] == [c.name for c in skipped]
    [result] = loaded["cases"]
    assert_gift_batch_shape(result, case)


@pytest.mark.postgres
def test_gifts_benchmark_on_postgres_batches_and_one_gift_per_request(tmp_path: Path) -> None:
    url = require_server()
    batch = gifts_bench.BatchCase("postgres", 30, 3, 40, 2)
    api = gifts_bench.ApiCase(40, 1, 0.5, 6, 2, workers=1)

    payload = gifts_bench.run(cases=[batch, api], pg_url=url)
    headline_table(payload)  # renders

    assert payload["failed"] == []
    assert_gift_batch_shape(payload["cases"][0], batch)
    if payload["skipped"]:  # the gifts routes may not be served yet: then say so
        assert [s["name"] for s in payload["skipped"]] == [api.name]
        assert "POST /v1/lives/{id}/gifts" in payload["skipped"][0]["reason"]
        return
    result = payload["cases"][1]
    assert result["requests"] == 40 and result["errors"] == 0, result["first_error"]
    assert set(result["latency_ms"]) == {"p50", "p99", "max"} and result["latency_ms"]["p99"] > 0
    assert result["checks"]["coins_spent"] == result["checks"]["coins_recorded"] > 0
    assert result["checks"]["gifts_recorded"] >= result["ok"]
    assert result["target"]["max_p99_ms"] == gifts_bench.MAX_P99_MS


def test_the_gifts_plan_holds_every_target_and_quick_is_smaller() -> None:
    full, quick = gifts_bench.plan(), gifts_bench.plan(quick=True)
    backends = {c.backend for c in full if isinstance(c, gifts_bench.BatchCase)}
    assert backends == set(gifts_bench.MIN_GIFTS_PER_S)
    assert any(isinstance(c, gifts_bench.ApiCase) and c.rate == 200 for c in full)
    for big, small in zip(full, quick, strict=True):
        assert big.name == small.name and small.senders < big.senders


def test_the_gifts_route_is_found_in_an_openapi_document() -> None:
    paths = {"/v1/lives/{live_id}/gifts": {"post": {}}, "/v1/transfers": {"post": {}}}

    assert gifts_bench.gifts_route({"paths": paths}) == "/v1/lives/{live_id}/gifts"
    assert gifts_bench.gifts_route({"paths": {"/v1/lives/{live_id}/gifts": {"get": {}}}}) is None
    assert gifts_bench.gifts_route({"paths": {"/v1/transfers": {"post": {}}}}) is None


class _Echo(BaseHTTPRequestHandler):
    delay_s = 0.0

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        time.sleep(self.delay_s)
        status = 201 if self.path == "/ok" else 409
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: Any) -> None:
        pass


@contextmanager
def echo_server(delay_s: float = 0.0) -> Iterator[str]:
    handler = type("Echo", (_Echo,), {"delay_s": delay_s})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_fire_sends_open_loop_at_the_rate_and_records_each_answer() -> None:
    requests = [("/ok" if i % 5 else "/no", b"{}", {"Content-Type": "application/json"})
                for i in range(40)]  # fmt: skip
    with echo_server() as base:
        shots = gifts_bench.fire(base, requests, rate=200, threads=4)

    assert [s.status for s in shots] == [409 if i % 5 == 0 else 201 for i in range(40)]
    assert all(s.due <= s.sent + 0.001 and s.sent <= s.done for s in shots)
    gaps = [b.due - a.due for a, b in itertools.pairwise(shots)]
    assert all(abs(g - 1 / 200) < 1e-9 for g in gaps)  # due every 5 ms, open loop
    assert shots[-1].sent - shots[0].sent >= 39 / 200 - 0.001


def test_fire_stops_sending_once_the_server_is_too_far_behind() -> None:
    requests = [("/ok", b"{}", {}) for _ in range(20)]
    with echo_server(delay_s=0.05) as base:  # one connection, 20/s at best; 200/s asked
        shots = gifts_bench.fire(base, requests, rate=200, threads=1, give_up_s=0.1)

    assert 2 <= len(shots) < 20
    assert all(s.status == 201 for s in shots)
    assert shots[-1].sent - shots[-1].due <= 0.1 + 0.01


# -- rewards ------------------------------------------------------------------------------

REWARDS_CASE_KEYS = {
    "name", "mode", "events", "creators", "videos", "seconds", "breakdown_seconds",
    "setup_seconds", "lake_generation_seconds", "result", "checks", "workarounds", "headline",
    "target",
}  # fmt: skip


def test_rewards_benchmark_closes_a_small_lake_in_every_mode(tmp_path: Path) -> None:
    scale = rewards_bench.Scale(events=30_000, creators=300, videos=3_000, users=5_000)

    payload = rewards_bench.run(quick=True, scale=scale)
    headline_table(payload)  # renders
    loaded = json.loads(write_result(payload, tmp_path).read_text())

    assert loaded["benchmark"] == "rewards" and loaded["failed"] == []
    assert loaded["lake"]["files"] > 0 and loaded["lake"]["generation_seconds"] >= 0
    assert set(loaded["settings"]["overrides"]) >= {"min_views_30d", "earning_threshold_views"}
    assert [c["mode"] for c in loaded["cases"]] == ["rpm", "pool", "user-centric"]
    for case in loaded["cases"]:
        assert set(case) == REWARDS_CASE_KEYS
        assert case["events"] == 30_000 and case["seconds"] > 0
        assert {"plan", "record_close (SQLite rows)", "post"} <= set(case["breakdown_seconds"])
        result = case["result"]
        assert result["statements"] == scale.creators and result["status"] == "closed"
        assert result["creators_not_eligible"] == 0
        assert 0 < result["video_lines"] <= scale.videos
        assert 0 < result["payable_views"] < case["events"]  # rewatches count once
        assert result["distributed_micros"] == result["paid_micros"] + result["carried_micros"]
        assert case["checks"] == {"trial_balance_balanced": True, "check_books": []}
        assert case["target"]["max_seconds"] == rewards_bench.MAX_CLOSE_S
        assert case["workarounds"] == []  # only a close of many creators needs one
    assert loaded["cases"][2]["result"]["viewers"] > 0  # user-centric shares per viewer
