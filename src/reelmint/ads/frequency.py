"""Frequency caps: how often each user saw each ad group over the last days.

Counts live in one table of small counters per day, indexed by a hash of (user, ad
group), so a check for many users and groups at once is a gather, not a lookup per
pair. A collision can only add to a count: a cap may hold back an impression early,
never let one past (the safe direction for a promise made to an advertiser).

Past days do not change once they are over, so the sum of a window's earlier days is
kept per (today, window): a check reads two tables, today's and that sum, however long
the window. Worked example: a 7-day cap on day 100 reads day 100's table and the sum of
days 94-99, built once on day 100's first check.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

I64 = NDArray[np.int64]
DAY_MS = 86_400_000
_A, _B = np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F)


class FrequencyCounter:
    def __init__(self, bits: int = 22, days: int = 30) -> None:
        self.bits, self.days = bits, days
        self._tables: dict[int, NDArray[np.uint8]] = {}
        self._past: dict[tuple[int, int], NDArray[np.uint16]] = {}  # (today, window) -> sum

    def _slot(self, users: I64, groups: I64) -> NDArray[np.uint64]:
        u = users.astype(np.uint64) * _A
        g = groups.astype(np.uint64) * _B
        shift = np.uint64(64 - self.bits)
        slot: NDArray[np.uint64] = (u ^ (g + (u >> np.uint64(29)))) * _A >> shift
        return slot

    def seen(self, users: I64, groups: I64, window_days: I64, now_ms: int) -> I64:
        """Impressions of each (user, group) pair (broadcast) in the `window_days` days up
        to and including today (a window of 0 counts nothing)."""
        users, groups, window = np.broadcast_arrays(users, groups, window_days)
        slots = self._slot(users, groups)
        today = now_ms // DAY_MS
        total = np.zeros(users.shape, np.int64)
        table = self._tables.get(today)
        if table is not None:
            total += np.where(window > 0, table[slots], 0)
        for days in np.unique(window[window > 1]).tolist():
            use = window == days
            total[use] += self._earlier(today, int(days))[slots[use]]
        return total

    def _earlier(self, today: int, window: int) -> NDArray[np.uint16]:
        """Counts summed over the window's days before today (at most 30 x 255 each)."""
        key = (today, window)
        if key not in self._past:
            total = np.zeros(1 << self.bits, np.uint16)
            for back in range(1, window):
                table = self._tables.get(today - back)
                if table is not None:
                    total += table
            self._past = {k: v for k, v in self._past.items() if k[0] == today}
            self._past[key] = total
        return self._past[key]

    def add(self, users: I64, groups: I64, now_ms: int) -> None:
        day = now_ms // DAY_MS
        # Adding to a past day (late events) makes sums that include it stale.
        self._past = {k: v for k, v in self._past.items() if not k[0] - k[1] < day < k[0]}
        table = self._tables.setdefault(day, np.zeros(1 << self.bits, np.uint8))
        slots = self._slot(np.asarray(users, np.int64), np.asarray(groups, np.int64))
        cells, counts = np.unique(slots.astype(np.int64), return_counts=True)
        table[cells] = np.minimum(table[cells].astype(np.int64) + counts, 255)
        for old in [d for d in self._tables if d <= day - self.days]:
            del self._tables[old]
