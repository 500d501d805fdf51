"""Pacing: spreading each ad group's daily budget over the day, and never overspending it.

Pure and columnar: every array is indexed by a dense ad-group slot 0..G-1, and money is
integer USD micros (the plan is a float: it is a target, not an amount anyone is owed).

**Standard** pacing follows a spend plan: the share of the day's budget that should be
spent by each minute, shaped like the platform's traffic (a flat curve spreads it
evenly). A feedback controller sets each group's *throttle*, the probability that it
takes part in an auction, so that its cumulative spend tracks the plan. **Accelerated**
pacing takes part in every auction it can while budget remains, and so spends out early.

**The hard cap.** Throttling keeps spend near the plan; `within_budget` and `cap_wins`
make sure a group stops once its budget is spent. Wins are decided in batches; within a
batch a win is kept only while the group's spend before it is still under its budget,
so no group ends above its budget by more than the price of one billable event.

Worked example: a $100 budget with 99.99 spent so far wins three auctions in one batch at
$0.004, $0.008 and $0.003. The first is kept (spend before it, 99.99, is under 100), the
second too (99.994 < 100, ending at 100.002), the third is dropped (100.002 is not under
100): the overshoot of $0.002 is less than the $0.008 of the last win kept.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]

MINUTES_PER_DAY = 1_440
UNLIMITED = -1  # a budget of -1 micros: no daily cap


class Pacing(enum.IntEnum):
    """How an ad group spends its daily budget (stored as int8 in columnar arrays)."""

    STANDARD = 0
    ACCELERATED = 1


@dataclass(frozen=True, slots=True)
class SpendPlan:
    """Cumulative share of a day's budget planned by each minute, from a traffic curve.

    `cumulative[m]` is the share planned to be spent by minute m (0..1440): it starts at
    0, ends at 1 and never falls. Within an hour the plan is spent evenly.

    Worked example: hourly weights of 1 for hours 0-11 and 3 for hours 12-23 plan 1/48
    of the budget per morning hour and 3/48 per afternoon hour, so a quarter of it by
    noon: `SpendPlan.from_hourly([1] * 12 + [3] * 12).share(720)` is 0.25 (to float rounding).
    """

    cumulative: F64

    def __post_init__(self) -> None:
        c = self.cumulative
        if c.shape != (MINUTES_PER_DAY + 1,):
            raise ValueError(f"a plan has {MINUTES_PER_DAY + 1} points, not {c.shape}")
        if c[0] != 0.0 or c[-1] != 1.0 or bool(np.any(np.diff(c) < 0)):
            raise ValueError("a plan rises from 0 to 1 and never falls")

    @classmethod
    def from_hourly(cls, weights: Sequence[float] | None = None) -> SpendPlan:
        """The plan for 24 hourly traffic weights (relative; None is a flat day)."""
        w = np.ones(24) if weights is None else np.asarray(weights, dtype=np.float64)
        if w.shape != (24,) or bool(np.any(w < 0)) or not np.isfinite(w).all() or w.sum() <= 0:
            raise ValueError("a plan needs 24 non-negative hourly weights, not all zero")
        per_minute = np.repeat(w / w.sum() / 60.0, 60)
        cumulative = np.concatenate([[0.0], np.cumsum(per_minute)])
        cumulative = np.minimum(cumulative, 1.0)  # float sums can run a hair past 1
        cumulative[-1] = 1.0
        return cls(cumulative)

    def share(self, minute_of_day: float) -> float:
        """Share of the budget planned by `minute_of_day` (interpolated, clamped to the day)."""
        m = min(max(minute_of_day, 0.0), float(MINUTES_PER_DAY))
        return float(np.interp(m, np.arange(MINUTES_PER_DAY + 1), self.cumulative))

    def planned(self, budget_micros: I64, minute_of_day: float) -> F64:
        """Planned cumulative spend (micros) by `minute_of_day`; unlimited budgets plan inf."""
        budget = np.asarray(budget_micros, dtype=np.int64)
        plan = budget.astype(np.float64) * self.share(minute_of_day)
        return np.where(budget == UNLIMITED, np.inf, plan)


class PacingController:
    """Per ad group, the participation probability (throttle) that keeps spend on plan.

    Call `update(minute, spent)` once per control step (every minute by default) with each
    group's cumulative spend today; it returns the throttles for the next step.

    **Design.** A PI controller alone cannot know how much traffic a group will win: a
    throttle of 1 may spend the budget by mid-morning for one group and a tenth of it for
    another. So the throttle is a feed-forward term corrected by feedback:

    - *headroom* h: what the group would spend at throttle 1, per unit of planned spend.
      It is estimated online as decayed spend / decayed (throttle x planned spend), with
      a memory of `memory_minutes`. Because the plan follows traffic, h is steady through
      the day (a group that wins its plan twice over at 3 am does so at 9 pm too);
    - *error* e = (planned - actual) / budget, the normalised gap in cumulative spend, and
      its integral I;
    - the spend wanted over the next step is the plan's own increment a, plus a share of
      the gap, plus the integral: `want = a + (1 - (1 - kp) ** step) * e + ki * I * step`;
    - the throttle is `want / (h * a)`, clipped to [floor, 1].

    Anti-windup: the integral only grows while the throttle is not saturated in the
    direction the error pushes it (a group that cannot reach its plan at throttle 1 does
    not bank a debt it would later splurge), and it is clamped to +/- `integral_limit`.

    **Gains** (for a one-minute step): kp = 0.3 closes 30% of the gap each minute, a
    time constant of about three minutes. Dividing by the headroom keeps the loop gain at
    kp whether a group could win its plan twice over or ten times over (without it the
    gain would be kp x h, and a group with h > 2 / kp would oscillate), so the loop can
    be fast and absorb runs of lucky or unlucky wins before they add up. In the tests'
    simulated day, kp from 0.1 to 0.5 kept every group within 6% of plan at each hour's
    end, the faster settings tighter (about 3% at 0.3). The error is itself cumulative
    (an integral of the rate error), so P on it already removes steady offsets; ki =
    0.01 adds slow integral action against the lag of a headroom estimate that trails
    rising traffic. With e' = (1 - kp) e - ki I and I' = I + e the poles are 0.96 and
    0.74: both real, so the loop does not overshoot.

    Starting: before any spend the headroom prior is 1 / `initial`, worth
    `prior_minutes` of average plan, so a new group starts at `initial` and, a minute
    later, is steered by what it actually won. `reset_day` keeps the learned headroom,
    so the next morning starts from yesterday's estimate rather than at throttle 1.

    Accelerated groups, and unlimited budgets, have throttle 1 while budget remains; any
    group that has spent its budget has throttle 0.
    """

    def __init__(
        self, budgets_micros: I64, pacing: NDArray[np.int8], plan: SpendPlan, *,
        kp: float = 0.3, ki: float = 0.01, initial: float = 1.0, floor: float = 0.0,
        step_minutes: float = 1.0, memory_minutes: float = 30.0, prior_minutes: float = 1.0,
        integral_limit: float = 0.5,
    ) -> None:  # fmt: skip
        if not 0 < kp < 1 or ki < 0:
            raise ValueError("kp is a share of the gap in (0, 1); ki is not negative")
        if not 0 <= floor <= 1 or not 0 < initial <= 1:
            raise ValueError("throttles lie in [0, 1]; the initial one is above 0")
        if step_minutes <= 0 or memory_minutes <= 0 or prior_minutes <= 0:
            raise ValueError("step, memory and prior are positive durations")
        self.plan = plan
        self.kp, self.ki, self.initial, self.floor = kp, ki, initial, floor
        self.step_minutes, self.memory_minutes = step_minutes, memory_minutes
        self.integral_limit = integral_limit
        self._prior_weight = prior_minutes / MINUTES_PER_DAY
        self.pacing = np.asarray(pacing, dtype=np.int8).copy()
        budgets = np.asarray(budgets_micros, dtype=np.int64)
        if budgets.shape != self.pacing.shape:
            raise ValueError("one budget and one pacing per ad group")
        self._num = np.full(budgets.shape, self._prior_weight / initial)
        self._den = np.full(budgets.shape, self._prior_weight)
        self._budget = budgets.copy()
        self.reset_day()

    @property
    def throttle(self) -> F64:
        """Current participation probability per group (a copy)."""
        return self._throttle.copy()

    def throttle_of(self, group_slots: I64) -> F64:
        """The current throttles of these groups (any shape), without copying them all."""
        chosen: F64 = self._throttle[group_slots]
        return chosen

    @property
    def headroom(self) -> F64:
        """Estimated spend at throttle 1 per unit of planned spend, per group."""
        headroom: F64 = self._num / np.maximum(self._den, 1e-300)
        return headroom

    def reset_day(self, budgets_micros: I64 | None = None) -> None:
        """Start a new day (optionally with new budgets), keeping the learned headroom."""
        if budgets_micros is not None:
            new = np.asarray(budgets_micros, dtype=np.int64)
            if new.shape != self._budget.shape:
                raise ValueError("one budget per ad group")
            # Headroom is per unit of budget: a doubled budget halves it.
            ratio = np.where((self._budget > 0) & (new > 0), self._budget / np.maximum(new, 1), 1.0)
            self._num = self._num * ratio
            self._budget = new.copy()
        self._integral = np.zeros(self._budget.shape)
        self._last_minute: float | None = None
        self._last_spent = np.zeros(self._budget.shape, dtype=np.int64)
        self._throttle = self._steer(0.0, np.zeros(self._budget.shape), 0.0)
        self._throttle = self._override(self._throttle, self._last_spent)

    def resize(self, budgets_micros: I64, pacing: NDArray[np.int8]) -> None:
        """Follow an inventory that gained groups (appended) or changed budgets or pacing:
        known groups keep what they learned (headroom rescaled to a new budget, as at
        `reset_day`), new ones start from the prior. Today's steps go on from where they
        were, so a change mid-day does not restart the controller."""
        budgets = np.asarray(budgets_micros, dtype=np.int64)
        old = len(self._budget)
        if budgets.shape != np.shape(pacing) or len(budgets) < old:
            raise ValueError("one budget and one pacing per ad group; groups are only added")
        extra = len(budgets) - old
        known = budgets[:old]
        ratio = np.where((self._budget > 0) & (known > 0), self._budget / np.maximum(known, 1), 1.0)
        self._num = np.concatenate(
            [self._num * ratio, np.full(extra, self._prior_weight / self.initial)]
        )
        self._den = np.concatenate([self._den, np.full(extra, self._prior_weight)])
        self._integral = np.concatenate([self._integral, np.zeros(extra)])
        self._last_spent = np.concatenate([self._last_spent, np.zeros(extra, np.int64)])
        self._throttle = np.concatenate([self._throttle, np.full(extra, self.initial)])
        self._budget, self.pacing = budgets.copy(), np.asarray(pacing, dtype=np.int8).copy()
        self._throttle = self._override(self._throttle, self._last_spent)

    def update(self, minute_of_day: float, spent_micros: I64) -> F64:
        """New throttles from each group's cumulative spend today at `minute_of_day`."""
        spent = np.asarray(spent_micros, dtype=np.int64)
        if spent.shape != self._budget.shape:
            raise ValueError("one spend per ad group")
        limited = self._budget > 0
        budget = np.where(limited, self._budget, 1).astype(np.float64)
        if self._last_minute is not None:
            dt = minute_of_day - self._last_minute
            if dt < 0:
                raise ValueError("minutes of the day only move forward; call reset_day")
            self._learn(dt, (spent - self._last_spent) / budget, minute_of_day)
        else:
            dt = 0.0
        error = np.where(limited, self.plan.share(minute_of_day) - spent / budget, 0.0)
        throttle = self._steer(minute_of_day, error, dt)
        self._throttle = self._override(throttle, spent)
        self._last_minute, self._last_spent = minute_of_day, spent.copy()
        return self.throttle

    def participates(self, group_slots: I64, rng: np.random.Generator) -> NDArray[np.bool_]:
        """One Bernoulli(throttle) draw per request: does its ad group take part?"""
        slots = np.asarray(group_slots, dtype=np.int64)
        return rng.random(slots.shape[0]) < self._throttle[slots]

    def _learn(self, dt: float, spent_share: F64, minute: float) -> None:
        """Fold the last step's spend into the headroom estimate."""
        assert self._last_minute is not None
        planned = self.plan.share(minute) - self.plan.share(self._last_minute)
        decay = math.exp(-dt / self.memory_minutes)
        self._num = self._num * decay + spent_share
        self._den = self._den * decay + self._throttle * planned

    def _steer(self, minute: float, error: F64, dt: float) -> F64:
        """The PI-corrected feed-forward throttle; updates the integral (anti-windup)."""
        ahead = self.plan.share(minute + self.step_minutes) - self.plan.share(minute)
        close = 1.0 - (1.0 - self.kp) ** self.step_minutes
        integral = np.clip(self._integral + error * dt, -self.integral_limit, self.integral_limit)
        want = ahead + close * error + self.ki * integral * self.step_minutes
        capacity = self.headroom * ahead
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            raw = np.where(capacity > 0, want / capacity, np.where(want > 0, np.inf, 0.0))
        throttle = np.clip(raw, self.floor, 1.0)
        pinned = ((raw >= 1.0) & (error > 0)) | ((raw <= self.floor) & (error < 0))
        self._integral = np.where(pinned, self._integral, integral)
        return throttle

    def _override(self, throttle: F64, spent: I64) -> F64:
        """Accelerated and unlimited groups take every auction; spent-out groups none."""
        full = (self.pacing == Pacing.ACCELERATED) | (self._budget == UNLIMITED)
        throttle = np.where(full, 1.0, throttle)
        return np.where(within_budget(spent, self._budget), throttle, 0.0)


def within_budget(spent_micros: I64, budget_micros: I64) -> NDArray[np.bool_]:
    """May the group still win? Yes while spent < budget; an unlimited budget (-1) always.

    >>> within_budget(np.array([5, 10, 10]), np.array([10, 10, -1])).tolist()
    [True, False, True]
    """
    spent = np.asarray(spent_micros, dtype=np.int64)
    budget = np.asarray(budget_micros, dtype=np.int64)
    may_win: NDArray[np.bool_] = (budget == UNLIMITED) | (spent < budget)
    return may_win


def cap_wins(group_of_win: I64, price_micros: I64, remaining_micros: I64) -> NDArray[np.bool_]:
    """Which of a batch's wins (in order) to keep so that no group runs far over budget.

    A win is kept while the group's spend on the batch's earlier wins is below its
    remaining budget; `remaining_micros` is indexed by group slot, -1 for unlimited. Prices
    are not negative, so the earlier-spend sum only rises: a group's kept wins are a prefix
    of its wins, and it overshoots by less than the price of its last kept win.

    Worked example: remaining [10, 0, -1] (micros) and wins for groups [0, 0, 1, 0, 2] at
    prices [6, 6, 1, 1, 99]. Group 0 spends 0 then 6 before its first two wins (both
    under 10: kept, total 12) and 12 before its third (dropped); group 1 has nothing left
    (dropped); group 2 is unlimited (kept): [True, True, False, False, True].

    Vectorized: a stable sort by group keeps the batch order within a group, and one
    cumulative sum less each group's running start gives the spend before every win.
    """
    groups = np.asarray(group_of_win, dtype=np.int64)
    prices = np.asarray(price_micros, dtype=np.int64)
    remaining = np.asarray(remaining_micros, dtype=np.int64)
    if groups.shape != prices.shape:
        raise ValueError("one price per win")
    if prices.size == 0:
        return np.zeros(0, dtype=np.bool_)
    if bool(np.any(prices < 0)):
        raise ValueError("prices are not negative")
    order = np.argsort(groups, kind="stable")
    g, p = groups[order], prices[order]
    inclusive = np.cumsum(p)
    first = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    run_start = np.repeat(inclusive[first] - p[first], np.diff(np.r_[first, g.size]))
    before = inclusive - p - run_start
    cap = remaining[g]
    keep_sorted: NDArray[np.bool_] = (cap == UNLIMITED) | (before < cap)
    keep = np.empty_like(keep_sorted)
    keep[order] = keep_sorted
    return keep
