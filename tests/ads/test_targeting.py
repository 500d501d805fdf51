"""Targeting: the index agrees with the definition, on hand cases and random ones."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reelmint.ads.targeting import (
    MULTI,
    SINGLE,
    Condition,
    Dimension,
    Profile,
    Targeting,
    TargetingError,
    TargetingIndex,
    UserColumns,
    behaviour_code,
    matches,
)

D = Dimension


def cond(dimension: Dimension, *values: int, exclude: bool = False) -> Condition:
    return Condition(dimension, frozenset(values), exclude)


def target(*conditions: Condition) -> Targeting:
    return Targeting(conditions)


def profile(**values: set[int]) -> Profile:
    return {Dimension(name): frozenset(v) for name, v in values.items()}


def columns(profiles: list[Profile], codes: int = 8) -> UserColumns:
    """Users as columns: single dimensions as one code (or -1), multi as bool matrices."""
    single = {
        d: np.array([min(p.get(d) or {-1}) for p in profiles], np.int64)
        for d in SINGLE
        if any(d in p for p in profiles)
    }
    multi: dict[Dimension, np.ndarray] = {}
    for d in MULTI:
        matrix = np.zeros((len(profiles), codes), np.bool_)
        for row, p in enumerate(profiles):
            matrix[row, [c for c in p.get(d, ()) if c < codes]] = True
        multi[d] = matrix
    return UserColumns(single, multi)


# --- the definition and the index on hand cases ---------------------------------------


def test_empty_targeting_matches_everyone() -> None:
    index = TargetingIndex([(4, Targeting())])
    assert matches(Targeting(), {})
    assert index.match({}).tolist() == [4]
    assert index.match(profile(country={2}, interest={1, 2})).tolist() == [4]


def test_exclusion_only_targeting_matches_everyone_outside_it() -> None:
    not_us = target(cond(D.COUNTRY, 1, exclude=True))
    index = TargetingIndex([(9, not_us)])
    assert index.match(profile(country={2})).tolist() == [9]
    assert index.match({}).tolist() == [9]  # unknown country passes an exclusion
    assert index.match(profile(country={1})).tolist() == []


def test_a_multi_valued_condition_counts_once_however_many_values_hit_it() -> None:
    # K = 2: interest in {3, 7} AND country in {1}. A user outside country 1 with both
    # interests hits the interest condition twice; counting entries would give 2 = K.
    group = target(cond(D.INTEREST, 3, 7), cond(D.COUNTRY, 1))
    index = TargetingIndex([(1, group)])
    assert index.match(profile(country={2}, interest={3, 7})).tolist() == []
    assert index.match(profile(country={1}, interest={3, 7})).tolist() == [1]
    assert index.match(profile(country={1}, interest={7, 8})).tolist() == [1]


def test_values_the_index_has_never_seen_match_nothing_but_pass_exclusions() -> None:
    index = TargetingIndex(
        [(1, target(cond(D.COUNTRY, 1))), (2, target(cond(D.INTEREST, 5, exclude=True)))]
    )
    assert index.match(profile(country={99}, interest={42})).tolist() == [2]


def test_include_and_exclude_on_one_dimension_combine() -> None:
    # interest in {1, 2} but not 2: only users with 1 and without 2.
    group = target(cond(D.INTEREST, 1, 2), cond(D.INTEREST, 2, exclude=True))
    index = TargetingIndex([(5, group)])
    assert index.match(profile(interest={1})).tolist() == [5]
    assert index.match(profile(interest={1, 2})).tolist() == []
    assert index.match(profile(interest={2})).tolist() == []


def test_a_profile_with_fewer_dimensions_than_k_matches_no_k_group() -> None:
    groups = [
        (3, target(cond(D.COUNTRY, 1), cond(D.AGE_BAND, 2), cond(D.GENDER, 0))),
        (1, target(cond(D.COUNTRY, 1), cond(D.AGE_BAND, 2))),
        (2, target(cond(D.COUNTRY, 1))),
        (0, Targeting()),
    ]
    index = TargetingIndex(groups)
    assert len(index) == 4
    assert index.match(profile(country={1}, age_band={2})).tolist() == [0, 1, 2]
    assert index.match(profile(country={1}, age_band={2}, gender={0})).tolist() == [0, 1, 2, 3]


def test_match_returns_ascending_int64_ids() -> None:
    index = TargetingIndex([(30, Targeting()), (10, target(cond(D.DEVICE, 1))), (20, Targeting())])
    found = index.match(profile(device={1}))
    assert found.tolist() == [10, 20, 30]
    assert found.dtype == np.int64


def test_an_empty_index_matches_nothing() -> None:
    index = TargetingIndex([])
    assert len(index) == 0
    assert index.match(profile(country={1})).tolist() == []


def test_eligible_treats_unknown_single_codes_as_no_value() -> None:
    index = TargetingIndex(
        [(1, target(cond(D.COUNTRY, 1))), (2, target(cond(D.COUNTRY, 1, exclude=True)))]
    )
    users = UserColumns(single={D.COUNTRY: np.array([1, 2, -1])})
    assert index.eligible(users, np.array([1, 2])).tolist() == [
        [True, False],
        [False, True],
        [False, True],
    ]


def test_eligible_reads_codes_beyond_a_matrix_as_not_held_and_missing_columns_as_empty() -> None:
    index = TargetingIndex(
        [(1, target(cond(D.INTEREST, 1, 9))), (2, target(cond(D.AUDIENCE, 0, exclude=True)))]
    )
    users = UserColumns(multi={D.INTEREST: np.array([[False, True], [True, False]])})
    assert index.eligible(users, np.array([2, 1])).tolist() == [[True, True], [True, False]]


def test_eligible_refuses_groups_it_does_not_know() -> None:
    index = TargetingIndex([(1, Targeting())])
    with pytest.raises(KeyError, match="7"):
        index.eligible(UserColumns(single={D.COUNTRY: np.array([1])}), np.array([1, 7]))


def test_user_columns_give_back_each_users_profile() -> None:
    users = UserColumns(
        single={D.COUNTRY: np.array([3, -1])},
        multi={D.INTEREST: np.array([[True, False, True], [False, False, False]])},
    )
    assert len(users) == 2
    assert users.profile(0) == {D.COUNTRY: frozenset({3}), D.INTEREST: frozenset({0, 2})}
    assert users.profile(1) == {D.COUNTRY: frozenset(), D.INTEREST: frozenset()}


def test_user_columns_refuse_mixed_lengths_and_misplaced_dimensions() -> None:
    with pytest.raises(ValueError):
        UserColumns(single={D.COUNTRY: np.array([1, 2]), D.GENDER: np.array([1])})
    with pytest.raises(ValueError):
        UserColumns(multi={D.COUNTRY: np.zeros((2, 3), np.bool_)})
    with pytest.raises(ValueError):
        UserColumns(single={D.INTEREST: np.array([1, 2])})


# --- validation and codes --------------------------------------------------------------


def test_a_condition_needs_values() -> None:
    with pytest.raises(TargetingError, match="at least one value"):
        Condition(D.COUNTRY, frozenset())


def test_codes_are_not_negative() -> None:
    with pytest.raises(TargetingError, match=">= 0"):
        Condition(D.COUNTRY, frozenset({1, -2}))


def test_codes_are_integers_and_dimensions_are_known() -> None:
    with pytest.raises(TargetingError):
        Condition(D.COUNTRY, frozenset({1.5}))  # type: ignore[arg-type]
    with pytest.raises(TargetingError):
        Condition("planet", frozenset({1}))  # type: ignore[arg-type]


def test_two_includes_on_one_dimension_are_refused_with_a_hint_to_merge() -> None:
    with pytest.raises(TargetingError, match="merge"):
        target(cond(D.INTEREST, 1), cond(D.INTEREST, 2))


def test_excludes_may_repeat_a_dimension_and_inputs_are_normalised() -> None:
    t = Targeting([cond(D.INTEREST, 1, exclude=True), cond(D.INTEREST, 2, exclude=True)])  # type: ignore[arg-type]
    assert isinstance(t.conditions, tuple)
    assert t.size == 0
    c = Condition("country", {1, np.int64(2)})  # type: ignore[arg-type]
    assert c.dimension is D.COUNTRY
    assert c.values == frozenset({1, 2})


def test_ad_group_ids_are_unique_in_an_index() -> None:
    with pytest.raises(TargetingError, match="twice"):
        TargetingIndex([(1, Targeting()), (1, Targeting())])


def test_behaviour_codes_pack_topic_and_window() -> None:
    assert behaviour_code(0, 7) == 0
    assert behaviour_code(5, 15) == 16  # 5 * 3 + 1
    assert behaviour_code(2, 30) == 8  # 2 * 3 + 2
    codes = {behaviour_code(t, w) for t in range(10) for w in (7, 15, 30)}
    assert codes == set(range(30))


@pytest.mark.parametrize(("topic", "window"), [(1, 14), (1, 0), (-1, 7)])
def test_behaviour_codes_refuse_other_windows_and_negative_topics(topic: int, window: int) -> None:
    with pytest.raises(ValueError):
        behaviour_code(topic, window)


# --- the index equals the brute-force scan ---------------------------------------------

CODES = 6  # few codes, so random users and ad groups collide often
values = st.frozensets(st.integers(0, CODES - 1), min_size=1, max_size=3)


@st.composite
def targetings(draw: st.DrawFn) -> Targeting:
    included = draw(st.lists(st.sampled_from(list(Dimension)), unique=True, max_size=4))
    excluded = draw(st.lists(st.sampled_from(list(Dimension)), max_size=2))
    conditions = [Condition(d, draw(values)) for d in included]
    conditions += [Condition(d, draw(values), exclude=True) for d in excluded]
    return Targeting(tuple(draw(st.permutations(conditions))))


@st.composite
def profiles(draw: st.DrawFn) -> Profile:
    result: dict[Dimension, frozenset[int]] = {}
    for d in Dimension:
        if draw(st.booleans()):
            size = (0, 1) if d in SINGLE else (0, 4)
            # Codes up to CODES + 1: some exist in no ad group.
            result[d] = draw(
                st.frozensets(st.integers(0, CODES + 1), min_size=size[0], max_size=size[1])
            )
    return result


@settings(max_examples=150, deadline=None)
@given(
    st.lists(targetings(), max_size=25),
    st.lists(profiles(), min_size=1, max_size=8),
    st.integers(0, CODES + 2),
)
def test_the_index_agrees_with_matches_for_every_user_and_group(
    groups: list[Targeting], users: list[Profile], matrix_codes: int
) -> None:
    ids = [3 * i + 1 for i in range(len(groups))][::-1]  # ids out of insertion order
    index = TargetingIndex(zip(ids, groups, strict=True))
    for user in users:
        expected = sorted(g for g, t in zip(ids, groups, strict=True) if matches(t, user))
        assert index.match(user).tolist() == expected

    batch = columns(users, matrix_codes)
    chosen = np.array(ids[::2], np.int64)
    by_id = dict(zip(ids, groups, strict=True))
    eligible = index.eligible(batch, chosen)
    assert eligible.shape == (len(users), len(chosen))
    for row in range(len(users)):
        user = batch.profile(row)
        assert eligible[row].tolist() == [matches(by_id[int(g)], user) for g in chosen]
        assert index.match(user).tolist() == sorted(g for g, t in by_id.items() if matches(t, user))
