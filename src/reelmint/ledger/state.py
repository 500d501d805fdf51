"""The working state a batch is evaluated against, shared by the rules and the fast path.

Adapters load these from storage, the rules mutate them, and the adapters write the
`Outcome` back.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reelmint.ledger.model import PendingState, TransferResult

# A stored transfer as the duplicate check needs it:
# (debit, credit, amount, asset, code, ref, kind, pending_id, timeout, linked)
StoredFields = tuple[str, str, int, str, str, str, int, str, int, bool]
# What is already known about an id: its stored fields, or the code it was refused with.
Known = StoredFields | TransferResult
# A row for the transfers table:
# (id, debit, credit, amount, asset, code, ref, kind, pending_id, timeout, linked, ts)
TransferRow = tuple[str, str, str, int, str, str, str, int, str | None, int, bool, int]


class AccountState:
    """An account's totals while a batch is evaluated. Mutable on purpose, and private here.

    For unconstrained accounts the adapters may start from zeros instead of the stored
    totals: no rule reads them, and only the deltas are written back.
    """

    __slots__ = ("asset", "cp", "cpend", "dp", "dpend", "flags", "initial")

    def __init__(
        self, asset: str, flags: int, dp: int = 0, cp: int = 0, dpend: int = 0, cpend: int = 0
    ) -> None:
        self.asset = asset
        self.flags = flags
        self.dp, self.cp, self.dpend, self.cpend = dp, cp, dpend, cpend
        self.initial = (dp, cp, dpend, cpend)

    def delta(self) -> tuple[int, int, int, int]:
        d0, c0, dp0, cp0 = self.initial
        return (self.dp - d0, self.cp - c0, self.dpend - dp0, self.cpend - cp0)


@dataclass(slots=True)
class PendingRecord:
    """A pending transfer as the rules need it; `state` changes as the batch goes."""

    id: str
    debit: str
    credit: str
    amount: int
    asset: str
    expires_at: int | None  # microseconds since the epoch; None never expires
    state: PendingState = PendingState.PENDING
    created: bool = False  # made by this batch (inserted rather than updated)


@dataclass(slots=True)
class Outcome:
    """What a batch did: results in input order, and the writes that make it so."""

    results: list[TransferResult] = field(default_factory=list)
    rows: list[TransferRow] = field(default_factory=list)
    rejections: list[tuple[str, str, int]] = field(default_factory=list)  # (id, code, ts)
    pendings: dict[str, PendingRecord] = field(default_factory=dict)
    expired: int = 0

    def changed_pendings(self) -> list[PendingRecord]:
        return [p for p in self.pendings.values() if p.created or p.state != PendingState.PENDING]


def stored_fields(row: TransferRow) -> StoredFields:
    _, debit, credit, amount, asset, code, ref, kind, pending_id, timeout, linked, _ = row
    return (debit, credit, amount, asset, code, ref, kind, pending_id or "", timeout, linked)
