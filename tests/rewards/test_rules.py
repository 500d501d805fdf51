"""Eligibility, video rules, the settle arithmetic and the RPM multipliers, edge by edge."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from reelmint.content.model import Origin
from reelmint.parties.people import Standing
from reelmint.rewards.eligibility import CreatorFacts, reached_threshold, reasons, video_rules
from reelmint.rewards.model import Mode, Period, RewardsError
from reelmint.rewards.multipliers import parse_tiers, weights
from reelmint.rewards.settle import settle
from reelmint.rewards_settings import RewardsSettings

RULES = RewardsSettings()
OK = CreatorFacts(1, 30, Standing.GOOD, 10_000, 100_000)


def facts(**changes: object) -> CreatorFacts:
    values = {"creator": 1, "age": 30, "standing": Standing.GOOD, "followers": 10_000,
              "views_30d": 100_000, **changes}  # fmt: skip
    return CreatorFacts(**values)  # type: ignore[arg-type]


def test_exactly_at_every_threshold_is_eligible() -> None:
    assert reasons(facts(age=18), RULES) == []


@pytest.mark.parametrize(("change", "why"), [
    ({"age": 17}, "under 18 (aged 17)"),
    ({"age": None}, "no date of birth"),
    ({"followers": 9_999}, "9,999 followers, below 10,000"),
    ({"views_30d": 99_999}, "99,999 views in the last 30 days, below 100,000"),
    ({"standing": Standing.RESTRICTED}, "account is restricted"),
    ({"standing": Standing.BANNED}, "account is banned"),
])  # fmt: skip
def test_one_short_of_a_rule_is_named(change: dict[str, object], why: str) -> None:
    found = reasons(facts(**change), RULES)
    assert len(found) == 1 and why in found[0]


def test_every_shortfall_is_listed_at_once() -> None:
    assert len(reasons(facts(age=16, followers=0, views_30d=0), RULES)) == 3


def test_video_rules_longer_than_60_s_original_and_after_joining() -> None:
    joined = 1_000
    duration = np.array([60_000, 60_001, 90_000, 90_000, 90_000, 90_000, 90_000], np.int64)
    origin = np.array([0, 0, Origin.DUET, Origin.STITCH, Origin.SPONSORED, 0, 0], np.int8)
    posted = np.array([5_000, 5_000, 5_000, 5_000, 5_000, joined - 1, joined], np.int64)
    ok = video_rules(duration, origin, posted, np.full(7, joined, np.int64), RULES)
    assert ok.tolist() == [False, True, False, False, False, False, True]


def test_a_video_earns_once_its_views_in_all_reach_the_threshold() -> None:
    before, now = np.array([0, 999, 600, 0]), np.array([999, 1, 399, 1_000])
    assert reached_threshold(before, now, RULES).tolist() == [False, True, False, True]


def test_settle_worked_examples() -> None:
    paid = settle(30, 0, 35, 5, 50)
    assert (paid.paid, paid.carried_out, paid.owed_out) == (60, 0, 0)
    owing = settle(30, 0, 35, 70, 50)
    assert (owing.from_balance, owing.new_debt, owing.paid, owing.owed_out) == (65, 5, 0, 5)
    repaying = settle(0, 5, 60, 0, 50)
    assert (repaying.repaid, repaying.paid, repaying.carried_out) == (5, 55, 0)
    short = settle(0, 0, 49, 0, 50)
    assert (short.paid, short.carried_out) == (0, 49)


money = st.integers(0, 10**9)


@given(money, money, money, money, money)
def test_settle_moves_every_micro_somewhere(carried: int, owed: int, earned: int,
                                            clawback: int, minimum: int) -> None:  # fmt: skip
    s = settle(carried, owed, earned, clawback, minimum)
    assert carried + earned - s.from_balance == s.repaid + s.paid + s.carried_out
    assert s.from_balance + s.new_debt == clawback
    assert s.owed_out == owed + s.new_debt - s.repaid >= 0
    assert min(s.paid, s.carried_out, s.repaid) >= 0
    assert s.paid == 0 or s.paid >= minimum
    assert s.owed_out == 0 or s.carried_out == 0  # nobody carries money while owing


def test_multipliers_worked_example() -> None:
    engagement = parse_tiers({"0.05": "1.1"}, "engagement")
    watch = parse_tiers({"30": "1.2"}, "watch")
    w, scale = weights(np.array([1_000, 1_000]), np.array([1_000, 1_000]),
                       np.array([60, 40]), np.array([35_000_000, 10_000_000]), engagement,
                       watch)  # fmt: skip
    assert [Fraction(int(x), scale) for x in w] == [1_320, 1_000]


def test_bad_multiplier_tables_are_refused() -> None:
    with pytest.raises(RewardsError, match="engagement"):
        parse_tiers({"0.05": "nope"}, "engagement")
    with pytest.raises(RewardsError, match="positive"):
        parse_tiers({"0.05": "0"}, "engagement")


@pytest.mark.parametrize(("text", "first", "last"), [
    ("2026-11", "2026-11-01", "2026-11-30"),
    ("2026-02", "2026-02-01", "2026-02-28"),
    ("2026-12", "2026-12-01", "2026-12-31"),
    ("2026-W45", "2026-11-02", "2026-11-08"),
    ("2026-11-01..2026-11-07", "2026-11-01", "2026-11-07"),
    ("2026-11-01..2026-11-30", "2026-11-01", "2026-11-30"),
])  # fmt: skip
def test_periods_parse(text: str, first: str, last: str) -> None:
    p = Period.parse(text)
    assert (p.first.isoformat(), p.last.isoformat()) == (first, last)
    assert p.end_ms - p.start_ms == p.days * 86_400_000


def test_a_whole_month_of_days_is_labelled_as_the_month() -> None:
    assert Period.parse("2026-11-01..2026-11-30").label == "2026-11"


@pytest.mark.parametrize("text", ["2026-13", "Nov", "2026-11-07..2026-11-01", "2026-W60"])
def test_bad_periods_are_refused_with_the_forms_allowed(text: str) -> None:
    with pytest.raises(RewardsError):
        Period.parse(text)


def test_modes_parse_both_spellings() -> None:
    assert Mode.parse("user_centric") is Mode.USER_CENTRIC is Mode.parse("User-Centric")
    with pytest.raises(RewardsError, match="rpm, pool, user-centric"):
        Mode.parse("fair")
