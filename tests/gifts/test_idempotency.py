"""A retried purchase, gift, batch or cash-out does its work once; a key reused for a
different request is refused and changes nothing."""

from __future__ import annotations

import pytest

from reelmint.gifts import books
from reelmint.gifts.model import BuyCoins, CashOut, Channel, Conflict, SendGift
from reelmint.gifts.service import GiftsService
from tests.gifts.conftest import FAN, HOST, NOW, WHALE, balanced, posted


def test_a_retried_purchase_charges_and_credits_once(gifts: GiftsService) -> None:
    first = gifts.wallets.buy(BuyCoins("k1", FAN, Channel.IN_APP, 700), NOW)
    again = gifts.wallets.buy(BuyCoins("k1", FAN, Channel.IN_APP, 700), NOW)
    assert again == first
    assert gifts.wallets.wallet(FAN).coins == 700
    assert posted(gifts, books.CLEARING) == -700 * 15_100
    assert len(gifts.wallets.purchases(FAN)) == 1
    with pytest.raises(Conflict, match="already bought 700 coins"):
        gifts.wallets.buy(BuyCoins("k1", FAN, Channel.WEB, 700), NOW)
    assert gifts.wallets.wallet(FAN).coins == 700


def test_a_retried_gift_is_sent_once(gifts: GiftsService) -> None:
    gifts.wallets.buy(BuyCoins("k", FAN, Channel.WEB, 700), NOW)
    live = gifts.lives.start(HOST, "t", NOW).id
    first = gifts.lives.send(SendGift("g", FAN, live, "Concert"), NOW)
    assert gifts.lives.send(SendGift("g", FAN, live, "Concert"), NOW) == first
    assert gifts.wallets.wallet(FAN).coins == 200
    assert posted(gifts, books.diamonds(HOST)) == 500
    with pytest.raises(Conflict, match="already sent 1 x Concert"):
        gifts.lives.send(SendGift("g", FAN, live, "Rose"), NOW)


def test_a_retried_batch_posts_nothing_twice(gifts: GiftsService) -> None:
    gifts.wallets.buy(BuyCoins("a", FAN, Channel.WEB, 100), NOW)
    gifts.wallets.buy(BuyCoins("b", WHALE, Channel.WEB, 100), NOW)
    live = gifts.lives.start(HOST, "t", NOW).id
    batch = [SendGift(f"{who}-{i}", who, live, "Rosa") for who in (FAN, WHALE) for i in range(12)]
    outcomes = gifts.lives.send_batch(batch, NOW)
    sent = [o for o in outcomes if not isinstance(o, Exception)]
    assert len(sent) == 20  # ten Rosas of 10 coins each, for each sender
    assert sum(isinstance(o, Exception) for o in outcomes) == 4
    transfers = len(gifts.ctx.ledger.transfers())
    again = gifts.lives.send_batch(batch, NOW)
    assert [o for o in again if not isinstance(o, Exception)] == sent
    assert len(gifts.ctx.ledger.transfers()) == transfers
    assert posted(gifts, books.diamonds(HOST)) == 200
    assert balanced(gifts)


def test_a_key_twice_in_one_batch_is_one_gift(gifts: GiftsService) -> None:
    gifts.wallets.buy(BuyCoins("a", FAN, Channel.WEB, 100), NOW)
    live = gifts.lives.start(HOST, "t", NOW).id
    same = SendGift("dup", FAN, live, "Rosa")
    first, second = gifts.lives.send_batch([same, same], NOW)
    assert first == second and gifts.wallets.wallet(FAN).coins == 90


def test_a_retried_cashout_holds_once(gifts: GiftsService) -> None:
    gifts.wallets.buy(BuyCoins("a", FAN, Channel.WEB, 1_000), NOW)
    live = gifts.lives.start(HOST, "t", NOW).id
    gifts.lives.send(SendGift("g", FAN, live, "Gold mine"), NOW)
    first = gifts.cashouts.request(CashOut("c", HOST, 600), NOW)
    assert gifts.cashouts.request(CashOut("c", HOST, 600), NOW) == first
    earnings = gifts.cashouts.earnings(HOST)
    assert (earnings.diamonds, earnings.diamonds_held) == (400, 600)
    with pytest.raises(Conflict):
        gifts.cashouts.request(CashOut("c", HOST, 300), NOW)
