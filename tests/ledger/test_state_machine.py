"""The ledger beside an independent model: a Hypothesis state machine, one per backend.

The machine opens accounts, posts batches, linked chains, pending transfers and their
settlements, resubmits earlier ids, sends bad input, and moves the clock forward so that
pending transfers expire. It does each to the ledger under test and to `BooksModel`
(tests/ledger/oracle.py, which shares no code with the rules), and demands the same
result codes. After every step the ledger must hold what the model holds: balances,
accounts, transfer rows and pending states; the trial balance must balance per asset;
and `verify()` must find nothing.

To run the machine on another backend, call `make_machine_test` with a factory that
yields a fresh, empty `Ledger`; each Hypothesis example gets its own.
"""

from __future__ import annotations

import os
import tempfile
import unittest
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from reelmint.ledger import Account, PendingState, Transfer
from reelmint.ledger.port import Ledger
from tests.ledger.backends import open_ledger
from tests.ledger.machine_draws import (
    ACCOUNT_IDS,
    ASSETS,
    FLAGS,
    ROW_FIELDS,
    START,
    K,
    R,
    TransferDraws,
    chance,
    number,
    pick,
)
from tests.ledger.oracle import BooksModel

Books = Callable[[], AbstractContextManager[Ledger]]


class LedgerMachine(TransferDraws, RuleBasedStateMachine):
    """Drives `self.ledger` and `self.model` in step. Subclasses set `open_books`."""

    open_books: Books

    def __init__(self) -> None:
        super().__init__()
        self._books = type(self).open_books()
        self.ledger = self._books.__enter__()
        self.model = BooksModel()
        self.now = START
        self.history: list[Transfer] = []
        self.serial = 0
        self.touched = True  # whether the last step called the ledger; if not, it cannot differ

    def teardown(self) -> None:
        self._books.__exit__(None, None, None)

    # -- rules -------------------------------------------------------------------------

    def open(self, accounts: list[Account]) -> None:
        self.touched = True
        expected = self.model.open_accounts(accounts)
        assert self.ledger.open_accounts(accounts) == expected, f"opening {accounts}"

    def post(self, batch: list[Transfer]) -> None:
        self.touched = True
        rows_before = len(self.model.s.rows)  # the ledger's too: see the invariants
        expected = self.model.post(batch, self.now)
        got = self.ledger.post(batch, self.now)
        assert got == expected, f"at {self.now}, batch {batch}"
        written = [t.id for t in self.ledger.transfers()[rows_before:]]
        # Refusals write nothing; each OK writes exactly its own row, in batch order.
        assert written == [t.id for t, r in zip(batch, got, strict=True) if r is R.OK]
        want = self.model.balances()
        named = {t.debit for t in batch} | {t.credit for t in batch}
        for aid in sorted(named & want.keys()):
            assert self.ledger.balance(aid) == want[aid]
        self.history += [t for t in batch if t.id]

    @initialize(data=st.data())
    def open_some_accounts(self, data: st.DataObject) -> None:
        """Two to seven accounts, mostly of one asset so that transfers find partners."""
        main = pick(data, ASSETS, "main asset")
        for aid in data.draw(st.lists(st.sampled_from(ACCOUNT_IDS), min_size=2, unique=True)):
            asset = main if chance(data, 60, "of the main asset") else pick(data, ASSETS, "asset")
            self.open([Account(aid, asset, pick(data, FLAGS, "flags"))])

    @rule(data=st.data())
    def open_accounts(self, data: st.DataObject) -> None:
        accounts = [self.draw_account(data) for _ in range(number(data, 1, 3, "how many"))]
        if len(accounts) > 1 and chance(data, 25, "one id twice in the call"):
            again = Account(accounts[0].id, pick(data, ASSETS, "asset"), pick(data, FLAGS, "flags"))
            accounts.insert(1, again)
        self.open(accounts)

    @rule(data=st.data())
    def post_batch(self, data: st.DataObject) -> None:
        batch: list[Transfer] = []
        for _ in range(number(data, 1, 6, "batch size")):
            batch.append(self.draw_transfer(data, batch, linked=12))
        self.post(batch)

    @rule(data=st.data())
    def post_linked_chain(self, data: st.DataObject) -> None:
        """Two to four transfers linked as one; now and then the chain is left open."""
        chain: list[Transfer] = []
        for _ in range(number(data, 2, 4, "chain length")):
            if chance(data, 70, "a plain move"):
                t = self.draw_move(data, K.PENDING if chance(data, 25, "pending") else K.POSTED)
            else:
                t = self.draw_transfer(data, chain, linked=0)
            chain.append(replace(t, linked=True))
        if not chance(data, 15, "left open"):
            chain[-1] = replace(chain[-1], linked=False)
        self.post(chain)

    @rule(seconds=st.integers(0, 90) | st.just(3600))
    def advance_time(self, seconds: int) -> None:
        self.now += timedelta(seconds=seconds)

    @rule(data=st.data())
    def advance_to_an_expiry(self, data: st.DataObject) -> None:
        """Step to a pending transfer's expiry: a microsecond before, at, or just after."""
        ahead = sorted(
            p.expires_at
            for p in self.model.s.pendings.values()
            if p.state is PendingState.PENDING
            and p.expires_at is not None
            and p.expires_at > self.now
        )
        if ahead:
            when = pick(data, ahead, "expiry") + timedelta(microseconds=number(data, -1, 1, "off"))
            self.now = max(self.now, when)

    # -- invariants ----------------------------------------------------------------------

    @invariant()
    def books_match_the_model_and_balance(self) -> None:
        """After any step that called the ledger (a step that did not cannot change it)."""
        if self.touched:
            self.books_agree_with_the_model()
            self.books_balance_per_asset_and_verify()
            self.touched = False

    def books_agree_with_the_model(self) -> None:
        assert self.ledger.balances() == self.model.balances()
        assert self.ledger.accounts() == self.model.accounts()
        assert self.ledger.pending_states() == self.model.pending_states()
        rows = [tuple(getattr(r, f) for f in ROW_FIELDS) for r in self.ledger.transfers()]
        assert rows == [tuple(getattr(r, f) for f in ROW_FIELDS) for r in self.model.s.rows]

    def books_balance_per_asset_and_verify(self) -> None:
        trial = self.ledger.trial_balance()
        assert all(row.balanced for row in trial)
        assert trial == self.model.trial_balance()
        assert self.ledger.verify() == []


def make_machine_test(name: str, open_books: Books, config: settings) -> type[unittest.TestCase]:
    """A runnable TestCase for the machine on the ledgers that `open_books` yields."""
    attrs = {"open_books": staticmethod(open_books)}
    machine = type(f"{name}LedgerMachine", (LedgerMachine,), attrs)
    case: type[unittest.TestCase] = machine.TestCase  # type: ignore[attr-defined]
    case.settings = config  # type: ignore[attr-defined]
    return case


@contextmanager
def fresh_books(kind: str) -> Iterator[Ledger]:
    """A new, empty ledger of `kind` (see tests/ledger/backends.py) in its own directory."""
    with ExitStack() as stack:
        where = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="reelmint-")))
        yield stack.enter_context(open_ledger(kind, where))


# Deeper, randomised runs: REELMINT_STATEFUL_SCALE=20 multiplies the examples.
SCALE = int(os.environ.get("REELMINT_STATEFUL_SCALE", "1"))
# Shrinking a failure on SQL takes minutes (each attempt runs real queries), so it is off
# there unless REELMINT_STATEFUL_SHRINK=1; the failing step's assertion names its batch.
SHRINK_SQL = os.environ.get("REELMINT_STATEFUL_SHRINK") == "1"


def machine_settings(examples: int, steps: int, *, shrink: bool = True) -> settings:
    phases = [p for p in Phase if shrink or p not in (Phase.shrink, Phase.explain)]
    return settings(
        max_examples=examples * SCALE,
        stateful_step_count=steps,
        deadline=None,
        derandomize=SCALE == 1,
        phases=phases,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


TestInMemoryLedgerMatchesTheModel = make_machine_test(
    "InMemory", lambda: fresh_books("memory"), machine_settings(examples=120, steps=50)
)
TestSqliteLedgerMatchesTheModel = make_machine_test(
    "Sqlite",
    lambda: fresh_books("sqlite"),
    machine_settings(examples=30, steps=30, shrink=SHRINK_SQL),
)
TestPostgresLedgerMatchesTheModel = pytest.mark.postgres(
    make_machine_test(
        "Postgres",
        lambda: fresh_books("postgres"),
        machine_settings(examples=10, steps=25, shrink=SHRINK_SQL),
    )
)
