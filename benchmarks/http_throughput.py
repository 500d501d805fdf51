"""HTTP throughput: transfers per second through `reelmint serve` on PostgreSQL.

Each case starts `reelmint serve` with N Uvicorn workers on a fresh PostgreSQL schema,
creates an admin key with `reelmint keys create`, opens `platform:treasury:usd`,
`platform:revenue:ads` and 100 funded no-overdraft wallets `user:<n>:usd` over HTTP.
Then `wrk` (Debian's package) drives 32 keep-alive connections from 2 threads on
loopback, after a 1 s warm-up; each request is one POST /v1/transfers of one new
transfer, 1 micro from a wallet to the revenue account (benchmarks/http_post.lua).

Worked example: wrk answers 12,000 requests in 10.0 s, all 200 with result "ok":
1,200 transfers/s. Latencies are wrk's, send to last byte, not corrected for
coordinated omission. Afterwards the trial balance must balance, and the revenue
account must have grown by at least the accepted count (requests in flight when wrk
stops are finished by the server, uncounted). Server, PostgreSQL and wrk share the
machine's cores; `machine` in the JSON says how many.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from time import monotonic, perf_counter, sleep
from typing import Any

from benchmarks.harness import Target, envelope, fresh_schema, record_case

NAME = "http_throughput"
USERS = 100
FUNDING = 1_000 * 1_000_000  # $1,000 per wallet in micros: more than any run spends
TREASURY, REVENUE = "platform:treasury:usd", "platform:revenue:ads"
WARMUP_S = 1
START_TIMEOUT_S = 60
LUA = Path(__file__).with_name("http_post.lua")
# Per-key rate limit off (the benchmark is one key), per-request JSON logs silenced.
SERVER_ENV = {"REELMINT_API__RATE_LIMIT_PER_S": "0", "REELMINT_API__LOG_LEVEL": "warning"}
ENSURE_TOOLS = Path(__file__).resolve().parent.parent / "scripts" / "ensure-tools"

# The target, for the headline shape (no Idempotency-Key); p99 is the second
# condition, checked beside the harness's rate floor.
TARGET = Target("HTTP one transfer per request, 32 clients", 1_000, "postgres", 1, "http")
MAX_P99_MS = 50.0
WRK_MISSING = "wrk is not installed and scripts/ensure-tools could not install it (apt-get)"


@dataclass(frozen=True, slots=True)
class Case:
    workers: int  # Uvicorn worker processes
    idempotency_key: bool  # send `Idempotency-Key` (one more claim/keep round trip each)
    duration_s: int  # wrk's -d, whole seconds
    connections: int = 32
    threads: int = 2

    @property
    def pattern(self) -> str:
        return "http idempotency-key" if self.idempotency_key else "http"

    @property
    def name(self) -> str:
        suffix = "/idempotency-key" if self.idempotency_key else ""
        return f"postgres/http/workers-{self.workers}{suffix}"


def plan(quick: bool = False) -> list[Case]:
    duration = 2 if quick else 10
    return [Case(w, idem, duration) for idem in (False, True) for w in (1, 2)]


# -- the server ---------------------------------------------------------------------------


def _reelmint(url: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "reelmint.cli", "--database-url", url, *args]


def _last_words(text: str) -> str:
    """The line of a failure's output that says what went wrong (SQLAlchemy ends its
    errors with a link)."""
    lines = [x for x in text.strip().splitlines() if not x.startswith("(Background on")]
    return lines[-1] if lines else "(no output)"


def _command(what: str, command: list[str], timeout: float, **kwargs: Any) -> str:
    """Run a command; its stdout. Its failure names `what`, never the argv (it may hold
    the key)."""
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, **kwargs)
    if done.returncode != 0:
        words = _last_words(done.stderr + done.stdout)
        raise RuntimeError(f"{what} exited with {done.returncode}: {words}")
    out: str = done.stdout
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def serving(url: str, workers: int, workdir: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """`reelmint serve` on a free loopback port: its base URL and environment.

    The server runs in its own process group, so its Uvicorn workers go with it.
    """
    env = {**os.environ, "REELMINT_HOME": str(workdir), **SERVER_ENV}
    port = _free_port()
    log_path = workdir / f"serve-{port}.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            _reelmint(url, "serve", "--host", "127.0.0.1", "--port", str(port),
                      "--workers", str(workers)),
            cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, proc, log_path)
        yield base, env
    finally:
        _stop(proc)


def _wait_ready(base: str, proc: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = monotonic() + START_TIMEOUT_S
    while monotonic() < deadline:
        if proc.poll() is not None:
            words = _last_words(log_path.read_text(errors="replace"))
            raise RuntimeError(f"reelmint serve exited with {proc.returncode}: {words}")
        with suppress(OSError, RuntimeError):  # not listening, or no database yet
            call(base, "GET", "/readyz")
            return
        sleep(0.1)
    raise RuntimeError(f"reelmint serve was not ready within {START_TIMEOUT_S} s")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the whole group (Uvicorn shuts down cleanly), then SIGKILL to any rest."""
    for sig, wait_s in ((signal.SIGTERM, 15), (signal.SIGKILL, None)):
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        with suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=wait_s)


def call(
    base: str, method: str, path: str, token: str | None = None, body: Any = None, ok: int = 200
) -> Any:
    """One request; its decoded JSON body. RuntimeError when the status is not `ok`."""
    request = urllib.request.Request(base + path, method=method)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    data = None if body is None else json.dumps(body).encode()
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, data, timeout=30) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    if status != ok:
        raise RuntimeError(f"{method} {path} answered {status}: {raw[:200]!r}")
    return json.loads(raw or b"null")


# -- the books over HTTP ------------------------------------------------------------------


def admin_key(url: str, env: dict[str, str], workdir: Path) -> str:
    out = _command("reelmint keys create", _reelmint(url, "keys", "create", "--role", "admin"),
                   60, cwd=workdir, env=env)  # fmt: skip
    return out.strip().splitlines()[-1]


def open_and_fund(base: str, token: str) -> None:
    wallets = [{"id": f"user:{i}:usd", "flags": ["no_overdraft"]} for i in range(USERS)]
    accounts: list[dict[str, Any]] = [{"id": TREASURY}, {"id": REVENUE}, *wallets]
    for account in accounts:
        call(base, "POST", "/v1/accounts", token, {**account, "asset": "USD"}, ok=201)
    funding = [
        {"id": f"fund-{i}", "debit": TREASURY, "credit": f"user:{i}:usd", "amount": FUNDING,
         "asset": "USD", "code": "bench.fund"}
        for i in range(USERS)
    ]  # fmt: skip
    answer = call(base, "POST", "/v1/transfers", token, {"transfers": funding})
    if answer["accepted"] != USERS:
        raise RuntimeError(f"funding refused: {answer['data'][:3]}")


def revenue_posted(base: str, token: str) -> int:
    """Micros credited to the revenue account (one per benchmark transfer), once settled.

    wrk abandons its in-flight requests at the deadline, but the server still finishes
    them: wait until two reads 0.2 s apart agree.
    """
    path = f"/v1/accounts/{REVENUE}/balance"
    last = None
    while True:
        posted = int(call(base, "GET", path, token)["credits_posted"])
        if posted == last:
            return posted
        last = posted
        sleep(0.2)


def books_balance(base: str, token: str) -> bool:
    rows = call(base, "GET", "/v1/trial-balance", token)["data"]
    return bool(rows) and all(row["balanced"] for row in rows)


# -- wrk --------------------------------------------------------------------------------


def find_wrk() -> str | None:
    """wrk's path; when it is missing, scripts/ensure-tools tries apt-get once."""
    if shutil.which("wrk") is None and ENSURE_TOOLS.exists():
        # A failure here is the skip reason's business, not an error of the run.
        with suppress(OSError, subprocess.SubprocessError):
            subprocess.run([str(ENSURE_TOOLS)], check=False, timeout=900)
    return shutil.which("wrk")


def drive(wrk: str, base: str, token: str, case: Case, tag: str, seconds: int) -> dict[str, Any]:
    """One wrk run against `base`; the JSON its done() prints."""
    out = _command(
        "wrk",
        [wrk, "-t", str(case.threads), "-c", str(case.connections), "-d", f"{seconds}s",
         "--timeout", "10s", "-s", str(LUA), base,
         "--", token, tag, str(USERS), "1" if case.idempotency_key else "0"],
        seconds + 60,
    )  # fmt: skip
    for line in out.splitlines():
        if line.startswith("RESULT "):
            found: dict[str, Any] = json.loads(line.removeprefix("RESULT "))
            return found
    raise RuntimeError(f"wrk printed no RESULT line: {out[-300:]!r}")


def run_case(case: Case, pg_url: str, wrk: str, workdir: Path) -> dict[str, Any]:
    with fresh_schema(pg_url) as url, serving(url, case.workers, workdir) as (base, env):
        token = admin_key(url, env, workdir)
        open_and_fund(base, token)
        drive(wrk, base, token, case, f"warm-{uuid.uuid4().hex[:8]}", WARMUP_S)
        before = revenue_posted(base, token)
        measured = drive(wrk, base, token, case, f"run-{uuid.uuid4().hex[:8]}", case.duration_s)
        books = {"posted": revenue_posted(base, token) - before,
                 "trial_balance_balanced": books_balance(base, token)}  # fmt: skip
    return case_result(case, measured, books)


def case_result(case: Case, wrk: dict[str, Any], books: dict[str, Any]) -> dict[str, Any]:
    seconds = wrk["duration_us"] / 1e6
    requests = wrk["requests"]
    refused = wrk["non_200"] + wrk["refused"]
    latency = {k: round(v / 1000, 3) for k, v in wrk["latency_us"].items()}
    socket_errors = {k: v for k, v in wrk["errors"].items() if k != "status"}
    rate = (requests - refused) / seconds if seconds > 0 else 0.0
    target = None
    if TARGET.matches("postgres", 1, case.pattern, case.workers):
        target = TARGET.verdict(rate)
        target["max_p99_ms"] = MAX_P99_MS
        target["met"] = target["met"] and latency["p99"] <= MAX_P99_MS
    return {
        "name": case.name,
        # The harness's table columns: one transfer per request; the writers are the
        # Uvicorn workers, each serving `connections` / `workers` clients on average.
        "backend": "postgres",
        "batch_size": 1,
        "account_pattern": case.pattern,
        "writers": case.workers,
        "connections": case.connections,
        "wrk_threads": case.threads,
        "requests": requests,
        "transfers": requests - refused,
        "refused": refused,
        "non_200": wrk["non_200"],
        "socket_errors": socket_errors,
        "seconds": round(seconds, 4),
        "requests_per_s": round(requests / seconds if seconds > 0 else 0.0, 1),
        "transfers_per_s": round(rate, 1),
        "latency_ms": latency,
        "books": books,
        "target": target,
    }


def run(
    *,
    quick: bool = False,
    pg_url: str | None = None,
    cases: Sequence[Case] | None = None,
    on_case: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Run `cases` (all of `plan(quick)` by default) and return the JSON payload.

    Every case is skipped, with the reason, when there is no PostgreSQL or no wrk; a
    case that raises is listed under `failed` and the others still run.
    """
    payload = envelope(NAME, quick=quick, pg_url=pg_url)
    payload["setup"] = {
        "users": USERS,
        "funding_micros": FUNDING,
        "amount_micros": 1,
        "warmup_s": WARMUP_S,
        "server_env": SERVER_ENV,
        "targets": [{**asdict(TARGET), "max_p99_ms": MAX_P99_MS}],
    }
    payload["cases"], payload["skipped"], payload["failed"] = [], [], []
    todo = plan(quick) if cases is None else list(cases)
    started = perf_counter()
    wrk = find_wrk() if pg_url is not None and todo else None
    reason = "no PostgreSQL server answered" if pg_url is None else WRK_MISSING
    with tempfile.TemporaryDirectory(prefix="reelmint-bench-http-") as tmp:
        for case in todo:
            if pg_url is None or wrk is None:
                payload["skipped"].append({"name": case.name, "reason": reason})
                continue
            record_case(payload, case.name,
                        partial(run_case, case, pg_url, wrk, Path(tmp)), on_case)  # fmt: skip
    payload["wall_seconds"] = round(perf_counter() - started, 1)
    return payload
