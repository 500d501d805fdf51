"""The two ports to money outside the platform: a payment gateway (coins are bought
through it) and a payout provider (cash-outs leave through it).

A real processor's adapter implements these; `reelmint.gifts.embedded` holds the ones
the default setup runs on. The gifts use cases know nothing else about either side.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


class PaymentStatus(enum.StrEnum):
    AUTHORIZED = "authorized"
    CAPTURED = "captured"
    REFUNDED = "refunded"
    CHARGED_BACK = "charged_back"


class PaymentRefused(ValueError):
    """The gateway declined or cannot do what was asked; the message says why."""


@dataclass(frozen=True, slots=True)
class Payment:
    id: str
    key: str  # the merchant's idempotency key for the authorisation
    customer: str
    amount_micros: int
    status: PaymentStatus
    at_ms: int


class PaymentGateway(Protocol):
    def authorize(self, key: str, customer: str, amount_micros: int, now_ms: int) -> Payment:
        """Hold `amount_micros` on the customer's card; again with `key` returns the same."""
        ...

    def capture(self, payment_id: str, now_ms: int) -> Payment:
        """Take the held money; capturing a captured payment returns it unchanged."""
        ...

    def refund(self, payment_id: str, now_ms: int) -> Payment:
        """Give a captured payment back in full; again returns it unchanged."""
        ...

    def get(self, payment_id: str) -> Payment | None: ...


@dataclass(frozen=True, slots=True)
class PayoutItem:
    id: str  # the cash-out's key: the provider pays each id at most once
    payee: str
    amount_micros: int


@dataclass(frozen=True, slots=True)
class PayoutResult:
    id: str
    paid: bool
    reason: str = ""


class PayoutProvider(Protocol):
    def send(self, batch: str, items: Sequence[PayoutItem], now_ms: int) -> list[PayoutResult]:
        """Pay each item, one result per item in order; an id paid before is `paid` again."""
        ...
