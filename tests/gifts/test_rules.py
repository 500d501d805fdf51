"""Who may buy, host, send and receive, when, and what: refusals post nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from reelmint.gifts import books
from reelmint.gifts.model import (
    BuyCoins,
    Channel,
    DailyLimitExceeded,
    GiftRetired,
    GiftsError,
    NotAllowed,
    NotEnoughCoins,
    NotFound,
    NotLive,
    SendGift,
    UnderAge,
    UnknownGift,
)
from reelmint.gifts.service import GiftsService
from reelmint.parties.people import Person, Standing
from tests.gifts.conftest import FAN, HOST, KID, NOW, WHALE, Build, Events, balanced, posted


def _stocked(gifts: GiftsService, coins: int = 1_000) -> int:
    """FAN holds `coins` and HOST is LIVE; the LIVE's id."""
    gifts.wallets.buy(BuyCoins("stock", FAN, Channel.WEB, coins), NOW)
    return gifts.lives.start(HOST, "evening", NOW).id


def _transfers(gifts: GiftsService) -> int:
    return len(gifts.ctx.ledger.transfers())


def test_a_minor_can_neither_buy_nor_host_nor_send_nor_receive(gifts: GiftsService) -> None:
    live = _stocked(gifts)
    before = _transfers(gifts)
    with pytest.raises(UnderAge, match="18 or older to buy coins"):
        gifts.wallets.buy(BuyCoins("kid-buy", KID, Channel.WEB, 70), NOW)
    with pytest.raises(UnderAge, match="to host a LIVE"):
        gifts.lives.start(KID, "my live", NOW)
    with pytest.raises(UnderAge, match="to send gifts"):
        gifts.lives.send(SendGift("kid-gift", KID, live, "Rose"), NOW)
    assert gifts.wallets.purchases(KID) == []
    assert gifts.gateway.get("pay_x") is None
    assert _transfers(gifts) == before


def test_age_is_counted_on_the_day_of_the_request(gifts: GiftsService) -> None:
    gifts.register([Person(9, date(2008, 12, 2))])  # 17 on 2026-12-01, 18 the next day
    with pytest.raises(UnderAge):
        gifts.wallets.buy(BuyCoins("b", 9, Channel.WEB, 70), NOW)
    bought = gifts.wallets.buy(BuyCoins("b", 9, Channel.WEB, 70), NOW + timedelta(days=1))
    assert bought.coins == 70


def test_a_host_who_is_not_in_good_standing_cannot_receive(gifts: GiftsService) -> None:
    live = _stocked(gifts)
    gifts.set_standing(HOST, Standing.RESTRICTED)
    with pytest.raises(NotAllowed, match="restricted"):
        gifts.lives.send(SendGift("g", FAN, live, "Rose"), NOW)
    gifts.set_standing(HOST, Standing.GOOD)
    gifts.set_standing(FAN, Standing.BANNED)
    with pytest.raises(NotAllowed, match="banned"):
        gifts.lives.send(SendGift("g2", FAN, live, "Rose"), NOW)
    assert posted(gifts, books.diamonds(HOST)) == 0


def test_unregistered_people_are_asked_for_a_date_of_birth(gifts: GiftsService) -> None:
    with pytest.raises(NotFound, match="register their date of birth"):
        gifts.wallets.buy(BuyCoins("b", 777, Channel.WEB, 70), NOW)


def test_gifts_need_a_running_live_and_cannot_go_to_oneself(gifts: GiftsService) -> None:
    live = _stocked(gifts)
    with pytest.raises(NotLive, match="already LIVE"):
        gifts.lives.start(HOST, "twice", NOW)
    with pytest.raises(GiftsError, match="own LIVE"):
        gifts.lives.send(SendGift("self", HOST, live, "Rose"), NOW)
    with pytest.raises(NotFound, match="no LIVE 999"):
        gifts.lives.send(SendGift("none", FAN, 999, "Rose"), NOW)
    gifts.lives.end(live, HOST, NOW)
    with pytest.raises(NotLive, match="has ended"):
        gifts.lives.send(SendGift("late", FAN, live, "Rose"), NOW)
    with pytest.raises(NotLive):
        gifts.lives.join(live, FAN, NOW)
    assert gifts.lives.start(HOST, "again", NOW).id != live  # a new LIVE once the old ended


def test_retired_and_unknown_gifts_cannot_be_sent_and_repricing_applies(
    gifts: GiftsService,
) -> None:
    live = _stocked(gifts)
    gifts.retire_gift("Lion")
    with pytest.raises(GiftRetired):
        gifts.lives.send(SendGift("lion", FAN, live, "Lion"), NOW)
    with pytest.raises(UnknownGift, match="on offer: Rose"):
        gifts.lives.send(SendGift("x", FAN, live, "Dragon"), NOW)
    gifts.reprice_gift("Rose", 2)
    sent = gifts.lives.send(SendGift("rose", FAN, live, "Rose", count=3), NOW)
    assert (sent.coins, gifts.wallets.wallet(FAN).coins) == (6, 994)
    gifts.refresh()  # the stored catalog survives a reload
    assert gifts.catalog().get("Rose").coins == 2 and gifts.catalog().get("Lion").retired


def test_the_wallet_must_hold_the_coins(gifts: GiftsService) -> None:
    live = _stocked(gifts, coins=70)
    with pytest.raises(NotEnoughCoins, match="costs 100 coins"):
        gifts.lives.send(SendGift("big", FAN, live, "Rainbow puke"), NOW)
    assert gifts.wallets.wallet(FAN).coins == 70
    # the refusal burned nothing: the same key works once the coins are there
    gifts.wallets.buy(BuyCoins("more", FAN, Channel.WEB, 70), NOW)
    assert gifts.lives.send(SendGift("big", FAN, live, "Rainbow puke"), NOW).coins == 100


def test_the_daily_spending_limit_is_off_by_default_and_holds_when_set(build: Build) -> None:
    gifts = build(gifts={"daily_spend_limit_coins": 150})
    live = _stocked(gifts)
    gifts.lives.send(SendGift("a", FAN, live, "Rainbow puke"), NOW)
    with pytest.raises(DailyLimitExceeded, match="only 50 of today's 150-coin limit"):
        gifts.lives.send(SendGift("b", FAN, live, "Rainbow puke"), NOW)
    gifts.lives.send(SendGift("c", FAN, live, "Sun cream"), NOW)  # exactly at the limit
    tomorrow = NOW + timedelta(days=1)
    assert gifts.lives.send(SendGift("d", FAN, live, "Rainbow puke"), tomorrow).coins == 100


def test_a_gift_is_an_event_with_its_coins(build: Build) -> None:
    events = Events()
    gifts = build(events)
    live = _stocked(gifts)
    gifts.lives.join(live, FAN, NOW)
    gifts.lives.join(live, FAN, NOW)  # joining twice is one join
    gifts.lives.send(SendGift("g", FAN, live, "Concert", 2), NOW)
    assert events.column("kind") == [14, 15]  # live_join, gift
    assert events.column("amount")[-1] == 1_000 and events.column("object") == [live, live]
    assert events.column("author") == [HOST, HOST]


def test_leaderboards_rank_by_coins_per_live_and_per_week(gifts: GiftsService) -> None:
    live = _stocked(gifts)
    gifts.wallets.buy(BuyCoins("w", WHALE, Channel.IN_APP, 5_000), NOW)
    gifts.lives.join(live, FAN, NOW)
    gifts.lives.send_batch([SendGift("f1", FAN, live, "Rose", 5),
                            SendGift("w1", WHALE, live, "Gold mine"),
                            SendGift("f2", FAN, live, "Rosa")], NOW)  # fmt: skip
    top = gifts.lives.top_gifters(live=live)
    assert [(g.sender, g.coins, g.gifts) for g in top] == [(WHALE, 1_000, 1), (FAN, 15, 6)]
    week = gifts.lives.top_gifters(week_of=NOW, creator=HOST)
    assert [g.sender for g in week] == [WHALE, FAN]
    assert gifts.lives.top_gifters(week_of=NOW + timedelta(days=7)) == []
    summary = gifts.lives.summary(live, HOST)
    assert (summary.gifts, summary.coins, summary.diamonds) == (
        7,
        1_015,
        1_015,
    )  # a diamond per coin
    assert (summary.gifters, summary.viewers) == (2, 1)
    assert balanced(gifts)
