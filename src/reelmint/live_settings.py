"""`sim.live`: LIVE gifting in `reelmint simulate`, kept out of `settings.py` to keep it small.

Illustrative, not fitted: KuaiRand-Pure records who streams (`is_live_streamer`, the
population's `live` flag) but not how often, who watches or what anyone spends. Public
reporting has paying LIVE viewers at a few percent and gifting heavy-tailed (a few whales
send most coins); these defaults give that shape on the demo's 10,000-user month. The
model that reads them is `reelmint.sim.gifting`. Behaviour is not money, so these are
floats; every amount the books see comes from the economics settings.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator


def _tiers() -> dict[int, float]:
    return {0: 0.004, 100: 0.05, 1_000: 0.2, 10_000: 0.5}


class LiveSimSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)

    lives_per_day: dict[int, float] = Field(
        default_factory=_tiers, description="chance a streaming adult creator goes LIVE on a "
        "day, by follower tier: {at least this many followers: chance}",
    )  # fmt: skip
    mean_hours: float = Field(1.5, ge=1, description="mean length of a LIVE in whole hours")
    max_hours: int = Field(4, ge=1, le=24, description="longest LIVE, in hours")
    join_share: float = Field(0.15, ge=0, le=1, description="followers who join, times their "
                              "chance of opening the app that day")  # fmt: skip
    discovery_viewers: float = Field(8.0, ge=0, description="mean viewers per LIVE from the "
                                     "LIVE feed, who do not follow the host")  # fmt: skip
    payer_share: float = Field(0.03, ge=0, le=1, description="adults who buy coins at all")
    budget_median_coins: float = Field(300.0, gt=0, description="median month's coin budget")
    budget_sigma: float = Field(2.0, ge=0, description="log-sd of budgets: the whales' tail")
    gift_chance: float = Field(0.5, ge=0, le=1, description="chance a payer gifts in an hour "
                               "of a LIVE they watch")  # fmt: skip
    hour_share: float = Field(0.1, gt=0, le=1, description="mean coins gifted in such an "
                              "hour, as a share of the month's budget (exponential)")  # fmt: skip
    cheap_bias: float = Field(0.7, ge=0, description="gifts are drawn with weight "
                              "coins^-cheap_bias among those the hour's amount buys")  # fmt: skip
    max_combo: int = Field(99, ge=1, le=10_000, description="most of one gift a viewer "
                           "sends at once (the service allows up to 10,000)")  # fmt: skip
    in_app_share: float = Field(0.7, ge=0, le=1, description="purchases made in-app (paying "
                                "the app-store fee) rather than on the web")  # fmt: skip
    minor_tries: float = Field(0.01, ge=0, le=1, description="chance a minor viewer tries to "
                               "send a gift in a LIVE (the age gate refuses it)")  # fmt: skip
    refund_share: float = Field(
        0.01,
        ge=0,
        le=1,
        description="purchases the platform "
        "refunds at the end of their day (asked for by the buyer)",
    )
    chargeback_share: float = Field(
        0.005,
        ge=0,
        le=1,
        description="purchases charged back by the card network at the end of their day",
    )
    cashout_chance: float = Field(1 / 7, ge=0, le=1, description="chance a creator holding "
                                  "the minimum cashes out on a day (all do at month "
                                  "end)")  # fmt: skip

    @model_validator(mode="after")
    def _check(self) -> LiveSimSettings:
        tiers = self.lives_per_day
        if 0 not in tiers or any(t < 0 for t in tiers):
            raise ValueError("sim.live.lives_per_day needs a tier at 0 followers and none below")
        if any(not 0 <= p <= 1 for p in tiers.values()):
            raise ValueError("sim.live.lives_per_day chances are between 0 and 1")
        return self
