"""The common batch, decided in columns: plain posted transfers that all succeed.

Most batches an engine posts are plain transfers (no pending, fresh ids) that all go
through. Links do not change that outcome: a closed chain whose every transfer succeeds
is posted exactly as the same transfers unlinked would be, so a linked batch (a batch of
gifts posted all or nothing) takes this path too and keeps its flags. For those, the
sequential rules reduce to column checks plus one question per constrained account:
does its running balance, taken transfer by transfer in batch order, ever dip below
zero? A grouped prefix sum answers that for all accounts at once.

`try_plain_batch` returns None whenever the batch is anything else, or when some
transfer would be refused; the caller then runs the exact sequential rules. So this path
can only ever say "all ok", and says it only when the sequential rules would agree.

Worked example, a no-overdraft wallet with 10 available, batch order
[+5 in, -12 out, -2 out]: running balance 15, 3, 1; never below zero, so all three are
ok. With [-12 out, +5 in] the first prefix is -2: the fast path declines, and the
sequential rules refuse the first transfer alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import repeat
from operator import attrgetter

import numpy as np
from numpy.typing import NDArray

from reelmint.ledger.model import (
    MAX_BALANCE,
    MAX_ID_LENGTH,
    AccountFlags,
    Transfer,
    TransferKind,
    TransferResult,
)
from reelmint.ledger.state import AccountState, Known, Outcome, TransferRow
from reelmint.money import MAX_AMOUNT, Asset

_MAX_CODE = 64
# Column sums run in int64: batches whose amounts or balances could overflow it go the
# exact (Python integer) way instead.
_SAFE = 2**61
# Below this size NumPy's set-up costs more than the rules' per-transfer loop (measured:
# about 120 us against 10 us for one transfer).
_MIN_BATCH = 16
_ROOM = MAX_BALANCE - _SAFE  # a balance at most this far can take a whole batch
_POSTED = TransferKind.POSTED
_ASSET_CODE = {asset: asset.value for asset in Asset}
_get_id = attrgetter("id")
_get_debit = attrgetter("debit")
_get_credit = attrgetter("credit")
_get_amount = attrgetter("amount")
_get_code = attrgetter("code")
_get_ref = attrgetter("ref")
_get_asset = attrgetter("asset")
_get_linked = attrgetter("linked")
_plain_fields = attrgetter("kind", "pending_id", "timeout", "timestamp")


def try_plain_batch(
    transfers: Sequence[Transfer],
    accounts: dict[str, AccountState],
    known: dict[str, Known],
    now: int,
) -> Outcome | None:
    """All-ok outcome for a plain batch, applied to `accounts`; None to use the full rules."""
    if len(transfers) < _MIN_BATCH:
        return None  # the rules are quicker on a few; an empty batch may have expiries
    ids = list(map(_get_id, transfers))
    if not _plain_shape(transfers, ids, known):
        return None
    debits = list(map(_get_debit, transfers))
    credits = list(map(_get_credit, transfers))
    amounts = list(map(_get_amount, transfers))
    assets = list(map(_ASSET_CODE.__getitem__, map(_get_asset, transfers)))
    if not _valid_columns(transfers, debits, credits, amounts, assets, accounts):
        return None
    names = sorted(accounts)
    index = {name: i for i, name in enumerate(names)}
    d_idx = np.fromiter(map(index.__getitem__, debits), np.int64, len(debits))
    c_idx = np.fromiter(map(index.__getitem__, credits), np.int64, len(credits))
    amount = np.fromiter(amounts, np.int64, len(amounts))
    if int(amount.max()) * len(amounts) > _SAFE:
        return None
    states = [accounts[n] for n in names]
    if any(max(s.dp + s.dpend, s.cp + s.cpend) > _ROOM for s in states):
        return None  # the batch could overflow a balance: the rules refuse it exactly
    if not _never_below_zero(states, d_idx, c_idx, amount):
        return None
    _apply_totals(states, d_idx, c_idx, amount)
    codes = list(map(_get_code, transfers))
    refs = list(map(_get_ref, transfers))
    n = len(transfers)
    linked = list(map(_get_linked, transfers))
    rows: list[TransferRow] = list(
        zip(ids, debits, credits, amounts, assets, codes, refs, repeat(0, n), repeat(None, n),
            repeat(0, n), linked, repeat(now, n), strict=True)
    )  # fmt: skip
    return Outcome(results=[TransferResult.OK] * n, rows=rows)


def _plain_shape(transfers: Sequence[Transfer], ids: list[str], known: dict[str, Known]) -> bool:
    """Every transfer a fresh, immediate posting stamped at `now`, any chain closed."""
    plain = (_POSTED, None, 0, None)
    return (
        all(f == plain for f in map(_plain_fields, transfers))
        and not transfers[-1].linked
        and len(set(ids)) == len(ids)
        and known.keys().isdisjoint(ids)
        and min(map(len, ids)) > 0
        and max(map(len, ids)) <= MAX_ID_LENGTH
    )


def _valid_columns(
    transfers: Sequence[Transfer],
    debits: list[str],
    credits: list[str],
    amounts: list[int | None],
    assets: list[str],
    accounts: dict[str, AccountState],
) -> bool:
    """Amounts, codes, accounts and assets that the rules would all accept."""
    if not all(type(a) is int and 0 < a <= MAX_AMOUNT for a in amounts):
        return False
    codes = list(map(_get_code, transfers))
    if not (min(map(len, codes)) > 0 and max(map(len, codes)) <= _MAX_CODE):
        return False
    if any(d == c for d, c in zip(debits, credits, strict=True)):
        return False
    if not accounts.keys() >= set(debits) | set(credits):
        return False
    asset_of = {name: state.asset for name, state in accounts.items()}
    return (
        list(map(asset_of.__getitem__, debits)) == assets
        and list(map(asset_of.__getitem__, credits)) == assets
    )


def _never_below_zero(
    states: list[AccountState],
    d_idx: NDArray[np.int64],
    c_idx: NDArray[np.int64],
    amount: NDArray[np.int64],
) -> bool:
    """Whether every constrained account's running headroom stays >= 0 in batch order.

    NO_OVERDRAFT watches debits against credits; NO_CREDIT_BALANCE the mirror image.
    """
    flags = np.array([s.flags for s in states], dtype=np.int64)
    for flag, out_idx, in_idx in (
        (int(AccountFlags.NO_OVERDRAFT), d_idx, c_idx),
        (int(AccountFlags.NO_CREDIT_BALANCE), c_idx, d_idx),
    ):
        watched = (flags & flag) != 0
        if not watched.any():
            continue
        headroom = [_headroom(s, flag) if w else 0 for s, w in zip(states, watched, strict=True)]
        if max(map(abs, headroom)) > _SAFE:
            return False  # too close to int64 limits for the column arithmetic
        out_mask, in_mask = watched[out_idx], watched[in_idx]
        acct = np.concatenate([out_idx[out_mask], in_idx[in_mask]])
        change = np.concatenate([-amount[out_mask], amount[in_mask]])
        pos = np.concatenate([np.flatnonzero(out_mask), np.flatnonzero(in_mask)])
        if acct.size == 0:
            continue
        order = np.lexsort((pos, acct))
        acct, change = acct[order], change[order]
        running = np.cumsum(change)
        first = np.flatnonzero(np.r_[True, acct[1:] != acct[:-1]])
        before = np.repeat(running[first] - change[first], np.diff(np.r_[first, acct.size]))
        if ((running - before + np.asarray(headroom, dtype=np.int64)[acct]) < 0).any():
            return False
    return True


def _headroom(state: AccountState, flag: int) -> int:
    """How far the watched side may still move before the flag refuses a transfer."""
    if flag == int(AccountFlags.NO_OVERDRAFT):
        return state.cp - state.dp - state.dpend
    return state.dp - state.cp - state.cpend


def _apply_totals(
    states: list[AccountState],
    d_idx: NDArray[np.int64],
    c_idx: NDArray[np.int64],
    amount: NDArray[np.int64],
) -> None:
    n = len(states)
    debit_sum = np.zeros(n, dtype=np.int64)
    credit_sum = np.zeros(n, dtype=np.int64)
    np.add.at(debit_sum, d_idx, amount)
    np.add.at(credit_sum, c_idx, amount)
    for state, d, c in zip(states, debit_sum.tolist(), credit_sum.tolist(), strict=True):
        state.dp += d
        state.cp += c
