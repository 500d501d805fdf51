"""The ranker's vocabulary: pool statuses, the action terms of the score, served pages.

Pure: no I/O. The score of a video for a user is

    score = sum over actions a of  w_a * P(a | user, video)  +  w_t * E[watch seconds]

with P(a | user, video) = rate_a(video) * f(user, topic) for liked actions and watch
time, and rate_a(video) / f(user, topic) for negative feedback (not interested, report),
where rate_a is the video's smoothed rate per impression and f the user's affinity
factor for the video's topic (1 for a user with no known taste).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]

# Actions of the score and the counter each one is read from (events.counters.SIGNALS).
POSITIVE_ACTIONS = {"like": "likes", "comment": "comments", "share": "shares",
                    "follow": "follows"}  # fmt: skip
NEGATIVE_ACTIONS = {"not_interested": "not_interested", "report": "reports"}
ACTIONS = {**POSITIVE_ACTIONS, **NEGATIVE_ACTIONS}
WATCH = "watch_s"


class PoolStatus(enum.IntEnum):
    """Where a video stands in the traffic pools."""

    TESTING = 0  # being shown to its current pool's audience
    STALLED = 1  # left a pool without beating its peers: no more pool traffic
    OPEN = 2  # promoted past the last pool: distribution is no longer capped


@dataclass(frozen=True, slots=True)
class VideoTerms:
    """Per video (by catalog slot): the two halves of its unpersonalised score and the
    smoothed rates they came from. `positive` is sum of w_a * rate_a over liked actions
    plus w_t * watch seconds; `negative` (<= 0) the same over negative feedback."""

    positive: F64
    negative: F64
    rates: dict[str, F64]
    retention: F64  # watch time per impression over the peers'

    @property
    def score(self) -> F64:
        """The score for a user with no known taste (affinity factor 1)."""
        return self.positive + self.negative


@dataclass(frozen=True, slots=True)
class FeedPage:
    """One answered request: `videos[i]` is the video id at position i, or -1 where the
    slot plan reserves an ad. `scores` are the ranker's (NaN at ad slots)."""

    user: int
    videos: tuple[int, ...]
    scores: tuple[float, ...]
    ad_positions: tuple[int, ...]

    @property
    def organic(self) -> tuple[int, ...]:
        return tuple(v for v in self.videos if v >= 0)


@dataclass(frozen=True, slots=True)
class RefreshReport:
    """What a refresh of the ranker's snapshot changed."""

    promoted: int
    stalled: int
    opened: int
    videos: int
