"""The three ways a period's rewards are shared: pure functions from views to payouts.

Every mode pays creators (one amount each, within one micro of the creator's exact
share, by the largest remainder) and then splits each creator's amount among their
videos by payable views, by the largest remainder again, so the video lines sum to the
creator's amount and the creators' amounts to what was distributed.

- **RPM** (`rpm`): a creator's exact share is `rate x weighted views / 1,000`, where a
  video's weighted views are its views times its multiplier (1 unless the settings'
  engagement or watch-time tiers raise it). What is distributed is the floor of the sum.
  Example: at $0.50 per 1,000, creators with 1,500 and 999 views have exact shares
  $0.75 and $0.4995; $1.2495 is distributed as 750,000 + 499,500 micros.
- **Fixed pool, pro rata** (`pool`): the pool is split in proportion to payable views.
  Example: a $100 pool over 3,000 and 1,000 views pays $75 and $25. Its flaw is
  arithmetic: the rate per view is pool / all views, so the more the platform watches,
  the less each view pays (double every creator's views and the rate halves).
- **User-centric** (`user_centric`): every viewer holds an equal share of the pool
  (pool / viewers), split among the creators that viewer watched in proportion to the
  viewer's qualified views of each. Example: a $10 pool, viewer A watched creator X 9
  times and Y once, viewer B watched Y once: A's $5 gives X $4.50 and Y $0.50, B's $5
  goes to Y, so X gets $4.50 and Y $5.50 (pro rata would pay X $8.18 and Y $1.82).

Exactness of user-centric: a creator's exact share is `pool / viewers x sum over its
viewers of (views of it / the viewer's views)`. Viewers with the same total are summed
first (`viewer_watch`), so each term is `A / W` for a (creator, viewer total W) group;
its whole part is kept exactly and its fraction to `k` bits (`k` = 40 or more at any
real scale). The payouts are then the largest-remainder split of the pool by these
weights: each is within one micro of its exact share plus at most
`groups x 2**-k x pool per viewer` (under a millionth of a micro for a $1,000,000 pool
over 100,000 viewers with 1,000 groups per creator).

Pure: NumPy only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from reelmint.allocation import allocate_array, allocate_within, apportion
from reelmint.rewards.model import Mode, RewardsError

I64 = NDArray[np.int64]
VIEWS_PER_RATE = 1_000  # an RPM is per 1,000 views


@dataclass(frozen=True)
class VideoViews:
    """Payable qualified views per earning video, with optional RPM weights.

    `weight[i] / scale` is video i's views times its multiplier (`multipliers.weights`);
    without weights a video's weight is its views.
    """

    video: I64
    creator: I64
    views: I64
    weight: I64 | None = None
    scale: int = 1

    def __post_init__(self) -> None:
        n = len(self.video)
        if len(self.creator) != n or len(self.views) != n:
            raise RewardsError("video, creator and views must have the same length")
        if self.weight is not None and len(self.weight) != n:
            raise RewardsError("a weight per video, or none")
        if n and self.views.min() < 0:
            raise RewardsError("views must not be negative")

    @classmethod
    def of(cls, video: list[int], creator: list[int], views: list[int]) -> VideoViews:
        return cls(np.array(video, np.int64), np.array(creator, np.int64),
                   np.array(views, np.int64))  # fmt: skip


@dataclass(frozen=True)
class ViewerWatch:
    """The per-viewer views user-centric needs, summed over viewers with the same total:
    `views[i]` is the qualified views of `creator[i]` by all viewers whose own total is
    `viewer_total[i]`. `viewers` is how many viewers there are (each holds one share)."""

    creator: I64
    viewer_total: I64
    views: I64
    viewers: int


@dataclass(frozen=True)
class Distribution:
    """What a mode pays: per creator (ascending ids) and per video line."""

    mode: Mode
    creator: I64
    views: I64
    micros: I64
    video: I64
    video_creator: I64
    video_views: I64
    video_micros: I64
    distributed: int
    rate_micros: int = 0
    pool_micros: int = 0
    viewers: int = 0

    def paid(self) -> dict[int, int]:
        return dict(zip(self.creator.tolist(), self.micros.tolist(), strict=True))

    @property
    def total_views(self) -> int:
        return int(self.views.sum())

    @property
    def effective_rpm(self) -> int:
        """Micros paid per 1,000 payable views (floored), 0 without views."""
        views = self.total_views
        return self.distributed * VIEWS_PER_RATE // views if views else 0


def rpm(views: VideoViews, rate_micros: int) -> Distribution:
    if rate_micros < 0:
        raise RewardsError("the RPM must not be negative")
    weight = views.views if views.weight is None else views.weight
    creators, index = np.unique(views.creator, return_inverse=True)
    per_creator = _sum_by(index, weight, len(creators))
    numerators = per_creator.astype(object) * rate_micros
    micros, total = apportion(numerators, VIEWS_PER_RATE * views.scale)
    return _finish(Mode.RPM, views, creators, index, micros, total, rate_micros=rate_micros)


def pool(views: VideoViews, pool_micros: int) -> Distribution:
    if pool_micros < 0:
        raise RewardsError("the pool must not be negative")
    creators, index = np.unique(views.creator, return_inverse=True)
    per_creator = _sum_by(index, views.views, len(creators))
    if not per_creator.sum():
        micros, total = np.zeros(len(creators), np.int64), 0
    else:
        micros, total = allocate_array(pool_micros, per_creator), pool_micros
    return _finish(Mode.POOL, views, creators, index, micros, total, pool_micros=pool_micros)


def user_centric(views: VideoViews, watch: ViewerWatch, pool_micros: int) -> Distribution:
    """`views` gives the video lines; `watch` (over the same views) the creators' shares."""
    if pool_micros < 0:
        raise RewardsError("the pool must not be negative")
    creators, index = np.unique(views.creator, return_inverse=True)
    weights = _viewer_weights(watch, creators)
    if not any(weights):
        micros, total = np.zeros(len(creators), np.int64), 0
    else:
        micros, total = allocate_array(pool_micros, weights), pool_micros
    return _finish(Mode.USER_CENTRIC, views, creators, index, micros, total,
                   pool_micros=pool_micros, viewers=watch.viewers)  # fmt: skip


def viewer_watch(viewer: I64, creator: I64, views: I64) -> ViewerWatch:
    """Group per-(viewer, creator) qualified views by (creator, the viewer's total)."""
    if not len(viewer):
        empty = np.zeros(0, np.int64)
        return ViewerWatch(empty, empty, empty, 0)
    viewers, at = np.unique(viewer, return_inverse=True)
    totals = _sum_by(at, views, len(viewers))[at]
    order = np.lexsort((totals, creator))
    c, t, v = creator[order], totals[order], views[order]
    starts = np.flatnonzero(np.r_[True, (c[1:] != c[:-1]) | (t[1:] != t[:-1])])
    return ViewerWatch(c[starts], t[starts], np.add.reduceat(v, starts), len(viewers))


def _viewer_weights(watch: ViewerWatch, creators: I64) -> NDArray[np.object_]:
    """Each creator's sum of A / W in fixed point (see the module docstring)."""
    weights = np.zeros(len(creators), object)
    if not len(watch.creator):
        return weights
    at = np.searchsorted(creators, watch.creator)
    if (at >= len(creators)).any() or (creators[np.minimum(at, len(creators) - 1)]
                                       != watch.creator).any():  # fmt: skip
        raise RewardsError("viewer watch names a creator with no payable views")
    groups = int(np.bincount(at).max())
    bits = 62 - max(int(watch.viewer_total.max()).bit_length(), groups.bit_length())
    if bits < 20:
        raise RewardsError("viewer totals too large for a user-centric split")
    whole, part = np.divmod(watch.views, watch.viewer_total)
    fraction = (part << bits) // watch.viewer_total
    per_whole = _sum_by(at, whole, len(creators)).astype(object)
    per_fraction = _sum_by(at, fraction, len(creators)).astype(object)
    return per_whole * (1 << bits) + per_fraction  # type: ignore[no-any-return]


def _finish(mode: Mode, views: VideoViews, creators: I64, index: I64, micros: I64,
            total: int, **extra: int) -> Distribution:  # fmt: skip
    per_creator_views = _sum_by(index, views.views, len(creators))
    # A creator with money but no views cannot be (views are what earn); the split needs
    # a weight above zero wherever there is money, which the modes guarantee.
    video_micros = allocate_within(micros, index, views.views)
    return Distribution(mode, creators, per_creator_views, micros, views.video, views.creator,
                        views.views, video_micros, int(total), **extra)  # fmt: skip


def _sum_by(index: I64, values: I64, n: int) -> I64:
    """Exact int64 sums per group (bincount's weights go through floats)."""
    out = np.zeros(n, np.int64)
    np.add.at(out, index, values)
    return out
