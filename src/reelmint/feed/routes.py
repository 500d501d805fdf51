"""Feed routes: the For You page, posting videos, and the likes-elasticity what-if.

- `GET /v1/feed/for-you`: a user's page (a user key; admins may ask for any `user`).
- `POST /v1/videos`: a creator posts its own videos (admins any creator's); the same
  video again answers `exists`, a different one under a known id 409.
- `GET /v1/videos/{id}/likes-elasticity`: how the video's exposure would move with
  its like rate (its creator or an admin).

Parties name users and creators by text ids; the feed's ids are integers, so only
parties whose id is a whole number have a feed or videos.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from reelmint.content.model import ContentError, Origin, Video
from reelmint.content.store import VideoConflict
from reelmint.feed.service import FeedService
from reelmint.http import problems
from reelmint.http.auth import Caller
from reelmint.http.problems import FORBIDDEN, NOT_FOUND, VALIDATION, VIDEO_CONFLICT, Problem
from reelmint.http.schemas import Moment, Strict
from reelmint.parties.model import Party, Role

router = APIRouter(prefix="/v1", tags=["feed"])
Id = Annotated[int, Field(ge=0, le=2**62)]


class FeedItem(BaseModel):
    position: int
    video: int | None = Field(description="null at an ad slot")
    score: float | None
    ad_slot: bool


class FeedPagePublic(BaseModel):
    user: int
    data: list[FeedItem]
    count: int
    ad_positions: list[int]


class VideoCreate(Strict):
    id: Id
    creator: Id = Field(description="a creator names itself; an admin any creator")
    duration_ms: Annotated[int, Field(ge=1, le=86_400_000)]
    topic: Annotated[int, Field(ge=0, le=4_095)]
    origin: Literal["original", "duet", "stitch", "sponsored"] = "original"
    posted_at: Moment


class VideoBatch(Strict):
    videos: list[VideoCreate] = Field(min_length=1, max_length=1_000)


class VideoPosted(BaseModel):
    id: int
    result: Literal["created", "exists"]


class VideosPosted(BaseModel):
    data: list[VideoPosted]
    count: int
    created: int


class ExposurePublic(BaseModel):
    like_change: float
    like_rate: float
    score: float
    pool: int
    bar: float | None
    promoted: bool
    headed_for: int | None = Field(description="impressions of the pool it heads for; null: open")
    win_rate: float


class ElasticityPublic(BaseModel):
    video: int
    data: list[ExposurePublic]
    count: int


def _feed(request: Request) -> FeedService:
    service: FeedService = request.app.state.platform.feed
    return service


def _now_ms(request: Request) -> int:
    return int(request.app.state.clock().timestamp() * 1000)


def _number(party: Party) -> int:
    if not party.id.isdigit():
        raise Problem(FORBIDDEN, f"{party} has no feed: feed ids are whole numbers")
    return int(party.id)


@router.get("/feed/for-you", response_model=FeedPagePublic,
            responses=problems.responses(401, 403, 422, 429))  # fmt: skip
def for_you(
    request: Request, party: Caller, n: Annotated[int, Query(ge=1, le=100)] = 8,
    user: Annotated[int | None, Query(ge=0, le=2**62, description="admins only")] = None,
) -> FeedPagePublic:  # fmt: skip
    """The caller's For You page of `n` positions, best first; ad slots are marked and
    left for the ads engine. Videos already served to the user are not served again."""
    if party.is_admin:
        if user is None:
            raise Problem(FORBIDDEN, "an admin has no feed of its own; name one with ?user=")
    elif party.role is Role.USER:
        if user is not None and user != _number(party):
            raise Problem(FORBIDDEN, f"{party} may only read its own feed")
        user = _number(party)
    else:
        raise Problem(FORBIDDEN, f"{party} is not a user; the For You feed is for users")
    page = _feed(request).for_you(user, n, _now_ms(request))
    items = [FeedItem(position=i, video=v if v >= 0 else None,
                      score=None if v < 0 else round(s, 6), ad_slot=i in page.ad_positions)
             for i, (v, s) in enumerate(zip(page.videos, page.scores, strict=True))]  # fmt: skip
    return FeedPagePublic(user=user, data=items, count=len(items),
                          ad_positions=list(page.ad_positions))  # fmt: skip


@router.post("/videos", status_code=201, response_model=VideosPosted,
             responses={200: {"model": VideosPosted, "description": "none was new"},
                        **problems.responses(401, 403, 409, 422, 429)})  # fmt: skip
def post_videos(body: VideoBatch, request: Request, party: Caller) -> Response:
    """Post videos to the catalog (all or nothing). Creators post their own."""
    videos = [_video(v, party) for v in body.videos]
    try:
        fresh = _feed(request).post_videos(videos)
    except VideoConflict as exc:
        raise Problem(VIDEO_CONFLICT, str(exc)) from exc
    except ContentError as exc:
        raise Problem(VALIDATION, str(exc)) from exc
    data = [VideoPosted(id=v.id, result="created" if new else "exists")
            for v, new in zip(videos, fresh, strict=True)]  # fmt: skip
    out = VideosPosted(data=data, count=len(data), created=sum(fresh))
    return Response(out.model_dump_json(), 201 if any(fresh) else 200,
                    media_type="application/json")  # fmt: skip


def _video(v: VideoCreate, party: Party) -> Video:
    if not party.is_admin:
        if party.role is not Role.CREATOR:
            raise Problem(FORBIDDEN, f"{party} is not a creator")
        if v.creator != _number(party):
            raise Problem(FORBIDDEN, f"video {v.id}: {party} may only post its own videos")
    try:
        return Video(v.id, v.creator, v.duration_ms, v.topic,
                     int(v.posted_at.timestamp() * 1000), Origin[v.origin.upper()])  # fmt: skip
    except ContentError as exc:
        raise Problem(VALIDATION, str(exc)) from exc


@router.get("/videos/{video_id}/likes-elasticity", response_model=ElasticityPublic,
            responses=problems.responses(401, 403, 404, 422, 429))  # fmt: skip
def likes_elasticity(
    video_id: int, request: Request, party: Caller,
    change: Annotated[list[float], Query(description="relative like-rate changes, e.g. 0.5",
                                         max_length=20)] = [-0.5, 0.5, 1.0],  # noqa: B006
) -> ElasticityPublic:  # fmt: skip
    """Re-score the video with its like rate moved by each `change` (0.5 is +50%),
    everything else held: its score, its pool outcome and its share of requests."""
    service = _feed(request)
    found = service.videos.get(video_id) if 0 <= video_id <= 2**62 else None
    if found is None:
        raise Problem(NOT_FOUND, f"no video {video_id}")
    if not party.is_admin and not (party.role is Role.CREATOR and party.id == str(found.creator)):
        raise Problem(FORBIDDEN, f"{party} may only ask about its own videos")
    if any(not -1 < c <= 100 for c in change):
        raise Problem(VALIDATION, "each change is above -1 (-100%) and at most 100 (+10,000%)")
    points = service.elasticity(video_id, (0.0, *change), _now_ms(request), sample_users=500)
    data = [ExposurePublic(like_change=p.like_change, like_rate=p.like_rate, score=p.score,
                           pool=p.pool, bar=None if p.bar != p.bar else p.bar,
                           promoted=p.promoted, headed_for=p.headed_for, win_rate=p.win_rate)
            for p in points]  # fmt: skip
    return ElasticityPublic(video=video_id, data=data, count=len(data))
