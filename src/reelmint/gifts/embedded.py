"""The embedded payment gateway and payout provider: what the default setup runs on.

They keep their own tables (`gateway_payments`, `payout_transfers`), as a processor keeps
its own records, and behave like the real thing where it matters to the books: every
call is idempotent, a refund or chargeback needs a captured payment, and a chargeback
arrives later as a signed notification (`chargeback` returns the body and header that a
processor would POST to the webhook route). Payment ids are derived from the merchant's
key, so a run is repeatable.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy import Engine

from reelmint.db.engine import insert_new
from reelmint.gifts import schema as s
from reelmint.gifts.ports import (
    Payment,
    PaymentRefused,
    PaymentStatus,
    PayoutItem,
    PayoutResult,
)
from reelmint.gifts.webhooks import Notification, sign

P = PaymentStatus
MAX_CHARGE_MICROS = 10_000 * 1_000_000  # one card payment of at most $10,000


class EmbeddedGateway:
    def __init__(self, engine: Engine, webhook_key: bytes) -> None:
        self.engine, self.key = engine, webhook_key

    def authorize(self, key: str, customer: str, amount_micros: int, now_ms: int) -> Payment:
        if not 0 < amount_micros <= MAX_CHARGE_MICROS:
            raise PaymentRefused(f"a card payment is $0.000001 to $10,000 (got {amount_micros} "
                                 "micros)")  # fmt: skip
        row = {"id": "pay_" + hashlib.sha256(key.encode()).hexdigest()[:20], "key": key,
               "customer": customer, "amount_micros": amount_micros,
               "status": P.AUTHORIZED.value, "at_ms": now_ms}  # fmt: skip
        with self.engine.begin() as conn:
            conn.execute(insert_new(self.engine, s.gateway_payments), row)
            known = _payment(conn, s.gateway_payments.c.key == key)
        assert known is not None
        if (known.customer, known.amount_micros) != (customer, amount_micros):
            raise PaymentRefused(f"key {key!r} already authorised another payment")
        return known

    def capture(self, payment_id: str, now_ms: int) -> Payment:
        return self._move(payment_id, {P.AUTHORIZED}, P.CAPTURED)

    def refund(self, payment_id: str, now_ms: int) -> Payment:
        return self._move(payment_id, {P.CAPTURED}, P.REFUNDED)

    def get(self, payment_id: str) -> Payment | None:
        with self.engine.connect() as conn:
            return _payment(conn, s.gateway_payments.c.id == payment_id)

    def chargeback(self, payment_id: str, now_ms: int) -> tuple[bytes, str]:
        """The card holder disputes a captured payment and wins: the payment is charged
        back, and the signed notification for the platform's webhook comes back."""
        payment = self._move(payment_id, {P.CAPTURED}, P.CHARGED_BACK)
        notice = Notification(f"ntf_{payment.id}_chargeback", "payment.charged_back",
                              payment.id, payment.amount_micros, now_ms)  # fmt: skip
        body = notice.body()
        return body, sign(self.key, body, now_ms)

    def _move(self, payment_id: str, sources: set[PaymentStatus], to: PaymentStatus) -> Payment:
        c = s.gateway_payments.c
        with self.engine.begin() as conn:
            conn.execute(sa.update(s.gateway_payments)
                         .where(c.id == payment_id, c.status.in_([x.value for x in sources]))
                         .values(status=to.value))  # fmt: skip
            payment = _payment(conn, c.id == payment_id)
        if payment is None:
            raise PaymentRefused(f"no payment {payment_id!r}")
        if payment.status is not to:
            raise PaymentRefused(f"payment {payment_id} is {payment.status}; it cannot become {to}")
        return payment


def _payment(conn: sa.Connection, where: sa.ColumnElement[bool]) -> Payment | None:
    row = conn.execute(sa.select(s.gateway_payments).where(where)).first()
    if row is None:
        return None
    return Payment(row.id, row.key, row.customer, row.amount_micros, PaymentStatus(row.status),
                   row.at_ms)  # fmt: skip


class EmbeddedPayouts:
    """Pays every item (a real provider may refuse some: the port allows it)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def send(self, batch: str, items: Sequence[PayoutItem], now_ms: int) -> list[PayoutResult]:
        rows = [{"id": i.id, "batch": batch, "payee": i.payee, "amount_micros": i.amount_micros,
                 "at_ms": now_ms} for i in items]  # fmt: skip
        if rows:
            with self.engine.begin() as conn:
                conn.execute(insert_new(self.engine, s.payout_transfers), rows)
        return [PayoutResult(i.id, True) for i in items]
