"""How simulated people take part in LIVE gifting: who goes LIVE, who watches, who pays.

Pure (NumPy only, every draw from the generator passed in); the gifts engine
(`reelmint.sim.engines.gifts`) turns these draws into the gifts service's commands. The
parameters are `sim.live` (`reelmint.live_settings`), illustrative defaults all.

- **Birth dates** agree with the user's age band on every day of the run, so a "13-17"
  user is a minor to the age gate all month and an "18-24" user an adult all month.
- **Going LIVE.** An adult streaming creator (the population's `live` flag) goes LIVE on
  a day with the chance of their follower tier, at a whole hour drawn uniformly, for
  1 + geometric whole hours (mean `mean_hours`, at most `max_hours`).
- **Viewers.** Each follower joins with `join_share` x their chance of opening the app
  that day, and a Poisson number more (mean `discovery_viewers`) come from the LIVE feed,
  drawn in proportion to activity.
- **Payers.** `payer_share` of adults buy coins at all. Each has a month's budget in
  coins, lognormal with median `budget_median_coins` and log-sd `budget_sigma`: at the
  defaults (300, 2.0) the mean budget is 300 x e^2 = 2,217 coins, and the top tenth of
  payers hold 1 - Phi(1.28 - 2.0) = 76% of all budgets; those are the whales.
- **Gifting.** In each hour of a LIVE a payer watches, they gift with `gift_chance`, an
  amount drawn exponential with mean `hour_share` x budget: one gift, drawn with weight
  coins^-cheap_bias among the gifts the amount buys in a combo of at most `max_combo`,
  sent as a combo of as many as the amount buys. So the cheapest that fit are the
  likeliest, and whales send dear gifts rather than thousands of Roses. Worked example,
  default catalog, bias 0.7: 120 coins cannot go on Roses (99 of them are 99 coins), so
  it is 24 Finger hearts (5 coins) 52% of the time ... one Rainbow puke (100) 6%;
  5,000 coins picks among Rainbow puke, Concert and Gold mine.
- **Buying.** Short of coins for a gift, a payer buys the smallest pack that covers it
  within their budget left (or the largest that fits, and again), until the gift is
  covered or no pack fits what is left; a gift they cannot cover shrinks to what they hold.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
from numpy.typing import NDArray

from reelmint.live_settings import LiveSimSettings
from reelmint.sim.population import band_floor

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]
OLDEST = 85  # the top of an open band such as "55+"


def band_ages(band: str) -> tuple[int, int]:
    """The youngest and oldest age in a band: "13-17" -> (13, 17), "55+" -> (55, OLDEST)."""
    low = band_floor(band)
    return (low, OLDEST) if band.endswith("+") else (low, int(band.split("-")[1]))


def birth_dates(age_band: NDArray[np.int8], bands: tuple[str, ...], first: date, last: date,
                rng: np.random.Generator) -> list[date]:  # fmt: skip
    """A birth date per user, uniform over the dates that keep them in their band from
    `first` to `last`: at least the band's youngest age on `first`, at most its oldest
    on `last` (or, in a run longer than the band is wide, that age on `first`)."""
    lows, highs = np.zeros(len(bands), np.int64), np.zeros(len(bands), np.int64)
    for i, band in enumerate(bands):
        young, old = band_ages(band)
        latest = _years_before(first, young)
        earliest = _years_before(last, old + 1) + timedelta(days=1)
        lows[i], highs[i] = min(earliest, latest).toordinal(), latest.toordinal()
    days = rng.integers(lows[age_band], highs[age_band] + 1)
    return [date.fromordinal(int(d)) for d in days]


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year - years, day=28)


def going_live(followers: I64, tiers: dict[int, float], rng: np.random.Generator
               ) -> NDArray[np.bool_]:  # fmt: skip
    """Which of these creators (by their followers today) go LIVE today."""
    floors = np.array(sorted(tiers), np.int64)
    chance = np.array([tiers[t] for t in sorted(tiers)])
    tier = np.searchsorted(floors, followers, side="right") - 1
    return rng.random(len(followers)) < chance[tier]


def tier_of(followers: I64, tiers: dict[int, float]) -> I64:
    """The floor of each creator's tier: 250 followers -> 100 with the default tiers."""
    floors = np.array(sorted(tiers), np.int64)
    tier: I64 = floors[np.searchsorted(floors, followers, side="right") - 1]
    return tier


def schedule(n: int, live: LiveSimSettings, rng: np.random.Generator) -> tuple[I64, I64]:
    """(starting hour of the day, length in whole hours) for n LIVEs."""
    hours = np.minimum(rng.geometric(1 / live.mean_hours, n), live.max_hours)
    return rng.integers(0, 24, n).astype(np.int64), hours.astype(np.int64)


def audience(followers: I64, host: int, active_share: F64, live: LiveSimSettings,
             rng: np.random.Generator) -> I64:  # fmt: skip
    """Who joins one LIVE: some of the host's followers, and some from the LIVE feed."""
    joined = followers[rng.random(len(followers)) < live.join_share * active_share[followers]]
    found = rng.poisson(live.discovery_viewers)
    cdf = np.cumsum(active_share)
    strangers = np.searchsorted(cdf, rng.random(found) * cdf[-1], side="right")
    viewers = np.unique(np.concatenate([joined, np.minimum(strangers, len(cdf) - 1)]))
    others: I64 = viewers[viewers != host].astype(np.int64)
    return others


def budgets(adult: NDArray[np.bool_], live: LiveSimSettings, smallest_pack: int,
            rng: np.random.Generator) -> I64:  # fmt: skip
    """Each user's coin budget for the month: 0 for those who never pay (and every
    minor); a payer's is at least the smallest pack, so every payer can buy once."""
    payer = adult & (rng.random(len(adult)) < live.payer_share)
    drawn = rng.lognormal(np.log(live.budget_median_coins), live.budget_sigma, len(adult))
    return np.where(payer, np.maximum(drawn, smallest_pack), 0).astype(np.int64)


def gifts(budget: I64, prices: I64, live: LiveSimSettings, rng: np.random.Generator
          ) -> tuple[I64, I64]:  # fmt: skip
    """One gift per gifting payer, given their budgets: (index into `prices`, count)."""
    amount = np.maximum(rng.exponential(live.hour_share * budget.astype(np.float64)), 1.0)
    price, want = prices[None, :], amount[:, None]
    fits = (price <= want) & (price * live.max_combo >= want)
    none = ~fits.any(axis=1)  # less than the cheapest, or more than a combo of the dearest
    fits[none, np.where(amount[none] < prices.min(), np.argmin(prices), np.argmax(prices))] = True
    weight = np.where(fits, prices.astype(np.float64) ** -live.cheap_bias, 0.0)
    cdf = np.cumsum(weight, axis=1)
    pick = (cdf < rng.random((len(budget), 1)) * cdf[:, -1:]).sum(axis=1)
    pick = np.minimum(pick, len(prices) - 1)
    count = np.clip(amount // prices[pick], 1, live.max_combo).astype(np.int64)
    return pick.astype(np.int64), count


def followers_of(keys: I64, users: int, creators: I64) -> dict[int, I64]:
    """The followers of each of `creators`, from the follow graph's sorted keys
    (user * users + creator): one pass over the graph for the day's hosts."""
    creator = keys % users
    hit = np.isin(creator, creators)
    order = np.argsort(creator[hit], kind="stable")
    followed, fans = creator[hit][order], (keys[hit] // users)[order]
    lo = np.searchsorted(followed, creators, side="left")
    hi = np.searchsorted(followed, creators, side="right")
    return {int(c): fans[a:b] for c, a, b in zip(creators, lo, hi, strict=True)}


def pack_to_buy(short: int, budget_left: int, sizes: tuple[int, ...]) -> int:
    """The smallest pack that covers `short` coins within the budget left, else the
    largest the budget left pays for (and buy again); 0 when none fits.
    Worked example, default packs: 30 short with 500 left -> 70; 900 short -> 350."""
    fits = [s for s in sizes if s <= budget_left]
    return min((s for s in fits if s >= short), default=max(fits, default=0))


def top_share(coins: I64, share: float = 0.1) -> float:
    """The share of all coins sent by the top `share` of those who sent any.
    Worked example: [100, 1, 1, 1, 1, 1, 1, 1, 1, 1] -> 100 / 109 = 0.917."""
    sent = np.sort(coins[coins > 0])[::-1]
    if not len(sent):
        return 0.0
    top = max(1, int(np.ceil(share * len(sent))))
    return round(float(sent[:top].sum() / sent.sum()), 4)
