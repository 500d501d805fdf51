"""Who is on the synthetic platform: users, the creators among them, and their tastes.

Every array is indexed by user id (0 .. n-1); creators are users who post, so a
creator's id is its user id. Drawn once from a seeded generator and the calibration
(`reelmint.sim.calibration`), then fixed for the run except follows, which grow.

- **Tastes.** Each user's interest over topics is a Dirichlet draw around topic
  popularity; `declared` is the few topics picked at sign-up (what the ranker is told),
  drawn from the true tastes, so the ranker starts with a hint and learns the rest.
- **Activity.** A user's KuaiRand activity class sets the chance of opening the app on a
  day; a lognormal level (mean `sim.pages_per_day`) sets how many feed pages they ask for.
- **Creators.** Fame is drawn from the fans-per-user fit; users pick whom to follow in
  proportion to it, so followers come out as heavy-tailed as fans are. Skill (the mean
  quality of a creator's videos, mean 1) and a lognormal posting rate are independent.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from reelmint.feed.audience import sorted_unique
from reelmint.sim.calibration import Calibration
from reelmint.sim_settings import SimSettings

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]


@dataclass(frozen=True)
class Population:
    age_band: NDArray[np.int8]  # index into `age_bands`
    gender: NDArray[np.int8]
    country: NDArray[np.int8]
    language: NDArray[np.int8]
    interests: NDArray[np.float32]  # users x topics, rows sum to 1
    declared: NDArray[np.float32]  # users x topics, the sign-up picks (rows sum to 1 or 0)
    active_share: F64  # chance of opening the app on a day
    pages: F64  # mean feed requests on such a day
    creators: I64  # user ids of the users who post, ascending
    fame: F64  # per creator: weight in the choice of whom to follow
    skill: F64  # per creator: mean quality of its videos (population mean 1)
    post_rate: F64  # per creator: videos per day
    main_topic: I64  # per creator
    live: NDArray[np.bool_]  # per creator: goes LIVE (for the gifts engine)
    topic_popularity: F64
    follows: tuple[I64, I64]  # starting (user, creator id) edges, no repeats, no self-follows
    age_bands: tuple[str, ...]
    genders: tuple[str, ...]
    countries: tuple[str, ...]
    languages: tuple[str, ...]

    @property
    def users(self) -> int:
        return len(self.active_share)

    @property
    def adult(self) -> NDArray[np.bool_]:
        """18 or over: the band's lower bound ("18-24", "55+") is at least 18."""
        lows = np.array([band_floor(b) for b in self.age_bands])
        return lows[self.age_band] >= 18


def band_floor(band: str) -> int:
    """The lower bound of an age band written "18-24" or "55+"."""
    return int(band.rstrip("+").split("-")[0])


def generate(users: int, topics: int, cal: Calibration, sim: SimSettings,
             rng: np.random.Generator) -> Population:  # fmt: skip
    if users < 1:
        raise ValueError("a population needs at least one user")
    bands, genders, countries = (tuple(d) for d in (sim.age_bands, sim.genders, sim.countries))
    languages = tuple(sorted(set(sim.languages.values())))
    country = _draw(rng, sim.countries, users)
    language_of = np.array([languages.index(sim.languages[c]) for c in countries], np.int8)
    popularity = cal.topics(topics)
    interests = rng.dirichlet(sim.interest_concentration * topics * popularity, users)
    interests = np.maximum(interests, 1e-6)
    interests = (interests / interests.sum(axis=1, keepdims=True)).astype(np.float32)
    classes = tuple(cal.activity) or ("full_active",)
    weights = np.array([cal.activity.get(c, 1.0) for c in classes])
    cls = rng.choice(len(classes), users, p=weights / weights.sum())
    day_share = np.array([sim.active_day_share.get(c, 0.5) for c in classes])[cls]
    pages = mean_one(rng, sim.activity_sigma, users) * sim.pages_per_day
    creator_share = cal.author_share if sim.creator_share is None else sim.creator_share
    creators = np.flatnonzero(rng.random(users) < creator_share).astype(np.int64)
    if not len(creators):  # a platform with nobody posting has nothing to rank
        creators = np.array([0], np.int64)
    c = len(creators)
    fame = cal.fans.sample(rng, c)
    return Population(
        age_band=_draw(rng, sim.age_bands, users), gender=_draw(rng, sim.genders, users),
        country=country, language=language_of[country], interests=interests,
        declared=_declare(rng, interests, sim.declared_topics), active_share=day_share,
        pages=pages, creators=creators, fame=fame,
        skill=mean_one(rng, sim.quality_sigma, c),
        post_rate=np.exp(rng.normal(np.log(sim.posts_per_day), sim.posting_sigma, c)),
        main_topic=rng.choice(topics, c, p=popularity), live=rng.random(c) < cal.live_share,
        topic_popularity=popularity,
        follows=_follows(rng, cal, creators, fame, users, sim.max_initial_follows),
        age_bands=bands, genders=genders, countries=countries, languages=languages,
    )  # fmt: skip


def _draw(rng: np.random.Generator, shares: dict[str, float], n: int) -> NDArray[np.int8]:
    p = np.array(list(shares.values()), np.float64)
    return rng.choice(len(p), n, p=p / p.sum()).astype(np.int8)


def mean_one(rng: np.random.Generator, sigma: float, n: int) -> F64:
    """Lognormal with mean 1: the level's spread without moving its average."""
    return rng.lognormal(-sigma * sigma / 2, sigma, n)


def _declare(rng: np.random.Generator, interests: NDArray[np.float32], k: int
             ) -> NDArray[np.float32]:  # fmt: skip
    """k topics per user drawn without replacement in proportion to taste (Gumbel top-k)."""
    declared = np.zeros_like(interests)
    if k <= 0:
        return declared
    k = min(k, interests.shape[1])
    keys = np.log(interests) + rng.gumbel(size=interests.shape).astype(np.float32)
    picks = np.argpartition(-keys, k - 1, axis=1)[:, :k]
    np.put_along_axis(declared, picks, np.float32(1.0 / k), axis=1)
    return declared


def _follows(rng: np.random.Generator, cal: Calibration, creators: I64, fame: F64, users: int,
             cap: int) -> tuple[I64, I64]:  # fmt: skip
    """Each user follows min(cap, follows-fit draw) creators, chosen by fame."""
    want = np.minimum(np.floor(cal.follows.sample(rng, users) - 1), cap).astype(np.int64)
    want = np.clip(want, 0, len(creators))
    user = np.repeat(np.arange(users, dtype=np.int64), want)
    cdf = np.cumsum(fame)
    picks = np.searchsorted(cdf, rng.random(len(user)) * cdf[-1], side="right")
    creator = creators[np.minimum(picks, len(creators) - 1)]
    keys = sorted_unique(user * np.int64(users) + creator)  # repeats and self-follows drop out
    user, creator = keys // users, keys % users
    keep = user != creator
    return user[keep], creator[keep]
