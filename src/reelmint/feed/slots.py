"""The ad slot plan: which feed positions are reserved for ads.

With `every = k`, positions k-1, 2k-1, ... (0-based) are ad slots: every k-th item a
viewer scrolls to is an ad, the rest are organic. Worked example: every=5 over a page
of 12 gives ad slots at positions 4 and 9 and 10 organic videos. The ads engine fills
the slots; the ranker only leaves them empty.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True, slots=True)
class SlotPlan:
    every: int = 0  # 0: no ad slots

    def __post_init__(self) -> None:
        if self.every < 0 or self.every == 1:
            raise ValueError("ad slots every k positions needs k >= 2 (or 0 for none)")

    def ad_mask(self, length: int) -> NDArray[np.bool_]:
        """True at the positions of a page of `length` that are ad slots."""
        positions = np.arange(length)
        if not self.every:
            return np.zeros(length, bool)
        mask: NDArray[np.bool_] = (positions + 1) % self.every == 0
        return mask

    def organic_count(self, length: int) -> int:
        return int(length - self.ad_mask(length).sum())

    def lay_out(self, organic: NDArray[Any], length: int, fill: Any) -> NDArray[Any]:
        """Place ranked organic items (rows of a U x m matrix) around the ad slots of a
        page of `length`; ad slots hold `fill`, as do positions with nothing to show."""
        mask = self.ad_mask(length)
        page = np.full((organic.shape[0], length), fill, organic.dtype)
        take = min(int((~mask).sum()), organic.shape[1])
        page[:, np.flatnonzero(~mask)[:take]] = organic[:, :take]
        return page
