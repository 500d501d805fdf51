"""Ads Manager rules: minimums, objective and billing, bids, statuses, boosted posts."""

from __future__ import annotations

import pytest

from reelmint.ads.model import (
    DAY_MS,
    Ad,
    AdGroup,
    AdsError,
    Authorization,
    BidStrategy,
    Billing,
    Budget,
    BudgetMode,
    Campaign,
    FrequencyCap,
    Objective,
    Schedule,
    Status,
    check_ad,
    check_ad_group,
    check_campaign,
    move,
    with_status,
)  # fmt: skip
from reelmint.settings import AdsSettings

USD = 1_000_000
RULES = AdsSettings()
T0 = 1_793_491_200_000  # 2026-11-01T00:00Z


def campaign(objective: Objective = Objective.TRAFFIC, budget: Budget | None = None) -> Campaign:
    return Campaign(1, "acme", "Launch", objective, budget or Budget(BudgetMode.DAILY, 50 * USD))


def group(**kw: object) -> AdGroup:
    values: dict[str, object] = {
        "id": 10, "campaign": 1, "name": "US 18-34", "schedule": Schedule(T0),
        "budget": Budget(BudgetMode.DAILY, 20 * USD), "billing": Billing.CPC,
    }  # fmt: skip
    values.update(kw)
    return AdGroup(**values)  # type: ignore[arg-type]


def test_campaign_budget_minimum_is_fifty_dollars_a_day() -> None:
    assert check_campaign(campaign(), RULES).budget.micros == 50 * USD
    with pytest.raises(AdsError, match=r"at least \$50.00 \(got \$49.99\)"):
        check_campaign(campaign(budget=Budget(BudgetMode.DAILY, 49_990_000)), RULES)
    check_campaign(campaign(budget=Budget(BudgetMode.UNLIMITED)), RULES)


def test_ad_group_minimums_daily_and_lifetime_per_scheduled_day() -> None:
    check_ad_group(group(), campaign(), RULES)
    with pytest.raises(AdsError, match=r"daily budget is at least \$20.00"):
        check_ad_group(group(budget=Budget(BudgetMode.DAILY, 19 * USD)), campaign(), RULES)
    ten_days = Schedule(T0, T0 + 10 * DAY_MS)
    check_ad_group(group(schedule=ten_days, budget=Budget(BudgetMode.LIFETIME, 200 * USD)),
                   campaign(), RULES)  # fmt: skip
    with pytest.raises(AdsError, match=r"over 10 scheduled days is at least \$200.00"):
        check_ad_group(group(schedule=ten_days, budget=Budget(BudgetMode.LIFETIME, 199 * USD)),
                       campaign(), RULES)  # fmt: skip
    with pytest.raises(AdsError, match="needs a schedule with an end"):
        check_ad_group(group(budget=Budget(BudgetMode.LIFETIME, 999 * USD)), campaign(), RULES)


def test_billing_must_suit_the_objective() -> None:
    check_ad_group(group(billing=Billing.CPV), campaign(Objective.VIDEO_VIEWS), RULES)
    with pytest.raises(AdsError, match="a reach campaign bills by cpm, not cpc"):
        check_ad_group(group(), campaign(Objective.REACH), RULES)
    with pytest.raises(AdsError, match="conversions campaign bills by ocpm"):
        check_ad_group(group(billing=Billing.CPM), campaign(Objective.CONVERSIONS), RULES)


def test_bids_follow_the_strategy() -> None:
    with pytest.raises(AdsError, match="maximum delivery bids for you"):
        check_ad_group(group(bid_micros=500_000), campaign(), RULES)
    with pytest.raises(AdsError, match="bid_cap needs a positive bid"):
        check_ad_group(group(bid_strategy=BidStrategy.BID_CAP), campaign(), RULES)
    check_ad_group(group(bid_strategy=BidStrategy.COST_CAP, bid_micros=400_000), campaign(), RULES)


def test_statuses_move_only_along_allowed_paths() -> None:
    assert move(Status.DRAFT, Status.ACTIVE, "x") is Status.ACTIVE
    assert move(Status.OUT_OF_BUDGET, Status.ACTIVE, "x") is Status.ACTIVE
    with pytest.raises(AdsError, match="it is final"):
        move(Status.COMPLETED, Status.ACTIVE, "campaign 1")
    with pytest.raises(AdsError, match="can move to active, completed, not paused"):
        move(Status.DRAFT, Status.PAUSED, "campaign 1")
    assert with_status(campaign(), Status.ACTIVE).status is Status.ACTIVE


def test_schedule_and_dayparting() -> None:
    s = Schedule(T0, T0 + 2 * DAY_MS, frozenset({18, 19, 20}))
    assert s.days == 2
    assert not s.running(T0 + 3_600_000) and s.running(T0 + 19 * 3_600_000)
    assert not s.running(T0 + 2 * DAY_MS + 19 * 3_600_000)
    with pytest.raises(AdsError, match="0 to 23"):
        Schedule(T0, hours=frozenset({24}))
    with pytest.raises(AdsError, match="end after it starts"):
        Schedule(T0, T0)
    with pytest.raises(AdsError):
        FrequencyCap(0, 7)
    assert Budget(BudgetMode.LIFETIME, 100).daily_cap(3) == 34  # rounded up: never starves


def test_a_boosted_post_needs_a_live_authorization_for_that_video() -> None:
    g = group()
    auth = Authorization("BOOST-1", creator=7, video=42, expires_at_ms=T0 + DAY_MS)
    ad = Ad(5, 10, 42, "https://acme.example/shoes", authorization="BOOST-1")
    assert check_ad(ad, g, auth, T0) is ad
    with pytest.raises(AdsError, match="has expired"):
        check_ad(ad, g, auth, T0 + DAY_MS)
    with pytest.raises(AdsError, match="been revoked"):
        check_ad(ad, g, Authorization("BOOST-1", 7, 42, T0 + DAY_MS, revoked=True), T0)
    with pytest.raises(AdsError, match="covers video 42, not 43"):
        check_ad(Ad(5, 10, 43, "https://a.example", authorization="BOOST-1"), g, auth, T0)
    with pytest.raises(AdsError, match="must be an http"):
        check_ad(Ad(5, 10, 42, "ftp://nope"), g, None, T0)
