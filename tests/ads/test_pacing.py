"""Pacing: a simulated day on plan hour by hour, accelerated spend-out, and the hard cap."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.typing import NDArray

from reelmint.ads.pacing import (
    UNLIMITED,
    Pacing,
    PacingController,
    SpendPlan,
    cap_wins,
    within_budget,
)

GROUPS = 200
MIN_PRICE, MAX_PRICE = 2_000, 20_000  # $0.002 to $0.02 per impression, in micros
MEAN_PRICE = (MIN_PRICE + MAX_PRICE) / 2

# A short-video app's day, relative traffic by hour: a trough around 4 am, a lunch bump
# and an evening peak around 9 pm (illustrative, not measured).
HOURLY_SHAPE = (
    0.9, 0.6, 0.4, 0.3, 0.25, 0.3, 0.45, 0.65, 0.8, 0.85, 0.9, 0.95,
    1.05, 1.0, 0.95, 0.95, 1.0, 1.1, 1.3, 1.5, 1.7, 1.75, 1.55, 1.2,
)  # fmt: skip


def traffic_by_minute() -> NDArray[np.float64]:
    """Traffic per minute, mean 1: the hourly shape joined smoothly, so that within an
    hour it rises or falls where the plan (even within each hour) stays flat."""
    midpoints = np.arange(-1, 25) * 60 + 30
    shape = np.r_[HOURLY_SHAPE[-1], HOURLY_SHAPE, HOURLY_SHAPE[0]]
    traffic = np.interp(np.arange(1_440) + 0.5, midpoints, shape)
    normalised: NDArray[np.float64] = traffic / traffic.mean()
    return normalised


def plan_from_traffic(traffic: NDArray[np.float64]) -> SpendPlan:
    return SpendPlan.from_hourly(traffic.reshape(24, 60).mean(axis=1).tolist())


@dataclass(frozen=True)
class Day:
    budgets: NDArray[np.int64]
    pacing: NDArray[np.int8]
    reachable: NDArray[np.bool_]  # could spend its budget by midday at throttle 1
    spent: NDArray[np.int64]  # (1441, G): cumulative spend at the start of each minute
    throttle: NDArray[np.float64]  # (1440, G): the throttle used in each minute
    largest_price: NDArray[np.int64]  # the largest single price each group paid
    plan: SpendPlan


@cache
def simulate_day(seed: int = 7) -> Day:
    """One day, minute by minute, for 200 ad groups with budgets of $20-$500.

    Each minute a group sees Poisson(rate x traffic) auction opportunities; it takes part
    in each with probability its throttle (and only while within budget), wins one it
    takes part in with its own win probability and pays a random $0.002-$0.02. The rates
    are set from each group's *headroom* (what it would spend at throttle 1, over its
    budget): 3.5-6 for most, enough to spend out before midday (a third of the day's
    traffic comes by noon); 0.4-0.8 for ten standard groups that cannot reach theirs.
    The batch's wins are shuffled into arrival order and capped with `cap_wins`.
    """
    rng = np.random.default_rng(seed)
    traffic = traffic_by_minute()
    plan = plan_from_traffic(traffic)
    dollars = np.exp(rng.uniform(np.log(20), np.log(500), GROUPS))
    budgets = (np.round(dollars, 2) * 1_000_000).astype(np.int64)
    pacing = np.where(rng.random(GROUPS) < 0.2, Pacing.ACCELERATED, Pacing.STANDARD)
    pacing = pacing.astype(np.int8)
    headroom = rng.uniform(3.5, 6.0, GROUPS)
    short = rng.choice(np.flatnonzero(pacing == Pacing.STANDARD), 10, replace=False)
    headroom[short] = rng.uniform(0.4, 0.8, short.size)
    win_p = rng.uniform(0.4, 0.8, GROUPS)
    rate = headroom * budgets / (win_p * MEAN_PRICE * 1_440)

    controller = PacingController(budgets, pacing, plan)
    spent = np.zeros(GROUPS, dtype=np.int64)
    spent_by_minute = np.zeros((1_441, GROUPS), dtype=np.int64)
    throttles = np.zeros((1_440, GROUPS))
    largest = np.zeros(GROUPS, dtype=np.int64)
    slots = np.arange(GROUPS)
    for minute in range(1_440):
        throttles[minute] = controller.update(minute, spent)
        requests = np.repeat(slots, rng.poisson(rate * traffic[minute]))
        take = controller.participates(requests, rng) & within_budget(spent, budgets)[requests]
        bidders = requests[take]
        won = rng.permutation(bidders[rng.random(bidders.size) < win_p[bidders]])
        price = rng.integers(MIN_PRICE, MAX_PRICE + 1, won.size)
        keep = cap_wins(won, price, budgets - spent)
        np.add.at(spent, won[keep], price[keep])
        np.maximum.at(largest, won[keep], price[keep])
        spent_by_minute[minute + 1] = spent
    return Day(budgets, pacing, headroom > 1, spent_by_minute, throttles, largest, plan)


def hourly_deviation(day: Day) -> NDArray[np.float64]:
    """(actual - planned) / planned cumulative spend at the end of hours 2..24 (rows), per
    standard group that can reach its budget (columns)."""
    groups = (day.pacing == Pacing.STANDARD) & day.reachable
    ends = list(range(120, 1_441, 60))
    planned = np.array([day.plan.planned(day.budgets[groups], m) for m in ends])
    deviation: NDArray[np.float64] = (day.spent[ends][:, groups] - planned) / planned
    return deviation


def test_standard_groups_stay_within_ten_percent_of_plan_hour_by_hour() -> None:
    """The rule: for every standard ad group whose budget can be reached, at the end of
    every hour from the second on (minutes 120, 180, ..., 1440), its cumulative spend is
    within +/-10% of its planned cumulative spend. Judged per ad group, not in aggregate,
    since an advertiser sees only their own group. (The first hour is left out: its plan
    is a few dozen impressions for the smallest budgets, too few to judge.)"""
    day = simulate_day()
    deviation = hourly_deviation(day)
    assert deviation.shape[1] > 100  # most groups are judged
    worst = float(np.abs(deviation).max())
    assert worst <= 0.10, f"worst hour-end deviation from plan: {worst:.1%}"


def test_standard_groups_end_the_day_close_to_their_budget_and_never_above_it() -> None:
    day = simulate_day()
    groups = (day.pacing == Pacing.STANDARD) & day.reachable
    final, budget = day.spent[-1][groups], day.budgets[groups]
    assert np.all(final >= 0.95 * budget)
    assert np.all(final <= budget + day.largest_price[groups])


def test_groups_that_cannot_reach_their_budget_take_part_in_everything() -> None:
    day = simulate_day()
    short = ~day.reachable
    assert short.sum() == 10
    # In the first minutes one lucky win can put a small group ahead of its plan; after
    # that it falls behind for good and takes part in every auction.
    assert np.all(day.throttle[60:, short] == 1.0)
    assert np.all(day.spent[-1][short] < day.budgets[short])


def test_accelerated_groups_spend_out_before_midday_and_then_stop() -> None:
    day = simulate_day()
    fast = np.flatnonzero(day.pacing == Pacing.ACCELERATED)
    assert fast.size > 20
    for g in fast:
        budget, path = day.budgets[g], day.spent[:, g]
        out = int(np.argmax(path >= budget))  # first minute it starts spent out
        assert path[out] >= budget and out < 720
        assert np.all(path[out:] == path[out])  # nothing more after spending out
        assert np.all(day.throttle[out:, g] == 0.0)
        assert np.all(day.throttle[:out, g] == 1.0)  # all-in while budget remained


def test_no_group_ever_exceeds_its_budget_by_more_than_its_largest_price() -> None:
    day = simulate_day()
    over = day.spent[-1] - day.budgets
    assert np.all(over < day.largest_price)
    assert np.all(over <= MAX_PRICE)


def test_spend_plan_follows_the_hourly_weights() -> None:
    plan = SpendPlan.from_hourly([1.0] * 12 + [3.0] * 12)
    assert plan.share(720) == pytest.approx(0.25)
    assert plan.share(30) == pytest.approx(1 / 96)  # half of the first 1/48 hour
    assert plan.share(1_440) == 1.0 and plan.share(2_000) == 1.0
    assert plan.planned(np.array([48_000_000, UNLIMITED]), 60).tolist() == pytest.approx(
        [1_000_000, np.inf]
    )
    flat = SpendPlan.from_hourly()
    assert flat.share(360) == pytest.approx(0.25)
    with pytest.raises(ValueError, match="24 non-negative"):
        SpendPlan.from_hourly([1.0] * 23)
    with pytest.raises(ValueError, match="never falls"):
        SpendPlan(np.linspace(1.0, 0.0, 1_441))


def test_within_budget_stops_at_the_budget_and_never_for_unlimited() -> None:
    spent = np.array([0, 9_999, 10_000, 10_001, 10**12])
    budget = np.array([10_000, 10_000, 10_000, 10_000, UNLIMITED])
    assert within_budget(spent, budget).tolist() == [True, True, False, False, True]


def test_cap_wins_worked_examples() -> None:
    # The docstring's example: group 0 keeps 6 + 6 (12, over 10 by less than 6).
    keep = cap_wins(np.array([0, 0, 1, 0, 2]), np.array([6, 6, 1, 1, 99]), np.array([10, 0, -1]))
    assert keep.tolist() == [True, True, False, False, True]
    # Interleaved groups keep their own order: group 1 has 5 left, group 0 has 4.
    keep = cap_wins(np.array([1, 0, 1, 0, 1]), np.array([3, 4, 3, 1, 3]), np.array([4, 5]))
    assert keep.tolist() == [True, True, True, False, False]
    # Exactly reaching the budget stops the next win, even a free one.
    keep = cap_wins(np.array([0, 0, 0]), np.array([5, 5, 0]), np.array([10]))
    assert keep.tolist() == [True, True, False]
    # An overspent group (negative remaining) wins nothing.
    assert cap_wins(np.array([0]), np.array([1]), np.array([-5])).tolist() == [False]
    assert cap_wins(np.zeros(0, np.int64), np.zeros(0, np.int64), np.array([3])).size == 0
    with pytest.raises(ValueError, match="not negative"):
        cap_wins(np.array([0]), np.array([-1]), np.array([3]))


@given(
    remaining=st.lists(st.integers(-1, 1_000), min_size=1, max_size=5),
    wins=st.lists(st.tuples(st.integers(0, 4), st.integers(0, 300)), max_size=60),
)
def test_cap_wins_overshoots_by_at_most_one_price(
    remaining: list[int], wins: list[tuple[int, int]]
) -> None:
    wins = [(g % len(remaining), p) for g, p in wins]
    groups = np.array([g for g, _ in wins], dtype=np.int64)
    prices = np.array([p for _, p in wins], dtype=np.int64)
    keep = cap_wins(groups, prices, np.array(remaining, dtype=np.int64))
    for g, cap in enumerate(remaining):
        mine = groups == g
        kept = prices[mine & keep]
        if cap == UNLIMITED:
            assert keep[mine].all()
            continue
        assert kept.sum() <= max(cap, 0) + (kept[-1] if kept.size else 0)
        # Kept wins are a prefix, and a win is dropped only once the budget is spent.
        flags = keep[mine]
        assert not np.any(flags[1:] & ~flags[:-1])
        if not flags.all():
            assert kept.sum() >= cap


def test_controller_throttles_from_measured_headroom() -> None:
    """Flat plan, $14.40 budget (planned $0.01 a minute); the group wins $0.04 a minute at
    throttle 1, a headroom of 4, so it should settle at a throttle of about a quarter."""
    plan = SpendPlan.from_hourly()
    budget = np.array([14_400_000])
    controller = PacingController(budget, np.array([Pacing.STANDARD], np.int8), plan)
    assert controller.throttle.tolist() == [1.0]  # no evidence yet: the initial throttle
    spent = np.zeros(1, dtype=np.int64)
    for minute in range(120):
        throttle = controller.update(minute, spent)
        spent = spent + np.int64(round(40_000 * float(throttle[0])))
    assert controller.headroom[0] == pytest.approx(4.0, rel=0.01)
    assert float(throttle[0]) == pytest.approx(0.25, abs=0.01)
    assert float(spent[0]) == pytest.approx(plan.planned(budget, 120)[0], rel=0.02)


def test_controller_carries_headroom_to_the_next_day_scaled_by_the_new_budget() -> None:
    plan = SpendPlan.from_hourly()
    controller = PacingController(
        np.array([14_400_000]), np.array([Pacing.STANDARD], np.int8), plan
    )
    spent = np.zeros(1, dtype=np.int64)
    for minute in range(120):
        throttle = controller.update(minute, spent)
        spent = spent + np.int64(round(40_000 * float(throttle[0])))
    controller.reset_day(np.array([28_800_000]))  # double the budget: half the headroom
    assert controller.headroom[0] == pytest.approx(2.0, rel=0.01)
    assert controller.throttle[0] == pytest.approx(0.5, rel=0.01)


def test_accelerated_unlimited_and_spent_out_groups() -> None:
    plan = SpendPlan.from_hourly()
    budgets = np.array([1_000_000, UNLIMITED, 1_000_000, 0])
    pacing = np.array([Pacing.ACCELERATED, Pacing.STANDARD, Pacing.STANDARD, 0], np.int8)
    controller = PacingController(budgets, pacing, plan)
    throttle = controller.update(0, np.array([0, 0, 0, 0]))
    assert throttle.tolist() == [1.0, 1.0, 1.0, 0.0]  # a zero budget never takes part
    throttle = controller.update(1, np.array([1_000_000, 10**9, 1_000_005, 0]))
    assert throttle.tolist() == [0.0, 1.0, 0.0, 0.0]
    rng = np.random.default_rng(0)
    takes = controller.participates(np.array([0, 1, 1, 2, 3]), rng)
    assert takes.tolist() == [False, True, True, False, False]


def test_participation_is_a_bernoulli_draw_of_the_throttle() -> None:
    plan = SpendPlan.from_hourly()
    controller = PacingController(
        np.array([1_440_000_000]), np.array([Pacing.STANDARD], np.int8), plan, initial=0.3
    )
    takes = controller.participates(np.zeros(20_000, np.int64), np.random.default_rng(1))
    assert takes.mean() == pytest.approx(0.3, abs=0.015)


def test_time_only_moves_forward_within_a_day() -> None:
    plan = SpendPlan.from_hourly()
    controller = PacingController(np.array([10]), np.array([0], np.int8), plan)
    controller.update(10, np.array([0]))
    with pytest.raises(ValueError, match="forward"):
        controller.update(5, np.array([0]))
