"""`sim.rewards`: creator rewards in `reelmint simulate`, kept out of `sim_settings.py` to
keep it small.

**Why a scale.** The program's rules (`economics.rewards`, DESIGN.md section 5) are made
for a platform of a billion users: 10,000 followers, 100,000 views in 30 days, 1,000
qualified views before a video earns, a $50 payout minimum. The demo's platform has
10,000 users; its top creator has about 600 followers and 73,000 qualified views in a
month, so at full size nobody would ever enroll. The simulator multiplies the three
count thresholds and the payout minimum by `scale` (0.01 by default: 100 followers,
1,000 views in 30 days, 10 qualified views, $0.50), rounding each threshold up so that
"at least" never becomes easier than the ratio says. The rate (RPM), the age rule, the
video rules and the qualified-view rule are the program's own, unscaled. Worked example:
scale 1/3 turns 10,000 followers into 3,334 and $50 into $16.666667 (16,666,667 micros).

**The pool.** `pool_micros` None (the default) makes the fixed pool of the pool and
user-centric modes equal to what RPM pays that month, so the comparison of modes shows
the sharing rule alone; a number fixes the pool, as the older creator fund did.

**Origins.** The simulator posts duets, stitches and sponsored posts at `origin_shares`
(the rest are originals); only originals earn. These are behaviour, so floats.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, model_validator

from reelmint.money import parse_decimal_ratio
from reelmint.rewards_settings import RewardsSettings

ORIGINS = ("duet", "stitch", "sponsored")  # in Origin's order after ORIGINAL


def _to_fraction(value: Any) -> Fraction:
    """An exact ratio: text ('0.01', '1%', '1/100'), an int, or a float read as written
    (0.01 -> 1/100, through its shortest repr, never its binary expansion)."""
    if isinstance(value, bool):
        raise ValueError("not a ratio: a boolean")
    if isinstance(value, Fraction | int):
        return Fraction(value)
    if isinstance(value, float | str):
        return parse_decimal_ratio(str(value))
    raise ValueError(f"not a ratio: {value!r}")


Scale = Annotated[Fraction, BeforeValidator(_to_fraction),
                  PlainSerializer(lambda f: str(f), return_type=str)]  # fmt: skip


def _origin_shares() -> dict[str, float]:
    return {"duet": 0.05, "stitch": 0.04, "sponsored": 0.02}


class RewardsSimSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)

    mode: Literal["rpm", "pool", "user-centric"] = Field(
        "rpm", description="how the month is shared (simulate --rewards-mode)"
    )
    scale: Scale = Field(Fraction(1, 100), description="multiplies the program's count "
                         "thresholds and payout minimum for a small platform")  # fmt: skip
    pool_micros: int | None = Field(None, ge=0, description="the fixed pool; None: what RPM "
                                    "pays that month")  # fmt: skip
    origin_shares: dict[str, float] = Field(
        default_factory=_origin_shares, description="share of posted videos per non-original "
        "origin (duet, stitch, sponsored); the rest are original",
    )  # fmt: skip

    @model_validator(mode="after")
    def _check(self) -> RewardsSimSettings:
        if not 0 < self.scale <= 1:
            raise ValueError("sim.rewards.scale must be above 0 and at most 1")
        unknown = set(self.origin_shares) - set(ORIGINS)
        if unknown:
            raise ValueError(f"sim.rewards.origin_shares: unknown {sorted(unknown)}; use "
                             f"{', '.join(ORIGINS)}")  # fmt: skip
        shares = self.origin_shares.values()
        if any(v < 0 for v in shares) or sum(shares) > 1:
            raise ValueError("sim.rewards.origin_shares are non-negative and sum to 1 at most")
        return self

    def scaled(self, rules: RewardsSettings) -> RewardsSettings:
        """The program's rules with the count thresholds and payout minimum scaled (up)."""

        def up(value: int) -> int:
            return math.ceil(value * self.scale)

        return rules.model_copy(update={
            "min_followers": up(rules.min_followers),
            "min_views_30d": up(rules.min_views_30d),
            "earning_threshold_views": up(rules.earning_threshold_views),
            "payout_minimum_micros": up(rules.payout_minimum_micros),
        })  # fmt: skip
