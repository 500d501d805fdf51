"""LIVE gifts' request and response bodies, apart from the domain and split by direction:
`XCreate` (or a verb) comes in, `XOut` goes out, lists are wrapped as `{data, count}`.

Money is integer USD micros with its display text beside it, never a float: a purchase of
700 coins on the web answers `"paid_micros": 7420000, "paid": "$7.42"`. Coins and
diamonds are whole numbers. Times go out as RFC 3339 UTC; the domain keeps milliseconds.

`user` and `creator` in a body are for admins, who act for someone; a user or creator
key acts as itself (see `reelmint.http.auth.acting_as`).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, JsonValue

from reelmint.gifts.cashouts import Earnings, PayoutBatch, Released
from reelmint.gifts.context import EPOCH
from reelmint.gifts.economics import gift_split
from reelmint.gifts.lives import Gifter, LiveSummary
from reelmint.gifts.model import MAX_COMBO, CoinPack, Gift
from reelmint.gifts.records import Cashout, Live, Purchase, SentGift
from reelmint.gifts.wallets import Wallet
from reelmint.gifts.webhooks import EVENTS
from reelmint.http.auth import MAX_NUMERIC_ID
from reelmint.http.schemas import Strict
from reelmint.money import Asset, format_amount
from reelmint.parties.people import Person
from reelmint.settings import Economics

Id = Annotated[int, Field(ge=0, le=MAX_NUMERIC_ID)]
MAX_PURCHASE_COINS = 500_000  # $7,550 in-app at list price: inside one card payment's limit
# A gift's name as the catalog keeps it: no surrounding spaces (what str.strip takes off,
# spelt out, as \s means different spaces to JSON Schema, pydantic and Python), no
# control characters, and no slash (a name is a path segment of the catalog routes).
_END = r"[^/\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]"
GIFT_NAME = rf"^{_END}(?:[^/\x00-\x1f\x7f-\x9f]{{0,62}}{_END})?$"
GiftName = Annotated[str, Field(pattern=GIFT_NAME, examples=["Rose"])]
Coins = Annotated[int, Field(ge=1, le=10**9)]
ForUser = Annotated[Id | None, Field(
    description="admins only: the user acted for; a user key is itself")]  # fmt: skip
ForCreator = Annotated[Id | None, Field(
    description="admins only: the creator acted for; a creator key is itself")]  # fmt: skip
StandingName = Literal["good", "restricted", "banned"]
ISO_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def _iso_day(value: object) -> object:
    """Only `YYYY-MM-DD`: lax parsing would read a number, or digits, as Unix time."""
    if isinstance(value, str) and ISO_DAY.match(value):
        return value
    raise ValueError("expected a date as YYYY-MM-DD, e.g. 1990-05-17")


Day = Annotated[date, BeforeValidator(_iso_day), Field(strict=False)]


def _example(example: dict[str, JsonValue]) -> ConfigDict:
    return ConfigDict(strict=True, extra="forbid", json_schema_extra={"examples": [example]})


def usd(micros: int) -> str:
    return format_amount(Asset.USD, micros, exact=True)


def moment(at_ms: int) -> datetime:
    return EPOCH + timedelta(milliseconds=at_ms)


def _maybe(at_ms: int | None) -> datetime | None:
    return None if at_ms is None else moment(at_ms)


# People


class PersonPut(Strict):
    model_config = _example({"birth_date": "1990-05-17", "standing": "good"})
    birth_date: Day
    standing: StandingName = "good"


class StandingChange(Strict):
    model_config = _example({"standing": "restricted"})
    standing: StandingName


class PersonOut(BaseModel):
    id: int
    birth_date: date
    standing: StandingName


# Catalog and coin shop


class GiftCreate(Strict):
    model_config = _example({"name": "Galaxy", "coins": 1_000})
    name: GiftName
    coins: Coins


class GiftReprice(Strict):
    model_config = _example({"coins": 30_000})
    coins: Coins


class GiftOut(BaseModel):
    name: str
    coins: int = Field(description="the sender pays this many coins per gift")
    diamonds: int = Field(description="the host receives this many diamonds per gift")
    retired: bool = Field(description="listed so its name is never reused, but not sendable")


class GiftList(BaseModel):
    data: list[GiftOut]
    count: int


class PackOut(BaseModel):
    id: str
    channel: Literal["web", "in_app"]
    coins: int
    price_micros: int
    price: str


class PackList(BaseModel):
    data: list[PackOut]
    count: int


class CoinsPurchase(Strict):
    model_config = _example({"user": 42, "channel": "web", "coins": 700})
    user: ForUser = None
    channel: Literal["web", "in_app"] = Field(description="in-app prices carry the store's fee")
    coins: Annotated[int, Field(ge=1, le=MAX_PURCHASE_COINS)]


class PackPurchase(Strict):
    model_config = _example({"user": 42, "pack": "in_app-70"})
    user: ForUser = None
    pack: str = Field(pattern=r"^(web|in_app)-[0-9]{1,9}$", description="an id of GET "
                      "/v1/coins/packs")  # fmt: skip


class PurchaseOut(BaseModel):
    key: str = Field(description="`user:<id>:<Idempotency-Key>`")
    user: int
    channel: Literal["web", "in_app"]
    coins: int
    paid_micros: int
    paid: str
    app_store_fee_micros: int
    payment_id: str = Field(description="the gateway's id, as its notifications name it")
    status: Literal["captured", "reversing", "refunded", "charged_back"]
    bought_at: datetime
    reversed_at: datetime | None
    coins_clawed_back: int | None = Field(description="taken back from the wallet on reversal")
    coins_owed: int | None = Field(description="already spent on reversal: now owed")


class PurchaseList(BaseModel):
    user: int
    data: list[PurchaseOut]
    count: int


class WalletOut(BaseModel):
    user: int
    coins: int = Field(description="available to send")
    coins_owed: int = Field(description="from reversed purchases; gifting waits until 0")


class NotificationIn(BaseModel):
    """A payment processor's notification, as it signs it (documentation only: the route
    reads the raw bytes, because the signature covers them exactly)."""

    id: str
    event: str = Field(json_schema_extra={"enum": list(EVENTS)})
    payment_id: str
    amount_micros: int
    at_ms: int


class NotificationOut(BaseModel):
    applied: bool = Field(description="false for a resend, or news that changes nothing")
    purchase: PurchaseOut | None


# LIVEs and gifts


class LiveCreate(Strict):
    model_config = _example({"creator": 9, "title": "Cooking at midnight"})
    creator: ForCreator = None
    title: Annotated[str, Field(max_length=200)] = ""


class Viewer(Strict):
    model_config = _example({"user": 42})
    user: ForUser = None


class GiftSend(Strict):
    model_config = _example({"user": 42, "gift": "Rose", "count": 1})
    user: ForUser = None
    gift: GiftName
    count: Annotated[int, Field(ge=1, le=MAX_COMBO, description="a combo is more than 1")] = 1


class LiveOut(BaseModel):
    id: int
    creator: int
    title: str
    started_at: datetime
    ended_at: datetime | None
    active: bool


class SentGiftOut(BaseModel):
    key: str = Field(description="`user:<id>:<Idempotency-Key>`")
    sender: int
    creator: int
    live: int
    gift: str
    count: int
    coins: int
    diamonds: int
    sent_at: datetime


class GifterOut(BaseModel):
    user: int
    coins: int
    gifts: int


class Leaderboard(BaseModel):
    data: list[GifterOut]
    count: int


class WeeklyLeaderboard(Leaderboard):
    week_start: datetime = Field(description="Monday 00:00 UTC")
    creator: int | None


class LiveSummaryOut(BaseModel):
    live: LiveOut
    gifts: int
    coins: int
    diamonds: int
    gifters: int
    viewers: int
    top: list[GifterOut]


# Diamonds and cash-out


class EarningsOut(BaseModel):
    creator: int
    diamonds: int = Field(description="available to cash out")
    diamonds_held: int = Field(description="reserved by cash-outs on hold")
    payable_micros: int = Field(description="released, waiting for a payout batch")
    payable: str
    paid_micros: int
    paid: str


class CashoutCreate(Strict):
    model_config = _example({"creator": 7, "diamonds": 200})
    creator: ForCreator = None
    diamonds: Annotated[int, Field(ge=1, le=10**12)]


class CashoutOut(BaseModel):
    key: str = Field(description="`creator:<id>:<Idempotency-Key>`")
    creator: int
    diamonds: int
    amount_micros: int
    amount: str
    status: Literal["held", "payable", "paid", "voided"]
    requested_at: datetime
    release_at: datetime = Field(description="the hold ends; payable from then on")
    batch: str | None
    settled_at: datetime | None


class ReleasedOut(BaseModel):
    released: list[str] = Field(description="cash-outs now payable")
    voided: list[str] = Field(description="of banned accounts: the diamonds went back")
    count: int


class PayoutCreate(Strict):
    model_config = _example({"limit": 1_000})
    limit: Annotated[int, Field(ge=1, le=10_000)] = 10_000


class PayoutFailure(BaseModel):
    key: str
    reason: str


class PayoutBatchOut(BaseModel):
    batch: str
    paid: list[str]
    failed: list[PayoutFailure]
    amount_micros: int
    amount: str


# The domain to responses


def person_out(p: Person) -> PersonOut:
    return PersonOut(id=p.id, birth_date=p.birth_date, standing=p.standing.value)


def gift_out(g: Gift, economics: Economics) -> GiftOut:
    split = gift_split(g.coins, economics.gifts, economics.cashout, economics.coins)
    return GiftOut(name=g.name, coins=g.coins, diamonds=split.diamonds, retired=g.retired)


def pack_out(p: CoinPack) -> PackOut:
    return PackOut(id=p.id, channel=p.channel.value, coins=p.coins, price_micros=p.price_micros,
                   price=usd(p.price_micros))  # fmt: skip


def purchase_out(p: Purchase) -> PurchaseOut:
    return PurchaseOut(
        key=p.key, user=p.buyer, channel=p.channel.value, coins=p.coins,
        paid_micros=p.paid_micros, paid=usd(p.paid_micros), app_store_fee_micros=p.fee_micros,
        payment_id=p.payment_id, status=p.status.value, bought_at=moment(p.at_ms),
        reversed_at=_maybe(p.reversed_ms), coins_clawed_back=p.clawed_back, coins_owed=p.debt,
    )  # fmt: skip


def wallet_out(w: Wallet) -> WalletOut:
    return WalletOut(user=w.user, coins=w.coins, coins_owed=w.debt)


def live_out(live: Live) -> LiveOut:
    return LiveOut(id=live.id, creator=live.creator, title=live.title,
                   started_at=moment(live.started_ms), ended_at=_maybe(live.ended_ms),
                   active=live.active)  # fmt: skip


def sent_out(g: SentGift) -> SentGiftOut:
    return SentGiftOut(key=g.key, sender=g.sender, creator=g.creator, live=g.live, gift=g.gift,
                       count=g.count, coins=g.coins, diamonds=g.diamonds,
                       sent_at=moment(g.at_ms))  # fmt: skip


def gifters_out(gifters: list[Gifter]) -> list[GifterOut]:
    return [GifterOut(user=g.sender, coins=g.coins, gifts=g.gifts) for g in gifters]


def summary_out(s: LiveSummary) -> LiveSummaryOut:
    return LiveSummaryOut(live=live_out(s.live), gifts=s.gifts, coins=s.coins,
                          diamonds=s.diamonds, gifters=s.gifters, viewers=s.viewers,
                          top=gifters_out(s.top))  # fmt: skip


def earnings_out(e: Earnings) -> EarningsOut:
    return EarningsOut(creator=e.creator, diamonds=e.diamonds, diamonds_held=e.diamonds_held,
                       payable_micros=e.payable_micros, payable=usd(e.payable_micros),
                       paid_micros=e.paid_micros, paid=usd(e.paid_micros))  # fmt: skip


def cashout_out(c: Cashout) -> CashoutOut:
    return CashoutOut(key=c.key, creator=c.creator, diamonds=c.diamonds,
                      amount_micros=c.amount_micros, amount=usd(c.amount_micros),
                      status=c.status.value, requested_at=moment(c.at_ms),
                      release_at=moment(c.release_ms), batch=c.batch,
                      settled_at=_maybe(c.settled_ms))  # fmt: skip


def released_out(r: Released) -> ReleasedOut:
    return ReleasedOut(released=r.released, voided=r.voided, count=len(r.released + r.voided))


def payout_out(b: PayoutBatch) -> PayoutBatchOut:
    failed = [PayoutFailure(key=key, reason=reason) for key, reason in b.failed]
    return PayoutBatchOut(batch=b.batch, paid=b.paid, failed=failed,
                          amount_micros=b.amount_micros, amount=usd(b.amount_micros))  # fmt: skip
