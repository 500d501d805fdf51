"""Videos the synthetic creators post, with the traits only the simulator knows.

The catalog holds what the platform sees (creator, duration, topic, time); `VideoTraits`
holds, per catalog slot, what drives viewers' responses and the ranker must learn:
quality (the creator's skill times a per-video draw, mean 1 for an average creator) and
likeability (how readily viewers like it, apart from how well they watch it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from reelmint.content.catalog import VideoCatalog
from reelmint.sim.calibration import Calibration
from reelmint.sim.population import Population, mean_one
from reelmint.sim_settings import SimSettings

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
MIN_MS, MAX_MS = 6_000, 600_000  # 6 s to 10 min: the feed's range
OFF_TOPIC = 0.3  # share of a creator's videos outside its main topic
VIDEO_NOISE = 0.3  # log-sd of one video's quality around its creator's skill


@dataclass
class VideoTraits:
    quality: F64 = field(default_factory=lambda: np.zeros(0))
    likeability: F64 = field(default_factory=lambda: np.zeros(0))
    next_id: int = 1

    def __len__(self) -> int:
        return len(self.quality)


@dataclass(frozen=True)
class Poster:
    """Draws posts for a population; one per run."""

    pop: Population
    cal: Calibration
    sim: SimSettings
    topics: int

    def post(self, catalog: VideoCatalog, traits: VideoTraits, start_ms: int, span_ms: int,
             rng: np.random.Generator) -> I64:  # fmt: skip
        """Post each creator's videos for [start_ms, start_ms + span_ms): Poisson counts at
        the creator's rate, times uniform in the span. Returns the new catalog slots."""
        days = span_ms / 86_400_000
        counts = rng.poisson(self.pop.post_rate * days)
        who = np.repeat(np.arange(len(self.pop.creators)), counts)
        n = len(who)
        if not n:
            return np.zeros(0, np.int64)
        topic = np.where(rng.random(n) < OFF_TOPIC,
                         rng.choice(self.topics, n, p=self.pop.topic_popularity),
                         self.pop.main_topic[who])  # fmt: skip
        ids = np.arange(traits.next_id, traits.next_id + n, dtype=np.int64)
        slots = catalog.add_columns(
            ids=ids, creator=self.pop.creators[who], duration_ms=self.durations(n, rng),
            topic=topic.astype(np.int64),
            posted_at_ms=start_ms + rng.integers(0, span_ms, n, dtype=np.int64),
        )  # fmt: skip
        if slots[0] != len(traits) or slots[-1] != len(traits) + n - 1:
            raise RuntimeError("the simulator's videos must fill the catalog in order")
        traits.quality = np.concatenate([traits.quality, self.quality(n, rng, who)])
        traits.likeability = np.concatenate([traits.likeability, mean_one(
            rng, self.sim.likeability_sigma, n)])  # fmt: skip
        traits.next_id += n
        return slots

    def durations(self, n: int, rng: np.random.Generator) -> I64:
        drawn = np.clip(self.cal.duration_ms.sample(rng, n), MIN_MS, MAX_MS)
        return np.asarray(drawn, np.int64)

    def quality(self, n: int, rng: np.random.Generator, who: I64 | None = None) -> F64:
        """Quality of n videos: their creators' skill (drawn from all creators when `who`
        is None, for the behaviour's reference) times a per-video draw."""
        if who is None:
            who = rng.integers(0, len(self.pop.creators), n)
        return self.pop.skill[who] * mean_one(rng, VIDEO_NOISE, n)
