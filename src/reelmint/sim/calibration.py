"""What the synthetic population is calibrated to: KuaiRand-Pure when it is there, else the
same figures fitted once and written down here.

KuaiRand-Pure (Gao et al., CIKM 2022) samples 27,285 users and 7,583 videos of Kuaishou,
a short-video app with a TikTok-style feed. From it we take:

- **fans per user**: a lognormal fit of `fans_user_num` (log-mean and log-sd of fans + 1).
  The simulator uses it as each creator's *fame*, the weight with which users choose whom
  to follow, so the followers that come out keep the real heavy tail;
- **follows per user**: a lognormal fit of `follow_user_num`, capped in the simulator
  (`sim.max_initial_follows`), since a sample of users can only follow creators in it;
- **share of authors** (`is_video_author`) and **of live streamers** (`is_live_streamer`
  is 1 for them, a placeholder otherwise);
- **activity classes** (`user_active_degree`): the share of users in each, which set how
  often a user opens the app (see `sim.active_day_share`);
- **video durations**: a lognormal fit in milliseconds;
- **topic popularity**: the share of videos per tag, the most common tags first, folded
  into the feed's topic count.

The fits are maximum likelihood for a lognormal: the mean and standard deviation of the
logs. Users in KuaiRand are active users of a large platform, so the share of authors
(0.82) is high for a whole population; `sim.creator_share` overrides it.
"""

from __future__ import annotations

import csv
import math
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

FILES = ("user_features_pure.csv", "video_features_basic_pure.csv")


@dataclass(frozen=True, slots=True)
class LogNormal:
    """A lognormal distribution: exp(N(mu, sigma))."""

    mu: float
    sigma: float

    @classmethod
    def fit(cls, values: np.ndarray) -> LogNormal:
        logs = np.log(np.asarray(values, np.float64))
        return cls(round(float(logs.mean()), 4), round(float(logs.std()), 4))

    @property
    def median(self) -> float:
        return math.exp(self.mu)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.lognormal(self.mu, self.sigma, n)


@dataclass(frozen=True, slots=True)
class Calibration:
    source: str
    fans: LogNormal  # of fans + 1
    follows: LogNormal  # of follows + 1
    author_share: float
    live_share: float
    duration_ms: LogNormal
    activity: dict[str, float] = field(default_factory=dict)  # class -> share of users
    topic_shares: tuple[float, ...] = ()  # descending

    def topics(self, n: int) -> np.ndarray:
        """Popularity of `n` topics: the `n - 1` most common tags, the rest folded into
        the last (with no tags known, every topic is equally popular)."""
        shares = np.asarray(self.topic_shares, np.float64)
        if not len(shares):
            return np.full(n, 1.0 / n)
        out = np.zeros(n)
        head = min(n - 1, len(shares)) if n > 1 else 0
        out[:head] = shares[:head]
        out[head:] += shares[head:].sum() / (n - head)
        return np.asarray(out / out.sum(), np.float64)


_BUILT_IN_ACTIVITY = {
    "full_active": 0.6583,
    "high_active": 0.2257,
    "middle_active": 0.0782,
    "new": 0.0242,
    "low_active": 0.0135,
}
# The 31 most common of 110 tags, then the other 79 together.
_BUILT_IN_TOPICS = (0.1089, 0.0870, 0.0558, 0.0505, 0.0459, 0.0454, 0.0438, 0.0410, 0.0391,
                    0.0386, 0.0323, 0.0294, 0.0284, 0.0258, 0.0232, 0.0194, 0.0180, 0.0180,
                    0.0171, 0.0131, 0.0128, 0.0128, 0.0123, 0.0120, 0.0102, 0.0084, 0.0080,
                    0.0079, 0.0073, 0.0072, 0.0068, 0.1131)  # fmt: skip

# Fitted from the KuaiRand-Pure files by `calibrate()` (sha256 in their README), kept so a
# machine without the folder gets the same population shape.
BUILT_IN = Calibration(
    source="built-in fit of KuaiRand-Pure",
    fans=LogNormal(3.9031, 2.0084),
    follows=LogNormal(4.9431, 1.6161),
    author_share=0.8164,
    live_share=0.2257,
    duration_ms=LogNormal(11.1354, 1.0337),
    activity=_BUILT_IN_ACTIVITY,
    topic_shares=_BUILT_IN_TOPICS,
)

# KuaiRand's activity degrees, grouped into the classes the simulator knows.
_ACTIVITY = {"full_active": "full_active", "high_active": "high_active",
             "middle_active": "middle_active", "low_active": "low_active",
             "single_low_active": "low_active", "2_14_day_new": "new", "day_new": "new",
             "30day_retention": "new"}  # fmt: skip


def default_dir() -> Path:
    """`../shared/data/kuairand_pure/` beside the checkout (where CI and developers keep
    it), found from the working directory or from this file."""
    here = Path(__file__).resolve()
    for base in (Path.cwd(), *here.parents):
        candidate = base.parent / "shared" / "data" / "kuairand_pure"
        if candidate.is_dir():
            return candidate
    return Path.cwd().parent / "shared" / "data" / "kuairand_pure"


def calibrate(folder: Path | None = None) -> Calibration:
    """Fit from `folder` (default: `default_dir()`) when both files are there, else the
    built-in fit. A folder that is there but unreadable is an error, not a fallback."""
    folder = default_dir() if folder is None else folder
    if not all((folder / name).is_file() for name in FILES):
        return BUILT_IN
    users = _read(folder / FILES[0])
    videos = _read(folder / FILES[1])
    fans = np.array([float(r["fans_user_num"]) for r in users]) + 1
    follows = np.array([float(r["follow_user_num"]) for r in users]) + 1
    durations = np.array([float(r["video_duration"]) for r in videos
                          if _positive(r["video_duration"])])  # fmt: skip
    classes = Counter(_ACTIVITY.get(r["user_active_degree"], "") for r in users)
    classes.pop("", None)
    known = sum(classes.values())
    tags = Counter(r["tag"] for r in videos if r["tag"] not in ("", "UNKNOWN"))
    total_tags = sum(tags.values())
    return Calibration(
        source="fitted from the KuaiRand-Pure files",
        fans=LogNormal.fit(fans),
        follows=LogNormal.fit(follows),
        author_share=round(float(np.mean([r["is_video_author"] == "1" for r in users])), 4),
        live_share=round(float(np.mean([r["is_live_streamer"] == "1" for r in users])), 4),
        duration_ms=LogNormal.fit(durations),
        activity={k: round(v / known, 4) for k, v in classes.most_common()},
        topic_shares=tuple(round(c / total_tags, 4) for _, c in tags.most_common()),
    )


def with_creator_share(cal: Calibration, share: float | None) -> Calibration:
    return cal if share is None else replace(cal, author_share=share)


def _positive(text: str) -> bool:
    try:
        return float(text) > 0
    except ValueError:
        return False


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))
