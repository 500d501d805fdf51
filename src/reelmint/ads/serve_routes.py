"""Ad serving routes under `/v1/ads`: what the platform's backend calls while users scroll,
and the real-time counters an advertiser watches.

- `POST /v1/ads/serve` (admins: the platform's backend): ads for a user's page, each with
  a tracking token. The request carries the user's targeting profile, as the platform
  knows it; the ad server keeps no user records.
- `POST /v1/ads/events` (admins): the client's ad events, relayed with their tokens. Each
  answers with its outcome (`charged`, `free`, `counted`, `duplicate`, `no_impression`,
  `expired`, `unknown`) and what it was charged; a refused event changes nothing, so a
  relay may resend a batch safely.
- `GET /v1/ads/delivery` (the advertiser, or an admin for one): each ad group's spend
  today, daily cap, pacing throttle and whether it can win now, from the live counters
  (the lake-based reports are `GET /v1/ads/reports`).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from reelmint.ads.routes import ActingQuery, _acting, _now_ms, _refusals
from reelmint.ads.serving import MAX_SLOTS, AdEvent, AdServer, Outcome
from reelmint.ads.targeting import BEHAVIOUR_WINDOWS, Dimension, Profile, behaviour_code
from reelmint.events.model import Kind
from reelmint.http import problems
from reelmint.http.auth import Admin, Caller
from reelmint.http.schemas import Strict

router = APIRouter(prefix="/v1/ads", tags=["ads serving"])
Code = Annotated[int, Field(ge=0, le=65_535)]
Codes = Annotated[list[Code], Field(max_length=256)]
EventKind = Literal["ad_impression", "ad_click", "ad_view_2s", "ad_view_6s", "ad_quartile",
                    "conversion"]  # fmt: skip
SERVING = problems.responses(401, 403, 422, 429)


class Engaged(Strict):
    topic: Code
    days: Literal[7, 15, 30] = Field(description="engaged with the topic within this many days")


class ProfileIn(Strict):
    """The user's codes per targeting dimension, as the platform holds them."""

    age_band: Code | None = None
    gender: Code | None = None
    country: Code | None = None
    language: Code | None = None
    device: Code | None = None
    interests: Codes = Field(default_factory=list)
    behaviour: Annotated[list[Engaged], Field(max_length=256)] = Field(default_factory=list)
    audiences: Codes = Field(default_factory=list, description="custom audiences the user is on")

    def to_profile(self) -> Profile:
        single = {Dimension.AGE_BAND: self.age_band, Dimension.GENDER: self.gender,
                  Dimension.COUNTRY: self.country, Dimension.LANGUAGE: self.language,
                  Dimension.DEVICE: self.device}  # fmt: skip
        profile: dict[Dimension, frozenset[int]] = {
            d: frozenset({v}) for d, v in single.items() if v is not None}  # fmt: skip
        # The windows nest: engaged within 7 days is engaged within 15 and 30 too.
        profile[Dimension.BEHAVIOUR] = frozenset(
            behaviour_code(e.topic, w) for e in self.behaviour for w in BEHAVIOUR_WINDOWS
            if w >= e.days)  # fmt: skip
        profile[Dimension.INTEREST] = frozenset(self.interests)
        profile[Dimension.AUDIENCE] = frozenset(self.audiences)
        return profile


class ServeRequest(Strict):
    user: Annotated[int, Field(ge=0, le=2**62)]
    slots: Annotated[int, Field(ge=1, le=MAX_SLOTS)] = 1
    profile: ProfileIn = ProfileIn()


class ServedOut(BaseModel):
    position: int = Field(description="0: the page's first ad slot")
    ad: int
    ad_group: int
    campaign: int
    advertiser: str
    video: int
    billing: str
    price_micros: int = Field(description="charged per billable event, USD micros")
    landing_url: str
    call_to_action: str
    token: str = Field(description="hand back with each of this ad's events")


class ServedList(BaseModel):
    user: int
    data: list[ServedOut]
    count: int


class EventIn(Strict):
    token: Annotated[str, Field(min_length=1, max_length=200)]
    kind: EventKind
    quartile: Annotated[int, Field(ge=0, le=4)] = 0
    value_micros: Annotated[int, Field(ge=0, le=2**62)] = 0


class EventBatchIn(Strict):
    events: Annotated[list[EventIn], Field(min_length=1, max_length=1_000)]


class RecordedOut(BaseModel):
    outcome: Outcome
    charged_micros: int


class RecordedList(BaseModel):
    data: list[RecordedOut]
    count: int
    charged_micros: int = Field(description="the batch's total charge")


class DeliveryOut(BaseModel):
    ad_group: int
    campaign: int
    spend_today_micros: int
    daily_cap_micros: int | None
    throttle: float = Field(description="pacing: the share of auctions the group enters")
    live: bool = Field(description="could win a slot now")


class DeliveryList(BaseModel):
    advertiser: str
    data: list[DeliveryOut]
    count: int


def _server(request: Request) -> AdServer:
    server: AdServer = request.app.state.platform.ad_server
    return server


@router.post("/serve", response_model=ServedList, responses=SERVING)
def serve(body: ServeRequest, request: Request, _: Admin) -> ServedList:
    """Ads for up to `slots` ad positions of one user's page, best first."""
    with _refusals():
        page = _server(request).serve(body.user, body.profile.to_profile(), body.slots,
                                      _now_ms(request))  # fmt: skip
    data = [ServedOut(**{f: getattr(s, f) for f in ServedOut.model_fields}) for s in page]
    return ServedList(user=body.user, data=data, count=len(data))


@router.post("/events", response_model=RecordedList, responses=SERVING)
def record_events(body: EventBatchIn, request: Request, _: Admin) -> RecordedList:
    """Ad events reported by clients, each with the token its ad was served with."""
    with _refusals():
        events = [AdEvent(e.token, Kind.parse(e.kind), e.quartile, e.value_micros)
                  for e in body.events]  # fmt: skip
        done = _server(request).record(events, _now_ms(request))
    data = [RecordedOut(outcome=r.outcome, charged_micros=r.charged_micros) for r in done]
    return RecordedList(data=data, count=len(data), charged_micros=sum(r.charged_micros
                                                                       for r in done))  # fmt: skip


@router.get("/delivery", response_model=DeliveryList, responses=SERVING)
def delivery(request: Request, party: Caller,
             advertiser: ActingQuery = None) -> DeliveryList:  # fmt: skip
    """Spend today and pacing per ad group, live (not from the lake)."""
    acting = _acting(party, advertiser)
    rows = _server(request).delivery(acting, _now_ms(request))
    data = [DeliveryOut(ad_group=r.ad_group, campaign=r.campaign,
                        spend_today_micros=r.spend_today_micros,
                        daily_cap_micros=r.daily_cap_micros, throttle=r.throttle,
                        live=r.live) for r in rows]  # fmt: skip
    return DeliveryList(advertiser=acting, data=data, count=len(data))
