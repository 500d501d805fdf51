"""The economics from first principles, per channel, through the books to the micro.

For each channel a viewer buys coins, sends them all as one gift, and the host cashes
out: what the viewer paid, what the store took, what the creator got and what the
platform kept are computed here from the settings alone (not from the code under test)
and must match the ledger's balances; the parts must sum to what was paid.
"""

from __future__ import annotations

from datetime import timedelta
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reelmint.gifts import books
from reelmint.gifts.economics import check_prices, gift_split, purchase_split
from reelmint.gifts.model import BuyCoins, CashOut, Channel, PricingError, SendGift
from reelmint.gifts.service import GiftsService
from reelmint.settings import CashoutSettings, CoinSettings, Economics, GiftSettings
from tests.gifts.conftest import FAN, HOST, NOW, Build, balanced, posted


def _add_gift(gifts: GiftsService, coins: int) -> str:
    name = f"Test {coins}"
    if name not in gifts.catalog():
        gifts.add_gift(name, coins)
    return name


@pytest.mark.parametrize("channel", list(Channel))
@pytest.mark.parametrize("coins", [1, 700, 29_999])
def test_each_party_gets_its_settings_share_and_the_parts_sum_to_the_price(
    build: Build, channel: Channel, coins: int
) -> None:
    gifts = build()
    e = Economics()
    per_coin = (
        e.coins.in_app_price_micros if channel is Channel.IN_APP else e.coins.web_price_micros
    )
    paid = coins * per_coin
    store_cut = Fraction(e.coins.app_store_fee) if channel is Channel.IN_APP else Fraction(0)
    fee = round(paid * store_cut)  # exact here: these prices times 30% are whole micros
    face = coins * e.coins.face_value_micros
    diamonds = face * Fraction(e.gifts.creator_share) // e.cashout.diamond_value_micros
    creator_usd = int(diamonds) * e.cashout.diamond_value_micros
    platform = paid - fee - creator_usd

    gifts.wallets.buy(BuyCoins("buy", FAN, channel, coins), NOW)
    live = gifts.lives.start(HOST, "t", NOW)
    gifts.lives.send(SendGift("gift", FAN, live.id, _add_gift(gifts, coins)), NOW)

    assert posted(gifts, books.CLEARING) == -paid  # the gateway owes the platform the cash
    assert posted(gifts, books.STORE_FEES) == fee
    assert posted(gifts, books.diamonds(HOST)) == diamonds
    assert posted(gifts, books.DIAMOND_LIABILITY) == creator_usd
    kept = posted(gifts, books.COIN_MARGIN) + posted(gifts, books.GIFT_REVENUE)
    assert kept == platform
    assert fee + creator_usd + kept == paid
    assert posted(gifts, books.COIN_LIABILITY) == 0  # every coin bought was spent
    assert balanced(gifts)

    if creator_usd >= e.cashout.minimum_micros:
        gifts.cashouts.request(CashOut("out", HOST, int(diamonds)), NOW)
        later = NOW + timedelta(days=e.cashout.hold_days)
        gifts.cashouts.release(later)
        batch = gifts.cashouts.pay_out(later)
        assert batch.amount_micros == creator_usd
        assert posted(gifts, books.CLEARING) == -paid + creator_usd
        assert posted(gifts, books.DIAMOND_LIABILITY) == 0
        assert balanced(gifts)


def test_the_defaults_match_design_section_5() -> None:
    """$1.51 for 100 coins in-app, 30% to the store; $1.06 on the web; a Rose is 1 diamond."""
    e = Economics()
    in_app = purchase_split(Channel.IN_APP, 100, 1_510_000, e.coins)
    assert (in_app.app_store_fee_micros, in_app.coin_liability_micros) == (453_000, 1_000_000)
    assert in_app.platform_margin_micros == 57_000
    web = purchase_split(Channel.WEB, 100, 1_060_000, e.coins)
    assert (web.app_store_fee_micros, web.platform_margin_micros) == (0, 60_000)
    rose = gift_split(1, e.gifts, e.cashout, e.coins)
    assert (rose.diamonds, rose.creator_value_micros, rose.platform_revenue_micros) == (
        1, 5_000, 5_000)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    coins=st.integers(1, 10_000_000),
    web=st.integers(10_000, 100_000),
    in_app=st.integers(10_000, 100_000),
    fee_pct=st.integers(0, 99),
    share_pct=st.integers(0, 100),
    diamond=st.integers(1, 20_000),
)
def test_splits_always_sum_to_what_was_paid(
    coins: int, web: int, in_app: int, fee_pct: int, share_pct: int, diamond: int
) -> None:
    cs = CoinSettings(web_price_micros=web, in_app_price_micros=in_app,
                      app_store_fee=Fraction(fee_pct, 100))  # fmt: skip
    gs = GiftSettings(creator_share=Fraction(share_pct, 100))
    cash = CashoutSettings(diamond_value_micros=diamond)
    for channel in Channel:
        price = coins * (in_app if channel is Channel.IN_APP else web)
        split = purchase_split(channel, coins, price, cs)
        parts = split.app_store_fee_micros + split.coin_liability_micros
        assert parts + split.platform_margin_micros == price
        cut = Fraction(fee_pct, 100) if channel is Channel.IN_APP else Fraction(0)
        assert abs(split.app_store_fee_micros - price * cut) <= Fraction(1, 2)
    g = gift_split(coins, gs, cash, cs)
    assert g.creator_value_micros + g.platform_revenue_micros == g.face_value_micros
    exact = g.face_value_micros * Fraction(share_pct, 100)
    assert 0 <= exact - g.creator_value_micros < diamond  # short of the share by < 1 diamond


def test_prices_below_face_after_the_store_fee_are_refused() -> None:
    with pytest.raises(PricingError, match="below their face value"):
        check_prices(CoinSettings(in_app_price_micros=14_000))  # 14,000 x 70% < 10,000
    with pytest.raises(PricingError, match="below 100%"):
        check_prices(CoinSettings(app_store_fee=Fraction(1)))
