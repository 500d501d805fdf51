"""Auction rules on hand-worked examples, and their invariants as properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reelmint.ads.auction import (
    BATCH_RULES,
    RULES,
    Outcome,
    first_price,
    first_price_batch,
    gsp,
    gsp_batch,
    price_micros,
    vcg,
    vcg_batch,
)

INF = math.inf


# --- GSP, one slot ---------------------------------------------------------------------


def test_gsp_winner_pays_the_second_highest_ecpm() -> None:
    # Bidders 5, 9, 7: bidder 1 (9) wins and pays the next eCPM, 7.
    assert gsp([5.0, 9.0, 7.0]) == Outcome((1,), (7.0,))


def test_gsp_reserve_above_the_second_sets_the_price() -> None:
    # Reserve 8: the second (7) no longer clears; the winner pays max(7, 8) = 8.
    assert gsp([5.0, 9.0, 7.0], reserve=8.0) == Outcome((1,), (8.0,))


def test_gsp_reserve_above_everyone_leaves_the_slot_unsold() -> None:
    assert gsp([5.0, 9.0, 7.0], reserve=10.0) == Outcome((), ())


def test_gsp_reserve_between_bidders_only_drops_those_below_it() -> None:
    # Reserve 6: bidder 0 (5) is out, the winner still pays the second, max(7, 6) = 7.
    assert gsp([5.0, 9.0, 7.0], reserve=6.0) == Outcome((1,), (7.0,))


def test_gsp_a_lone_bidder_pays_the_reserve() -> None:
    # 9 clears reserve 2 with nobody behind it: max(-inf, 2) = 2.
    assert gsp([9.0], reserve=2.0) == Outcome((0,), (2.0,))
    assert gsp([9.0]) == Outcome((0,), (0.0,))


def test_a_bid_equal_to_the_reserve_clears_it() -> None:
    assert gsp([5.0, 9.0, 7.0], reserve=9.0) == Outcome((1,), (9.0,))


# --- first price and VCG ---------------------------------------------------------------


def test_first_price_winner_pays_its_own_ecpm() -> None:
    assert first_price([5.0, 9.0, 7.0]) == Outcome((1,), (9.0,))
    assert first_price([5.0, 9.0, 7.0], reserve=10.0) == Outcome((), ())
    # Two slots: 9 and 7 each pay their own eCPM.
    assert first_price([5.0, 9.0, 7.0], slots=2, factors=(1.0, 0.5)) == Outcome((1, 2), (9.0, 7.0))


@pytest.mark.parametrize("reserve", [0.0, 6.0, 8.0, 10.0])
def test_vcg_with_one_slot_is_gsp(reserve: float) -> None:
    ecpm = [5.0, 9.0, 7.0]
    assert vcg(ecpm, reserve=reserve) == gsp(ecpm, reserve=reserve)


def test_two_slots_vcg_charges_less_than_gsp() -> None:
    # alpha = (1, 0.5), bidders 10, 8, 5.
    # GSP: 10 pays 8, 8 pays 5.
    # VCG: position 2 pays (0.5 - 0) * 5 / 0.5 = 5;
    #      position 1 pays ((1 - 0.5) * 8 + 0.5 * 5) / 1 = 4 + 2.5 = 6.5 < 8.
    ecpm = [10.0, 8.0, 5.0]
    assert gsp(ecpm, slots=2, factors=(1.0, 0.5)) == Outcome((0, 1), (8.0, 5.0))
    outcome = vcg(ecpm, slots=2, factors=(1.0, 0.5))
    assert outcome.winners == (0, 1)
    assert outcome.prices == pytest.approx((6.5, 5.0))


def test_three_slots_vcg_charges_less_than_gsp() -> None:
    # alpha = (1, 0.5, 0.2), bidders 10, 8, 5, 2 (the 2 loses).
    # GSP: 8, 5, 2.
    # VCG totals, bottom up: position 3: 0.2 * 2 = 0.4       -> 0.4 / 0.2 = 2
    #                        position 2: 0.3 * 5 + 0.4 = 1.9  -> 1.9 / 0.5 = 3.8
    #                        position 1: 0.5 * 8 + 1.9 = 5.9  -> 5.9 / 1   = 5.9
    ecpm = [10.0, 8.0, 5.0, 2.0]
    alpha = (1.0, 0.5, 0.2)
    assert gsp(ecpm, slots=3, factors=alpha) == Outcome((0, 1, 2), (8.0, 5.0, 2.0))
    outcome = vcg(ecpm, slots=3, factors=alpha)
    assert outcome.winners == (0, 1, 2)
    assert outcome.prices == pytest.approx((5.9, 3.8, 2.0))


def test_vcg_fills_empty_positions_with_the_reserve_as_phantom_bidders() -> None:
    # alpha = (1, 0.5, 0.2), bidders 10 and 8, reserve 3: only two winners.
    # Below them the reserve stands in: following eCPMs are (8, 3, 3).
    # Position 2: 0.3 * 3 + 0.2 * 3 = 1.5 -> 1.5 / 0.5 = 3 (exactly the reserve)
    # Position 1: 0.5 * 8 + 1.5 = 5.5     -> 5.5
    # GSP: max(8, 3) = 8 and max(-inf, 3) = 3.
    alpha = (1.0, 0.5, 0.2)
    assert gsp([10.0, 8.0], slots=3, reserve=3.0, factors=alpha) == Outcome((0, 1), (8.0, 3.0))
    outcome = vcg([10.0, 8.0], slots=3, reserve=3.0, factors=alpha)
    assert outcome.winners == (0, 1)
    assert outcome.prices == pytest.approx((5.5, 3.0))


def test_vcg_with_equal_position_factors_charges_everyone_the_first_losing_ecpm() -> None:
    # alpha = (1, 1): only the last drop (1 - 0) * 5 counts, so both pay 5.
    assert vcg([10.0, 8.0, 5.0], slots=2).prices == pytest.approx((5.0, 5.0))


# --- ties, ineligible bidders, short auctions -----------------------------------------


def test_equal_ecpm_goes_to_the_lower_index_which_pays_its_own_ecpm() -> None:
    # 9 and 9 tie: index 1 wins and the next eCPM is the other 9.
    assert gsp([7.0, 9.0, 9.0]) == Outcome((1,), (9.0,))
    assert gsp([7.0, 9.0, 9.0], slots=2, factors=(1.0, 0.5)) == Outcome((1, 2), (9.0, 7.0))
    assert vcg([9.0, 9.0, 9.0], slots=2, factors=(1.0, 0.5)).winners == (0, 1)


def test_minus_infinity_and_other_non_finite_bidders_never_win() -> None:
    assert gsp([-INF, 4.0, -INF, 3.0]) == Outcome((1,), (3.0,))
    assert gsp([-INF, -INF]) == Outcome((), ())
    assert gsp([INF, math.nan, 2.0]) == Outcome((2,), (0.0,))
    assert gsp([]) == Outcome((), ())
    assert gsp([-INF, 4.0, 3.0], slots=3) == Outcome((1, 2), (3.0, 0.0))


def test_fewer_bidders_than_slots_fill_the_top_positions() -> None:
    # Two bidders, three slots: 6 pays 4, 4 pays the reserve (0).
    assert gsp([4.0, 6.0], slots=3) == Outcome((1, 0), (4.0, 0.0))
    assert first_price([4.0, 6.0], slots=3) == Outcome((1, 0), (6.0, 4.0))


def test_every_rule_is_registered_by_name() -> None:
    assert {"gsp": gsp, "first_price": first_price, "vcg": vcg} == RULES
    assert set(BATCH_RULES) == set(RULES)


@pytest.mark.parametrize(
    ("slots", "factors"),
    [(0, None), (2, (1.0,)), (2, (0.5, 1.0)), (2, (1.0, 0.0)), (1, (1.5,))],
)
def test_bad_slots_or_position_factors_are_refused(
    slots: int, factors: tuple[float, ...] | None
) -> None:
    with pytest.raises(ValueError):
        gsp([1.0, 2.0], slots=slots, factors=factors)


def test_bad_shapes_and_reserves_are_refused() -> None:
    with pytest.raises(ValueError):
        gsp([[1.0, 2.0]])
    with pytest.raises(ValueError):
        gsp_batch(np.array([1.0, 2.0]))
    with pytest.raises(ValueError):
        gsp([1.0, 2.0], reserve=-1.0)
    with pytest.raises(ValueError):
        gsp_batch(np.array([[1.0, 2.0]]), reserve=math.nan)


# --- batch forms -----------------------------------------------------------------------


def test_gsp_batch_works_row_by_row_with_a_reserve_per_row() -> None:
    # Row 0, reserve 1.5: 5 and 5 tie, column 1 wins and pays 5.
    # Row 1, reserve 1.5: only 2 clears, nobody behind it, so it pays 1.5.
    # Row 2, reserve 9: nobody clears.
    ecpm = np.array([[3.0, 5.0, 5.0], [1.0, -INF, 2.0], [3.0, 4.0, 8.0]])
    winners, prices = gsp_batch(ecpm, np.array([1.5, 1.5, 9.0]))
    assert winners.tolist() == [1, 2, -1]
    assert prices[:2].tolist() == [5.0, 1.5]
    assert math.isnan(prices[2])
    assert winners.dtype == np.int64


def test_first_price_batch_charges_the_winners_own_ecpm() -> None:
    winners, prices = first_price_batch(np.array([[3.0, 5.0, 4.0], [-INF, -INF, -INF]]))
    assert winners.tolist() == [1, -1]
    assert prices[0] == 5.0
    assert math.isnan(prices[1])


def test_vcg_batch_is_gsp_batch() -> None:
    ecpm = np.array([[3.0, 5.0, 4.0], [1.0, 0.5, -INF]])
    assert np.array_equal(vcg_batch(ecpm, 0.75)[1], gsp_batch(ecpm, 0.75)[1])


def test_batch_with_no_bidders_or_one_bidder() -> None:
    winners, prices = gsp_batch(np.zeros((2, 0)))
    assert winners.tolist() == [-1, -1]
    assert np.isnan(prices).all()
    winners, prices = gsp_batch(np.array([[4.0]]), 1.0)
    assert (winners.tolist(), prices.tolist()) == ([0], [1.0])


# --- price_micros ----------------------------------------------------------------------


def test_cpm_price_is_the_clearing_ecpm_over_a_thousand() -> None:
    # $2.50 CPM = 2,500,000 micros per 1,000 impressions = 2,500 micros per impression.
    assert price_micros(2_500_000.0, 1.0, 10_000) == 2_500


def test_cpc_price_divides_by_the_click_probability() -> None:
    # 2,500,000 / (1,000 * 0.02) = 125,000 micros per click.
    assert price_micros(2_500_000.0, 0.02, 1_000_000) == 125_000


def test_price_micros_rounds_halves_up() -> None:
    assert price_micros(2_500.0, 1.0, 100) == 3  # 2.5 -> 3
    assert price_micros(2_499.0, 1.0, 100) == 2  # 2.499 -> 2
    assert price_micros(1_500.0, 1.0, 100) == 2  # 1.5 -> 2
    assert price_micros(3_499.999, 1.0, 100) == 3  # 3.499999 -> 3


def test_price_micros_never_exceeds_the_bid() -> None:
    assert price_micros(2_500_000.0, 1.0, 2_000) == 2_000


def test_a_positive_price_is_never_rounded_to_zero() -> None:
    assert price_micros(1.0, 1.0, 100) == 1  # 0.001 micros -> 1
    assert price_micros(0.0, 1.0, 100) == 0


@pytest.mark.parametrize("p_event", [0.0, -0.1, math.nan, 1.5])
def test_price_micros_refuses_an_impossible_probability(p_event: float) -> None:
    with pytest.raises(ValueError):
        price_micros(1_000.0, p_event, 100)


def test_price_micros_refuses_a_negative_price_or_bid() -> None:
    with pytest.raises(ValueError):
        price_micros(-1.0, 1.0, 100)
    with pytest.raises(ValueError):
        price_micros(1.0, 1.0, -1)


# --- properties ------------------------------------------------------------------------

# A few round values make ties and reserve hits common; -inf marks ineligible bidders.
ecpms = st.one_of(
    st.sampled_from([-INF, 0.0, 1.0, 2.5, 3.0, 7.0, 10.0]),
    st.floats(0.0, 100.0, allow_nan=False),
)
reserves = st.one_of(st.just(0.0), st.sampled_from([1.0, 3.0, 7.0]), st.floats(0.0, 50.0))


@st.composite
def position_factors(draw: st.DrawFn) -> tuple[float, ...]:
    rest = draw(st.lists(st.floats(0.01, 1.0), max_size=3))
    return (1.0, *sorted(rest, reverse=True))


@settings(max_examples=300, deadline=None)
@given(st.lists(ecpms, max_size=8), reserves, position_factors())
def test_every_price_lies_between_the_reserve_and_the_winners_ecpm(
    ecpm: list[float], reserve: float, alpha: tuple[float, ...]
) -> None:
    slots = len(alpha)
    outcomes = {
        name: rule(ecpm, slots=slots, reserve=reserve, factors=alpha)
        for name, rule in RULES.items()
    }
    eligible = sorted((e for e in ecpm if math.isfinite(e) and e >= reserve), reverse=True)
    for outcome in outcomes.values():
        assert len(outcome.winners) == min(slots, len(eligible))
        assert [ecpm[w] for w in outcome.winners] == eligible[: len(outcome.winners)]
        for winner, price in zip(outcome.winners, outcome.prices, strict=True):
            assert reserve <= price <= ecpm[winner]
    assert outcomes["vcg"].winners == outcomes["gsp"].winners == outcomes["first_price"].winners
    for vcg_price, gsp_price in zip(outcomes["vcg"].prices, outcomes["gsp"].prices, strict=True):
        assert vcg_price <= gsp_price


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 5).flatmap(
        lambda bidders: st.lists(
            st.lists(ecpms, min_size=bidders, max_size=bidders), min_size=1, max_size=6
        )
    ),
    reserves,
)
def test_the_single_slot_path_is_the_batch_path_row_by_row(
    rows: list[list[float]], reserve: float
) -> None:
    matrix = np.array(rows, np.float64)
    for name, batch in BATCH_RULES.items():
        winners, prices = batch(matrix, reserve)
        for row, winner, price in zip(matrix, winners, prices, strict=True):
            one = RULES[name](row, reserve=reserve)
            # The multi-slot ranking kernel agrees on the first position too.
            two = RULES[name](row, slots=2, reserve=reserve, factors=(1.0, 1.0))
            if winner < 0:
                assert one == two == Outcome((), ())
                assert math.isnan(price)
            else:
                assert one == Outcome((int(winner),), (float(price),))
                assert two.winners[0] == winner
                if name != "vcg":  # VCG's first price depends on all positions
                    assert two.prices[0] == price
