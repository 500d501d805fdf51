"""Videos the synthetic creators post, with the traits only the simulator knows.

The catalog holds what the platform sees (creator, duration, topic, time); `VideoTraits`
holds, per catalog slot, what drives viewers' responses and the ranker must learn:
quality (the creator's skill times a per-video draw, mean 1 for an average creator) and
likeability (how readily viewers like it, apart from how well they watch it).

A video's origin (original, duet, stitch, sponsored: `sim.rewards.origin_shares`) is
drawn from its own stream (`origin_stream`), so posting them took no draw from any other
and the run's other figures are what they were before videos had origins.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from reelmint.content.catalog import VideoCatalog
from reelmint.content.model import Origin
from reelmint.rewards_sim_settings import ORIGINS
from reelmint.sim.calibration import Calibration
from reelmint.sim.population import Population, mean_one
from reelmint.sim_settings import SimSettings

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
MIN_MS, MAX_MS = 6_000, 600_000  # 6 s to 10 min: the feed's range
OFF_TOPIC = 0.3  # share of a creator's videos outside its main topic
VIDEO_NOISE = 0.3  # log-sd of one video's quality around its creator's skill
ORIGIN_PURPOSE = "feed.origin"


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
            origin=self.origins(n, origin_stream(rng)),
        )  # fmt: skip
        if slots[0] != len(traits) or slots[-1] != len(traits) + n - 1:
            raise RuntimeError("the simulator's videos must fill the catalog in order")
        traits.quality = np.concatenate([traits.quality, self.quality(n, rng, who)])
        traits.likeability = np.concatenate([traits.likeability, mean_one(
            rng, self.sim.likeability_sigma, n)])  # fmt: skip
        traits.next_id += n
        return slots

    def origins(self, n: int, rng: np.random.Generator) -> NDArray[np.int8]:
        """Each video's origin at the settings' shares. Worked example: shares duet 0.05,
        stitch 0.04, sponsored 0.02 cut [0, 1) at 0.05, 0.09 and 0.11; a draw of 0.07 is
        a stitch, one of 0.5 an original."""
        shares = self.sim.rewards.origin_shares
        cuts = np.cumsum([shares.get(name, 0.0) for name in ORIGINS])
        kinds = np.array([*(int(Origin[name.upper()]) for name in ORIGINS),
                          int(Origin.ORIGINAL)], np.int8)  # fmt: skip
        return kinds[np.searchsorted(cuts, rng.random(n), side="right")]

    def durations(self, n: int, rng: np.random.Generator) -> I64:
        drawn = np.clip(self.cal.duration_ms.sample(rng, n), MIN_MS, MAX_MS)
        return np.asarray(drawn, np.int64)

    def quality(self, n: int, rng: np.random.Generator, who: I64 | None = None) -> F64:
        """Quality of n videos: their creators' skill (drawn from all creators when `who`
        is None, for the behaviour's reference) times a per-video draw."""
        if who is None:
            who = rng.integers(0, len(self.pop.creators), n)
        return self.pop.skill[who] * mean_one(rng, VIDEO_NOISE, n)


def origin_stream(rng: np.random.Generator) -> np.random.Generator:
    """The origins' own stream beside the posting stream `rng`.

    A run's streams are seeded with (seed, crc32 of the purpose, *keys) (`world.seeded`),
    so the videos posted with `world.rng("feed.day", 3)` take their origins from
    `world.rng("feed.origin", 3)`, and the back catalog's (`world.rng("feed.back-catalog")`)
    from `world.rng("feed.origin")`. A generator seeded otherwise (a test's) gets a child
    of its seed sequence. Either way `rng` itself is not drawn from.
    """
    seq = rng.bit_generator.seed_seq
    entropy = getattr(seq, "entropy", None)
    if isinstance(entropy, list) and len(entropy) >= 2:
        return np.random.default_rng([entropy[0], zlib.crc32(ORIGIN_PURPOSE.encode()),
                                      *entropy[2:]])  # fmt: skip
    if not isinstance(seq, np.random.SeedSequence):
        raise TypeError("the posting generator has no seed sequence to branch from")
    return np.random.default_rng(seq.spawn(1)[0])
