"""Online engagement counters per video, in process, updated as events are accepted.

The ranker reads these: one int64 array per signal, indexed by catalog slot, so that
scoring thousands of candidates is a gather, not a query. `update` folds a whole batch
in with one `bincount` per signal (no per-event Python).

`qualifying_plays` counts plays that meet the qualified-view rule except its
first-view-per-viewer clause (For You surface, watched >= the minimum, not invalid, not
paid). Deduplicating viewers needs the history of every (viewer, video) pair, which the
lake has; the exact qualified views that money depends on are computed there
(`events.stats`). For ranking, a replay that qualifies is a fair signal of interest.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from reelmint.events.model import Kind, Surface

I64 = NDArray[np.int64]
SIGNALS = (
    "impressions", "plays", "watch_ms", "completions", "likes", "comments", "shares",
    "follows", "not_interested", "reports", "qualifying_plays",
)  # fmt: skip
_BY_KIND = {
    Kind.IMPRESSION: "impressions",
    Kind.LIKE: "likes",
    Kind.COMMENT: "comments",
    Kind.SHARE: "shares",
    Kind.FOLLOW: "follows",
    Kind.NOT_INTERESTED: "not_interested",
    Kind.REPORT: "reports",
}


class EngagementCounters:
    """Totals since the start of the process (or of the rebuild from the lake)."""

    def __init__(self, size: int = 0, *, qualified_view_min_ms: int = 5_000) -> None:
        self.qualified_view_min_ms = qualified_view_min_ms
        self.size = 0
        for name in SIGNALS:
            setattr(self, name, np.zeros(0, np.int64))
        self.grow(size)

    impressions: I64
    plays: I64
    watch_ms: I64
    completions: I64
    likes: I64
    comments: I64
    shares: I64
    follows: I64
    not_interested: I64
    reports: I64
    qualifying_plays: I64

    def grow(self, size: int) -> None:
        """Make room for slots up to `size` (new videos start at zero)."""
        if size <= self.size:
            return
        for name in SIGNALS:
            old = getattr(self, name)
            new = np.zeros(size, np.int64)
            new[: len(old)] = old
            setattr(self, name, new)
        self.size = size

    def update(
        self, kind: NDArray[np.int8], slot: I64, *, watch_ms: I64, complete: NDArray[np.bool_],
        surface: NDArray[np.int8], invalid: NDArray[np.bool_], paid: NDArray[np.bool_],
    ) -> None:  # fmt: skip
        """Fold in accepted feed events. `slot` is the video's catalog slot (-1: not a
        video event, ignored); the other columns are aligned with it. Invalid events
        count nowhere: fake likes must not buy visibility."""
        if len(slot) and slot.max() >= self.size:
            self.grow(int(slot.max()) + 1)
        keep = (slot >= 0) & ~invalid
        for k, name in _BY_KIND.items():
            self._add(name, slot[keep & (kind == k)])
        play = keep & (kind == Kind.PLAY)
        self._add("plays", slot[play])
        self._add("watch_ms", slot[play], np.maximum(watch_ms[play], 0))
        self._add("completions", slot[play & complete])
        qualifying = (play & (surface == Surface.FOR_YOU) & ~paid
                      & (watch_ms >= self.qualified_view_min_ms))  # fmt: skip
        self._add("qualifying_plays", slot[qualifying])

    def add_totals(self, slot: I64, totals: dict[str, I64]) -> None:
        """Add per-video totals (from a rebuild over the lake) for the given slots."""
        if len(slot) and slot.max() >= self.size:
            self.grow(int(slot.max()) + 1)
        for name, values in totals.items():
            if name not in SIGNALS:
                raise ValueError(f"unknown counter {name!r}")
            np.add.at(getattr(self, name), slot, values)

    def _add(self, name: str, slots: I64, weights: I64 | None = None) -> None:
        if not len(slots):
            return
        counts = np.bincount(slots, weights=weights, minlength=self.size)
        target = getattr(self, name)
        target += counts.astype(np.int64) if weights is not None else counts
