"""The simulated ad market: advertisers, their campaigns, ad groups and ads, and the
population as targeting columns (see `reelmint.sim.engines.ads` for the numbers)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from reelmint.ads.model import (
    BILLINGS,
    Ad,
    AdGroup,
    BidStrategy,
    Billing,
    Budget,
    BudgetMode,
    Campaign,
    FrequencyCap,
    Objective,
    Schedule,
    Status,
    check_ad_group,
    check_campaign,
)
from reelmint.ads.pacing import Pacing
from reelmint.ads.targeting import Condition, Dimension, Targeting, UserColumns
from reelmint.sim.population import Population
from reelmint.sim.world import World

USD = 1_000_000


@dataclass(frozen=True)
class ManagerMarket:
    """Campaigns built in the Ads Manager (by `reelmint ads` or the API), run in the
    simulated platform beside the synthetic market, with the prepaid balances their
    advertisers hold: "what would my campaign do on a platform like this?". Their ids
    stay theirs, so `reelmint ads report` over the run's lake reads their delivery."""

    campaigns: tuple[Campaign, ...]
    groups: tuple[AdGroup, ...]
    ads: tuple[Ad, ...]
    balances: Mapping[str, int] = field(default_factory=dict)  # advertiser -> micros

    @property
    def advertisers(self) -> list[str]:
        return list(dict.fromkeys(c.advertiser for c in self.campaigns))

    @property
    def last_id(self) -> int:
        ids = (
            [c.id for c in self.campaigns] + [g.id for g in self.groups] + [a.id for a in self.ads]
        )
        return max(ids, default=0)


BID_RANGE = {
    Billing.CPM: (2 * USD, 10 * USD),
    Billing.CPC: (200_000, 1 * USD),
    Billing.CPV: (20_000, 80_000),
    Billing.OCPM: (5 * USD, 30 * USD),
}
AD_VIDEO_BASE = 1_000_000_000_000  # creatives live apart from the organic catalog's ids


def user_columns(pop: Population, topics: int) -> UserColumns:
    """The population as targeting columns: demographics, and each user's three
    favourite topics as interests."""
    top = np.argsort(-pop.interests, axis=1)[:, :3]
    interests = np.zeros((pop.users, topics), np.bool_)
    np.put_along_axis(interests, top, True, axis=1)
    single = {
        Dimension.AGE_BAND: pop.age_band,
        Dimension.GENDER: pop.gender,
        Dimension.COUNTRY: pop.country,
        Dimension.LANGUAGE: pop.language,
    }
    return UserColumns(
        {d: v.astype(np.int64) for d, v in single.items()}, {Dimension.INTEREST: interests}
    )


def market(
    names: list[str], world: World, rng: np.random.Generator, first_id: int = 0
) -> tuple[list[Campaign], list[AdGroup], list[Ad]]:
    """Each advertiser's campaigns, groups and ads, numbered from `first_id` + 1 (past
    the ids of any Ads Manager campaigns running alongside, `ManagerMarket`)."""
    rules, pop = world.settings.economics.ads, world.population
    adult = [i for i, band in enumerate(pop.age_bands) if band != pop.age_bands[0]]
    campaigns: list[Campaign] = []
    groups: list[AdGroup] = []
    ads: list[Ad] = []
    start = world.config.start_ms
    for adv in names:
        for _ in range(int(rng.integers(1, 3))):
            objective = list(Objective)[int(rng.integers(0, 4))]
            campaign = check_campaign(
                Campaign(
                    first_id + len(campaigns) + 1,
                    adv,
                    f"{adv} {objective}",
                    objective,
                    Budget(BudgetMode.UNLIMITED),
                    Status.ACTIVE,
                ),
                rules,
            )
            campaigns.append(campaign)
            for _ in range(int(rng.integers(1, 4))):
                gid = first_id + len(groups) + 1
                groups.append(
                    check_ad_group(_group(gid, campaign, rng, pop, adult, start), campaign, rules)
                )
                ads.append(
                    Ad(
                        gid,
                        gid,
                        AD_VIDEO_BASE + gid,
                        f"https://{adv}.example/{gid}",
                        status=Status.ACTIVE,
                    )
                )
    return campaigns, groups, ads


def _group(
    gid: int,
    campaign: Campaign,
    rng: np.random.Generator,
    pop: Population,
    adult: list[int],
    start_ms: int,
) -> AdGroup:
    choices = sorted(BILLINGS[campaign.objective])
    billing = choices[int(rng.integers(0, len(choices)))]
    low, high = BID_RANGE[billing]
    auto = rng.random() < 1 / 3
    conditions = [
        Condition(
            Dimension.COUNTRY,
            frozenset(
                int(c)
                for c in rng.choice(len(pop.countries), int(rng.integers(1, 4)), replace=False)
            ),
        ),
        Condition(
            Dimension.AGE_BAND,
            frozenset(
                int(a)
                for a in rng.choice(
                    adult, int(rng.integers(1, min(4, len(adult)) + 1)), replace=False
                )
            ),
        ),
    ]
    if rng.random() < 1 / 3:
        conditions.append(
            Condition(
                Dimension.INTEREST,
                frozenset(
                    int(t)
                    for t in rng.choice(
                        pop.interests.shape[1], int(rng.integers(1, 5)), replace=False
                    )
                ),
            )
        )
    budget = max(20 * USD, int(np.exp(rng.normal(np.log(40), 0.6)) * USD))
    return AdGroup(
        gid,
        campaign.id,
        f"group {gid}",
        Schedule(start_ms),
        Budget(BudgetMode.DAILY, budget),
        billing,
        BidStrategy.MAX_DELIVERY if auto else BidStrategy.BID_CAP,
        None if auto else int(rng.integers(low, high + 1)),
        Targeting(tuple(conditions)),
        pacing=Pacing.ACCELERATED if rng.random() < 0.15 else Pacing.STANDARD,
        frequency_cap=FrequencyCap(7, 7) if rng.random() < 1 / 3 else None,
        status=Status.ACTIVE,
    )
