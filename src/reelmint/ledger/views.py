"""Read-side computations shared by every adapter: statements, trial balance, verification.

Pure functions over rows, so that the in-memory and SQL adapters present identical views.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from reelmint.ledger.model import (
    Account,
    Balance,
    PendingState,
    StatementLine,
    StoredTransfer,
    TransferKind,
    TrialBalanceRow,
)
from reelmint.money import Asset

POSTED_KINDS = frozenset({TransferKind.POSTED, TransferKind.POST_PENDING})


def statement_lines(
    account_id: str, posted: Sequence[StoredTransfer], after: int, limit: int
) -> list[StatementLine]:
    """Entries with seq > `after` (at most `limit`), each with the running posted balance.

    `posted` must hold every posted entry of the account in seq order, so the running
    balance can start from the entries before the page.
    """
    balance = 0
    lines: list[StatementLine] = []
    for row in posted:
        signed = row.amount if row.credit == account_id else -row.amount
        balance += signed
        if row.seq <= after:
            continue
        other = row.debit if row.credit == account_id else row.credit
        lines.append(
            StatementLine(
                row.seq, row.id, row.timestamp, row.kind, row.code, row.ref, other, signed, balance
            )
        )
        if len(lines) >= limit:
            break
    return lines


def trial_balance_rows(
    totals: Iterable[tuple[Asset, int, int, int, int]],
) -> list[TrialBalanceRow]:
    """Sum (asset, debits, credits, debits pending, credits pending) per asset."""
    sums: dict[Asset, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for asset, dp, cp, dpend, cpend in totals:
        acc = sums[asset]
        acc[0] += 1
        acc[1] += dp
        acc[2] += cp
        acc[3] += dpend
        acc[4] += cpend
    return [TrialBalanceRow(asset, *sums[asset]) for asset in sorted(sums, key=str)]


def verify_entries(
    accounts: Sequence[Account],
    balances: Mapping[str, Balance],
    rows: Iterable[StoredTransfer],
    pending_states: Mapping[str, PendingState],
) -> list[str]:
    """Recompute every balance from the entries and report each disagreement.

    Posted totals come from posted and settled transfers; pending totals from pending
    transfers that are still pending. Also checks each asset's trial balance.
    """
    recomputed: dict[str, list[int]] = {a.id: [0, 0, 0, 0] for a in accounts}
    problems: list[str] = []
    for row in rows:
        if row.debit not in recomputed or row.credit not in recomputed:
            problems.append(f"transfer {row.id} names an account that does not exist")
            continue
        if row.kind in POSTED_KINDS:
            recomputed[row.debit][0] += row.amount
            recomputed[row.credit][1] += row.amount
        elif (
            row.kind is TransferKind.PENDING and pending_states.get(row.id) is PendingState.PENDING
        ):
            recomputed[row.debit][2] += row.amount
            recomputed[row.credit][3] += row.amount
    for account in accounts:
        held = balances.get(account.id)
        want = tuple(recomputed[account.id])
        got = (
            (held.debits_posted, held.credits_posted, held.debits_pending, held.credits_pending)
            if held
            else None
        )
        if got != want:
            problems.append(f"{account.id}: balance {got} but entries give {want}")
    totals = [(a.asset, *recomputed[a.id]) for a in accounts]
    for total in trial_balance_rows(totals):  # type: ignore[arg-type]
        if not total.balanced:
            problems.append(f"{total.asset.value}: trial balance does not balance ({total})")
    return problems
