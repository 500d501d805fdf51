"""Action-rate predictions: smoothing, pooling, online learning and calibration."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray

from reelmint.ads.predict import Action, Priors, RatePredictor


def events(
    group: int, impressions: int, **counts: int
) -> tuple[NDArray[np.int64], NDArray[np.int8]]:
    """Event rows for one group: `impressions` IMPRESSION rows plus e.g. click=25."""
    actions = [Action.IMPRESSION] * impressions
    for name, n in counts.items():
        actions += [Action[name.upper()]] * n
    return np.full(len(actions), group, np.int64), np.array(actions, np.int8)


def test_with_no_data_the_prediction_is_the_prior_and_the_factor_is_one() -> None:
    predictor = RatePredictor()
    predictor.grow(3)
    slots = np.arange(3)
    assert predictor.predict(Action.CLICK, slots).tolist() == pytest.approx([0.01] * 3)
    assert predictor.predict(Action.VIEW_6S, slots).tolist() == pytest.approx([0.3] * 3)
    assert predictor.predict(Action.CONVERSION, slots).tolist() == pytest.approx([0.0002] * 3)
    assert predictor.calibration() == {"click": 1.0, "view_6s": 1.0, "conversion": 1.0}


def test_smoothing_arithmetic_by_hand() -> None:
    """The module docstring's example: 1,000 impressions and 25 clicks with a 1% prior
    of strength 500 give (25 + 5) / 1,500 = 2%; 300 six-second views give
    (300 + 150) / 1,500 = 30%; 1 conversion gives (1 + 0.1) / 1,500."""
    predictor = RatePredictor(Priors(click=0.01, strength=500))
    predictor.grow(1)
    predictor.observe(*events(0, 1_000, click=25, view_6s=300, conversion=1))
    slot = np.array([0])
    assert predictor.predict(Action.CLICK, slot)[0] == pytest.approx(0.02)
    assert predictor.predict(Action.VIEW_6S, slot)[0] == pytest.approx(0.3)
    assert predictor.predict(Action.CONVERSION, slot)[0] == pytest.approx(1.1 / 1_500)


def test_pooling_by_hand_leaves_the_groups_own_counts_out_of_its_prior() -> None:
    predictor = RatePredictor()
    predictor.grow(2, parent=np.array([0, 0]))
    predictor.observe(*events(0, 1_000, click=25))
    predictor.observe(*events(1, 10_000, click=300))
    # Group 0's prior is its sibling's pool: (300 + 5) / 10,500.
    pool = 305 / 10_500
    assert predictor.raw(Action.CLICK, np.array([0]))[0] == pytest.approx((25 + 500 * pool) / 1_500)


def test_a_new_group_under_a_parent_with_data_starts_at_the_parents_rate() -> None:
    rng = np.random.default_rng(3)
    predictor = RatePredictor()
    predictor.grow(20, parent=np.repeat([0, 1], 10))  # two advertisers, ten groups each
    for g in range(20):
        ctr = 0.03 if g < 10 else 0.005
        predictor.observe(*events(g, 5_000, click=int(rng.binomial(5_000, ctr))))
    predictor.grow(3, parent=np.array([0, 1, -1]))
    new = predictor.predict(Action.CLICK, np.array([20, 21, 22]))
    assert new[0] == pytest.approx(0.03, rel=0.05)
    assert new[1] == pytest.approx(0.005, rel=0.1)
    assert new[2] == pytest.approx(0.01)  # no parent: the global prior


def test_a_groups_estimate_converges_to_its_true_rate() -> None:
    rng = np.random.default_rng(11)
    predictor = RatePredictor()
    predictor.grow(4)
    truth = np.array([0.002, 0.008, 0.02, 0.05])
    impressions = 200_000
    for g, p in enumerate(truth):
        clicks = int((rng.random(impressions) < p).sum())
        predictor.observe(*events(g, impressions, click=clicks))
    estimate = predictor.predict(Action.CLICK, np.arange(4))
    # Within four binomial standard errors, once the prior has washed out.
    assert np.all(np.abs(estimate - truth) < 4 * np.sqrt(truth * (1 - truth) / impressions))


def test_calibration_corrects_a_prior_three_times_too_high() -> None:
    """Clicks happen at 1% but the prior says 3%. Each round serves 10,000 impressions
    spread over 5,000 groups, so no group has data enough to move its own rate much:
    only calibration can fix the bias. The factor falls from 1 towards 1/3 and the
    calibrated predictions add up to the clicks observed."""
    rng = np.random.default_rng(5)
    predictor = RatePredictor(Priors(click=0.03))
    groups = 5_000
    predictor.grow(groups)
    factors, served, observed = [], 0.0, 0
    for round_ in range(30):
        slots = rng.integers(0, groups, 10_000)
        predicted = predictor.predict(Action.CLICK, slots)
        predictor.record_served(Action.CLICK, predicted)
        clicked = slots[rng.random(slots.size) < 0.01]
        rows = np.concatenate([slots, clicked])
        acts = np.r_[np.zeros(slots.size), np.ones(clicked.size)].astype(np.int8)
        predictor.observe(rows, acts)
        factors.append(predictor.calibration()["click"])
        if round_ >= 10:
            served, observed = served + float(predicted.sum()), observed + clicked.size
    assert factors[0] < 0.5  # one round of evidence already moves it most of the way
    assert 0.3 < factors[-1] < 0.42  # raw rates still lean on the 3% prior: about 1/2.8
    assert served == pytest.approx(observed, rel=0.10)
    assert predictor.calibration()["view_6s"] == 1.0  # other actions are untouched


def test_calibration_stays_within_its_bounds() -> None:
    predictor = RatePredictor(calibration_strength=1.0)
    predictor.grow(1)
    predictor.record_served(Action.CONVERSION, np.array([0.0002]))
    predictor.observe(*events(0, 0, conversion=50))
    assert predictor.calibration()["conversion"] == 4.0
    predictor.record_served(Action.CLICK, np.full(10_000, 0.01))  # 100 clicks, none seen
    assert predictor.calibration()["click"] == 0.25


def test_events_before_any_served_prediction_do_not_move_the_factor() -> None:
    predictor = RatePredictor()
    predictor.grow(1)
    predictor.observe(*events(0, 1_000, click=500))
    assert predictor.calibration()["click"] == 1.0


def test_vectorized_observe_equals_one_event_at_a_time() -> None:
    rng = np.random.default_rng(2)
    parents = np.array([0, 0, 1, -1, 1, 2])
    slots = rng.integers(0, parents.size, 3_000)
    acts = rng.choice(np.arange(4), 3_000, p=[0.7, 0.1, 0.18, 0.02]).astype(np.int8)
    batch, single = RatePredictor(), RatePredictor()
    for predictor in (batch, single):
        predictor.grow(parents.size, parent=parents)
        predictor.record_served(Action.CLICK, np.full(100, 0.01))
    batch.observe(slots, acts)
    for s, a in zip(slots, acts, strict=True):
        single.observe(np.array([s]), np.array([a], np.int8))
    every = np.arange(parents.size)
    for action in (Action.CLICK, Action.VIEW_6S, Action.CONVERSION):
        np.testing.assert_array_equal(batch.predict(action, every), single.predict(action, every))
    assert batch.calibration() == single.calibration()


def test_bad_input_is_refused() -> None:
    predictor = RatePredictor()
    predictor.grow(2)
    with pytest.raises(ValueError, match="group slots"):
        predictor.observe(np.array([2]), np.array([0], np.int8))
    with pytest.raises(ValueError, match="unknown action"):
        predictor.observe(np.array([0]), np.array([7], np.int8))
    with pytest.raises(ValueError, match="IMPRESSION"):
        predictor.predict(Action.IMPRESSION, np.array([0]))
    with pytest.raises(ValueError, match="parent"):
        predictor.grow(2, parent=np.array([0]))
    with pytest.raises(ValueError, match="probabilities"):
        Priors(click=1.5)
