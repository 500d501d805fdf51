"""The Ads Manager's vocabulary: campaigns, ad groups and ads, their rules and statuses.

Pure: no I/O. The structure is TikTok's: an advertiser runs campaigns (an objective and
a budget), each campaign holds ad groups (where, when, to whom, how much and how to
bid), and each ad group holds ads (a creative: a video, and for a boosted creator post
the creator's authorization code). Money is integer USD micros.

**Billing.** The billable event and what the bid is per:

| billing | the advertiser bids per | billed per | eCPM (per 1,000 impressions) |
| --- | --- | --- | --- |
| CPM | 1,000 impressions | impression | bid |
| CPC | click | click | bid x P(click) x 1000 |
| CPV | 6-second focused view | 6 s view | bid x P(6 s view) x 1000 |
| oCPM | conversion | impression | bid x P(conversion) x 1000 |

Worked example: a CPC bid of $0.50 with P(click) = 1.2% is worth $6.00 per 1,000
impressions in the auction.

**Validation** enforces DESIGN.md section 5's minimums (settings `economics.ads`): a
daily campaign budget of at least $50, an ad group budget of at least $20 a day, and a
lifetime budget of at least $20 per scheduled day.
"""

from __future__ import annotations

import enum
import math
import re
from dataclasses import dataclass, field, replace

from reelmint.ads.pacing import Pacing
from reelmint.ads.targeting import Targeting
from reelmint.money import Asset, format_amount
from reelmint.settings import AdsSettings

DAY_MS = 86_400_000
ADVERTISER_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
URL = re.compile(r"^https?://[^\s/$.?#].[^\s]*$")


class AdsError(ValueError):
    """Ads input that cannot be accepted; the message says why and what would be."""


class Objective(enum.StrEnum):
    REACH = "reach"
    TRAFFIC = "traffic"
    VIDEO_VIEWS = "video_views"
    CONVERSIONS = "conversions"


class BudgetMode(enum.StrEnum):
    DAILY = "daily"
    LIFETIME = "lifetime"
    UNLIMITED = "unlimited"


class Status(enum.StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    PAUSED = "paused"
    OUT_OF_BUDGET = "out_of_budget"
    COMPLETED = "completed"


class BidStrategy(enum.StrEnum):
    MAX_DELIVERY = "max_delivery"  # no bid: the platform bids to spend the budget
    COST_CAP = "cost_cap"  # the average cost per result stays near the bid
    BID_CAP = "bid_cap"  # never bid above the bid


class Billing(enum.StrEnum):
    CPM = "cpm"
    CPC = "cpc"
    CPV = "cpv"
    OCPM = "ocpm"


class Placement(enum.StrEnum):
    """Where the ads show. In-feed For You slots today; TopView and others come later."""

    FOR_YOU = "for_you"


class CallToAction(enum.StrEnum):
    LEARN_MORE = "learn_more"
    SHOP_NOW = "shop_now"
    SIGN_UP = "sign_up"
    DOWNLOAD = "download"
    WATCH_MORE = "watch_more"


# Which billing events each objective may optimise for.
BILLINGS: dict[Objective, frozenset[Billing]] = {
    Objective.REACH: frozenset({Billing.CPM}),
    Objective.TRAFFIC: frozenset({Billing.CPC, Billing.CPM}),
    Objective.VIDEO_VIEWS: frozenset({Billing.CPV, Billing.CPM}),
    Objective.CONVERSIONS: frozenset({Billing.OCPM}),
}

# Status moves a person may make (the engine also moves active -> out_of_budget -> active
# and -> completed by itself). Completed is final.
MOVES: dict[Status, frozenset[Status]] = {
    Status.DRAFT: frozenset({Status.ACTIVE, Status.COMPLETED}),
    Status.ACTIVE: frozenset({Status.PAUSED, Status.OUT_OF_BUDGET, Status.COMPLETED}),
    Status.PAUSED: frozenset({Status.ACTIVE, Status.COMPLETED}),
    Status.OUT_OF_BUDGET: frozenset({Status.ACTIVE, Status.PAUSED, Status.COMPLETED}),
    Status.COMPLETED: frozenset(),
}


def move(current: Status, to: Status, what: str) -> Status:
    if to == current:
        return current
    if to not in MOVES[current]:
        allowed = ", ".join(sorted(MOVES[current])) or "nothing (it is final)"
        raise AdsError(f"{what} is {current}; it can move to {allowed}, not {to}")
    return to


@dataclass(frozen=True, slots=True)
class Budget:
    mode: BudgetMode
    micros: int | None = None  # None only when unlimited

    def __post_init__(self) -> None:
        if self.mode is BudgetMode.UNLIMITED:
            if self.micros is not None:
                raise AdsError("an unlimited budget has no amount")
        elif self.micros is None or self.micros <= 0:
            raise AdsError(f"a {self.mode} budget needs a positive amount in micros")

    def daily_cap(self, scheduled_days: int | None) -> int | None:
        """What may be spent in one day: the daily amount, or a lifetime amount spread
        evenly over the scheduled days (None: no cap)."""
        if self.mode is BudgetMode.DAILY:
            return self.micros
        if self.mode is BudgetMode.LIFETIME and self.micros is not None:
            return -(-self.micros // max(scheduled_days or 1, 1))
        return None


@dataclass(frozen=True, slots=True)
class FrequencyCap:
    impressions: int
    days: int

    def __post_init__(self) -> None:
        if self.impressions < 1 or self.days < 1:
            raise AdsError("a frequency cap is at least 1 impression per at least 1 day")


@dataclass(frozen=True, slots=True)
class Schedule:
    start_ms: int
    end_ms: int | None = None  # None: runs until stopped
    hours: frozenset[int] = frozenset()  # dayparting, UTC hours 0-23; empty: all day

    def __post_init__(self) -> None:
        if self.end_ms is not None and self.end_ms <= self.start_ms:
            raise AdsError("the schedule must end after it starts")
        if any(h < 0 or h > 23 for h in self.hours):
            raise AdsError("dayparting hours are 0 to 23 (UTC)")

    @property
    def days(self) -> int | None:
        if self.end_ms is None:
            return None
        return math.ceil((self.end_ms - self.start_ms) / DAY_MS)

    def running(self, now_ms: int) -> bool:
        if now_ms < self.start_ms or (self.end_ms is not None and now_ms >= self.end_ms):
            return False
        return not self.hours or (now_ms // 3_600_000) % 24 in self.hours


@dataclass(frozen=True, slots=True)
class Advertiser:
    id: str
    name: str
    industry: str = "other"

    def __post_init__(self) -> None:
        if not ADVERTISER_ID.match(self.id):
            raise AdsError(f"advertiser id {self.id!r} must be 1 to 64 letters, digits, _ or -")

    @property
    def prepaid_account(self) -> str:
        return f"advertiser:{self.id}:prepaid"


@dataclass(frozen=True, slots=True)
class Campaign:
    id: int
    advertiser: str
    name: str
    objective: Objective
    budget: Budget
    status: Status = Status.DRAFT


@dataclass(frozen=True, slots=True)
class AdGroup:
    id: int
    campaign: int
    name: str
    schedule: Schedule
    budget: Budget
    billing: Billing
    bid_strategy: BidStrategy = BidStrategy.MAX_DELIVERY
    bid_micros: int | None = None  # per billable unit (see the module table)
    targeting: Targeting = field(default_factory=Targeting)
    placement: Placement = Placement.FOR_YOU
    pacing: Pacing = Pacing.STANDARD
    frequency_cap: FrequencyCap | None = None
    status: Status = Status.DRAFT


@dataclass(frozen=True, slots=True)
class Ad:
    id: int
    ad_group: int
    video: int  # the creative
    landing_url: str
    call_to_action: CallToAction = CallToAction.LEARN_MORE
    authorization: str | None = None  # a boosted creator post's code
    status: Status = Status.DRAFT


@dataclass(frozen=True, slots=True)
class Authorization:
    """A creator's permission to boost one of their videos, for a while."""

    code: str
    creator: int
    video: int
    expires_at_ms: int
    revoked: bool = False

    def valid(self, now_ms: int) -> bool:
        return not self.revoked and now_ms < self.expires_at_ms


def check_campaign(c: Campaign, rules: AdsSettings) -> Campaign:
    if not c.name.strip():
        raise AdsError("a campaign needs a name")
    least = rules.campaign_min_daily_micros
    if c.budget.mode is not BudgetMode.UNLIMITED and (c.budget.micros or 0) < least:
        raise AdsError(f"a {c.budget.mode} campaign budget is at least {_usd(least)} "
                       f"(got {_usd(c.budget.micros)})")  # fmt: skip
    return c


def check_ad_group(g: AdGroup, campaign: Campaign, rules: AdsSettings) -> AdGroup:
    if g.campaign != campaign.id:
        raise AdsError(f"ad group {g.id} belongs to campaign {g.campaign}, not {campaign.id}")
    if not g.name.strip():
        raise AdsError("an ad group needs a name")
    if g.billing not in BILLINGS[campaign.objective]:
        allowed = ", ".join(sorted(BILLINGS[campaign.objective]))
        raise AdsError(f"a {campaign.objective} campaign bills by {allowed}, not {g.billing}")
    _check_group_budget(g, rules)
    if g.budget.mode is BudgetMode.UNLIMITED and campaign.budget.mode is BudgetMode.UNLIMITED:
        raise AdsError("an ad group needs a budget when its campaign has none")
    if g.bid_strategy is BidStrategy.MAX_DELIVERY:
        if g.bid_micros is not None:
            raise AdsError("maximum delivery bids for you: leave the bid out, or use a cost "
                           "cap or a bid cap")  # fmt: skip
    elif g.bid_micros is None or g.bid_micros <= 0:
        raise AdsError(f"a {g.bid_strategy} needs a positive bid in micros per {g.billing} unit")
    return g


def _check_group_budget(g: AdGroup, rules: AdsSettings) -> None:
    days, amount = g.schedule.days, g.budget.micros or 0
    if g.budget.mode is BudgetMode.DAILY and amount < rules.ad_group_min_daily_micros:
        raise AdsError(f"an ad group's daily budget is at least "
                       f"{_usd(rules.ad_group_min_daily_micros)} (got {_usd(amount)})")  # fmt: skip
    if g.budget.mode is BudgetMode.LIFETIME:
        if days is None:
            raise AdsError("a lifetime budget needs a schedule with an end")
        per_day = rules.lifetime_min_per_day_micros
        if amount < per_day * days:
            raise AdsError(f"a lifetime budget over {days} scheduled days is at least "
                           f"{_usd(per_day * days)} ({_usd(per_day)} a day)")  # fmt: skip


def check_ad(ad: Ad, group: AdGroup, auth: Authorization | None, now_ms: int) -> Ad:
    if ad.ad_group != group.id:
        raise AdsError(f"ad {ad.id} belongs to ad group {ad.ad_group}, not {group.id}")
    if not URL.match(ad.landing_url):
        raise AdsError(f"landing URL {ad.landing_url!r} must be an http(s) URL")
    if ad.authorization is not None:
        if auth is None or auth.code != ad.authorization:
            raise AdsError(f"authorization code {ad.authorization!r} is unknown")
        if auth.video != ad.video:
            raise AdsError(f"authorization {auth.code!r} covers video {auth.video}, not {ad.video}")
        if not auth.valid(now_ms):
            raise AdsError(f"authorization {auth.code!r} has "
                           f"{'been revoked' if auth.revoked else 'expired'}")  # fmt: skip
    return ad


def with_status(item: Campaign | AdGroup | Ad, to: Status) -> Campaign | AdGroup | Ad:
    kind = type(item).__name__.lower().replace("adgroup", "ad group")
    return replace(item, status=move(item.status, to, f"{kind} {item.id}"))


def _usd(micros: int | None) -> str:
    return format_amount(Asset.USD, micros or 0)
