"""The SQL books under concurrent writers and crashes: money is conserved, ids act once.

Workers are real OS processes (`spawn`), each with its own engine, so that they share
nothing but the database, as separate application servers would. Plans come from a
seeded generator, so a failure replays with the same batches (the interleaving, being
the operating system's, does not replay).
"""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import sqlite3
import threading
import time
import traceback
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from reelmint.db.engine import make_engine
from reelmint.ledger import Account, AccountFlags, Transfer, TransferResult
from reelmint.ledger.sql import open_sql_ledger
from reelmint.ledger.store import SqlLedger
from reelmint.money import Asset
from tests.pg import fresh_schema, require_server

R = TransferResult
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
SPAWN = multiprocessing.get_context("spawn")
HOT = "platform:revenue:ads"
FUNDING = "platform:funding:usd"
WAIT_S = 120  # generous bound on any one wait for a child; never reached when healthy
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]

# (id, debit, credit, amount, code, linked): a transfer as it crosses a process boundary.
Row = tuple[str, str, str, int, str, bool]


def wallet(n: int) -> str:
    return f"user:{n}:wallet"


def usd(row: Row) -> Transfer:
    tid, debit, credit, amount, code, linked = row
    return Transfer(tid, debit, credit, amount, Asset.USD, code, linked=linked)


@contextmanager
def books_url(kind: str, tmp_path: Path) -> Iterator[str]:
    """A URL of empty, migrated books of the given kind."""
    from reelmint.db.migrate import upgrade  # Alembic: spare the child processes its import

    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'books.db'}"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url
        return
    with fresh_schema(require_server()) as url:
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url


@contextmanager
def ledger_at(url: str, **engine_args: Any) -> Iterator[SqlLedger]:
    engine = make_engine(url, **engine_args)
    try:
        yield open_sql_ledger(engine)
    finally:
        engine.dispose()


def open_bank(ledger: SqlLedger, wallets: int, funds: int) -> None:
    """Wallets that may not overdraw, the hot revenue account, and a funding source."""
    accounts = [Account(wallet(n), Asset.USD, AccountFlags.NO_OVERDRAFT) for n in range(wallets)]
    ledger.open_accounts([*accounts, Account(HOT, Asset.USD), Account(FUNDING, Asset.USD)])
    funding = [(f"fund-{n}", FUNDING, wallet(n), funds, "test.fund", False) for n in range(wallets)]
    assert ledger.post([usd(row) for row in funding], NOW) == [R.OK] * wallets


def query(url: str, sql: str, **params: Any) -> list[Any]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(sa.text(sql), params))
    finally:
        engine.dispose()


def count_ids(url: str, prefix: str, *, refused: bool = False) -> int:
    """Ids under `prefix` that the books accepted (or, with `refused`, refused)."""
    kind = "kind = -1" if refused else "kind <> -1"
    sql = f"SELECT count(*) FROM ledger_transfers WHERE id LIKE :prefix AND {kind}"
    return int(query(url, sql, prefix=f"{prefix}%")[0][0])


def assert_books_sound(ledger: SqlLedger) -> None:
    """Balanced per asset, balances equal to their entries, no constrained account below 0."""
    trial = ledger.trial_balance()
    assert trial and all(row.balanced for row in trial), trial
    assert ledger.verify() == []
    held = ledger.balances()
    for account in ledger.accounts():
        if account.flags & AccountFlags.NO_OVERDRAFT:
            balance = held[account.id]
            assert balance.posted >= 0 and balance.available >= 0, balance


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.001)


@contextmanager
def running(processes: list[Any]) -> Iterator[None]:
    """Start the processes; any still alive when the block ends (after a failure) is killed."""
    for process in processes:
        process.start()
    try:
        yield
    finally:
        for process in processes:
            if process.is_alive():
                process.kill()
            process.join(WAIT_S)


def collect(queue: Any, processes: list[Any]) -> list[Any]:
    """Each child's answer; a child that raised fails the test with its traceback."""
    answers = []
    for _ in processes:
        status, payload = queue.get(timeout=WAIT_S)
        assert status == "ok", payload
        answers.append(payload)
    for process in processes:
        process.join(WAIT_S)
        assert process.exitcode == 0
    queue.close()
    queue.join_thread()
    return answers


# -- 1. many processes, one bank ------------------------------------------------------------

WALLETS = 98  # + the hot account + the funding source = 100 accounts
OPENING = 2_000_000  # $2 in micros per wallet
WORKERS = 8
OWN_TRANSFERS = 2_000  # new ids per worker; retries and overlaps come on top


def bank_units(rng: random.Random, worker: int) -> list[list[Row]]:
    """Transfers in units that are never split: one transfer, or a linked pair."""
    units: list[list[Row]] = []
    made = 0
    while made < OWN_TRANSFERS:
        tid = f"w{worker}-{len(units)}"
        a, b = (wallet(n) for n in rng.sample(range(WALLETS), 2))
        small = rng.randint(1, 150_000)
        roll = rng.random()
        if roll < 0.40:
            unit = [(tid, a, HOT, small, "ads.spend", False)]
        elif roll < 0.45:  # more than a wallet ever holds: refused for lack of funds
            unit = [(tid, a, HOT, rng.randint(2_000_000, 9_000_000), "ads.spend", False)]
        elif roll < 0.60:
            unit = [(tid, HOT, a, small, "rewards.pay", False)]
        elif roll < 0.80:
            unit = [(tid, a, b, small, "gifts.send", False)]
        elif roll < 0.86:
            unit = [(tid, FUNDING, a, rng.randint(100_000, 1_000_000), "test.topup", False)]
        elif roll < 0.92:  # between unconstrained accounts only: no row lock is shared
            x, y = rng.sample([HOT, FUNDING], 2)
            unit = [(tid, x, y, small, "test.sweep", False)]
        else:  # the second leg is sometimes too big, and then the first is undone
            big = rng.randint(1, 2_500_000)
            unit = [(f"{tid}a", a, HOT, small, "ads.spend", True)]
            unit.append((f"{tid}b", a, b, big, "gifts.send", False))
        units.append(unit)
        made += len(unit)
    return units


def batch_size(rng: random.Random) -> int:
    """Units per batch: mostly a handful, often dozens, now and then hundreds."""
    low, high = rng.choices([(1, 5), (6, 60), (61, 300)], weights=[5, 3, 2])[0]
    return rng.randint(low, high)


def in_batches(rng: random.Random, units: list[list[Row]]) -> list[list[list[Row]]]:
    batches, start = [], 0
    while start < len(units):
        size = batch_size(rng)
        batches.append(units[start : start + size])
        start += size
    return batches


def bank_schedules(seed: int) -> list[list[list[Row]]]:
    """Per worker, the batches it posts, in order.

    Each worker posts its own batches; now and then it re-posts one of its earlier batches
    (a retry), the batch its neighbour posts at about the same time (overlapping ids from
    another process), or a mix of its neighbour's units and its own.
    """
    rng = random.Random(seed)
    own = [in_batches(rng, bank_units(rng, w)) for w in range(WORKERS)]
    schedules = []
    for w in range(WORKERS):
        mine, theirs = own[w], own[(w + 1) % WORKERS]
        plan = []
        for i, batch in enumerate(mine):
            plan.append(batch)
            if rng.random() < 0.15:
                plan.append(rng.choice(mine[: i + 1]))
            if i < len(theirs) and rng.random() < 0.25:
                plan.append(theirs[i])
            if i < len(theirs) and rng.random() < 0.10:
                plan.append(theirs[i][::2] + batch[1::2])
        schedules.append([[row for unit in batch for row in unit] for batch in plan])
    return schedules


def bank_worker(url: str, batches: list[list[Row]], start: Any, answers: Any) -> None:
    """Post the batches in order, from the start signal on; answer every result per id."""
    try:
        with ledger_at(url) as ledger:
            transfers = [[usd(row) for row in batch] for batch in batches]
            seen: dict[str, list[str]] = defaultdict(list)
            start.wait(WAIT_S)
            for batch in transfers:
                for t, result in zip(batch, ledger.post(batch, NOW), strict=True):
                    seen[t.id].append(result.value)
        answers.put(("ok", dict(seen)))
    except BaseException:
        answers.put(("error", traceback.format_exc()))


def run_workers(url: str, schedules: list[list[list[Row]]]) -> dict[str, list[str]]:
    """Start one process per schedule at once; merge what each saw per id."""
    start, answers = SPAWN.Barrier(len(schedules)), SPAWN.Queue()
    processes = [
        SPAWN.Process(target=bank_worker, args=(url, plan, start, answers)) for plan in schedules
    ]
    merged: dict[str, list[str]] = defaultdict(list)
    with running(processes):
        for seen in collect(answers, processes):
            for tid, results in seen.items():
                merged[tid].extend(results)
    return merged


@pytest.mark.postgres
@pytest.mark.slow
def test_eight_processes_posting_overlapping_batches_conserve_money(tmp_path: Path) -> None:
    schedules = bank_schedules(seed=20261101)
    rows = {row[0]: row for plan in schedules for batch in plan for row in batch}
    with books_url("postgres", tmp_path) as url, ledger_at(url) as ledger:
        open_bank(ledger, WALLETS, OPENING)
        seen = run_workers(url, schedules)

        stored = dict(
            query(url, "SELECT id, count(*) FROM ledger_transfers WHERE kind <> -1 GROUP BY id")
        )
        accepted = {tid for tid, results in seen.items() if R.OK in results}
        # Every id the workers saw as ok is stored exactly once, and nothing else is.
        assert set(stored) == accepted | {f"fund-{n}" for n in range(WALLETS)}
        assert set(stored.values()) == {1}
        for tid, results in seen.items():
            if tid in accepted:  # one writer got ok; every other submission got exists
                assert Counter(results)[R.OK] == 1 and set(results) <= {R.OK, R.EXISTS}, tid
            else:  # refused, each time for the same reason (a failed chain records none)
                reasons = set(results) - {R.LINKED_EVENT_FAILED}
                assert len(reasons) <= 1 and R.EXISTS not in results, (tid, results)

        # What the books hold is exactly what the accepted transfers add up to.
        expected: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for n in range(WALLETS):
            expected[FUNDING][0] += OPENING
            expected[wallet(n)][1] += OPENING
        for tid in accepted:
            _, debit, credit, amount, _, _ = rows[tid]
            expected[debit][0] += amount
            expected[credit][1] += amount
        held = {a: [b.debits_posted, b.credits_posted] for a, b in ledger.balances().items()}
        assert held == {a: expected.get(a, [0, 0]) for a in held}
        assert_books_sound(ledger)

        # The run did exercise what it claims to: contention, refusals, retries, overlaps.
        results = Counter(r for rs in seen.values() for r in rs)
        assert results.total() == sum(len(batch) for plan in schedules for batch in plan)
        assert results[R.EXCEEDS_CREDITS] > 100 and results[R.LINKED_EVENT_FAILED] > 10
        assert results[R.EXISTS] > 1_000
        assert sum(1 for tid in accepted if HOT in rows[tid][1:3]) > 5_000


# -- 2. one id, a hundred writers -----------------------------------------------------------

POSTERS = 100
PAIRS = {
    # Both single-row accounts: writers queue on the debit wallet's row lock.
    "constrained": (wallet(1), wallet(2)),
    # Sharded accounts: writers lock different rows, so each may insert the id; the unique
    # index lets one through and the others retry and find it.
    "unconstrained": (HOT, FUNDING),
}


def post_from_threads(ledger: SqlLedger, transfer: Transfer, threads: int, start: Any) -> list[str]:
    """`threads` threads wait on `start`, then each posts `transfer` once."""
    results: list[str] = []
    failures: list[str] = []

    def post() -> None:
        try:
            start.wait(WAIT_S)
            results.append(ledger.post([transfer], NOW)[0].value)
        except BaseException:
            failures.append(traceback.format_exc())

    workers = [threading.Thread(target=post) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(WAIT_S)
    assert failures == []
    return results


def attempted_inserts(url: str) -> int:
    """Rows ever inserted into ledger_transfers, rolled back or not (PostgreSQL only).

    Sequence values are never given back, so every insert that lost on the unique index
    still used one up.
    """
    return query(url, "SELECT last_value FROM ledger_transfers_seq_seq")[0][0]


@pytest.mark.parametrize("pair", PAIRS)
@pytest.mark.parametrize("kind", BACKENDS)
def test_hundred_threads_posting_one_id_move_money_once(
    kind: str, pair: str, tmp_path: Path
) -> None:
    debit, credit = PAIRS[pair]
    with books_url(kind, tmp_path) as url, ledger_at(url, pool_size=20) as ledger:
        open_bank(ledger, 3, OPENING)
        for round_ in range(3):
            before = ledger.balances([debit, credit])
            transfer = usd((f"dup-{round_}", debit, credit, 7, "test.dup", False))
            results = post_from_threads(ledger, transfer, POSTERS, threading.Barrier(POSTERS))
            assert Counter(results) == {R.OK: 1, R.EXISTS: POSTERS - 1}
            after = ledger.balances([debit, credit])
            assert after[debit].posted == before[debit].posted - 7
            assert after[credit].posted == before[credit].posted + 7
        assert_books_sound(ledger)
        if kind == "postgres" and pair == "unconstrained":
            lost = attempted_inserts(url) - count_ids(url, "")
            assert lost > 0, "no two writers ever inserted the id at once: the race was not run"


def same_id_process(
    url: str, transfers: list[Transfer], threads: int, start: Any, out: Any
) -> None:
    try:
        with ledger_at(url, pool_size=8) as ledger:
            ledger.balances([HOT])  # connect before the start
            out.put(("ok", [post_from_threads(ledger, t, threads, start) for t in transfers]))
    except BaseException:
        out.put(("error", traceback.format_exc()))


@pytest.mark.parametrize("kind", BACKENDS)
def test_two_processes_posting_one_id_move_money_once(kind: str, tmp_path: Path) -> None:
    processes_n, threads = 2, POSTERS // 2
    transfers = [usd((f"dup-{pair}", *PAIRS[pair], 7, "test.dup", False)) for pair in PAIRS]
    with books_url(kind, tmp_path) as url, ledger_at(url) as ledger:
        open_bank(ledger, 3, OPENING)
        start, out = SPAWN.Barrier(POSTERS), SPAWN.Queue()
        args = (url, transfers, threads, start, out)
        processes = [SPAWN.Process(target=same_id_process, args=args) for _ in range(processes_n)]
        with running(processes):
            answers = collect(out, processes)
        for i in range(len(transfers)):
            seen = Counter(r for answer in answers for r in answer[i])
            assert seen == {R.OK: 1, R.EXISTS: POSTERS - 1}
        held = ledger.balances()
        assert held[wallet(1)].posted == OPENING - 7 and held[wallet(2)].posted == OPENING + 7
        assert held[HOT].posted == -7
        assert_books_sound(ledger)


# -- 3. a writer killed mid-batch -----------------------------------------------------------

CRASH_SIZE = 20_000
CRASH_WALLETS = 10
REFUSED = CRASH_SIZE // 1_000  # transfers asking more than any wallet holds
ACCEPTED = CRASH_SIZE - REFUSED
# When to kill, after the child's transaction is seen open, in calibrated post durations.
KILL_AFTER = (0.0, 0.0, 0.5, 1.0, 2.0)


def crash_batch(tag: str) -> list[Transfer]:
    """Spends from no-overdraft wallets, top-ups into them, and a few refused spends."""
    rows = []
    for j in range(CRASH_SIZE):
        tid, a = f"{tag}-{j}", wallet(j % CRASH_WALLETS)
        if j % 1_000 == 0:
            rows.append((tid, a, HOT, 10**15, "ads.spend", False))
        elif j % 5 == 0:
            rows.append((tid, FUNDING, a, 1 + j % 89, "test.topup", False))
        else:
            rows.append((tid, a, HOT, 1 + j % 97, "ads.spend", False))
    return [usd(row) for row in rows]


def crash_child(url: str, tag: str, app: str, pipe: Any) -> None:
    """Wait for the word, say so, post one big batch, then wait to be killed."""
    try:
        options = {"connect_args": {"application_name": app}} if "postgresql" in url else {}
        with ledger_at(url, **options) as ledger:
            batch = crash_batch(tag)
            pipe.recv()
            pipe.send("posting")
            ledger.post(batch, NOW)
            pipe.send("posted")
            pipe.recv()
    except EOFError:
        pass  # the parent is gone: nothing left to do
    except BaseException:
        pipe.send(traceback.format_exc())


class SqliteWriterProbe:
    """Tells whether some connection holds the database's write lock (an open write)."""

    def __init__(self, url: str) -> None:
        self.con = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=0, isolation_level=None)

    def writing(self, app: str) -> bool:
        try:
            self.con.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:
            return True
        self.con.execute("ROLLBACK")
        return False

    def gone(self, app: str) -> bool:
        return True  # the operating system drops a dead process's locks at once

    def close(self) -> None:
        self.con.close()


class PostgresWriterProbe:
    """Reads the server's view of a client's session, by its application name."""

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self.conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")

    def _count(self, app: str, where: str = "TRUE") -> int:
        # pg_stat_activity is per-server shared state, read afresh outside a transaction.
        sql = f"SELECT count(*) FROM pg_stat_activity WHERE application_name = :app AND {where}"
        return int(self.conn.execute(sa.text(sql), {"app": app}).scalar_one())

    def writing(self, app: str) -> bool:
        return self._count(app, "xact_start IS NOT NULL") > 0

    def gone(self, app: str) -> bool:
        # Until its session ends, the server may still be applying what the child sent.
        return self._count(app) == 0

    def evaluating(self, app: str) -> bool:
        """Holding row locks (it has a transaction id) and silent for a while.

        Between the statements that load a batch's state the client pauses only to send
        the next; the one long pause is the evaluation of the batch, after every read.
        """
        quiet = (
            "backend_xid IS NOT NULL AND state = 'idle in transaction' "
            "AND clock_timestamp() - state_change > interval '300 milliseconds'"
        )
        return self._count(app, quiet) > 0

    def close(self) -> None:
        self.conn.close()
        self.engine.dispose()


@contextmanager
def crash_children(url: str, count: int) -> Iterator[list[tuple[Any, Any, str, str]]]:
    """Started children, each waiting for its word; none outlives the block."""
    run = uuid.uuid4().hex[:8]
    children = []
    try:
        for k in range(count):
            mine, theirs = SPAWN.Pipe()
            tag, app = f"crash{k}", f"reelmint-crash-{run}-{k}"
            process = SPAWN.Process(target=crash_child, args=(url, tag, app, theirs))
            process.start()
            theirs.close()
            children.append((process, mine, tag, app))
        yield children
    finally:
        for process, pipe, _, _ in children:
            if process.is_alive():
                os.kill(process.pid, signal.SIGKILL)
            process.join(WAIT_S)
            pipe.close()


def kill_while_posting(child: tuple[Any, Any, str, str], probe: Any, delay: float) -> bool:
    """Let the child post, kill it `delay` s after its transaction opens; True if seen open."""
    process, pipe, _, app = child
    pipe.send("go")
    assert pipe.poll(WAIT_S) and pipe.recv() == "posting"
    wait_for(lambda: probe.writing(app) or pipe.poll(), "the child's transaction")
    opened = not pipe.poll()
    time.sleep(delay)
    os.kill(process.pid, signal.SIGKILL)
    process.join(WAIT_S)
    assert process.exitcode == -signal.SIGKILL
    said = []
    with suppress(EOFError):
        while True:
            said.append(pipe.recv())
    assert set(said) <= {"posted"}, said
    wait_for(lambda: probe.gone(app), "the killed child's session to end")
    return opened


@pytest.mark.slow
@pytest.mark.parametrize("kind", BACKENDS)
def test_writer_killed_mid_batch_leaves_all_of_it_or_none(kind: str, tmp_path: Path) -> None:
    with books_url(kind, tmp_path) as url:
        with ledger_at(url) as ledger:
            open_bank(ledger, CRASH_WALLETS, 10**12)
            started = time.monotonic()
            assert Counter(ledger.post(crash_batch("calibration"), NOW))[R.OK] == ACCEPTED
            duration = time.monotonic() - started
        probe = SqliteWriterProbe(url) if kind == "sqlite" else PostgresWriterProbe(url)
        jitter = random.Random(7)
        seen: list[tuple[bool, int]] = []
        try:
            with crash_children(url, len(KILL_AFTER)) as children:
                for child, after in zip(children, KILL_AFTER, strict=True):
                    delay = after * duration * jitter.uniform(0.8, 1.2)
                    opened = kill_while_posting(child, probe, delay)
                    tag = child[2]
                    held = count_ids(url, f"{tag}-")
                    refused = count_ids(url, f"{tag}-", refused=True)
                    assert (held, refused) in {(0, 0), (ACCEPTED, REFUSED)}, (after, held, refused)
                    seen.append((opened and after == 0, held))
        finally:
            probe.close()
        # At least one kill landed inside an open transaction, and it left nothing behind.
        assert (True, 0) in seen, seen
        with ledger_at(url) as ledger:
            assert_books_sound(ledger)
            batches = 1 + sum(1 for _, held in seen if held)
            assert count_ids(url, "") == CRASH_WALLETS + batches * ACCEPTED


# -- 4. an id refused and accepted at once ---------------------------------------------------


@pytest.mark.postgres
def test_id_refused_by_one_writer_while_another_accepts_it_keeps_one_outcome(
    tmp_path: Path,
) -> None:
    """A slow writer finds the id's accounts missing and refuses it; meanwhile the accounts
    are opened and a quick writer accepts the same transfer. The id must end with one
    outcome: both writers told the same, and a retry told what the books hold.
    """
    late = ("user:late:wallet", "user:late:savings")
    transfer = usd(("late-1", *late, 5, "test.late", False))
    filler = [usd((f"fill-{j}", FUNDING, HOT, 1, "test.fill", False)) for j in range(50_000)]
    app = f"reelmint-slow-writer-{uuid.uuid4().hex[:8]}"
    answers: dict[str, TransferResult] = {}
    with (
        books_url("postgres", tmp_path) as url,
        ledger_at(url, connect_args={"application_name": app}) as slow,
        ledger_at(url) as quick,
    ):
        open_bank(quick, 1, OPENING)
        probe = PostgresWriterProbe(url)
        writer = threading.Thread(
            target=lambda: answers.update(slow=slow.post([*filler, transfer], NOW)[-1])
        )
        writer.start()
        try:
            wait_for(lambda: probe.evaluating(app) or not writer.is_alive(), "the slow writer")
            quick.open_accounts([Account(name, Asset.USD) for name in late])
            answers["quick"] = quick.post([transfer], NOW)[0]
        finally:
            writer.join(WAIT_S)
            probe.close()
        retry = quick.post([transfer], NOW)[0]
        stored = count_ids(url, "late-1")
        refused = count_ids(url, "late-1", refused=True)
        assert (stored, refused) in {(1, 0), (0, 1)}, (answers, stored, refused)
        assert answers["slow"].succeeded == answers["quick"].succeeded, answers
        assert retry == (R.EXISTS if stored else answers["slow"]), (retry, answers)
        assert_books_sound(quick)
