"""The Ads Manager's request and response bodies, apart from the domain and split by
direction: `XCreate` comes in, `XOut` goes out, lists are wrapped as `{data, count}`.

The `to_*` functions turn a request into the domain's draft and a domain object into
its response; they may raise the domain's own `AdsError` (a budget without an amount),
which the routes map. Money is integer USD micros: $50.00 is 50_000_000.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from reelmint.ads.model import (
    Ad,
    AdGroup,
    Advertiser,
    Authorization,
    BidStrategy,
    Billing,
    Budget,
    BudgetMode,
    CallToAction,
    Campaign,
    FrequencyCap,
    Objective,
    Schedule,
)
from reelmint.ads.pacing import Pacing
from reelmint.ads.targeting import Condition, Dimension, Targeting
from reelmint.http.schemas import Moment, Strict

Id = Annotated[int, Field(ge=0, le=2**62)]
Micros = Annotated[int, Field(ge=1, le=2**62)]
AdvertiserId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,64}$",
                                    examples=["acme"])]  # fmt: skip
ActingFor = Annotated[AdvertiserId | None, Field(
    description="admins only: the advertiser acted for; an advertiser is itself")]  # fmt: skip
Name = Annotated[str, Field(min_length=1, max_length=200, pattern=r"\S")]
StatusName = Literal["draft", "active", "paused", "out_of_budget", "completed"]


def _example(example: dict[str, JsonValue]) -> ConfigDict:
    return ConfigDict(strict=True, extra="forbid", json_schema_extra={"examples": [example]})


class AdvertiserCreate(Strict):
    model_config = _example({"id": "acme", "name": "Acme Shoes", "industry": "retail"})
    id: AdvertiserId
    name: Name
    industry: Annotated[str, Field(min_length=1, max_length=64)] = "other"


class AdvertiserOut(BaseModel):
    id: str
    name: str
    industry: str
    prepaid_account: str


class TopUpCreate(Strict):
    model_config = _example({"amount_micros": 100_000_000, "payment_ref": "pay-1"})
    amount_micros: Micros
    payment_ref: Annotated[str, Field(min_length=1, max_length=128,
                                      description="a retry of it credits once")]  # fmt: skip


class BalanceOut(BaseModel):
    advertiser: str
    balance_micros: int


class BudgetIn(Strict):
    mode: Literal["daily", "lifetime", "unlimited"]
    micros: Micros | None = Field(None, description="none only for an unlimited budget")


class BudgetOut(BaseModel):
    mode: str
    micros: int | None


class CampaignCreate(Strict):
    model_config = _example({"advertiser": "acme", "name": "Spring sale", "objective": "traffic",
                             "budget": {"mode": "daily", "micros": 50_000_000}})  # fmt: skip
    advertiser: ActingFor = None
    name: Name
    objective: Literal["reach", "traffic", "video_views", "conversions"]
    budget: BudgetIn


class CampaignOut(BaseModel):
    id: int
    advertiser: str
    name: str
    objective: str
    budget: BudgetOut
    status: StatusName


class CampaignList(BaseModel):
    data: list[CampaignOut]
    count: int


class StatusChange(Strict):
    model_config = _example({"advertiser": "acme", "status": "active"})
    advertiser: ActingFor = None
    status: Literal["active", "paused", "completed"]


class ConditionIn(Strict):
    dimension: Literal["age_band", "gender", "country", "language", "interest", "device",
                       "behaviour", "audience"]  # fmt: skip
    values: list[Annotated[int, Field(ge=0, le=2**31)]] = Field(min_length=1, max_length=1_000)
    exclude: bool = False


class ConditionOut(BaseModel):
    dimension: str
    values: list[int]
    exclude: bool


class ScheduleIn(Strict):
    start: Moment
    end: Moment | None = Field(None, description="none: runs until stopped")
    hours: list[Annotated[int, Field(ge=0, le=23)]] = Field(
        default_factory=list, max_length=24, description="UTC hours to run; empty: all day"
    )


class ScheduleOut(BaseModel):
    start: datetime
    end: datetime | None
    hours: list[int]


class FrequencyCapIn(Strict):
    impressions: Annotated[int, Field(ge=1, le=1_000)]
    days: Annotated[int, Field(ge=1, le=365)]


class AdGroupCreate(Strict):
    model_config = _example({
        "advertiser": "acme", "campaign": 2, "name": "US 18-24", "billing": "cpc",
        "schedule": {"start": "2026-11-01T00:00:00Z"},
        "budget": {"mode": "daily", "micros": 20_000_000},
        "targeting": [{"dimension": "country", "values": [3]}],
    })  # fmt: skip
    advertiser: ActingFor = None
    campaign: Id
    name: Name
    schedule: ScheduleIn
    budget: BudgetIn
    billing: Literal["cpm", "cpc", "cpv", "ocpm"]
    bid_strategy: Literal["max_delivery", "cost_cap", "bid_cap"] = "max_delivery"
    bid_micros: Micros | None = Field(None, description="per billable unit; none for max delivery")
    targeting: list[ConditionIn] = Field(default_factory=list, max_length=32,
                                         description="all must hold; none: everyone")  # fmt: skip
    pacing: Literal["standard", "accelerated"] = "standard"
    frequency_cap: FrequencyCapIn | None = None


class AdGroupOut(BaseModel):
    id: int
    campaign: int
    name: str
    schedule: ScheduleOut
    budget: BudgetOut
    billing: str
    bid_strategy: str
    bid_micros: int | None
    targeting: list[ConditionOut]
    pacing: str
    frequency_cap: FrequencyCapIn | None
    status: StatusName


class AdGroupList(BaseModel):
    data: list[AdGroupOut]
    count: int


class AdCreate(Strict):
    model_config = _example({"advertiser": "acme", "ad_group": 2, "video": 1,
                             "landing_url": "https://acme.example/sale"})  # fmt: skip
    advertiser: ActingFor = None
    ad_group: Id
    video: Id
    landing_url: Annotated[str, Field(min_length=1, max_length=2_000)]
    call_to_action: Literal["learn_more", "shop_now", "sign_up", "download",
                            "watch_more"] = "learn_more"  # fmt: skip
    authorization: Annotated[str, Field(min_length=1, max_length=64)] | None = Field(
        None, description="a creator's code, to boost their post"
    )


class AdOut(BaseModel):
    id: int
    ad_group: int
    video: int
    landing_url: str
    call_to_action: str
    authorization: str | None
    status: StatusName


class AdList(BaseModel):
    data: list[AdOut]
    count: int


class AuthorizationCreate(Strict):
    model_config = _example({"creator": 7, "video": 1, "days": 30})
    creator: Id | None = Field(None, description="admins only: the creator authorizing")
    video: Id
    days: Annotated[int, Field(ge=1, le=365)]


class AuthorizationOut(BaseModel):
    code: str = Field(description="share it with the advertiser boosting the post")
    creator: int
    video: int
    expires_at: datetime
    revoked: bool


# Requests to the domain


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _moment(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def to_advertiser(body: AdvertiserCreate) -> Advertiser:
    return Advertiser(body.id, body.name, body.industry)


def to_budget(body: BudgetIn) -> Budget:
    return Budget(BudgetMode(body.mode), body.micros)


def to_campaign(body: CampaignCreate, advertiser: str) -> Campaign:
    return Campaign(0, advertiser, body.name, Objective(body.objective), to_budget(body.budget))


def to_targeting(conditions: list[ConditionIn]) -> Targeting:
    return Targeting(tuple(Condition(Dimension(c.dimension), frozenset(c.values), c.exclude)
                           for c in conditions))  # fmt: skip


def to_ad_group(body: AdGroupCreate) -> AdGroup:
    s, cap = body.schedule, body.frequency_cap
    schedule = Schedule(_ms(s.start), None if s.end is None else _ms(s.end), frozenset(s.hours))
    return AdGroup(
        0, body.campaign, body.name, schedule, to_budget(body.budget), Billing(body.billing),
        BidStrategy(body.bid_strategy), body.bid_micros, to_targeting(body.targeting),
        pacing=Pacing[body.pacing.upper()],
        frequency_cap=None if cap is None else FrequencyCap(cap.impressions, cap.days),
    )  # fmt: skip


def to_ad(body: AdCreate) -> Ad:
    return Ad(0, body.ad_group, body.video, body.landing_url,
              CallToAction(body.call_to_action), body.authorization)  # fmt: skip


# The domain to responses


def advertiser_out(a: Advertiser) -> AdvertiserOut:
    return AdvertiserOut(id=a.id, name=a.name, industry=a.industry,
                         prepaid_account=a.prepaid_account)  # fmt: skip


def budget_out(b: Budget) -> BudgetOut:
    return BudgetOut(mode=b.mode.value, micros=b.micros)


def campaign_out(c: Campaign) -> CampaignOut:
    return CampaignOut(id=c.id, advertiser=c.advertiser, name=c.name,
                       objective=c.objective.value, budget=budget_out(c.budget),
                       status=c.status.value)  # fmt: skip


def ad_group_out(g: AdGroup) -> AdGroupOut:
    s, cap = g.schedule, g.frequency_cap
    return AdGroupOut(
        id=g.id, campaign=g.campaign, name=g.name,
        schedule=ScheduleOut(start=_moment(s.start_ms),
                             end=None if s.end_ms is None else _moment(s.end_ms),
                             hours=sorted(s.hours)),
        budget=budget_out(g.budget), billing=g.billing.value, bid_strategy=g.bid_strategy.value,
        bid_micros=g.bid_micros, pacing=g.pacing.name.lower(), status=g.status.value,
        targeting=[ConditionOut(dimension=c.dimension.value, values=sorted(c.values),
                                exclude=c.exclude) for c in g.targeting.conditions],
        frequency_cap=None if cap is None else FrequencyCapIn(impressions=cap.impressions,
                                                               days=cap.days),
    )  # fmt: skip


def ad_out(a: Ad) -> AdOut:
    return AdOut(id=a.id, ad_group=a.ad_group, video=a.video, landing_url=a.landing_url,
                 call_to_action=a.call_to_action.value, authorization=a.authorization,
                 status=a.status.value)  # fmt: skip


def authorization_out(a: Authorization) -> AuthorizationOut:
    return AuthorizationOut(code=a.code, creator=a.creator, video=a.video,
                            expires_at=_moment(a.expires_at_ms), revoked=a.revoked)  # fmt: skip
