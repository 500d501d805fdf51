"""Ads Manager routes under `/v1/ads`: advertisers and their prepaid balance, campaigns,
ad groups, ads, and creators' authorizations to boost their posts.

- `POST /v1/ads/advertisers`: an admin registers any advertiser; an advertiser party
  registers itself (its party id is its advertiser id). The same fields again are a no-op.
- `POST /v1/ads/advertisers/{id}/top-ups` (admins: the money comes from the payment
  side) and `GET /v1/ads/advertisers/{id}/balance` (the advertiser or an admin).
- `POST /v1/ads/{campaigns,ad-groups,ads}`, `GET` to list, `POST .../{id}/status`.
- `POST /v1/ads/authorizations` (a creator, for its video) and `DELETE .../{code}`.
- `GET /v1/ads/reports`: delivery and spend of the advertiser's own ads, read from the
  event lake, per campaign, ad group or ad and per UTC hour or day (or the whole window).

**Who acts.** An advertiser party acts only as itself; an admin names the advertiser it
acts for with `advertiser` in the body or the query. Another advertiser's object is 403,
not 404: ids are sequential, so hiding them would hide nothing.

**Refusals** (the only place the ads errors become HTTP): unknown 404, another's 403, an
id or payment reference already used otherwise 409 (`ads-id-conflict`), and a rule the
schema cannot say (a $50 minimum, activating under a paused parent) 422 (`ads-rule`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Annotated, TypeVar

from fastapi import APIRouter, Path, Query, Request
from pydantic import AwareDatetime, BaseModel, BeforeValidator

from reelmint.ads import api_schemas as s
from reelmint.ads import report_schemas as rs
from reelmint.ads.model import AdsError, Status
from reelmint.ads.service import AdsManager, Conflict, NotFound, NotYours
from reelmint.ads.targeting import TargetingError
from reelmint.http import problems
from reelmint.http.auth import Admin, Caller, acting_as
from reelmint.http.problems import ADS_CONFLICT, ADS_RULE, FORBIDDEN, NOT_FOUND, Problem
from reelmint.http.schemas import not_a_number
from reelmint.parties.model import Party, Role

router = APIRouter(prefix="/v1/ads", tags=["ads"])
AdvertiserPath = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$", examples=["acme"])]
IdPath = Annotated[int, Path(ge=0, le=2**62, examples=[1])]
ActingQuery = Annotated[
    str | None,
    Query(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="admins only", examples=["acme"]),
]
MINE = problems.responses(401, 403, 404, 409, 422, 429)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
T = TypeVar("T")
L = TypeVar("L", bound=BaseModel)


Start = Annotated[AwareDatetime | None, BeforeValidator(not_a_number), Query(
    description="from this time, inclusive; none: from the first event",
    examples=["2026-11-01T00:00:00Z"])]  # fmt: skip
End = Annotated[AwareDatetime | None, BeforeValidator(not_a_number), Query(
    description="to this time, exclusive; none: to the last event",
    examples=["2026-11-02T00:00:00Z"])]  # fmt: skip


@contextmanager
def _refusals() -> Iterator[None]:
    """The ads errors as problem responses."""
    try:
        yield
    except NotFound as exc:
        raise Problem(NOT_FOUND, str(exc)) from exc
    except NotYours as exc:
        raise Problem(FORBIDDEN, str(exc)) from exc
    except Conflict as exc:
        raise Problem(ADS_CONFLICT, str(exc)) from exc
    except (AdsError, TargetingError) as exc:
        raise Problem(ADS_RULE, str(exc)) from exc


def _ads(request: Request) -> AdsManager:
    manager: AdsManager = request.app.state.platform.ads
    return manager


def _now_ms(request: Request) -> int:
    return int(request.app.state.clock().timestamp() * 1000)


def _ms(moment: datetime | None) -> int | None:
    """Milliseconds since 1970 UTC, exactly (no float in between)."""
    return None if moment is None else (moment - EPOCH) // timedelta(milliseconds=1)


def _acting(party: Party, named: str | None) -> str:
    """The advertiser the caller acts as: itself, or for an admin the one it names."""
    if party.is_admin:
        if named is None:
            raise Problem(FORBIDDEN, "an admin acts for an advertiser: name it with `advertiser`")
        return named
    if party.role is not Role.ADVERTISER:
        raise Problem(FORBIDDEN, f"{party} is not an advertiser")
    if named is not None and named != party.id:
        raise Problem(FORBIDDEN, f"{party} may act only as advertiser {party.id!r}")
    return party.id


@contextmanager
def _as_advertiser(party: Party, named: str | None) -> Iterator[str]:
    """The advertiser the caller acts as (`_acting`), with the ads errors of the block
    as problem responses (`_refusals`)."""
    advertiser = _acting(party, named)
    with _refusals():
        yield advertiser


def _listed(wrapper: type[L], items: Iterable[T], out: Callable[[T], BaseModel]) -> L:
    """`{data, count}` of `items`, each turned into its response by `out`."""
    data = [out(item) for item in items]
    return wrapper(data=data, count=len(data))


def _creator(party: Party, named: int | None) -> int:
    return acting_as(party, Role.CREATOR, named)


# Advertisers and money


@router.post("/advertisers", status_code=201, response_model=s.AdvertiserOut, responses=MINE)
def register_advertiser(body: s.AdvertiserCreate, request: Request,
                        party: Caller) -> s.AdvertiserOut:  # fmt: skip
    """Register an advertiser and open its prepaid account. Again with the same fields
    answers the same; other fields under a known id are 409."""
    if not party.is_admin and (party.role is not Role.ADVERTISER or party.id != body.id):
        raise Problem(FORBIDDEN, f"{party} may register only itself as an advertiser")
    with _refusals():
        return s.advertiser_out(_ads(request).register_advertiser(s.to_advertiser(body)))


@router.post("/advertisers/{advertiser_id}/top-ups", response_model=s.BalanceOut,
             responses=MINE)  # fmt: skip
def top_up(advertiser_id: AdvertiserPath, body: s.TopUpCreate, request: Request,
           _: Admin) -> s.BalanceOut:  # fmt: skip
    """Credit a payment to the prepaid balance (admins). A retry of `payment_ref` credits
    nothing more; the same reference with another amount is 409."""
    with _refusals():
        balance = _ads(request).top_up(advertiser_id, body.amount_micros, body.payment_ref,
                                       request.app.state.clock())  # fmt: skip
    return s.BalanceOut(advertiser=advertiser_id, balance_micros=balance)


@router.get("/advertisers/{advertiser_id}/balance", response_model=s.BalanceOut, responses=MINE)
def balance(advertiser_id: AdvertiserPath, request: Request, party: Caller) -> s.BalanceOut:
    """The prepaid balance in micros (the advertiser itself or an admin)."""
    with _as_advertiser(party, advertiser_id) as acting:
        return s.BalanceOut(advertiser=acting, balance_micros=_ads(request).balance(acting))


# Campaigns


@router.post("/campaigns", status_code=201, response_model=s.CampaignOut, responses=MINE)
def create_campaign(body: s.CampaignCreate, request: Request, party: Caller) -> s.CampaignOut:
    """A new campaign; it starts as a draft."""
    with _as_advertiser(party, body.advertiser) as advertiser:
        made = _ads(request).create_campaign(advertiser, s.to_campaign(body, advertiser))
    return s.campaign_out(made)


@router.get("/campaigns", response_model=s.CampaignList, responses=MINE)
def list_campaigns(
    request: Request, party: Caller, advertiser: ActingQuery = None
) -> s.CampaignList:
    campaigns = _ads(request).list_campaigns(_acting(party, advertiser))
    return _listed(s.CampaignList, campaigns, s.campaign_out)


@router.post("/campaigns/{campaign_id}/status", response_model=s.CampaignOut, responses=MINE)
def campaign_status(campaign_id: IdPath, body: s.StatusChange, request: Request,
                    party: Caller) -> s.CampaignOut:  # fmt: skip
    """Activate, pause or complete a campaign (completed is final)."""
    with _as_advertiser(party, body.advertiser) as advertiser:
        moved = _ads(request).set_campaign_status(advertiser, campaign_id, Status(body.status))
    return s.campaign_out(moved)


# Ad groups


@router.post("/ad-groups", status_code=201, response_model=s.AdGroupOut, responses=MINE)
def create_ad_group(body: s.AdGroupCreate, request: Request, party: Caller) -> s.AdGroupOut:
    """A new ad group in one of the advertiser's campaigns; it starts as a draft."""
    with _as_advertiser(party, body.advertiser) as advertiser:
        return s.ad_group_out(_ads(request).create_ad_group(advertiser, s.to_ad_group(body)))


@router.get("/ad-groups", response_model=s.AdGroupList, responses=MINE)
def list_ad_groups(
    request: Request, party: Caller, advertiser: ActingQuery = None,
    campaign: Annotated[int | None, Query(ge=0, le=2**62, description="of one campaign")] = None,
) -> s.AdGroupList:  # fmt: skip
    with _as_advertiser(party, advertiser) as acting:
        groups = _ads(request).list_ad_groups(acting, campaign)
    return _listed(s.AdGroupList, groups, s.ad_group_out)


@router.post("/ad-groups/{group_id}/status", response_model=s.AdGroupOut, responses=MINE)
def ad_group_status(group_id: IdPath, body: s.StatusChange, request: Request,
                    party: Caller) -> s.AdGroupOut:  # fmt: skip
    """Move an ad group; activating it needs its campaign active."""
    with _as_advertiser(party, body.advertiser) as advertiser:
        moved = _ads(request).set_ad_group_status(advertiser, group_id, Status(body.status))
    return s.ad_group_out(moved)


# Ads


@router.post("/ads", status_code=201, response_model=s.AdOut, responses=MINE)
def create_ad(body: s.AdCreate, request: Request, party: Caller) -> s.AdOut:
    """A new ad in one of the advertiser's ad groups; it starts as a draft. A boosted
    post names the creator's authorization code."""
    with _as_advertiser(party, body.advertiser) as advertiser:
        return s.ad_out(_ads(request).create_ad(advertiser, s.to_ad(body), _now_ms(request)))


@router.get("/ads", response_model=s.AdList, responses=MINE)
def list_ads(
    request: Request, party: Caller, advertiser: ActingQuery = None,
    ad_group: Annotated[int | None, Query(ge=0, le=2**62, description="of one ad group")] = None,
) -> s.AdList:  # fmt: skip
    with _as_advertiser(party, advertiser) as acting:
        ads = _ads(request).list_ads(acting, ad_group)
    return _listed(s.AdList, ads, s.ad_out)


@router.post("/ads/{ad_id}/status", response_model=s.AdOut, responses=MINE)
def ad_status(ad_id: IdPath, body: s.StatusChange, request: Request, party: Caller) -> s.AdOut:
    """Move an ad; activating it needs its ad group active (and a boosted post's
    authorization still valid)."""
    with _as_advertiser(party, body.advertiser) as advertiser:
        moved = _ads(request).set_ad_status(advertiser, ad_id, Status(body.status),
                                            _now_ms(request))  # fmt: skip
    return s.ad_out(moved)


# Creators' authorizations


@router.post("/authorizations", status_code=201, response_model=s.AuthorizationOut,
             responses=MINE)  # fmt: skip
def authorize_post(body: s.AuthorizationCreate, request: Request,
                   party: Caller) -> s.AuthorizationOut:  # fmt: skip
    """Let advertisers boost one of the creator's videos for `days` days; the answer's
    `code` is what the creator hands to the advertiser."""
    creator = _creator(party, body.creator)
    with _refusals():
        made = _ads(request).authorize_post(creator, body.video, body.days, _now_ms(request))
    return s.authorization_out(made)


@router.delete("/authorizations/{code}", response_model=s.AuthorizationOut, responses=MINE)
def revoke_authorization(
    code: Annotated[str, Path(min_length=1, max_length=64, examples=["sample-code"])],
    request: Request, party: Caller,
    creator: Annotated[int | None, Query(ge=0, le=2**62, description="admins only",
                                         examples=[7])] = None,
) -> s.AuthorizationOut:  # fmt: skip
    """Withdraw an authorization (its creator, or an admin naming it); the active ads
    using it pause."""
    with _refusals():
        return s.authorization_out(
            _ads(request).revoke_authorization(_creator(party, creator), code)
        )


# Reports


@router.get("/reports", response_model=rs.ReportOut, responses=MINE)
def report(
    request: Request, party: Caller, advertiser: ActingQuery = None,
    grain: Annotated[rs.GrainName, Query(description="one row per campaign, ad group or "
                                         "ad (per period)")] = "ad_group",
    period: Annotated[rs.PeriodName, Query(description="UTC hours, UTC days, or `total`: "
                                           "the whole window as one row a key")] = "day",
    start: Start = None, end: End = None,
    campaign: Annotated[int | None, Query(ge=0, le=2**62, description="of one campaign")] = None,
) -> rs.ReportOut:  # fmt: skip
    """Delivery, engagement and spend of the advertiser's own ads in [start, end), read
    from the event lake: impressions, reach, clicks, views, quartiles, conversions, and
    spend with CPM, CPC, CPV and CPA in USD micros. Another advertiser's campaign is 403.

    Worked example: 5 impressions charged 25,000 micros in all on one day are one row
    with `spend_micros` 25,000 and `cpm_micros` 25,000 x 1,000 / 5 = 5,000,000 ($5).
    """
    with _as_advertiser(party, advertiser) as acting:
        table = _ads(request).report(acting, grain=grain, period=period, start_ms=_ms(start),
                                     end_ms=_ms(end), campaign=campaign)  # fmt: skip
    return rs.report_out(table, acting, grain, period)
