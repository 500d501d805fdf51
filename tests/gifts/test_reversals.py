"""Refunds and chargebacks of coin purchases: unspent coins are clawed back, spent coins
become a debt that blocks gifting until repaid, and the creator's diamonds are kept or
clawed back by policy. Every case ends with balanced books."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from reelmint.gifts import books
from reelmint.gifts.context import ms
from reelmint.gifts.model import (
    BuyCoins,
    CashOut,
    Channel,
    Conflict,
    NotAllowed,
    SendGift,
)
from reelmint.gifts.records import PurchaseStatus, SentGift
from reelmint.gifts.service import GiftsService
from reelmint.gifts.webhooks import BadNotification
from tests.gifts.conftest import FAN, HOST, NOW, Build, balanced, posted

LATER = NOW + timedelta(hours=1)


def _spend(gifts: GiftsService, channel: Channel = Channel.WEB) -> tuple[str, int]:
    """FAN buys 700 coins and sends 450 of them to HOST; (the payment id, the LIVE)."""
    bought = gifts.wallets.buy(BuyCoins("p", FAN, channel, 700), NOW)
    live = gifts.lives.start(HOST, "t", NOW).id
    gifts.lives.send(SendGift("g1", FAN, live, "Sun cream", 9), NOW)  # 450 coins
    return bought.payment_id, live


def _chargeback(gifts: GiftsService, payment_id: str) -> None:
    body, header = gifts.gateway.chargeback(payment_id, _ms(LATER))  # type: ignore[attr-defined]
    gifts.wallets.notify(body, header, LATER)


def _ms(moment: datetime) -> int:
    return ms(moment)


def test_a_refund_of_unspent_coins_takes_them_all_back(gifts: GiftsService) -> None:
    gifts.wallets.buy(BuyCoins("p", FAN, Channel.IN_APP, 700), NOW)
    refunded = gifts.wallets.refund("p", LATER)
    assert (refunded.status, refunded.clawed_back, refunded.debt) == (
        PurchaseStatus.REFUNDED, 700, 0)  # fmt: skip
    assert gifts.wallets.wallet(FAN).coins == 0
    for account in (books.CLEARING, books.STORE_FEES, books.COIN_MARGIN, books.COIN_LIABILITY):
        assert posted(gifts, account) == 0  # the sale is undone to the micro
    assert gifts.wallets.refund("p", LATER) == refunded  # twice is once
    assert balanced(gifts)


def test_a_chargeback_of_spent_coins_leaves_a_debt_and_the_platform_absorbs(
    gifts: GiftsService,
) -> None:
    payment, live = _spend(gifts)
    _chargeback(gifts, payment)
    p = gifts.wallets.purchase("p")
    assert (p.status, p.clawed_back, p.debt) == (PurchaseStatus.CHARGED_BACK, 250, 450)
    assert gifts.wallets.wallet(FAN).coins == 0 and gifts.wallets.wallet(FAN).debt == 450
    assert posted(gifts, books.diamonds(HOST)) == 450  # the creator keeps the diamonds
    assert posted(gifts, books.COIN_RECEIVABLE) == -450 * 10_000  # what the user owes
    assert posted(gifts, books.CLEARING) == 0  # the cash went back to the card holder
    assert balanced(gifts)

    gifts.wallets.buy(BuyCoins("q", FAN, Channel.WEB, 350), LATER)
    with pytest.raises(NotAllowed, match="owes 100 coins"):
        gifts.lives.send(SendGift("g2", FAN, live, "Rose"), LATER)
    gifts.wallets.buy(BuyCoins("r", FAN, Channel.WEB, 350), LATER)
    wallet = gifts.wallets.wallet(FAN)
    assert (wallet.debt, wallet.coins) == (0, 250)  # 450 repaid from the 700 bought
    gifts.lives.send(SendGift("g3", FAN, live, "Rose"), LATER)
    assert posted(gifts, books.COIN_RECEIVABLE) == 0
    assert balanced(gifts)


def test_under_the_claw_back_policy_the_creator_returns_the_diamonds(build: Build) -> None:
    gifts = build(gifts={"chargeback_policy": "claw_back_diamonds"})
    payment, _ = _spend(gifts)
    _chargeback(gifts, payment)
    p = gifts.wallets.purchase("p")
    assert p.clawbacks == ((HOST, 450),)
    assert posted(gifts, books.diamonds(HOST)) == 0
    assert posted(gifts, books.CLAWBACK_REVENUE) == 450 * 5_000
    assert gifts.wallets.wallet(FAN).debt == 450  # the user still owes the coins
    assert balanced(gifts)


def test_claw_back_takes_only_what_the_creator_still_holds(build: Build) -> None:
    gifts = build(gifts={"chargeback_policy": "claw_back_diamonds"})
    payment, _ = _spend(gifts)
    gifts.cashouts.request(CashOut("out", HOST, 400), NOW)  # 400 of 450 on hold
    _chargeback(gifts, payment)
    assert gifts.wallets.purchase("p").clawbacks == ((HOST, 50),)
    earnings = gifts.cashouts.earnings(HOST)
    assert (earnings.diamonds, earnings.diamonds_held) == (0, 400)
    assert balanced(gifts)


def test_a_reversed_in_app_purchase_returns_the_store_fee(gifts: GiftsService) -> None:
    payment, _ = _spend(gifts, Channel.IN_APP)
    assert posted(gifts, books.STORE_FEES) == 700 * 15_100 * 3 // 10
    _chargeback(gifts, payment)
    assert posted(gifts, books.STORE_FEES) == 0 and posted(gifts, books.COIN_MARGIN) == 0
    assert balanced(gifts)


def test_a_notification_must_be_signed_and_is_applied_once(gifts: GiftsService) -> None:
    payment, _ = _spend(gifts)
    body, header = gifts.gateway.chargeback(payment, _ms(LATER))  # type: ignore[attr-defined]
    with pytest.raises(BadNotification, match="signature"):
        gifts.wallets.notify(body.replace(b'amount_micros":', b'amount_micros":1'), header, LATER)
    with pytest.raises(BadNotification, match="more than the 300 s"):
        gifts.wallets.notify(body, header, LATER + timedelta(minutes=10))
    assert gifts.wallets.notify(body, header, LATER) is not None
    assert gifts.wallets.notify(body, header, LATER) is None  # a resend changes nothing
    assert gifts.wallets.wallet(FAN).debt == 450
    with pytest.raises(Conflict, match="charged back"):
        gifts.wallets.refund("p", LATER)
    assert balanced(gifts)


def test_a_reversal_that_races_a_gift_plans_again(gifts: GiftsService) -> None:
    """The plan reads the wallet, then a gift spends from it: the first chain is refused
    whole, and the next attempt takes the new balance, so nothing is lost."""
    payment, live = _spend(gifts)
    real_plan = gifts.wallets._plan
    raced: list[SentGift] = []

    def plan_then_spend(p, now):  # type: ignore[no-untyped-def]
        planned = real_plan(p, now)
        if not raced:
            raced.append(gifts.lives.send(SendGift("race", FAN, live, "Sun cream"), now))
        return planned

    gifts.wallets._plan = plan_then_spend  # type: ignore[method-assign]
    gifts.wallets.refund("p", LATER)
    p = gifts.wallets.purchase("p")
    assert (p.attempt, p.clawed_back, p.debt) == (2, 200, 500)
    assert balanced(gifts)
    del payment


def test_a_purchase_that_races_another_repaying_the_debt_is_refunded_whole(
    gifts: GiftsService,
) -> None:
    """The debt read when the purchase was recorded is gone by the time it posts (another
    purchase repaid it): nothing is posted, and the captured payment goes back."""
    payment, _ = _spend(gifts)
    _chargeback(gifts, payment)  # FAN owes 450 coins
    real = gifts.ctx.coins_owed
    gifts.ctx.coins_owed = lambda user: 10_000  # type: ignore[method-assign]  # a stale read
    with pytest.raises(Conflict, match="refunded in full"):
        gifts.wallets.buy(BuyCoins("late", FAN, Channel.WEB, 700), LATER)
    gifts.ctx.coins_owed = real  # type: ignore[method-assign]
    late = gifts.wallets.purchase("late")
    assert late.status is PurchaseStatus.REFUNDED
    assert gifts.gateway.get(late.payment_id).status.value == "refunded"  # type: ignore[union-attr]
    assert gifts.wallets.buy(BuyCoins("late", FAN, Channel.WEB, 700), LATER) == late
    assert gifts.wallets.wallet(FAN).debt == 450 and gifts.wallets.wallet(FAN).coins == 0
    assert balanced(gifts)
