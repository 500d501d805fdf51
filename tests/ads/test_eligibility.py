"""Eligibility on the decision path agrees with the definition of targeting."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from reelmint.ads.eligibility import Eligibility
from reelmint.ads.targeting import Condition, Dimension, Profile, Targeting, matches
from tests.ads.test_targeting import CODES, columns, cond, profile, profiles, target, targetings

D = Dimension


def _spread(t: Targeting, k: int) -> Targeting:
    return Targeting(tuple(Condition(c.dimension, frozenset(v * k for v in c.values), c.exclude)
                           for c in t.conditions))  # fmt: skip


def _spread_profile(p: Profile, k: int) -> Profile:
    return {d: frozenset(v * k for v in values) for d, values in p.items()}


@settings(max_examples=150, deadline=None)
@given(
    st.lists(targetings(), max_size=25),
    st.lists(profiles(), min_size=1, max_size=8),
    st.sampled_from([1, 37]),  # 37: codes up to 259, so bit sets span several words
)
def test_eligibility_agrees_with_matches_for_every_user_and_group(
    groups: list[Targeting], users: list[Profile], spread: int
) -> None:
    groups = [_spread(t, spread) for t in groups]
    users = [_spread_profile(p, spread) for p in users]
    batch = columns(users, (CODES + 2) * spread)
    table = Eligibility(groups).eligible(batch, np.arange(len(groups), dtype=np.int64))
    for row in range(len(users)):
        user = batch.profile(row)
        assert table[row].tolist() == [matches(t, user) for t in groups]


def test_a_user_past_the_codes_any_group_names_is_judged_on_the_rest() -> None:
    groups = [target(cond(D.INTEREST, 2, 5)), target(cond(D.INTEREST, 9, exclude=True))]
    users = columns([profile(interest={5, 200}), profile(interest={200})], codes=256)
    assert Eligibility(groups).eligible(users, np.array([0, 1])).tolist() == [
        [True, True],
        [False, True],
    ]


def test_categorical_rows_are_cached_per_profile_and_repeat_users_share_one() -> None:
    groups = [target(cond(D.COUNTRY, 1)), target(cond(D.COUNTRY, 2), cond(D.AGE_BAND, 3))]
    eligibility = Eligibility(groups)
    users = columns([profile(country={1}, age_band={3}), profile(country={2}, age_band={3}),
                     profile(country={1}, age_band={3})])  # fmt: skip
    distinct, which = eligibility.profiles(users)
    assert len(distinct) == 2 and which[0] == which[2] != which[1]
    rows = eligibility.categorical(distinct)
    assert rows[which].tolist() == [[True, False], [False, True], [True, False]]


def test_a_negative_candidate_is_never_eligible() -> None:
    eligibility = Eligibility([target()])
    users = columns([profile(interest={1})])
    packed = eligibility.packed(users)
    assert eligibility.residual(packed, np.array([0]), np.array([[0, -1]])).tolist() == [
        [True, False]
    ]
