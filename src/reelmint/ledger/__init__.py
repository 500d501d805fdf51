"""The double-entry books every engine posts to. See `model` for the vocabulary."""

from reelmint.ledger.model import (
    Account,
    AccountFlags,
    AccountResult,
    Balance,
    LedgerError,
    PendingState,
    StatementLine,
    StoredTransfer,
    Transfer,
    TransferKind,
    TransferResult,
    TrialBalanceRow,
)
from reelmint.ledger.port import Ledger

__all__ = [
    "Account",
    "AccountFlags",
    "AccountResult",
    "Balance",
    "Ledger",
    "LedgerError",
    "PendingState",
    "StatementLine",
    "StoredTransfer",
    "Transfer",
    "TransferKind",
    "TransferResult",
    "TrialBalanceRow",
]
