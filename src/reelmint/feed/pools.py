"""Traffic pools: a new video is shown to a small audience first, and earns a bigger one.

Every video starts in pool 0 with a seed audience (300 impressions by default). When its
impressions reach the pool's size it leaves the pool and is judged against its peers,
the videos that left the same pool before it: if its score beats the top
`promote_share` of theirs it moves up (3k, 30k, 300k, 3M impressions, then open
distribution); otherwise it stalls and gets no more pool traffic. Until `min_peers`
videos have left a pool, a video is judged against the score of one performing exactly
at the priors.

Worked example, promote_share 30%: peers left pool 0 with scores 1, 2, ..., 10; the
bar is their 70th percentile, 7.3. A video leaving with 8.0 moves to pool 1 (3,000
impressions); one with 5.0 stalls at 300.
"""

from __future__ import annotations

import numpy as np

from reelmint.feed.model import F64, I64, PoolStatus

OPEN_CAPACITY = np.iinfo(np.int64).max // 4


class TrafficPools:
    def __init__(
        self, sizes: tuple[int, ...], promote_share: float, *, min_peers: int, memory: int
    ) -> None:
        self.sizes = np.array(sizes, np.int64)
        self.promote_share = promote_share
        self.min_peers = min_peers
        self.level = np.zeros(0, np.int64)
        self.status = np.zeros(0, np.int8)
        # The scores of the latest `memory` exits of each pool, as a ring per pool.
        self._exits = np.zeros((len(sizes), memory), np.float64)
        self._exit_count = np.zeros(len(sizes), np.int64)

    @property
    def levels(self) -> int:
        """Pool levels, counting open distribution as the last one."""
        return len(self.sizes) + 1

    def grow(self, size: int) -> None:
        extra = size - len(self.level)
        if extra > 0:
            self.level = np.concatenate([self.level, np.zeros(extra, np.int64)])
            self.status = np.concatenate([self.status, np.zeros(extra, np.int8)])

    def capacity(self, impressions: I64) -> I64:
        """Impressions each video may still get before it must be judged (0 if stalled)."""
        n = len(self.level)
        room = self.sizes[np.minimum(self.level, len(self.sizes) - 1)] - impressions[:n]
        cap: I64 = np.maximum(room, 0)
        cap[self.status == PoolStatus.OPEN] = OPEN_CAPACITY
        cap[self.status == PoolStatus.STALLED] = 0
        return cap

    def bar(self, level: int, fallback: float) -> float:
        """The score a video leaving `level` must reach to move up."""
        seen = int(min(self._exit_count[level], self._exits.shape[1]))
        if seen < self.min_peers:
            return fallback
        return float(np.quantile(self._exits[level, :seen], 1 - self.promote_share))

    def evaluate(self, impressions: I64, score: F64, fallback: float) -> tuple[int, int, int]:
        """Judge every video that has filled its pool; (promoted, stalled, opened).

        Pools are judged from the smallest up, so a video that overshot two sizes
        between refreshes is judged at each in turn. Within one pool, every video due
        now is judged against the same bar (the peers before this refresh), so the
        outcome does not depend on the order of the catalog.
        """
        promoted = stalled = opened = 0
        n = len(self.level)
        for level in range(len(self.sizes)):
            due = np.flatnonzero((self.status[:n] == PoolStatus.TESTING) & (self.level == level)
                                 & (impressions[:n] >= self.sizes[level]))  # fmt: skip
            if not len(due):
                continue
            bar = self.bar(level, fallback)
            up = due[score[due] >= bar]
            down = due[score[due] < bar]
            self._remember(level, score[due])
            self.level[up] += 1
            top = up[self.level[up] >= len(self.sizes)]
            self.status[top] = PoolStatus.OPEN
            self.status[down] = PoolStatus.STALLED
            promoted, stalled, opened = promoted + len(up), stalled + len(down), opened + len(top)
        return promoted, stalled, opened

    def _remember(self, level: int, scores: F64) -> None:
        memory = self._exits.shape[1]
        scores = scores[-memory:]
        at = (self._exit_count[level] + np.arange(len(scores))) % memory
        self._exits[level, at] = scores
        self._exit_count[level] += len(scores)
