"""`reelmint demo`: a small scripted day through the books, until the simulator exists.

A viewer buys coins in-app, sends a gift during a LIVE, and the creator cashes out after
the hold. Every step is a balanced transfer; linked chains keep the multi-asset steps
atomic. With the defaults of DESIGN.md section 5:

- 1,000 coins in-app cost $15.10. The app store keeps 30% ($4.53); $10.00 (face value)
  is owed to the viewer as coins; the platform keeps the $0.57 margin.
- A 500-coin Concert gift retires 500 coins worth $5.00: the creator gets 500 diamonds
  worth $2.50 (the 50% share) and the platform books $2.50 of gift revenue.
- The creator cashes out the 500 diamonds: $2.50 becomes payable, and the payout waits
  15 days as a pending transfer before it is posted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction

from reelmint.ledger import Account, AccountFlags, Ledger, Transfer, TransferKind
from reelmint.money import Asset, round_ratio
from reelmint.settings import Economics

USD, COIN, DIAMOND = Asset.USD, Asset.COIN, Asset.DIAMOND
GUARD = AccountFlags.NO_OVERDRAFT

ACCOUNTS = [
    Account("external:gateway:usd", USD),
    Account("external:payouts:usd", USD),
    Account("platform:cash:usd", USD),
    Account("platform:fees:app-store", USD),
    Account("platform:revenue:coin-margin", USD),
    Account("platform:revenue:gifts", USD),
    Account("platform:liability:coins", USD),
    Account("platform:liability:diamonds", USD),
    Account("platform:treasury:coins", COIN),
    Account("platform:treasury:diamonds", DIAMOND),
    Account("user:alice:coins", COIN, GUARD),
    Account("creator:bob:diamonds", DIAMOND, GUARD),
    Account("creator:bob:payable", USD, GUARD),
]


@dataclass(frozen=True)
class DemoFigures:
    coins: int
    gift_coins: int
    price: int
    store_fee: int
    face: int
    margin: int
    gift_face: int
    creator_share: int
    diamonds: int


def figures(econ: Economics, coins: int = 1_000, gift: str = "Concert") -> DemoFigures:
    price = coins * econ.coins.in_app_price_micros
    store_fee = round_ratio(price * econ.coins.app_store_fee)
    face = coins * econ.coins.face_value_micros
    gift_coins = econ.gifts.catalog[gift]
    gift_face = gift_coins * econ.coins.face_value_micros
    share = round_ratio(gift_face * econ.gifts.creator_share)
    diamonds = round_ratio(Fraction(share, econ.cashout.diamond_value_micros))
    return DemoFigures(
        coins, gift_coins, price, store_fee, face, price - store_fee - face, gift_face, share,
        diamonds,
    )  # fmt: skip


def _t(
    id: str, debit: str, credit: str, amount: int, asset: Asset, code: str, **kw: object
) -> Transfer:
    return Transfer(id, debit, credit, amount, asset, code, **kw)  # type: ignore[arg-type]


def run_demo(books: Ledger, econ: Economics, start: datetime) -> DemoFigures:
    """Post the scripted day; returns the figures it used. Safe to run twice (idempotent)."""
    f = figures(econ)
    books.open_accounts(ACCOUNTS)
    buy = [
        _t("demo:buy:cash", "external:gateway:usd", "platform:cash:usd", f.price, USD,
           "gifts.purchase", linked=True),
        _t("demo:buy:store-fee", "platform:cash:usd", "platform:fees:app-store", f.store_fee, USD,
           "gifts.app_store_fee", linked=True),
        _t("demo:buy:face", "platform:cash:usd", "platform:liability:coins", f.face, USD,
           "gifts.coins_owed", linked=True),
        _t("demo:buy:margin", "platform:cash:usd", "platform:revenue:coin-margin", f.margin, USD,
           "gifts.coin_margin", linked=True),
        _t("demo:buy:coins", "platform:treasury:coins", "user:alice:coins", f.coins, COIN,
           "gifts.coins_issued"),
    ]  # fmt: skip
    gift = [
        _t("demo:gift:coins", "user:alice:coins", "platform:treasury:coins", f.gift_coins, COIN,
           "gifts.send", linked=True),
        _t("demo:gift:diamonds", "platform:treasury:diamonds", "creator:bob:diamonds", f.diamonds,
           DIAMOND, "gifts.diamonds", linked=True),
        _t("demo:gift:share", "platform:liability:coins", "platform:liability:diamonds",
           f.creator_share, USD, "gifts.creator_share", linked=True),
        _t("demo:gift:revenue", "platform:liability:coins", "platform:revenue:gifts",
           f.gift_face - f.creator_share, USD, "gifts.revenue"),
    ]  # fmt: skip
    hold_days = econ.cashout.hold_days
    payout = _t("demo:cashout:payout", "creator:bob:payable", "external:payouts:usd",
                f.creator_share, USD, "gifts.payout", kind=TransferKind.PENDING,
                timeout=(hold_days + 1) * 86_400)  # fmt: skip
    cashout = [
        _t("demo:cashout:diamonds", "creator:bob:diamonds", "platform:treasury:diamonds",
           f.diamonds, DIAMOND, "gifts.cashout", linked=True),
        _t("demo:cashout:usd", "platform:liability:diamonds", "creator:bob:payable",
           f.creator_share, USD, "gifts.cashout_usd", linked=True),
        payout,
    ]  # fmt: skip
    for batch, offset in ((buy, 0), (gift, 1), (cashout, 2)):
        results = books.post(batch, start + timedelta(hours=offset))
        if not all(r.succeeded for r in results):
            raise RuntimeError(f"demo step refused: {[r.value for r in results]}")
    settle = Transfer.settle("demo:cashout:settle", payout, code="gifts.payout")
    results = books.post([settle], start + timedelta(days=hold_days, hours=2))
    if not results[0].succeeded:
        raise RuntimeError(f"demo payout refused: {results[0].value}")
    return f
