"""An independent model of the books, the oracle for the ledger state machine.

A deliberately plain reading of the posting rules documented in `reelmint.ledger.rules`
and `reelmint.ledger.model`, sharing no code with them: a chain rolls back by restoring a
copy of the whole state rather than replaying an undo log, and every check is
written out again in the documented order. Slow and obvious on purpose.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from reelmint.ledger import (
    Account,
    AccountFlags,
    AccountResult,
    Balance,
    PendingState,
    Transfer,
    TransferKind,
    TransferResult,
    TrialBalanceRow,
)
from reelmint.money import MAX_AMOUNT, Asset

R = TransferResult
K = TransferKind
MAX_ID = 200
MAX_CODE = 64
# Refusals that say nothing about the id itself, so the id is not remembered as refused.
NOT_REMEMBERED = (R.ID_INVALID, R.EXISTS_WITH_DIFFERENT_FIELDS)


@dataclass
class ModelAccount:
    asset: Asset
    flags: AccountFlags
    dp: int = 0
    cp: int = 0
    dpend: int = 0
    cpend: int = 0


@dataclass
class ModelPending:
    debit: str
    credit: str
    amount: int
    asset: Asset
    expires_at: datetime | None
    state: PendingState = PendingState.PENDING


@dataclass(frozen=True)
class ModelRow:
    """An accepted transfer as the books must hold it (accounts and amount resolved)."""

    id: str
    debit: str
    credit: str
    amount: int
    asset: Asset
    code: str
    ref: str
    kind: TransferKind
    pending_id: str | None
    timeout: int
    linked: bool
    timestamp: datetime


@dataclass
class ModelState:
    accounts: dict[str, ModelAccount]
    pendings: dict[str, ModelPending]
    stored: dict[str, ModelRow]
    refused: dict[str, TransferResult]
    rows: list[ModelRow]

    def copy(self) -> ModelState:
        """A copy that shares nothing mutable with this state (rows are frozen)."""
        return ModelState(
            {k: replace(a) for k, a in self.accounts.items()},
            {k: replace(p) for k, p in self.pendings.items()},
            dict(self.stored),
            dict(self.refused),
            list(self.rows),
        )


class BooksModel:
    """What the books should hold, computed the slow, obvious way."""

    def __init__(self) -> None:
        self.s = ModelState({}, {}, {}, {}, [])

    # accounts

    def open_accounts(self, accounts: Sequence[Account]) -> list[AccountResult]:
        results = []
        for a in accounts:
            held = self.s.accounts.get(a.id)
            if held is None:
                self.s.accounts[a.id] = ModelAccount(a.asset, a.flags)
                results.append(AccountResult.OK)
            elif (held.asset, held.flags) == (a.asset, a.flags):
                results.append(AccountResult.EXISTS)
            else:
                results.append(AccountResult.EXISTS_WITH_DIFFERENT_FIELDS)
        return results

    # posting

    def post(self, batch: Sequence[Transfer], now: datetime) -> list[TransferResult]:
        self._expire(now)
        results: list[TransferResult] = []
        open_from = len(batch)
        while open_from > 0 and batch[open_from - 1].linked:
            open_from -= 1
        start = 0
        while start < open_from:
            end = start
            while batch[end].linked:
                end += 1
            results += self._run_chain(batch[start : end + 1], now)
            start = end + 1
        tail = len(batch) - open_from
        results += [R.LINKED_EVENT_FAILED] * (tail - 1) + [R.LINKED_EVENT_CHAIN_OPEN] * (tail > 0)
        return results

    def _run_chain(self, chain: Sequence[Transfer], now: datetime) -> list[TransferResult]:
        saved = self.s.copy()
        results: list[TransferResult] = []
        for i, t in enumerate(chain):
            result = self._apply(t, now)
            if result in (R.OK, R.EXISTS):
                results.append(result)
                continue
            self.s = saved
            if result not in NOT_REMEMBERED and t.id not in self.s.refused:
                self.s.refused[t.id] = result
            return (
                [R.LINKED_EVENT_FAILED] * i
                + [result]
                + [R.LINKED_EVENT_FAILED] * (len(chain) - i - 1)
            )
        return results

    def _expire(self, now: datetime) -> None:
        for p in self.s.pendings.values():
            due = p.expires_at is not None and p.expires_at <= now
            if p.state is PendingState.PENDING and due:
                self.s.accounts[p.debit].dpend -= p.amount
                self.s.accounts[p.credit].cpend -= p.amount
                p.state = PendingState.EXPIRED

    def _apply(self, t: Transfer, now: datetime) -> TransferResult:
        if t.id == "" or len(t.id) > MAX_ID:
            return R.ID_INVALID
        if t.id in self.s.refused:
            return self.s.refused[t.id]
        if t.id in self.s.stored:
            same = matches(t, self.s.stored[t.id])
            return R.EXISTS if same else R.EXISTS_WITH_DIFFERENT_FIELDS
        if t.code == "" or len(t.code) > MAX_CODE:
            return R.CODE_INVALID
        if t.kind in (K.POSTED, K.PENDING):
            return self._move(t, now)
        if t.kind in (K.POST_PENDING, K.VOID_PENDING):
            return self._settle(t, now)
        return R.KIND_INVALID

    def _move(self, t: Transfer, now: datetime) -> TransferResult:
        refusal = self._move_refusal(t)
        if refusal is not None:
            return refusal
        assert t.amount is not None
        dr, cr = self.s.accounts[t.debit], self.s.accounts[t.credit]
        when = t.timestamp or now
        if t.kind is K.PENDING:
            dr.dpend += t.amount
            cr.cpend += t.amount
            expires = when + timedelta(seconds=t.timeout) if t.timeout else None
            self.s.pendings[t.id] = ModelPending(t.debit, t.credit, t.amount, t.asset, expires)
        else:
            dr.dp += t.amount
            cr.cp += t.amount
        self._store(
            ModelRow(t.id, t.debit, t.credit, t.amount, t.asset, t.code, t.ref, t.kind, None,
                     t.timeout, t.linked, when)
        )  # fmt: skip
        return R.OK

    def _move_refusal(self, t: Transfer) -> TransferResult | None:
        if t.pending_id:
            return R.PENDING_ID_MUST_BE_BLANK
        if not isinstance(t.amount, int) or isinstance(t.amount, bool) or t.amount <= 0:
            return R.AMOUNT_MUST_BE_POSITIVE
        if t.amount > MAX_AMOUNT:
            return R.AMOUNT_TOO_LARGE
        if t.timeout != 0 and t.kind is not K.PENDING:
            return R.TIMEOUT_RESERVED_FOR_PENDING
        if t.timeout < 0:
            return R.TIMEOUT_INVALID
        if t.debit == t.credit:
            return R.ACCOUNTS_MUST_BE_DIFFERENT
        dr, cr = self.s.accounts.get(t.debit), self.s.accounts.get(t.credit)
        if dr is None:
            return R.DEBIT_ACCOUNT_NOT_FOUND
        if cr is None:
            return R.CREDIT_ACCOUNT_NOT_FOUND
        if dr.asset != t.asset or cr.asset != t.asset:
            return R.ASSET_MISMATCH
        if AccountFlags.NO_OVERDRAFT in dr.flags and dr.dp + dr.dpend + t.amount > dr.cp:
            return R.EXCEEDS_CREDITS
        if AccountFlags.NO_CREDIT_BALANCE in cr.flags and cr.cp + cr.cpend + t.amount > cr.dp:
            return R.EXCEEDS_DEBITS
        if dr.dp + dr.dpend + t.amount >= 2**63:  # a signed 64-bit column's limit
            return R.OVERFLOWS_DEBITS
        if cr.cp + cr.cpend + t.amount >= 2**63:
            return R.OVERFLOWS_CREDITS
        return None

    def _settle(self, t: Transfer, now: datetime) -> TransferResult:
        if not t.pending_id:
            return R.PENDING_ID_REQUIRED
        if t.timeout != 0:
            return R.TIMEOUT_RESERVED_FOR_PENDING
        p = self.s.pendings.get(t.pending_id)
        if p is None:
            return R.PENDING_TRANSFER_NOT_FOUND
        refusal = self._settle_refusal(t, p, now)
        if refusal is not None:
            return refusal
        posting = t.kind is K.POST_PENDING
        amount = p.amount if t.amount is None else t.amount
        dr, cr = self.s.accounts[p.debit], self.s.accounts[p.credit]
        dr.dpend -= p.amount
        cr.cpend -= p.amount
        if posting:
            dr.dp += amount
            cr.cp += amount
        p.state = PendingState.POSTED if posting else PendingState.VOIDED
        self._store(
            ModelRow(t.id, p.debit, p.credit, amount, p.asset, t.code, t.ref, t.kind,
                     t.pending_id, 0, t.linked, t.timestamp or now)
        )  # fmt: skip
        return R.OK

    @staticmethod
    def _settle_refusal(t: Transfer, p: ModelPending, now: datetime) -> TransferResult | None:
        finished = {
            PendingState.POSTED: R.PENDING_TRANSFER_ALREADY_POSTED,
            PendingState.VOIDED: R.PENDING_TRANSFER_ALREADY_VOIDED,
            PendingState.EXPIRED: R.PENDING_TRANSFER_EXPIRED,
        }
        if p.state in finished:
            return finished[p.state]
        if p.expires_at is not None and p.expires_at <= now:
            return R.PENDING_TRANSFER_EXPIRED
        if t.debit not in ("", p.debit) or t.credit not in ("", p.credit):
            return R.PENDING_TRANSFER_HAS_DIFFERENT_ACCOUNTS
        if t.asset != p.asset:
            return R.PENDING_TRANSFER_HAS_DIFFERENT_ASSET
        if t.amount is None:
            return None
        if not isinstance(t.amount, int) or isinstance(t.amount, bool) or t.amount <= 0:
            return R.AMOUNT_MUST_BE_POSITIVE
        if t.kind is K.POST_PENDING and t.amount > p.amount:
            return R.EXCEEDS_PENDING_TRANSFER_AMOUNT
        if t.kind is K.VOID_PENDING and t.amount != p.amount:
            return R.VOID_AMOUNT_MUST_MATCH
        return None

    def _store(self, row: ModelRow) -> None:
        self.s.stored[row.id] = row
        self.s.rows.append(row)

    # views

    def balances(self) -> dict[str, Balance]:
        return {
            aid: Balance(aid, a.asset, a.dp, a.cp, a.dpend, a.cpend)
            for aid, a in sorted(self.s.accounts.items())
        }

    def accounts(self) -> list[Account]:
        return [Account(aid, a.asset, a.flags) for aid, a in sorted(self.s.accounts.items())]

    def pending_states(self) -> dict[str, PendingState]:
        return {pid: p.state for pid, p in self.s.pendings.items()}

    def trial_balance(self) -> list[TrialBalanceRow]:
        rows = []
        for asset in sorted({a.asset for a in self.s.accounts.values()}, key=str):
            held = [a for a in self.s.accounts.values() if a.asset is asset]
            dp, cp = sum(a.dp for a in held), sum(a.cp for a in held)
            dpend, cpend = sum(a.dpend for a in held), sum(a.cpend for a in held)
            rows.append(TrialBalanceRow(asset, len(held), dp, cp, dpend, cpend))
        return rows


def matches(t: Transfer, row: ModelRow) -> bool:
    """A resubmission is the same transfer when every field but the timestamp agrees.

    A settlement may leave accounts and amount blank; blanks match the resolved values.
    """
    settles = t.kind in (K.POST_PENDING, K.VOID_PENDING)
    return (
        (t.debit == row.debit or (settles and t.debit == ""))
        and (t.credit == row.credit or (settles and t.credit == ""))
        and (t.amount == row.amount or (settles and t.amount is None))
        and (t.asset, t.code, t.ref, t.kind) == (row.asset, row.code, row.ref, row.kind)
        and (t.pending_id or None) == row.pending_id
        and (t.timeout, t.linked) == (row.timeout, row.linked)
    )
