"""RPM multipliers: a video's views count for more when it holds viewers. Pure.

Two optional tier tables in the settings, both empty (off) by default:

- `engagement_multipliers`: {lowest engagement rate: multiplier}, where a video's
  engagement rate is (likes + comments + shares) / plays in the period;
- `watch_multipliers`: {lowest average seconds watched per play: multiplier}.

A video takes the multiplier of the highest tier it reaches (1 below every tier), and
the two multiply. Everything is an exact ratio: the weights are integers over one common
denominator (`scale`). Worked example: tiers {"0.05": "1.1"} and {"30": "1.2"}; a video
with 1,000 views, 60 engaged of 1,000 plays (6%) and 35 s watched on average weighs
1,000 x 1.1 x 1.2 = 1,320 views, as 1,000 x 132 / 100.

Being paid more for likes is what the program otherwise avoids, which is why the tables
are empty unless a platform chooses otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from fractions import Fraction

import numpy as np
from numpy.typing import NDArray

from reelmint.money import parse_decimal_ratio
from reelmint.rewards.model import RewardsError

I64 = NDArray[np.int64]
Tiers = list[tuple[Fraction, Fraction]]  # (lowest value, multiplier), ascending


def parse_tiers(table: Mapping[str, str], what: str) -> Tiers:
    tiers = []
    for low, factor in table.items():
        try:
            tiers.append((parse_decimal_ratio(str(low)), parse_decimal_ratio(str(factor))))
        except ValueError as e:
            raise RewardsError(f"{what} multiplier {low!r}: {factor!r}: {e}") from None
    if any(f <= 0 for _, f in tiers) or any(low < 0 for low, _ in tiers):
        raise RewardsError(f"{what} multipliers: thresholds and factors must be positive")
    return sorted(tiers)


def tier_factor(numerator: I64, denominator: I64, tiers: Tiers) -> list[Fraction]:
    """Per row, the factor of the highest tier with `low <= numerator / denominator`
    (a row with denominator 0 reaches no tier)."""
    out = [Fraction(1)] * len(numerator)
    level = np.full(len(numerator), -1, np.int64)
    for i, (low, _) in enumerate(tiers):
        reached = (denominator > 0) & (
            numerator.astype(object) * low.denominator >= denominator.astype(object) * low.numerator
        )
        level[reached] = i
    for row in np.flatnonzero(level >= 0).tolist():
        out[row] = tiers[int(level[row])][1]
    return out


def weights(views: I64, plays: I64, engaged: I64, watch_ms: I64, engagement: Tiers,
            watch: Tiers) -> tuple[I64, int]:  # fmt: skip
    """(views x multiplier x scale per video, scale)."""
    factors = [a * b for a, b in zip(tier_factor(engaged, plays, engagement),
                                     tier_factor(watch_ms, plays * 1_000, watch),
                                     strict=True)]  # fmt: skip
    scale = math.lcm(1, *{f.denominator for f in factors})
    numerators = np.array([int(f * scale) for f in factors], np.int64)
    return views * numerators, scale
