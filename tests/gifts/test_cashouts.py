"""Cash-out: the minimum, the daily cap, the hold as a pending pair, a ban that voids it,
and payout batches through the payout port."""

from __future__ import annotations

from datetime import timedelta

import pytest

from reelmint.gifts import books
from reelmint.gifts.model import (
    BuyCoins,
    CashOut,
    CashoutBelowMinimum,
    CashoutOverDailyCap,
    Channel,
    NotEnoughDiamonds,
    SendGift,
)
from reelmint.gifts.records import CashoutStatus
from reelmint.gifts.service import GiftsService
from reelmint.parties.people import Standing
from tests.gifts.conftest import HOST, NOW, WHALE, balanced, posted

HOLD = timedelta(days=15)


def _earn(gifts: GiftsService, coins: int) -> None:
    """HOST earns `coins` diamonds (one per coin at the defaults) from WHALE."""
    gifts.wallets.buy(BuyCoins("w", WHALE, Channel.WEB, coins), NOW)
    live = gifts.lives.start(HOST, "t", NOW).id
    gifts.add_gift("Whale", coins)
    gifts.lives.send(SendGift("g", WHALE, live, "Whale"), NOW)


def test_below_the_minimum_or_beyond_the_diamonds_is_refused(gifts: GiftsService) -> None:
    _earn(gifts, 1_000)
    with pytest.raises(CashoutBelowMinimum, match=r"start at \$1.00"):
        gifts.cashouts.request(CashOut("small", HOST, 199), NOW)
    with pytest.raises(NotEnoughDiamonds, match="holds 1,000 diamonds"):
        gifts.cashouts.request(CashOut("big", HOST, 1_001), NOW)
    assert gifts.cashouts.earnings(HOST).diamonds_held == 0


def test_the_daily_cap_counts_the_days_requests(gifts: GiftsService) -> None:
    _earn(gifts, 300_000)  # $1,500 of diamonds
    gifts.cashouts.request(CashOut("a", HOST, 199_800), NOW)  # $999.00
    with pytest.raises(CashoutOverDailyCap, match=r"only \$1.00 \(200 diamonds\)"):
        gifts.cashouts.request(CashOut("b", HOST, 1_000), NOW)
    gifts.cashouts.request(CashOut("c", HOST, 200), NOW)  # exactly the cap
    tomorrow = NOW + timedelta(days=1)
    assert gifts.cashouts.request(CashOut("d", HOST, 1_000), tomorrow).amount_micros == 5_000_000


def test_the_hold_reserves_then_the_release_posts_and_the_batch_pays(gifts: GiftsService) -> None:
    _earn(gifts, 1_000)
    held = gifts.cashouts.request(CashOut("c", HOST, 1_000), NOW)
    assert held.release_ms - held.at_ms == HOLD // timedelta(milliseconds=1)
    assert posted(gifts, books.diamonds(HOST)) == 1_000  # reserved, not moved
    assert gifts.cashouts.release(NOW + HOLD - timedelta(seconds=1)).released == []
    assert gifts.cashouts.release(NOW + HOLD).released == ["c"]
    assert gifts.cashouts.earnings(HOST).payable_micros == 5_000_000
    batch = gifts.cashouts.pay_out(NOW + HOLD)
    assert (batch.paid, batch.amount_micros) == (["c"], 5_000_000)
    assert gifts.cashouts.get("c").status is CashoutStatus.PAID
    earnings = gifts.cashouts.earnings(HOST)
    assert (earnings.diamonds, earnings.payable_micros, earnings.paid_micros) == (0, 0, 5_000_000)
    assert gifts.cashouts.pay_out(NOW + HOLD).paid == []  # nothing left to pay
    assert balanced(gifts)


def test_a_ban_during_the_hold_voids_it_and_keeps_the_diamonds(gifts: GiftsService) -> None:
    _earn(gifts, 1_000)
    gifts.cashouts.request(CashOut("c", HOST, 600), NOW)
    gifts.set_standing(HOST, Standing.BANNED)
    assert gifts.cashouts.release(NOW + HOLD).voided == ["c"]
    assert gifts.cashouts.get("c").status is CashoutStatus.VOIDED
    earnings = gifts.cashouts.earnings(HOST)
    assert (earnings.diamonds, earnings.diamonds_held, earnings.payable_micros) == (1_000, 0, 0)
    assert gifts.cashouts.pay_out(NOW + HOLD).paid == []
    assert balanced(gifts)
