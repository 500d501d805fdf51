"""A filter of (user, video) pairs already served, so a feed does not repeat itself.

One flag per hashed pair in a fixed table of 2^bits flags (16 MiB at the default 24
bits): a Bloom filter with one hash. A collision can hide a video a user has not seen
(a false positive, about load/2^bits of candidates); it never shows a video twice
while the pair's flag stands. `forget()` clears it (the simulator does so each day, so
that "seen" means "seen today").
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from reelmint.feed.model import I64

# Odd 32-bit multipliers (from the golden ratio and a murmur constant): multiplicative
# hashing in uint32, which wraps silently and moves half the bytes of uint64.
_A = np.uint32(0x9E3779B1)
_B = np.uint32(0x85EBCA77)


class SeenFilter:
    def __init__(self, bits: int) -> None:
        self.bits = bits
        self._flags = np.zeros(1 << bits, np.bool_)

    def _slot(self, users: I64, videos: I64) -> NDArray[np.uint32]:
        u = users.astype(np.uint32) * _A
        v = videos.astype(np.uint32) * _B
        return (u ^ (v + (u >> np.uint32(15)))) * _A >> np.uint32(32 - self.bits)

    def seen(self, users: I64, videos: I64) -> NDArray[np.bool_]:
        """Per pair (broadcast): whether it may have been served already."""
        users, videos = np.broadcast_arrays(users, videos)
        return self._flags[self._slot(users, videos)]

    def mark(self, users: I64, videos: I64) -> None:
        users, videos = np.broadcast_arrays(users, videos)
        keep = videos >= 0
        self._flags[self._slot(users[keep], videos[keep])] = True

    def forget(self) -> None:
        self._flags[:] = False
