"""How a simulated viewer responds to a video the feed showed them.

Everything hangs on the **appeal** of a video to a viewer:

    appeal = quality(video) * sqrt(topics * interest(viewer, topic(video)))

1 for an average video on a topic the viewer is average about, higher for a good video
on a favourite topic. Each response is a probability that rises (or, for "not
interested" and reports, falls) with appeal:

- a play past 5 s (qualified): 1 - exp(-k_q * appeal);
- completion, given past 5 s: 1 - exp(-k_c * appeal * sqrt(median duration / duration)),
  so long videos are finished less often;
- a like, comment or follow only after a qualified play, in proportion to the square
  root of appeal (times the video's likeability for likes); a share in proportion to
  appeal itself, since people share only what they love;
- "not interested" and reports only after a skip, in proportion to 1 / sqrt(appeal).

Square roots keep the step from an average video to a loved one moderate (four times
the appeal, twice the likes), as per-video like rates on real feeds spread over a few
fold, not tens of fold.

**Calibration.** The constants are solved once per population so that, on a
*reference exposure*, each rate equals its target (DESIGN.md section 5's per-play rates
and `sim.qualified_share`). The reference is what a ranker that knows every taste and
favours quality would serve: each play a viewer (weighted by activity) watching a video
on a topic drawn in proportion to the square of their true interest in it (candidates
come in proportion to taste, then taste ranks them), videos in proportion to quality
to the power `sim.reference_selection` (how strongly traffic pools and trending favour
good videos; its default is the one calibrated so a default month lands on the
targets, and the calibration test holds it there), durations in proportion to their
square root (the watch-time term favours long videos). The real ranker only learns
tastes, so the rates it produces sit near the targets, below them while it learns and
above when it finds better videos; the calibration test checks they land within 25%.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from reelmint.sim.population import Population

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
Bools = NDArray[np.bool_]
REFERENCE_PLAYS = 200_000
QUALIFIED_MS = 5_000


@dataclass(frozen=True, slots=True)
class Targets:
    """Per-play rates the behaviour is calibrated to."""

    qualified: float
    completion: float
    like: float
    comment: float
    share: float
    follow: float
    not_interested: float
    report: float


@dataclass(frozen=True, slots=True)
class Responses:
    """One row per play, aligned with the pairs given to `respond`."""

    watch_ms: I64
    complete: Bools
    like: Bools
    comment: Bools
    share: Bools
    follow: Bools
    not_interested: Bools
    report: Bools


@dataclass(frozen=True, slots=True)
class Behaviour:
    targets: Targets
    topics: int
    k_qualified: float
    k_complete: float
    median_ms: float
    scale: dict[str, float]  # per response: target / reference mean of its shape

    @classmethod
    def calibrate(
        cls, pop: Population, targets: Targets, quality: Callable[[int], F64],
        duration_ms: Callable[[int], F64], rng: np.random.Generator, *, selection: float = 1.0,
    ) -> Behaviour:  # fmt: skip
        """Solve the constants on a reference exposure of `REFERENCE_PLAYS` plays.
        `quality(n)` and `duration_ms(n)` draw n videos' traits as the catalog would."""
        n = REFERENCE_PLAYS
        weight = pop.active_share * pop.pages
        users = rng.choice(pop.users, n, p=weight / weight.sum())
        # Candidates come in proportion to taste and are then ranked by it, so topics
        # reach a viewer about in proportion to the square of their taste for them.
        cdf = np.cumsum(np.square(pop.interests[users], dtype=np.float64), axis=1)
        topic = (cdf < rng.random((n, 1)) * cdf[:, -1:]).sum(axis=1)
        topic = np.minimum(topic, pop.interests.shape[1] - 1)
        # The ranker favours quality: videos reach plays in proportion to a power of it
        # (`selection`; a size-biased draw from the catalog's qualities).
        pool = quality(4 * n)
        lean = pool**selection
        picked = rng.choice(len(pool), n, p=lean / lean.sum())
        appeal = appeal_of(pool[picked], pop.interests[users, topic], pop.interests.shape[1])
        # The watch-time term of the score favours long videos: plays lean towards them.
        lengths = duration_ms(4 * n)
        lean = np.sqrt(lengths)
        durations = lengths[rng.choice(len(lengths), n, p=lean / lean.sum())]
        median = float(np.median(durations))
        k_q = _solve(lambda k: _saturate(k * appeal).mean(), targets.qualified)
        q = _saturate(k_q * appeal)
        stretch = appeal * np.sqrt(median / durations)
        k_c = _solve(lambda k: (q * _saturate(k * stretch)).mean(), targets.completion)
        likeable = np.ones(n)  # likeability has mean 1 and is independent of appeal
        shapes = _shapes(appeal, likeable)
        scale = {name: getattr(targets, name) / float(((q if after else 1 - q) * shape).mean())
                 for name, (shape, after) in shapes.items()}  # fmt: skip
        return cls(targets, pop.interests.shape[1], k_q, k_c, median, scale)

    def respond(self, quality: F64, likeability: F64, interest: F64, duration_ms: I64,
                rng: np.random.Generator) -> Responses:  # fmt: skip
        """Draw each play's outcome. Arrays are per play: the video's quality,
        likeability and duration, and the viewer's interest in its topic."""
        n = len(quality)
        appeal = appeal_of(quality, interest, self.topics)
        qualified = rng.random(n) < _saturate(self.k_qualified * appeal)
        stretch = appeal * np.sqrt(self.median_ms / duration_ms)
        complete = qualified & (rng.random(n) < _saturate(self.k_complete * stretch))
        past = QUALIFIED_MS + rng.random(n) * np.maximum(duration_ms - QUALIFIED_MS, 0)
        short = rng.random(n) * np.minimum(duration_ms, QUALIFIED_MS - 1)
        watch = np.where(complete, duration_ms, np.where(qualified, past, short)).astype(np.int64)
        drawn: dict[str, Bools] = {}
        for name, (shape, after) in _shapes(appeal, likeability).items():
            on = qualified if after else ~qualified
            p = np.minimum(self.scale[name] * shape, 0.9)
            drawn[name] = on & (rng.random(n) < p)
        return Responses(watch_ms=watch, complete=complete, **drawn)


def appeal_of(quality: F64, interest: F64, topics: int) -> F64:
    """quality * sqrt(topics * interest): interest is the viewer's share of taste for the
    video's topic (shares sum to 1 over `topics`), so an indifferent viewer scores 1."""
    return np.asarray(quality * np.sqrt(np.maximum(interest * topics, 1e-9)), np.float64)


def _shapes(appeal: F64, likeable: F64) -> dict[str, tuple[F64, bool]]:
    """Per response, its shape in appeal and whether it follows a qualified play (True)
    or a skip (False)."""
    root = np.sqrt(appeal)
    return {
        "like": (root * likeable, True),
        "comment": (root, True),
        "share": (appeal, True),
        "follow": (root, True),
        "not_interested": (1 / root, False),
        "report": (1 / root, False),
    }


def _saturate(x: F64) -> F64:
    return -np.expm1(-x)


def _solve(mean_at: Callable[[float], float], target: float) -> float:
    """k with mean_at(k) = target, for mean_at rising in k (bisection on a log scale)."""
    low, high = 1e-6, 1e3
    for _ in range(80):
        mid = np.sqrt(low * high)
        if mean_at(mid) < target:
            low = mid
        else:
            high = mid
    return float(np.sqrt(low * high))
