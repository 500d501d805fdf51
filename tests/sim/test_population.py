"""The synthetic population: shapes, tastes, follows."""

from __future__ import annotations

import numpy as np
import pytest

from reelmint.sim.calibration import BUILT_IN
from reelmint.sim.metrics import gini
from reelmint.sim.population import band_floor, generate
from reelmint.sim_settings import SimSettings


def make(users: int = 5_000, seed: int = 3, **sim: object):  # type: ignore[no-untyped-def]
    return generate(users, 32, BUILT_IN, SimSettings(**sim), np.random.default_rng(seed))  # type: ignore[arg-type]


def test_shapes_and_shares_follow_the_settings() -> None:
    pop = make()
    assert pop.users == 5_000 and pop.interests.shape == (5_000, 32)
    assert np.allclose(pop.interests.sum(axis=1), 1, atol=1e-4)
    assert len(pop.creators) / pop.users == pytest.approx(BUILT_IN.author_share, abs=0.03)
    assert np.mean(pop.live) == pytest.approx(BUILT_IN.live_share, abs=0.03)
    teens = np.mean(pop.age_band == pop.age_bands.index("13-17"))
    assert teens == pytest.approx(0.08, abs=0.02)
    assert pop.languages[pop.language[pop.country == pop.countries.index("BR")][0]] == "pt"
    assert pop.pages.mean() == pytest.approx(SimSettings().pages_per_day, rel=0.1)


def test_declared_topics_are_few_and_drawn_from_taste() -> None:
    pop = make(declared_topics=3)
    assert ((pop.declared > 0).sum(axis=1) == 3).all()
    picked = pop.interests[pop.declared > 0].mean()
    assert picked > 2 * pop.interests.mean()  # people pick what they like
    none = make(declared_topics=0)
    assert not none.declared.any()


def test_follows_are_unique_capped_and_heavy_tailed() -> None:
    pop = make(max_initial_follows=16)
    user, creator = pop.follows
    keys = user * pop.users + creator
    assert len(np.unique(keys)) == len(keys)
    assert not (user == creator).any()
    assert np.bincount(user, minlength=pop.users).max() <= 16
    assert np.isin(creator, pop.creators).all()
    followers = np.bincount(creator, minlength=pop.users)[pop.creators]
    assert gini(followers) > 0.7  # fame from the fans fit keeps the real heavy tail


def test_creator_share_overrides_the_calibration() -> None:
    assert len(make(creator_share=0.1).creators) == pytest.approx(500, abs=60)
    assert len(make(creator_share=0.0).creators) == 1  # someone must post


def test_adults_by_band_floor() -> None:
    pop = make(age_bands={"13-17": 1.0, "18-24": 1.0})
    assert band_floor("55+") == 55 and band_floor("18-24") == 18
    assert (pop.adult == (pop.age_band == 1)).all()


def test_same_seed_same_population() -> None:
    a, b = make(seed=11), make(seed=11)
    assert np.array_equal(a.follows[0], b.follows[0]) and np.array_equal(a.skill, b.skill)
    assert not np.array_equal(make(seed=12).skill[:10], a.skill[:10])


def test_bad_shares_are_refused() -> None:
    with pytest.raises(ValueError, match="age_bands"):
        SimSettings(age_bands={"18-24": 0.0})
    with pytest.raises(ValueError, match="18-24"):
        SimSettings(age_bands={"adults": 1.0})
    with pytest.raises(ValueError, match="no language"):
        SimSettings(countries={"KR": 1.0})
    with pytest.raises(ValueError, match="at least one user"):
        make(users=0)
