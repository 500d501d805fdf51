"""The decision path end to end over a hand-built inventory: eligibility, worth, auction,
price, frequency caps and budgets, and billing into ledger transfers."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from reelmint.ads.billing import Accruals
from reelmint.ads.decision import Decider
from reelmint.ads.frequency import FrequencyCounter
from reelmint.ads.inventory import build
from reelmint.ads.model import (
    Ad,
    AdGroup,
    BidStrategy,
    Billing,
    Budget,
    BudgetMode,
    Campaign,
    FrequencyCap,
    Objective,
    Schedule,
    Status,
)  # fmt: skip
from reelmint.ads.pacing import PacingController, SpendPlan
from reelmint.ads.predict import Action, Priors, RatePredictor
from reelmint.ads.targeting import Condition, Dimension, Targeting, UserColumns, matches
from reelmint.ledger import Account, AccountFlags, Transfer, TransferResult
from reelmint.ledger.memory import InMemoryLedger
from reelmint.money import Asset
from reelmint.settings import AdsSettings

USD = 1_000_000
T0 = 1_793_491_200_000 + 12 * 3_600_000  # 2026-11-01T12:00Z
US, BR = 0, 1


def group(gid: int, bid_cpm: float, *, country: int | None = None, budget: int = 100 * USD,
          cap: FrequencyCap | None = None, billing: Billing = Billing.CPM) -> AdGroup:  # fmt: skip
    targeting = Targeting((Condition(Dimension.COUNTRY, frozenset({country})),)) if (
        country is not None) else Targeting()  # fmt: skip
    return AdGroup(gid, 1, f"g{gid}", Schedule(T0 - 3_600_000), Budget(BudgetMode.DAILY, budget),
                   billing, BidStrategy.BID_CAP, int(bid_cpm * USD), targeting,
                   frequency_cap=cap, status=Status.ACTIVE)  # fmt: skip


def decider(groups: list[AdGroup], balance: int = 1_000 * USD, rule: str = "gsp",
            reserve: float = 0.0) -> Decider:  # fmt: skip
    campaign = Campaign(1, "acme", "c", Objective.TRAFFIC, Budget(BudgetMode.UNLIMITED),
                        Status.ACTIVE)  # fmt: skip
    ads = [Ad(100 + g.id, g.id, 9_000 + g.id, "https://acme.example", status=Status.ACTIVE)
           for g in groups]  # fmt: skip
    inv = build([campaign], groups, ads, ["acme"], AdsSettings())
    predictor = RatePredictor(Priors(click=0.02))
    predictor.grow(len(inv))
    budgets = np.where(inv.daily_cap < 0, -1, inv.daily_cap)
    pacing = PacingController(budgets, inv.pacing, SpendPlan.from_hourly())
    accruals = Accruals(len(inv), len(inv.campaigns), 1, np.array([balance], np.int64))
    return Decider(inv, predictor, pacing, FrequencyCounter(bits=16), accruals, rule, reserve)


def users(countries: list[int]) -> UserColumns:
    return UserColumns({Dimension.COUNTRY: np.array(countries, np.int64)})


def test_the_best_eligible_group_wins_at_the_next_price() -> None:
    d = decider([group(1, 5.0), group(2, 9.0, country=BR), group(3, 7.0, country=US)])
    rng = np.random.default_rng(1)
    out = d.decide(np.array([10, 11]), users([US, BR]), T0, rng)
    # US user: groups 1 ($5) and 3 ($7) are eligible: 3 wins and pays $5 CPM = 5,000
    # micros per impression. BR user: 2 ($9) beats 1 ($5), pays $5 CPM too.
    assert d.inventory.group[out.group].tolist() == [3, 2]
    assert out.price_micros.tolist() == [5_000, 5_000]
    assert out.ad.tolist() == [103, 102]


def test_one_slot_is_a_batch_of_one() -> None:
    d = decider([group(1, 5.0), group(2, 9.0, country=BR), group(3, 7.0, country=US)])
    batch = d.decide(np.array([10, 11]), users([US, BR]), T0, np.random.default_rng(1))
    single = d.decide(np.array([11]), users([BR]), T0, np.random.default_rng(1))
    assert single.group[0] == batch.group[1] and single.price_micros[0] == batch.price_micros[1]


def test_reserve_and_first_price() -> None:
    d = decider([group(1, 5.0), group(2, 7.0)], reserve=6 * USD)
    out = d.decide(np.array([1]), users([US]), T0, np.random.default_rng(0))
    assert d.inventory.group[out.group[0]] == 2 and out.price_micros[0] == 6_000
    fp = decider([group(1, 5.0), group(2, 7.0)], rule="first_price")
    assert fp.decide(np.array([1]), users([US]), T0, np.random.default_rng(0)
                     ).price_micros[0] == 7_000  # fmt: skip


def test_a_cpc_bid_competes_by_its_expected_value() -> None:
    # CPC $0.40 at P(click) 2% is worth $8 CPM: it beats a $7 CPM bid and pays per click
    # $7 / (1000 x 0.02) = $0.35.
    d = decider([group(1, 7.0), group(2, 0.40, billing=Billing.CPC)])
    out = d.decide(np.array([1]), users([US]), T0, np.random.default_rng(0))
    assert d.inventory.group[out.group[0]] == 2
    assert out.price_micros[0] == 350_000 and out.p_event[0] == pytest.approx(0.02)
    assert d.predictor.predict(Action.CLICK, np.array([1]))[0] == pytest.approx(0.02)


def test_more_groups_than_the_shortlist_still_find_the_second_price() -> None:
    groups = [group(i, 20.0 - i * 0.1, country=BR) for i in range(1, 100)] + [
        group(200, 3.0), group(201, 2.0)]  # fmt: skip
    d = decider(groups)
    d.shortlist = 8
    out = d.decide(np.array([1]), users([US]), T0, np.random.default_rng(0))
    assert d.inventory.group[out.group[0]] == 200 and out.price_micros[0] == 2_000


def test_frequency_cap_holds_back_a_group() -> None:
    d = decider([group(1, 9.0, cap=FrequencyCap(2, 7)), group(2, 5.0)])
    shown = []
    for _ in range(4):
        out = d.decide(np.array([7]), users([US]), T0, np.random.default_rng(0))
        winner = int(d.inventory.group[out.group[0]])
        shown.append(winner)
        d.frequency.add(np.array([7]), out.group, T0)
    assert shown == [1, 1, 2, 2]


def test_budgets_and_balances_cap_charges_and_postings_balance() -> None:
    d = decider([group(1, 9.0, budget=20 * USD)], balance=15 * USD)
    acc, inv = d.accruals, d.inventory
    n = 4_000
    charged = acc.charge(inv, np.zeros(n, np.int64), np.full(n, 5_000, np.int64),
                         np.full(n, T0, np.int64))  # fmt: skip
    # The advertiser's $15 runs out before the group's $20: 3,000 impressions charged.
    assert charged.sum() == 15 * USD and (charged > 0).sum() == 3_000
    assert acc.available[0] == 0
    assert not d.live(T0).any()  # nothing left to pay with: the group stops serving
    books = InMemoryLedger()
    books.open_accounts([Account("advertiser:acme:prepaid", Asset.USD, AccountFlags.NO_OVERDRAFT),
                         Account("platform:cash:clearing", Asset.USD),
                         Account("platform:revenue:ads", Asset.USD)])  # fmt: skip
    now = datetime.fromtimestamp(T0 / 1000 + 7_200, UTC)
    books.post([Transfer("topup", "platform:cash:clearing", "advertiser:acme:prepaid",
                         15 * USD, Asset.USD, "ads.top_up")], now)  # fmt: skip
    assert acc.postings(inv, T0) == []  # the hour has not ended
    transfers = acc.postings(inv, T0 + 3_600_000)
    results = books.post(transfers, now)
    assert results == [TransferResult.OK]
    assert books.post(transfers, now) == [TransferResult.EXISTS]  # posting twice: no change
    assert books.balance("platform:revenue:ads").posted == 15 * USD
    assert books.balance("advertiser:acme:prepaid").posted == 0
    assert all(row.balanced for row in books.trial_balance())


def test_a_slot_nobody_targets_gets_no_ad_and_others_still_fill() -> None:
    groups = [group(i, 5.0 + i * 0.01, country=BR) for i in range(1, 300)]
    d = decider(groups)
    d.shortlist = 4
    out = d.decide(np.array([1, 2]), users([US, BR]), T0, np.random.default_rng(0))
    assert out.group[0] == -1 and out.price_micros[0] == 0
    assert d.inventory.group[out.group[1]] == 299  # the best BR bid, at the next one's price
    assert out.price_micros[1] == round((5.0 + 298 * 0.01) * 1000)


def test_a_balance_is_never_overdrawn_even_by_one_event() -> None:
    # 10,000 micros of balance: 3,000 + 4,000 = 7,000 fits; another 4,000 would make
    # 11,000, so it is delivered free, and so is everything after it.
    d = decider([group(1, 9.0, budget=20 * USD)], balance=10_000)
    prices = np.array([3_000, 4_000, 4_000, 1_000], np.int64)
    charged = d.accruals.charge(d.inventory, np.zeros(4, np.int64), prices,
                                np.full(4, T0, np.int64))  # fmt: skip
    assert charged.tolist() == [3_000, 4_000, 0, 0]
    assert d.accruals.available[0] == 3_000


def test_every_slot_of_a_batch_goes_to_the_best_group_it_may_see_at_the_next_price() -> None:
    # A brute force over a random market: the decision must pick, per slot, the eligible
    # group of highest eCPM (ties to the lower slot) and charge the runner-up's bid.
    rng = np.random.default_rng(11)
    groups = []
    for gid in range(1, 121):
        conditions = [Condition(Dimension.COUNTRY, frozenset({int(rng.integers(0, 4))}))]
        if rng.random() < 0.5:
            conditions.append(Condition(Dimension.INTEREST, frozenset({int(rng.integers(0, 70))}),
                                        exclude=bool(rng.random() < 0.3)))  # fmt: skip
        g = group(gid, float(rng.integers(1, 40)) / 4)
        groups.append(AdGroup(g.id, 1, g.name, g.schedule, Budget(BudgetMode.UNLIMITED),
                              g.billing, g.bid_strategy, g.bid_micros,
                              Targeting(tuple(conditions)), status=Status.ACTIVE))  # fmt: skip
    d = decider(groups)
    d.shortlist = 2  # many chunks: the walk itself is under test
    assert (d.pacing.throttle == 1.0).all()
    n = 400
    country = rng.integers(0, 5, n)  # country 4: nobody targets it
    interests = rng.random((n, 70)) < 0.05
    cols = UserColumns({Dimension.COUNTRY: country}, {Dimension.INTEREST: interests})
    out = d.decide(np.arange(n), cols, T0, np.random.default_rng(0))
    bids = d.inventory.bid_micros
    for row in range(n):
        profile = cols.profile(row)
        ok = [s for s in range(len(groups)) if matches(groups[s].targeting, profile)]
        ranked = sorted(ok, key=lambda s: (-bids[s], s))
        if not ranked:
            assert out.group[row] == -1
            continue
        assert out.group[row] == ranked[0]
        second = bids[ranked[1]] if len(ranked) > 1 else 0
        assert out.price_micros[row] == max(1, round(second / 1000))


def test_frequency_windows_count_today_and_the_days_before() -> None:
    counter = FrequencyCounter(bits=12)
    day = 86_400_000
    for back, times in ((0, 1), (3, 2), (8, 4)):
        for _ in range(times):
            counter.add(np.array([5]), np.array([9]), T0 - back * day)
    seen = counter.seen(np.array([5, 5, 5, 5]), np.array([9]), np.array([0, 1, 7, 30]), T0)
    assert seen.tolist() == [0, 1, 3, 7]
    counter.add(np.array([5]), np.array([9]), T0 - 2 * day)  # a late event, into a past day
    assert counter.seen(np.array([5]), np.array([9]), np.array([7]), T0).tolist() == [4]
    assert counter.seen(np.array([6]), np.array([9]), np.array([7]), T0).tolist() == [0]
