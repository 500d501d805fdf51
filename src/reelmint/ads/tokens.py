"""Tracking tokens: what the ad server signed when it served an ad.

A client reports an ad's impression, click or view later, from a device nobody trusts.
The token it hands back says which ad was served to which user, when, and at what
auction price; a MAC over those fields means the server charges only for ads it really
served, at the price it really set, and never trusts a price from the client.

    v1.<serial>.<user>.<group>.<ad>.<price_micros>.<served_ms>.<mac>

The fields are plain so a token in a log can be read; the MAC is HMAC-SHA256 (first 16
bytes, base64url) over everything before it, keyed with `Settings.derived_key
("ads.tokens")`, so leaking it reveals nothing about the secret other uses derive from.

>>> key = bytes(32)
>>> token = sign(Ticket("a1", 7, 3, 9, 25_000, 1_000), key)
>>> verify(token, key)
Ticket(serial='a1', user=7, group=3, ad=9, price_micros=25000, served_ms=1000)
>>> verify(token.replace(".25000.", ".1.") , key) is None  # a cheaper price: refused
True
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass

VERSION = "v1"
MAC_BYTES = 16
SERIAL = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
MAX_TOKEN = 200


@dataclass(frozen=True, slots=True)
class Ticket:
    serial: str  # unique per served ad: events are deduplicated per (serial, kind)
    user: int
    group: int  # ad group id
    ad: int
    price_micros: int  # per billable event, as the auction set it
    served_ms: int


def sign(ticket: Ticket, key: bytes) -> str:
    if not SERIAL.match(ticket.serial):
        raise ValueError(f"a serial is 1-40 of A-Z a-z 0-9 _ -, not {ticket.serial!r}")
    body = ".".join((VERSION, ticket.serial, *map(str, (
        ticket.user, ticket.group, ticket.ad, ticket.price_micros, ticket.served_ms))))  # fmt: skip
    return f"{body}.{_mac(body, key)}"


def verify(token: str, key: bytes) -> Ticket | None:
    """The ticket a token carries, or None for anything this server did not sign."""
    if len(token) > MAX_TOKEN:
        return None
    body, _, mac = token.rpartition(".")
    if not hmac.compare_digest(mac.encode(), _mac(body, key).encode()):
        return None
    version, serial, *numbers = body.split(".")
    # A signed token was made by `sign`, so its fields parse; checked anyway, cheaply.
    if version != VERSION or len(numbers) != 5 or not all(n.isdigit() for n in numbers):
        return None
    user, group, ad, price, served = map(int, numbers)
    return Ticket(serial, user, group, ad, price, served)


def _mac(body: str, key: bytes) -> str:
    digest = hmac.new(key, body.encode(), hashlib.sha256).digest()[:MAC_BYTES]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
