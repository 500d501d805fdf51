"""`economics.rewards`: the creator rewards program's rules, kept out of `settings.py` to
keep it small. Defaults and their sources are DESIGN.md section 5's.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

USD = 1_000_000


class RewardsSettings(BaseModel):
    """Creator rewards (`reelmint.rewards`): who may earn, and how a period is shared."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)

    min_age: int = 18
    min_followers: int = Field(10_000, ge=0)
    min_views_30d: int = Field(100_000, ge=0, description="plays in the 30 days before")
    min_video_seconds: int = Field(60, ge=0, description="a video must be longer than this")
    rpm_micros: int = Field(500_000, ge=0, description="$0.50 per 1,000 qualified views")
    earning_threshold_views: int = Field(1_000, ge=0, description="a video earns once it "
                                         "has this many qualified views in all")  # fmt: skip
    payout_minimum_micros: int = Field(50 * USD, ge=0, description="below it, carried over")
    qualified_view_min_ms: int = 5_000
    mode: Literal["rpm", "pool", "user-centric"] = Field(
        "rpm", description="how a period is shared: rate per 1,000 views, a fixed pool pro "
        "rata, or each viewer's share of the pool among the creators they watched",
    )  # fmt: skip
    pool_micros: int = Field(1_000_000 * USD, ge=0, description="the pool per period "
                             "(pool and user-centric modes)")  # fmt: skip
    period: Literal["month", "week"] = "month"
    engagement_multipliers: dict[str, str] = Field(
        default_factory=dict, description="RPM tiers {lowest engagement rate: multiplier}, "
        'e.g. {"0.05": "1.1"}; empty: off',
    )  # fmt: skip
    watch_multipliers: dict[str, str] = Field(
        default_factory=dict, description="RPM tiers {lowest mean seconds watched per play: "
        'multiplier}, e.g. {"30": "1.2"}; empty: off',
    )  # fmt: skip
