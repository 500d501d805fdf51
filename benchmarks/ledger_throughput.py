"""Ledger throughput: transfers per second of `ledger.post(batch, now)` on SQL books.

Each case opens fresh books (a new SQLite file, or a new PostgreSQL schema), opens and
funds the accounts, builds every batch beforehand from a seeded `random.Random`, and
then times only the `post` calls. Two account patterns:

- `uniform`: random pairs among 1,000 USD accounts (900 NO_OVERDRAFT wallets funded with
  $1M each, 100 unconstrained merchant accounts); amounts of 1 to 1,000,000 micros, so
  nothing is ever refused.
- `hot`: every transfer credits `platform:revenue:ads` (unconstrained) from a random one
  of those 1,000 accounts, the shape of ad revenue landing on the platform.

Concurrent cases start N spawned processes, each with its own engine, which build their
batches, meet at a barrier, and post. Worked example: 4 writers x 5 batches x 10,000
transfers in 8.0 s from the barrier to the last finish is 200,000 / 8.0 = 25,000/s.
"""

from __future__ import annotations

import gc
import multiprocessing as mp
import queue as queue_module
import random
import tempfile
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from time import perf_counter
from typing import Any

from benchmarks.harness import Target, envelope, fresh_schema, percentiles_ms, record_case
from reelmint.db.engine import make_engine
from reelmint.db.migrate import upgrade
from reelmint.ledger import Account, AccountFlags, Transfer, TransferResult
from reelmint.ledger.sql import open_sql_ledger
from reelmint.ledger.store import SqlLedger
from reelmint.money import Asset

NAME = "ledger_throughput"
SEED = 20261101
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
WALLETS = 900
MERCHANTS = 100
FUNDING = 1_000_000 * Asset.USD.unit  # $1M per account: far more than any case spends
HOT = "platform:revenue:ads"
TREASURY = "platform:treasury:usd"
CODE = "bench.move"
BARRIER_TIMEOUT_S = 300
WRITER_TIMEOUT_S = 900

TARGETS = (
    Target("SQLite batch 10,000", 200_000, "sqlite", 10_000, "uniform", 1),
    Target("PostgreSQL batch 10,000", 50_000, "postgres", 10_000, "uniform", 1),
    Target("PostgreSQL one transfer per commit", 1_500, "postgres", 1, None, 1),
    # The same commits from 4 writers, the shape of API traffic: many clients, one
    # transfer each. Reported beside the single writer, not instead of it.
    Target("PostgreSQL one transfer per commit, 4 writers", 1_500, "postgres", 1, None, 4),
    Target("hot account, batched", 20_000, None, 10_000, "hot", None),
)


@dataclass(frozen=True, slots=True)
class Case:
    backend: str  # "sqlite" or "postgres"
    batch: int  # transfers per post call (and per commit)
    pattern: str  # "uniform" or "hot"
    writers: int  # concurrent processes (1: this process)
    batches: int  # post calls per writer

    @property
    def name(self) -> str:
        return f"{self.backend}/{self.pattern}/batch-{self.batch}/writers-{self.writers}"

    @property
    def transfers(self) -> int:
        return self.batch * self.batches * self.writers


def plan(quick: bool = False) -> list[Case]:
    """Every case; `quick` shrinks the number of batches about tenfold (at least one)."""
    single = {1: 2_000, 100: 200, 10_000: 20}  # batches per case
    concurrent = {1: 500, 100: 100, 10_000: 5}  # batches per writer, 4 writers

    def n(batches: int) -> int:
        return max(1, batches // 10) if quick else batches

    cases = [
        Case(backend, batch, pattern, 1, n(count))
        for backend in ("sqlite", "postgres")
        for batch, count in single.items()
        for pattern in ("uniform", "hot")
    ]
    cases += [
        Case("postgres", batch, pattern, 4, n(count))
        for batch, count in concurrent.items()
        for pattern in ("uniform", "hot")
    ]
    return cases


# -- the books --------------------------------------------------------------------------


def pool_accounts() -> list[Account]:
    """The 1,000 accounts transfers move between (or come from, for the hot pattern)."""
    wallets = [
        Account(f"user:{i}:usd", Asset.USD, AccountFlags.NO_OVERDRAFT) for i in range(WALLETS)
    ]
    merchants = [Account(f"merchant:{i}:sales", Asset.USD) for i in range(MERCHANTS)]
    return wallets + merchants


def all_accounts() -> list[Account]:
    return [*pool_accounts(), Account(TREASURY, Asset.USD), Account(HOT, Asset.USD)]


def fund(ledger: SqlLedger) -> None:
    """Open every account and credit each pool account from the treasury, in one batch."""
    ledger.open_accounts(all_accounts())
    funding = [
        Transfer(f"fund-{a.id}", TREASURY, a.id, FUNDING, Asset.USD, "bench.fund")
        for a in pool_accounts()
    ]
    refused = [r for r in ledger.post(funding, NOW) if r is not TransferResult.OK]
    if refused:
        raise RuntimeError(f"funding refused: {refused[:3]}")


@contextmanager
def open_books(backend: str, pg_url: str | None, workdir: Path) -> Iterator[tuple[SqlLedger, str]]:
    """Fresh, migrated books and the URL they live at; dropped afterwards."""
    if backend == "sqlite":
        url = f"sqlite:///{workdir / f'books-{uuid.uuid4().hex[:8]}.db'}"
        with _engine_books(url) as ledger:
            yield ledger, url
        return
    if pg_url is None:
        raise ValueError("PostgreSQL cases need a server URL")
    with fresh_schema(pg_url) as url, _engine_books(url) as ledger:
        yield ledger, url


@contextmanager
def _engine_books(url: str) -> Iterator[SqlLedger]:
    engine = make_engine(url)
    try:
        upgrade(engine)
        yield open_sql_ledger(engine)
    finally:
        engine.dispose()


# -- the work -----------------------------------------------------------------------------


def build_batches(
    rng: random.Random, pattern: str, batch: int, count: int, tag: str
) -> list[list[Transfer]]:
    """`count` batches of `batch` transfers; ids are `<tag>-<n>`, unique within a case."""
    pool = [a.id for a in pool_accounts()]
    last = len(pool) - 1
    batches = []
    for b in range(count):
        transfers = []
        for k in range(batch):
            i = rng.randrange(len(pool))
            if pattern == "hot":
                credit = HOT
            else:
                j = rng.randrange(last)
                credit = pool[j + 1 if j >= i else j]
            amount = rng.randint(1, 1_000_000)
            transfers.append(
                Transfer(f"{tag}-{b * batch + k}", pool[i], credit, amount, Asset.USD, CODE)
            )
        batches.append(transfers)
    return batches


def post_all(ledger: SqlLedger, batches: Sequence[Sequence[Transfer]]) -> tuple[list[float], int]:
    """Post each batch; the duration of each call, and how many transfers were refused."""
    durations, outcomes = [], []
    for batch in batches:
        start = perf_counter()
        outcomes.append(ledger.post(batch, NOW))
        durations.append(perf_counter() - start)
    refused = sum(r is not TransferResult.OK for results in outcomes for r in results)
    return durations, refused


def run_case(case: Case, pg_url: str | None, workdir: Path) -> dict[str, Any]:
    with open_books(case.backend, pg_url, workdir) as (ledger, url):
        fund(ledger)
        if case.writers == 1:
            batches = build_batches(
                random.Random(SEED), case.pattern, case.batch, case.batches, "t"
            )
            gc.collect()
            durations, refused = post_all(ledger, batches)
            seconds = sum(durations)
        else:
            seconds, durations, refused = run_writers(case, url)
    return case_result(case, seconds, durations, refused)


def run_writers(case: Case, url: str) -> tuple[float, list[float], int]:
    """Wall time from the common barrier to the last finish, every post's duration, refusals.

    `perf_counter` is CLOCK_MONOTONIC on Linux, one clock for every process, so the
    writers' start and end stamps can be compared.
    """
    ctx = mp.get_context("spawn")
    barrier, reports = ctx.Barrier(case.writers), ctx.Queue()
    procs = [
        ctx.Process(target=_writer, args=(url, case, i, barrier, reports))
        for i in range(case.writers)
    ]
    for proc in procs:
        proc.start()
    try:
        got = [reports.get(timeout=WRITER_TIMEOUT_S) for _ in procs]
    except queue_module.Empty:
        for proc in procs:
            proc.terminate()
        raise RuntimeError(
            f"{case.name}: a writer did not report within {WRITER_TIMEOUT_S} s"
        ) from None
    finally:
        for proc in procs:
            proc.join(timeout=30)
        reports.close()
        reports.join_thread()
    errors = [g[1] for g in got if isinstance(g[1], str)]
    if errors:
        raise RuntimeError(f"{case.name}: writer failed: {errors[0]}")
    seconds = max(g[2] for g in got) - min(g[1] for g in got)
    return seconds, [d for g in got for d in g[3]], sum(g[4] for g in got)


def _writer(url: str, case: Case, index: int, barrier: Any, reports: Any) -> None:
    """One concurrent writer (a spawned process): build, wait for the others, post."""
    try:
        engine = make_engine(url)
        try:
            ledger = open_sql_ledger(engine)
            # Re-opening is idempotent; it warms the pool and the account cache, as
            # funding does for the single-writer cases.
            ledger.open_accounts(all_accounts())
            rng = random.Random(SEED + index)
            batches = build_batches(rng, case.pattern, case.batch, case.batches, f"w{index}")
            gc.collect()
            barrier.wait(timeout=BARRIER_TIMEOUT_S)
            start = perf_counter()
            durations, refused = post_all(ledger, batches)
            end = perf_counter()
        finally:
            engine.dispose()
        reports.put((index, start, end, durations, refused))
    except BaseException as exc:
        barrier.abort()
        reports.put((index, f"{type(exc).__name__}: {exc}"))


def case_result(case: Case, seconds: float, durations: list[float], refused: int) -> dict[str, Any]:
    rate = case.transfers / seconds if seconds > 0 else 0.0
    target = next(
        (t for t in TARGETS if t.matches(case.backend, case.batch, case.pattern, case.writers)),
        None,
    )
    return {
        "name": case.name,
        "backend": case.backend,
        "batch_size": case.batch,
        "account_pattern": case.pattern,
        "writers": case.writers,
        "batches_per_writer": case.batches,
        "transfers": case.transfers,
        "refused": refused,
        "seconds": round(seconds, 4),
        "transfers_per_s": round(rate, 1),
        "post_latency_ms": percentiles_ms(durations),
        "target": target.verdict(rate) if target else None,
    }


def run(
    *,
    quick: bool = False,
    pg_url: str | None = None,
    cases: Sequence[Case] | None = None,
    on_case: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Run `cases` (all of `plan(quick)` by default) and return the JSON payload.

    PostgreSQL cases are skipped, with the reason recorded, when `pg_url` is None. A case
    that raises is listed under `failed` with its error, and the others still run;
    `on_case` sees each result or failure as it comes.
    """
    payload = envelope(NAME, quick=quick, pg_url=pg_url)
    payload["setup"] = {
        "seed": SEED,
        "now": NOW.isoformat(),
        "pool_accounts": WALLETS + MERCHANTS,
        "no_overdraft_wallets": WALLETS,
        "hot_account": HOT,
        "targets": [asdict(t) for t in TARGETS],
    }
    payload["cases"], payload["skipped"], payload["failed"] = [], [], []
    started = perf_counter()
    with tempfile.TemporaryDirectory(prefix="reelmint-bench-") as tmp:
        for case in plan(quick) if cases is None else cases:
            if case.backend == "postgres" and pg_url is None:
                payload["skipped"].append(
                    {"name": case.name, "reason": "no PostgreSQL server answered"}
                )
                continue
            record_case(payload, case.name, partial(run_case, case, pg_url, Path(tmp)), on_case)
    payload["wall_seconds"] = round(perf_counter() - started, 1)
    return payload
