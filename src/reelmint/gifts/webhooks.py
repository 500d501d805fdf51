"""Signed payment notifications, as a processor's webhooks send them. Pure.

A notification is a small JSON body and a signature header:

    Reelmint-Signature: t=1764720000000,v1=<hex HMAC-SHA256 of "<t>.<body>">

The key is `Settings.derived_key("gifts.webhooks")`, shared by the gateway that signs and
the platform that checks. Putting the timestamp under the MAC and refusing old ones
(`tolerance_ms`, five minutes by default) stops a captured notification from being
replayed later; the notification id stops it from being applied twice in the window.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import asdict, dataclass

HEADER = "Reelmint-Signature"
TOLERANCE_MS = 300_000
EVENTS = ("payment.captured", "payment.refunded", "payment.charged_back")


class BadNotification(ValueError):
    """A notification whose signature, age or body does not check out; nothing is applied."""


@dataclass(frozen=True, slots=True)
class Notification:
    id: str
    event: str
    payment_id: str
    amount_micros: int
    at_ms: int

    def body(self) -> bytes:
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":")).encode()


def sign(key: bytes, body: bytes, at_ms: int) -> str:
    """The header value for `body` signed at `at_ms`."""
    return f"t={at_ms},v1={_mac(key, body, at_ms)}"


def verify(key: bytes, body: bytes, header: str, now_ms: int,
           tolerance_ms: int = TOLERANCE_MS) -> Notification:  # fmt: skip
    """The notification in `body` if `header` signs it and it is recent; else BadNotification."""
    fields = dict(part.partition("=")[::2] for part in header.split(",") if "=" in part)
    try:
        at_ms = int(fields["t"])
        given = fields["v1"]
    except (KeyError, ValueError) as missing:
        raise BadNotification(f"the {HEADER} header must read t=<ms>,v1=<hex>") from missing
    if not hmac.compare_digest(given.encode(), _mac(key, body, at_ms).encode()):  # any text
        raise BadNotification("the signature does not match the body")
    if abs(now_ms - at_ms) > tolerance_ms:
        off_s = abs(now_ms - at_ms) // 1000
        raise BadNotification(f"the notification was signed {off_s:,} s from now, more "
                              f"than the {tolerance_ms // 1000} s allowed")  # fmt: skip
    try:
        notice = Notification(**json.loads(body))
    except (TypeError, ValueError) as bad:
        raise BadNotification(f"the body is not a payment notification: {bad}") from bad
    if notice.event not in EVENTS:
        raise BadNotification(f"unknown event {notice.event!r}; known: {', '.join(EVENTS)}")
    return notice


def _mac(key: bytes, body: bytes, at_ms: int) -> str:
    return hmac.new(key, f"{at_ms}.".encode() + body, hashlib.sha256).hexdigest()
