"""What happened in LIVE gifting, as the store keeps it: purchases, LIVEs, sent gifts,
cash-outs. Pure data. Each record names its command's key, which is also the stem of
its ledger transfer ids (see `reelmint.gifts.books`).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from reelmint.gifts.model import Channel


class PurchaseStatus(enum.StrEnum):
    CAPTURED = "captured"
    REVERSING = "reversing"  # a refund or chargeback decided, its transfers not yet confirmed
    REFUNDED = "refunded"
    CHARGED_BACK = "charged_back"


@dataclass(frozen=True, slots=True)
class Purchase:
    key: str
    buyer: int
    channel: Channel
    coins: int
    paid_micros: int
    fee_micros: int
    margin_micros: int
    debt_repaid: int  # of `coins`, how many settled an earlier debt
    payment_id: str
    at_ms: int
    status: PurchaseStatus = PurchaseStatus.CAPTURED
    reversed_ms: int | None = None
    clawed_back: int | None = None  # coins taken back from the wallet
    debt: int | None = None  # coins that could not be: the user owes them
    clawbacks: tuple[tuple[int, int], ...] = ()  # (creator, diamonds taken back)
    attempt: int = 0

    @property
    def face_micros(self) -> int:
        return self.paid_micros - self.fee_micros - self.margin_micros


@dataclass(frozen=True, slots=True)
class Live:
    id: int
    creator: int
    title: str
    started_ms: int
    ended_ms: int | None = None

    @property
    def active(self) -> bool:
        return self.ended_ms is None


@dataclass(frozen=True, slots=True)
class SentGift:
    key: str
    sender: int
    creator: int
    live: int
    gift: str
    count: int
    coins: int  # count x the gift's price when sent
    diamonds: int
    at_ms: int


class CashoutStatus(enum.StrEnum):
    HELD = "held"  # diamonds and dollars reserved until the hold ends
    PAYABLE = "payable"  # posted to the creator's payable, waiting for a payout batch
    PAID = "paid"
    VOIDED = "voided"  # the account was banned during the hold: the diamonds came back


@dataclass(frozen=True, slots=True)
class Cashout:
    key: str
    creator: int
    diamonds: int
    amount_micros: int
    at_ms: int
    release_ms: int
    status: CashoutStatus = CashoutStatus.HELD
    batch: str | None = None
    settled_ms: int | None = None
