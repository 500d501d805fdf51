"""The posting rules, as one pure function over a batch: `evaluate`.

Every adapter (in-memory, SQLite, PostgreSQL) loads the state a batch touches, calls
`evaluate`, and writes the `Outcome` back in a handful of set-based statements. The rules
therefore live in exactly one place, and the adapters only differ in how they lock and
write.

Transfers are applied in order, as if one at a time, so a debit early in a batch can be
refused for lack of funds that arrive later in the same batch: the same answer the books
would give to the transfers sent one by one. A linked chain is applied tentatively and
rolled back from an undo log if any member fails.

Worked example, a no-overdraft wallet holding 10 coins, posting three transfers:

    1. pay 6                 -> ok                   (balance 4)
    2. pay 6, linked to 3    -> exceeds_credits      (needs 6, has 4)
    3. tip 1                 -> linked_event_failed  (its chain failed at 2)

The balance ends at 4. Had 2 succeeded and 3 failed, 2 would be undone as well.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Final, cast

from reelmint.ledger.fastpath import try_plain_batch
from reelmint.ledger.model import (
    MAX_BALANCE,
    MAX_ID_LENGTH,
    AccountFlags,
    PendingState,
    Transfer,
    TransferKind,
    TransferResult,
    to_micros,
)
from reelmint.ledger.state import (
    AccountState,
    Known,
    Outcome,
    PendingRecord,
    StoredFields,
    TransferRow,
    stored_fields,
)
from reelmint.money import MAX_AMOUNT, Asset

R = TransferResult
K = TransferKind
_NO_OVERDRAFT: Final = int(AccountFlags.NO_OVERDRAFT)
_NO_CREDIT_BALANCE: Final = int(AccountFlags.NO_CREDIT_BALANCE)
MAX_CODE_LENGTH: Final = 64


def same_transfer(request: Transfer, stored: StoredFields) -> bool:
    """Whether a resubmitted request matches what the books hold for its id.

    Settlements may leave accounts and amount empty (they come from the pending
    transfer), so an empty field in the request matches the resolved stored value.
    """
    debit, credit, amount, asset, code, ref, kind, pending_id, timeout, linked = stored
    settles = request.kind in (K.POST_PENDING, K.VOID_PENDING)
    return (
        (request.debit == debit or (settles and not request.debit))
        and (request.credit == credit or (settles and not request.credit))
        and (request.amount == amount or (settles and request.amount is None))
        and request.asset.value == asset
        and request.code == code
        and request.ref == ref
        and int(request.kind) == kind
        and (request.pending_id or "") == pending_id
        and request.timeout == timeout
        and request.linked == linked
    )


def referenced_accounts(transfers: Iterable[Transfer]) -> set[str]:
    ids: set[str] = set()
    for t in transfers:
        if t.debit:
            ids.add(t.debit)
        if t.credit:
            ids.add(t.credit)
    return ids


def referenced_pendings(transfers: Iterable[Transfer]) -> set[str]:
    return {t.pending_id for t in transfers if t.pending_id}


class _Batch:
    """One evaluation. Holds the working state and the undo log of the open chain."""

    def __init__(
        self,
        accounts: dict[str, AccountState],
        known: dict[str, Known],
        pendings: dict[str, PendingRecord],
        now: int,
    ) -> None:
        self.accounts = accounts
        self.known = known
        self.pendings = pendings
        self.now = now
        self.out = Outcome(pendings=pendings)
        self.undo: list[tuple[object, ...]] = []

    # -- effects, each logged so that a failed chain can be rolled back ---------------

    def move(self, acct: AccountState, dp: int, cp: int, dpend: int, cpend: int) -> None:
        self.undo.append((acct, acct.dp, acct.cp, acct.dpend, acct.cpend))
        acct.dp += dp
        acct.cp += cp
        acct.dpend += dpend
        acct.cpend += cpend

    def set_pending(self, pending: PendingRecord, state: PendingState) -> None:
        self.undo.append((pending, pending.state))
        pending.state = state

    def accept(self, row: TransferRow) -> None:
        self.undo.append(("row", row[0]))
        self.out.rows.append(row)
        self.known[row[0]] = stored_fields(row)

    def rollback(self) -> None:
        for entry in reversed(self.undo):
            target = entry[0]
            if isinstance(target, AccountState):
                account = cast(tuple[AccountState, int, int, int, int], entry)
                _, target.dp, target.cp, target.dpend, target.cpend = account
            elif isinstance(target, PendingRecord):
                target.state = cast(tuple[PendingRecord, PendingState], entry)[1]
            else:
                row_id = cast(tuple[str, str], entry)[1]
                self.out.rows.pop()
                del self.known[row_id]
                self.pendings.pop(row_id, None)

    # -- rules ------------------------------------------------------------------------

    def apply(self, t: Transfer) -> TransferResult:
        """Check and apply one transfer; returns its result. Refusals change nothing."""
        if not t.id or len(t.id) > MAX_ID_LENGTH:
            return R.ID_INVALID
        seen = self.known.get(t.id)
        if seen is not None:
            if isinstance(seen, TransferResult):
                return seen
            return R.EXISTS if same_transfer(t, seen) else R.EXISTS_WITH_DIFFERENT_FIELDS
        if not t.code or len(t.code) > MAX_CODE_LENGTH:
            return R.CODE_INVALID
        kind = t.kind
        if kind is K.POSTED or kind is K.PENDING:
            return self._move_funds(t)
        if kind is K.POST_PENDING or kind is K.VOID_PENDING:
            return self._settle(t)
        return R.KIND_INVALID

    def _move_funds(self, t: Transfer) -> TransferResult:
        amount = t.amount
        if t.pending_id:
            return R.PENDING_ID_MUST_BE_BLANK
        if type(amount) is not int or amount <= 0:
            return R.AMOUNT_MUST_BE_POSITIVE
        if amount > MAX_AMOUNT:
            return R.AMOUNT_TOO_LARGE
        pending = t.kind is K.PENDING
        if t.timeout and not pending:
            return R.TIMEOUT_RESERVED_FOR_PENDING
        if t.timeout < 0:
            return R.TIMEOUT_INVALID
        if t.debit == t.credit:
            return R.ACCOUNTS_MUST_BE_DIFFERENT
        dr = self.accounts.get(t.debit)
        if dr is None:
            return R.DEBIT_ACCOUNT_NOT_FOUND
        cr = self.accounts.get(t.credit)
        if cr is None:
            return R.CREDIT_ACCOUNT_NOT_FOUND
        asset = t.asset.value
        if dr.asset != asset or cr.asset != asset:
            return R.ASSET_MISMATCH
        if dr.flags & _NO_OVERDRAFT and dr.dp + dr.dpend + amount > dr.cp:
            return R.EXCEEDS_CREDITS
        if cr.flags & _NO_CREDIT_BALANCE and cr.cp + cr.cpend + amount > cr.dp:
            return R.EXCEEDS_DEBITS
        if dr.dp + dr.dpend + amount > MAX_BALANCE:
            return R.OVERFLOWS_DEBITS
        if cr.cp + cr.cpend + amount > MAX_BALANCE:
            return R.OVERFLOWS_CREDITS
        ts = self.now if t.timestamp is None else to_micros(t.timestamp)
        if pending:
            self.move(dr, 0, 0, amount, 0)
            self.move(cr, 0, 0, 0, amount)
            expires = ts + t.timeout * 1_000_000 if t.timeout else None
            self.pendings[t.id] = PendingRecord(
                t.id, t.debit, t.credit, amount, asset, expires, created=True
            )
        else:
            self.move(dr, amount, 0, 0, 0)
            self.move(cr, 0, amount, 0, 0)
        self.accept(
            (t.id, t.debit, t.credit, amount, asset, t.code, t.ref, int(t.kind), None,
             t.timeout, t.linked, ts)
        )  # fmt: skip
        return R.OK

    def _settle(self, t: Transfer) -> TransferResult:
        if not t.pending_id:
            return R.PENDING_ID_REQUIRED
        if t.timeout:
            return R.TIMEOUT_RESERVED_FOR_PENDING
        p = self.pendings.get(t.pending_id)
        if p is None:
            return R.PENDING_TRANSFER_NOT_FOUND
        refused = self._settle_refusal(t, p)
        if refused is not None:
            return refused
        posting = t.kind is K.POST_PENDING
        amount = p.amount if t.amount is None else t.amount
        dr, cr = self.accounts[p.debit], self.accounts[p.credit]
        self.move(dr, amount if posting else 0, 0, -p.amount, 0)
        self.move(cr, 0, amount if posting else 0, 0, -p.amount)
        self.set_pending(p, PendingState.POSTED if posting else PendingState.VOIDED)
        ts = self.now if t.timestamp is None else to_micros(t.timestamp)
        self.accept(
            (t.id, p.debit, p.credit, amount, p.asset, t.code, t.ref, int(t.kind), p.id,
             0, t.linked, ts)
        )  # fmt: skip
        return R.OK

    def _settle_refusal(self, t: Transfer, p: PendingRecord) -> TransferResult | None:
        if p.state is PendingState.POSTED:
            return R.PENDING_TRANSFER_ALREADY_POSTED
        if p.state is PendingState.VOIDED:
            return R.PENDING_TRANSFER_ALREADY_VOIDED
        if p.state is PendingState.EXPIRED:
            return R.PENDING_TRANSFER_EXPIRED
        if p.expires_at is not None and p.expires_at <= self.now:
            return R.PENDING_TRANSFER_EXPIRED
        if (t.debit and t.debit != p.debit) or (t.credit and t.credit != p.credit):
            return R.PENDING_TRANSFER_HAS_DIFFERENT_ACCOUNTS
        if t.asset.value != p.asset:
            return R.PENDING_TRANSFER_HAS_DIFFERENT_ASSET
        if t.amount is not None:
            if type(t.amount) is not int or t.amount <= 0:
                return R.AMOUNT_MUST_BE_POSITIVE
            if t.kind is K.POST_PENDING and t.amount > p.amount:
                return R.EXCEEDS_PENDING_TRANSFER_AMOUNT
            if t.kind is K.VOID_PENDING and t.amount != p.amount:
                return R.VOID_AMOUNT_MUST_MATCH
        return None

    # -- expiry -------------------------------------------------------------------------

    def expire_due(self) -> None:
        """Release every loaded pending transfer whose timeout has passed by `now`."""
        for p in self.pendings.values():
            due = p.expires_at is not None and p.expires_at <= self.now
            if p.state is PendingState.PENDING and due:
                self.move(self.accounts[p.debit], 0, 0, -p.amount, 0)
                self.move(self.accounts[p.credit], 0, 0, 0, -p.amount)
                p.state = PendingState.EXPIRED
                self.out.expired += 1
        self.undo.clear()

    # -- the batch ------------------------------------------------------------------------

    def run(self, transfers: Sequence[Transfer]) -> Outcome:
        results = self.out.results
        open_chain = _open_chain_start(transfers)
        chain_start: int | None = None
        failed_chain = False
        for index, t in enumerate(transfers):
            if index >= open_chain:
                # A chain still open at the end of the batch is refused unexamined.
                last = index == len(transfers) - 1
                results.append(R.LINKED_EVENT_CHAIN_OPEN if last else R.LINKED_EVENT_FAILED)
                continue
            if chain_start is None:
                chain_start = index
                self.undo.clear()
            if failed_chain:
                result = R.LINKED_EVENT_FAILED
            else:
                result = self.apply(t)
                if not result.succeeded:
                    self._record_refusal(t, result)
                    if index > chain_start or t.linked:
                        self.rollback()
                        failed_chain = True
                        for earlier in range(chain_start, index):
                            results[earlier] = R.LINKED_EVENT_FAILED
            results.append(result)
            if not t.linked:
                chain_start, failed_chain = None, False
        return self.out

    def _record_refusal(self, t: Transfer, result: TransferResult) -> None:
        """Remember a refusal so that the id stays refused, unless it says nothing of the id."""
        if result in (R.ID_INVALID, R.EXISTS_WITH_DIFFERENT_FIELDS):
            return
        if isinstance(self.known.get(t.id), TransferResult):
            return  # a replay of a stored refusal
        ts = self.now if t.timestamp is None else to_micros(t.timestamp)
        self.out.rejections.append((t.id, result.value, ts))
        self.known[t.id] = result


def _open_chain_start(transfers: Sequence[Transfer]) -> int:
    """Index where a chain left open at the end of the batch starts (len if none)."""
    end = len(transfers)
    if not end or not transfers[-1].linked:
        return end
    start = end - 1
    while start > 0 and transfers[start - 1].linked:
        start -= 1
    return start


def evaluate(
    transfers: Sequence[Transfer],
    accounts: dict[str, AccountState],
    known: dict[str, Known],
    pendings: dict[str, PendingRecord],
    now: int,
) -> Outcome:
    """Apply `transfers` in order to the loaded state; return the results and the writes.

    - `accounts`: every existing account the batch names (and those of due pendings).
    - `known`: what the books already hold for the batch's ids.
    - `pendings`: the pending transfers the batch settles, and any that are due to expire.
    - `now`: microseconds since the epoch; pendings due by then expire first.

    The dicts are updated in place as the batch goes.
    """
    batch = _Batch(accounts, known, pendings, now)
    batch.expire_due()
    fast = try_plain_batch(transfers, accounts, known, now)
    if fast is not None:
        fast.pendings, fast.expired = pendings, batch.out.expired
        return fast
    return batch.run(transfers)


def balance_deltas(accounts: dict[str, AccountState]) -> list[tuple[str, int, int, int, int]]:
    """(account, debits, credits, debits pending, credits pending) for each changed account."""
    out = []
    for account_id in sorted(accounts):
        delta = accounts[account_id].delta()
        if any(delta):
            out.append((account_id, *delta))
    return out


__all__ = [
    "AccountState",
    "Asset",
    "Known",
    "Outcome",
    "PendingRecord",
    "StoredFields",
    "TransferRow",
    "balance_deltas",
    "evaluate",
    "referenced_accounts",
    "referenced_pendings",
    "same_transfer",
    "stored_fields",
]
