"""Viewer responses: calibrated to the targets on the reference, monotone in appeal."""

from __future__ import annotations

import numpy as np
import pytest

from reelmint.sim.behaviour import Behaviour, Targets, appeal_of
from reelmint.sim.calibration import BUILT_IN
from reelmint.sim.population import generate
from reelmint.sim_settings import SimSettings

TARGETS = Targets(qualified=0.45, completion=0.19, like=0.02, comment=0.0007, share=0.0002,
                  follow=0.0014, not_interested=0.005, report=0.0005)  # fmt: skip


def behaviour(seed: int = 1) -> Behaviour:
    pop = generate(2_000, 8, BUILT_IN, SimSettings(), np.random.default_rng(seed))
    rng = np.random.default_rng(seed + 1)
    return Behaviour.calibrate(pop, TARGETS, lambda n: rng.lognormal(-0.5, 1.0, n),
                               lambda n: rng.lognormal(11.1, 1.0, n).clip(6_000, 600_000),
                               np.random.default_rng(seed + 2))  # fmt: skip


def respond(b: Behaviour, appeal_quality: float, n: int = 400_000, duration: int = 30_000):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(5)
    return b.respond(np.full(n, appeal_quality), np.ones(n), np.full(n, 1 / b.topics),
                     np.full(n, duration, np.int64), rng)  # fmt: skip


def test_appeal_is_one_for_an_average_video_and_an_indifferent_viewer() -> None:
    assert appeal_of(np.array([1.0]), np.array([1 / 8]), 8)[0] == pytest.approx(1.0)
    assert appeal_of(np.array([2.0]), np.array([4 / 8]), 8)[0] == pytest.approx(4.0)


def test_better_videos_are_watched_liked_and_shared_more_and_refused_less() -> None:
    b = behaviour()
    weak, strong = respond(b, 0.5), respond(b, 3.0)
    assert (strong.watch_ms >= 5_000).mean() > (weak.watch_ms >= 5_000).mean()
    for name in ("complete", "like", "share", "comment"):
        assert getattr(strong, name).mean() > getattr(weak, name).mean(), name
    assert strong.not_interested.mean() < weak.not_interested.mean()


def test_actions_follow_a_qualified_play_and_refusals_a_skip() -> None:
    r = respond(behaviour(), 1.0)
    qualified = r.watch_ms >= 5_000
    assert not (r.like & ~qualified).any() and not (r.follow & ~qualified).any()
    assert not (r.not_interested & qualified).any() and not (r.report & qualified).any()
    assert (r.watch_ms[r.complete] == 30_000).all()
    assert (r.watch_ms <= 30_000).all() and (r.watch_ms >= 0).all()


def test_long_videos_are_finished_less_often() -> None:
    b = behaviour()
    assert respond(b, 1.0, duration=300_000).complete.mean() < respond(b, 1.0).complete.mean()


def test_constants_hit_the_targets_on_the_reference_exposure() -> None:
    """Solve on one reference draw, measure on another of the same kind."""
    b = behaviour(seed=1)
    pop = generate(2_000, 8, BUILT_IN, SimSettings(), np.random.default_rng(1))
    rng = np.random.default_rng(99)
    n = 400_000
    users = rng.choice(pop.users, n, p=(w := pop.active_share * pop.pages) / w.sum())
    weight = np.square(pop.interests[users], dtype=np.float64)
    cdf = np.cumsum(weight, axis=1)
    topic = np.minimum((cdf < rng.random((n, 1)) * cdf[:, -1:]).sum(axis=1), 7)
    pool = rng.lognormal(-0.5, 1.0, 4 * n)
    quality = pool[rng.choice(len(pool), n, p=pool / pool.sum())]
    lengths = rng.lognormal(11.1, 1.0, 4 * n).clip(6_000, 600_000)
    durations = lengths[rng.choice(len(lengths), n, p=np.sqrt(lengths) / np.sqrt(lengths).sum())]
    r = b.respond(quality, rng.lognormal(-0.18, 0.6, n), pop.interests[users, topic].astype(float),
                  durations.astype(np.int64), rng)  # fmt: skip
    assert (r.watch_ms >= 5_000).mean() == pytest.approx(TARGETS.qualified, rel=0.03)
    assert r.complete.mean() == pytest.approx(TARGETS.completion, rel=0.05)
    assert r.like.mean() == pytest.approx(TARGETS.like, rel=0.08)
    assert r.follow.mean() == pytest.approx(TARGETS.follow, rel=0.15)
    assert r.not_interested.mean() == pytest.approx(TARGETS.not_interested, rel=0.1)
