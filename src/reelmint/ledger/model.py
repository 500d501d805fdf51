"""The books' vocabulary: accounts, transfers, results and balances. Pure data, no I/O.

The semantics follow TigerBeetle's (DESIGN.md section 4): a transfer moves a positive
integer amount of one asset from a debit account to a credit account; pending transfers
reserve an amount that is later posted (in full or in part) or voided; linked transfers
succeed or fail as one; and the transfer id is the client's idempotency key.

Sign convention. An account's balance is `credits - debits`. A user's coin wallet is
credited when coins arrive, so a wallet with `no_overdraft` can never go below zero.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from reelmint.money import Asset

ACCOUNT_ID: Final = re.compile(r"^[a-z][a-z0-9_-]*(:[A-Za-z0-9_.-]+){1,6}$")
MAX_ID_LENGTH: Final = 200
# What one stored balance column holds (a signed 64-bit integer). A transfer that would
# carry an account's posted plus pending debits (or credits) past it is refused.
MAX_BALANCE: Final = 2**63 - 1
EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)


class LedgerError(Exception):
    """A command against the books could not be carried out; nothing was changed."""


class AccountFlags(enum.IntFlag):
    """Constraints an account enforces on every posting."""

    NONE = 0
    # Debits (posted + pending) must not exceed posted credits: balances never go negative.
    NO_OVERDRAFT = 1
    # Credits (posted + pending) must not exceed posted debits: the mirror image, for
    # accounts that may only ever hold a debit balance (a clearing account that is owed).
    NO_CREDIT_BALANCE = 2

    @property
    def constrained(self) -> bool:
        return self != AccountFlags.NONE


@dataclass(frozen=True, slots=True)
class Account:
    """An account: an id that reads as a path, the asset it holds, and its flags.

    Ids look like `<owner-kind>:<owner-id>:<purpose>`, for example `user:42:coins` or
    `platform:revenue:ads`.
    """

    id: str
    asset: Asset
    flags: AccountFlags = AccountFlags.NONE

    def __post_init__(self) -> None:
        check_account_id(self.id)


def check_account_id(account_id: str) -> None:
    if len(account_id) > MAX_ID_LENGTH or not ACCOUNT_ID.fullmatch(account_id):
        raise LedgerError(
            f"bad account id {account_id!r}: use '<kind>:<owner>:<purpose>' "
            "with letters, digits, '_', '-' or '.' in each part"
        )


class AccountResult(enum.StrEnum):
    OK = "ok"
    EXISTS = "exists"
    EXISTS_WITH_DIFFERENT_FIELDS = "exists_with_different_fields"


class TransferKind(enum.IntEnum):
    """What a transfer does. Stored as a small integer."""

    POSTED = 0  # moves the amount at once
    PENDING = 1  # reserves the amount until posted, voided or expired
    POST_PENDING = 2  # settles a pending transfer (all of it or less)
    VOID_PENDING = 3  # releases a pending transfer
    EXPIRED = 4  # written by the ledger when a pending transfer times out


@dataclass(frozen=True, slots=True)
class Transfer:
    """A request to move money. See the module docstring for the semantics.

    - `id`: the client's idempotency key; a retry with the same id and fields is `exists`.
    - `amount`: minor units, > 0. For POST_PENDING, `None` posts the whole pending amount;
      for VOID_PENDING it must be `None` or the pending amount.
    - `debit`/`credit`: for POST_PENDING and VOID_PENDING they may be left empty and are
      then taken from the pending transfer.
    - `timeout`: seconds a PENDING transfer may wait before it expires (0: never).
    - `linked`: this transfer and the next succeed or fail together.
    - `timestamp`: when it happened; `None` means the `now` given to `post`.
    """

    id: str
    debit: str
    credit: str
    amount: int | None
    asset: Asset
    code: str
    ref: str = ""
    kind: TransferKind = TransferKind.POSTED
    pending_id: str | None = None
    timeout: int = 0
    linked: bool = False
    timestamp: datetime | None = None

    @classmethod
    def settle(
        cls, id: str, pending: Transfer, amount: int | None = None, *, code: str = "", ref: str = ""
    ) -> Transfer:
        """Post a pending transfer (all of it when `amount` is None)."""
        return cls(
            id, pending.debit, pending.credit, amount, pending.asset, code or pending.code, ref,
            TransferKind.POST_PENDING, pending.id,
        )  # fmt: skip

    @classmethod
    def void(cls, id: str, pending: Transfer, *, code: str = "", ref: str = "") -> Transfer:
        """Release a pending transfer."""
        return cls(
            id, pending.debit, pending.credit, None, pending.asset, code or pending.code, ref,
            TransferKind.VOID_PENDING, pending.id,
        )  # fmt: skip

    def fingerprint(self) -> tuple[object, ...]:
        """The fields that make two submissions of one id the same transfer.

        The timestamp is left out on purpose: a retry happens later by nature, and it
        must still be recognised as the same transfer.
        """
        return (
            self.debit, self.credit, self.amount, self.asset.value, self.code, self.ref,
            int(self.kind), self.pending_id or "", self.timeout, self.linked,
        )  # fmt: skip


class TransferResult(enum.StrEnum):
    """The outcome of one transfer in a batch. Everything but OK and EXISTS is a refusal."""

    OK = "ok"
    EXISTS = "exists"
    EXISTS_WITH_DIFFERENT_FIELDS = "exists_with_different_fields"
    LINKED_EVENT_FAILED = "linked_event_failed"
    LINKED_EVENT_CHAIN_OPEN = "linked_event_chain_open"
    ID_INVALID = "id_invalid"
    CODE_INVALID = "code_invalid"
    AMOUNT_MUST_BE_POSITIVE = "amount_must_be_positive"
    AMOUNT_TOO_LARGE = "amount_too_large"
    ACCOUNTS_MUST_BE_DIFFERENT = "accounts_must_be_different"
    DEBIT_ACCOUNT_NOT_FOUND = "debit_account_not_found"
    CREDIT_ACCOUNT_NOT_FOUND = "credit_account_not_found"
    ASSET_MISMATCH = "asset_mismatch"
    EXCEEDS_CREDITS = "exceeds_credits"
    EXCEEDS_DEBITS = "exceeds_debits"
    PENDING_ID_MUST_BE_BLANK = "pending_id_must_be_blank"
    PENDING_ID_REQUIRED = "pending_id_required"
    TIMEOUT_RESERVED_FOR_PENDING = "timeout_reserved_for_pending"
    TIMEOUT_INVALID = "timeout_invalid"
    PENDING_TRANSFER_NOT_FOUND = "pending_transfer_not_found"
    PENDING_TRANSFER_ALREADY_POSTED = "pending_transfer_already_posted"
    PENDING_TRANSFER_ALREADY_VOIDED = "pending_transfer_already_voided"
    PENDING_TRANSFER_EXPIRED = "pending_transfer_expired"
    PENDING_TRANSFER_HAS_DIFFERENT_ACCOUNTS = "pending_transfer_has_different_accounts"
    PENDING_TRANSFER_HAS_DIFFERENT_ASSET = "pending_transfer_has_different_asset"
    EXCEEDS_PENDING_TRANSFER_AMOUNT = "exceeds_pending_transfer_amount"
    VOID_AMOUNT_MUST_MATCH = "void_amount_must_match"
    KIND_INVALID = "kind_invalid"
    OVERFLOWS_DEBITS = "overflows_debits"
    OVERFLOWS_CREDITS = "overflows_credits"

    @property
    def succeeded(self) -> bool:
        return self in (TransferResult.OK, TransferResult.EXISTS)


class PendingState(enum.IntEnum):
    PENDING = 0
    POSTED = 1
    VOIDED = 2
    EXPIRED = 3


@dataclass(frozen=True, slots=True)
class Balance:
    """An account's four running totals, in minor units of its asset.

    `available` is what can still be spent from a `no_overdraft` account: posted credits
    less posted and pending debits.
    """

    account: str
    asset: Asset
    debits_posted: int = 0
    credits_posted: int = 0
    debits_pending: int = 0
    credits_pending: int = 0

    @property
    def posted(self) -> int:
        return self.credits_posted - self.debits_posted

    @property
    def available(self) -> int:
        return self.credits_posted - self.debits_posted - self.debits_pending


@dataclass(frozen=True, slots=True)
class StatementLine:
    """One posted entry on an account, with the running posted balance after it."""

    seq: int
    transfer_id: str
    timestamp: datetime
    kind: TransferKind
    code: str
    ref: str
    counterparty: str
    amount: int  # signed: + credit, - debit
    balance: int


@dataclass(frozen=True, slots=True)
class TrialBalanceRow:
    """Per asset: total posted debits and credits over all accounts, which must be equal."""

    asset: Asset
    accounts: int
    debits_posted: int
    credits_posted: int
    debits_pending: int
    credits_pending: int

    @property
    def balanced(self) -> bool:
        return (
            self.debits_posted == self.credits_posted
            and self.debits_pending == self.credits_pending
        )


@dataclass(frozen=True, slots=True)
class StoredTransfer:
    """A transfer as the books hold it: resolved accounts, amount and timestamp."""

    seq: int
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


def to_micros(moment: datetime) -> int:
    """Microseconds since the epoch, for storage; naive datetimes are refused."""
    if moment.tzinfo is None:
        raise LedgerError("timestamps must be timezone-aware (use UTC)")
    delta = moment - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_micros(micros: int) -> datetime:
    return EPOCH + timedelta(microseconds=micros)
