"""`sim`: the synthetic platform of `reelmint simulate`, apart from `settings.py` to keep
each settings module to one subject. `Settings.sim` holds one; nothing here is money.
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from reelmint.live_settings import LiveSimSettings
from reelmint.rewards_sim_settings import RewardsSimSettings

# Illustrative shapes for what KuaiRand does not record (see SimSettings).
_ACTIVE_DAY_SHARE = {"full_active": 0.9, "high_active": 0.6, "middle_active": 0.35, "new": 0.3,
                     "low_active": 0.1}  # fmt: skip
_AGE_BANDS = {"13-17": 0.08, "18-24": 0.34, "25-34": 0.31, "35-44": 0.15, "45-54": 0.07,
              "55+": 0.05}  # fmt: skip
_COUNTRIES = {"US": 0.22, "ID": 0.16, "BR": 0.13, "MX": 0.10, "VN": 0.08, "PH": 0.07,
              "JP": 0.06, "GB": 0.06, "DE": 0.06, "FR": 0.06}  # fmt: skip
_LANGUAGES = {"US": "en", "ID": "id", "BR": "pt", "MX": "es", "VN": "vi", "PH": "tl",
              "JP": "ja", "GB": "en", "DE": "de", "FR": "fr"}  # fmt: skip


class SimSettings(BaseModel):
    """The synthetic platform of `reelmint simulate`: who is in it and how they behave.

    Population shapes (fans, follows, authors, durations, topics, activity classes) come
    from KuaiRand-Pure (see `reelmint.sim.calibration`); what it does not hold has
    illustrative defaults here. Behaviour is not money, so probabilities are floats.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)

    calibration_dir: Path | None = Field(
        None, description="KuaiRand-Pure folder (default: ../shared/data/kuairand_pure if "
        "there, else the built-in fit)",
    )  # fmt: skip
    creator_share: float | None = Field(
        None, ge=0, le=1, description="share of users who post (default: KuaiRand's authors)"
    )
    rounds_per_day: int = Field(12, ge=1, le=288, description="ticks per day; the feed "
                                "refreshes after each")  # fmt: skip
    page: int = Field(8, ge=1, le=64, description="videos per feed request")
    ad_every: int = Field(6, ge=0, description="every k-th feed position is an ad slot (0: none)")
    advertisers_per_10k_users: float = Field(10.0, ge=0, description="advertisers in the "
                                             "simulation (at least 3 when above 0)")  # fmt: skip
    pages_per_day: float = Field(4.0, gt=0, description="mean requests per user on a day "
                                 "they open the app")  # fmt: skip
    activity_sigma: float = Field(1.0, ge=0, description="log-sd of users' activity (the tail)")
    active_day_share: dict[str, float] = Field(
        default_factory=lambda: dict(_ACTIVE_DAY_SHARE),
        description="chance of opening the app on a day, per KuaiRand activity class",
    )
    max_initial_follows: int = Field(32, ge=0, description="cap on each user's starting follows")
    posts_per_day: float = Field(0.1, gt=0, description="median videos per creator per day")
    posting_sigma: float = Field(1.2, ge=0, description="log-sd of creators' posting rates")
    back_catalog_days: int = Field(14, ge=0, description="days of videos posted before day 1")
    quality_sigma: float = Field(0.8, ge=0, description="log-sd of creators' skill")
    likeability_sigma: float = Field(0.6, ge=0, description="log-sd of how likeable a video "
                                     "is, apart from how watchable")  # fmt: skip
    interest_concentration: float = Field(
        0.3, gt=0, description="Dirichlet concentration per topic of users' tastes (lower: "
        "narrower tastes)",
    )  # fmt: skip
    declared_topics: int = Field(3, ge=0, description="topics each user picks at sign-up")
    qualified_share: float = Field(0.45, gt=0, lt=1, description="plays past 5 s (KuaiRand "
                                   "valid play rate)")  # fmt: skip
    reference_selection: float = Field(
        1.25, ge=0, description="how strongly the feed favours quality in the exposure the "
        "behaviour is calibrated on (see reelmint.sim.behaviour)",
    )  # fmt: skip
    not_interested: float = Field(0.005, ge=0, lt=1, description="per play")
    report: float = Field(0.0005, ge=0, lt=1, description="per play")
    age_bands: dict[str, float] = Field(
        default_factory=lambda: dict(_AGE_BANDS),
        description="share of users per age band (illustrative)",
    )
    genders: dict[str, float] = Field(
        default_factory=lambda: {"female": 0.49, "male": 0.49, "other": 0.02}
    )
    countries: dict[str, float] = Field(
        default_factory=lambda: dict(_COUNTRIES),
        description="share of users per country (illustrative)",
    )
    languages: dict[str, str] = Field(
        default_factory=lambda: dict(_LANGUAGES), description="main language per country"
    )
    live: LiveSimSettings = Field(default_factory=LiveSimSettings, description="LIVE gifting")
    rewards: RewardsSimSettings = Field(default_factory=RewardsSimSettings,
                                        description="creator rewards")  # fmt: skip

    @model_validator(mode="after")
    def _check(self) -> SimSettings:
        for name in ("age_bands", "genders", "countries"):
            shares = getattr(self, name)
            if not shares or any(v < 0 for v in shares.values()) or sum(shares.values()) <= 0:
                raise ValueError(f"sim.{name} needs non-negative shares with a positive sum")
        if not all(re.fullmatch(r"\d+(-\d+|\+)", band) for band in self.age_bands):
            raise ValueError('sim.age_bands are written "18-24" or "55+"')
        missing = set(self.countries) - set(self.languages)
        if missing:
            raise ValueError(f"sim.languages has no language for {sorted(missing)}")
        return self
