"""Event ingest: `POST /v1/events`, a batch in, one outcome per refused event out; and
`POST /v1/events/flags`, integrity's late verdicts on events already stored.

The route lives here rather than in `events/`, because the events sit below `http/`.
Field types are checked strictly (a user id that is text is a malformed request, 422),
but names outside the vocabulary (an unknown kind or surface) and missing users are
not request errors: they are bad events, refused one by one with a reason while the
rest of the batch goes in. Accepted events are in the lake when the answer comes.

Who may post: an admin (the platform's own backend) any event; a user only events
whose `user` is itself. Anyone else is refused the whole batch, and nothing is stored.

Late flags (admins only: integrity is the platform's own) name a viewer, optionally one
video, and a span [start, end) of event times found invalid. Events are never rewritten:
the flags are recorded beside the lake (`reelmint.events.flags`), stamped with the
server's now, and every query that pays leaves out what they cover from then on; a
creator rewards close after them claws back what an earlier close paid for those plays.
Recording the same flags at the same moment twice leaves one file.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from reelmint.events.codec import CodecError, batch_from_records
from reelmint.events.flags import Flag, FlagError, write_flags
from reelmint.events.model import InvalidReason
from reelmint.http import problems
from reelmint.http.auth import Admin, Caller
from reelmint.http.problems import FORBIDDEN, VALIDATION, Problem, ProblemType
from reelmint.http.schemas import Moment, Strict
from reelmint.parties.model import Party, Role

router = APIRouter(prefix="/v1", tags=["events"])
MAX_EVENTS = 10_000
Id = Annotated[int, Field(ge=0, le=2**62)]
Fingerprint = Annotated[int, Field(ge=-(2**63), le=2**63 - 1)]
MAX_FLAGS = 10_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Its own type: the schema cannot say that `end` comes after `start`.
FLAG_SPAN = ProblemType("flag-span", 422, "A flag's span must end after it starts")
Reason = Literal["fake_engagement", "bot_traffic", "click_fraud", "other"]


class EventIn(Strict):
    ts: Moment = Field(description="ISO 8601 with a zone", examples=["2026-11-01T12:00:00Z"])
    kind: str = Field(max_length=40, examples=["play"])
    user: Id | None = None
    object: Id | None = None
    author: Id | None = None
    surface: str = Field("for_you", max_length=40)
    device: Fingerprint = 0
    network: Fingerprint = 0
    invalid: bool = False
    invalid_reason: str | None = Field(None, max_length=40)
    paid: bool = False
    watch_ms: Annotated[int, Field(ge=-(2**31), le=2**40)] | None = None
    complete: bool = False
    amount: Annotated[int, Field(ge=0, le=2**62)] = 0


class EventBatchIn(Strict):
    events: list[EventIn] = Field(min_length=1, max_length=MAX_EVENTS)


class Refused(BaseModel):
    index: int = Field(description="position of the event in the request")
    reason: str = Field(examples=["negative_watch"])


class IngestOutcome(BaseModel):
    accepted: int
    refused: int
    refusals: list[Refused]
    by_reason: dict[str, int]


@router.post("/events", response_model=IngestOutcome,
             responses=problems.responses(401, 403, 422, 429))  # fmt: skip
def post_events(body: EventBatchIn, request: Request, party: Caller) -> IngestOutcome:
    """Ingest a batch of events; refused events are listed with their index and reason
    (`unknown_kind`, `missing_user`, `negative_watch`, `out_of_order`, ...)."""
    _may_post(party, body)
    records = [e.model_dump(exclude_none=True) for e in body.events]
    for record in records:
        record["ts"] = record["ts"].isoformat()
    try:
        batch = batch_from_records(records)
    except CodecError as exc:
        raise Problem(VALIDATION, str(exc)) from exc
    now_ms = int(request.app.state.clock().timestamp() * 1000)
    report = request.app.state.platform.feed.ingest(batch, now_ms)
    return IngestOutcome(
        accepted=report.accepted, refused=report.refused, by_reason=report.by_reason,
        refusals=[Refused(index=i, reason=r) for i, r in report.refusals],
    )  # fmt: skip


def _may_post(party: Party, body: EventBatchIn) -> None:
    if party.is_admin:
        return
    if party.role is not Role.USER:
        raise Problem(FORBIDDEN, f"{party} may not post events; users post their own")
    for i, event in enumerate(body.events):
        if event.user is None or str(event.user) != party.id:
            raise Problem(FORBIDDEN, f"event {i}: {party} may only post its own events")


class FlagIn(Strict):
    model_config = ConfigDict(strict=True, extra="forbid", json_schema_extra={"examples": [
        {"user": 42, "video": 10, "start": "2026-11-01T00:00:00Z",
         "end": "2026-11-08T00:00:00Z", "reason": "bot_traffic"}]})  # fmt: skip
    user: Id = Field(description="the viewer whose events are invalid")
    video: Id | None = Field(None, description="only this video's events; absent: all")
    start: Moment = Field(description="the first event time covered (ISO 8601 with a zone)")
    end: Moment = Field(description="the first event time after the span")
    reason: Reason


class FlagBatchIn(Strict):
    flags: list[FlagIn] = Field(min_length=1, max_length=MAX_FLAGS)


class FlagsRecorded(BaseModel):
    data: list[FlagIn]
    count: int
    flagged_at: datetime = Field(description="the server's time: queries asking as of "
                                 "this moment or later leave the flagged events out")  # fmt: skip


@router.post("/events/flags", status_code=201, response_model=FlagsRecorded,
             responses=problems.responses(401, 403, 422, 429))  # fmt: skip
def post_flags(body: FlagBatchIn, request: Request, _: Admin) -> FlagsRecorded:
    """Record late invalid flags (admins): each viewer's events in [start, end), of one
    video or of all, count in no pay from now on. A span that does not end after it
    starts is 422 `flag-span`, and nothing is recorded."""
    at: datetime = request.app.state.clock()
    at_ms = _ms(at)
    try:
        flags = [Flag(f.user, _ms(f.start), _ms(f.end), InvalidReason[f.reason.upper()], at_ms,
                      f.video) for f in body.flags]  # fmt: skip
    except FlagError as exc:
        raise Problem(FLAG_SPAN, str(exc)) from exc
    write_flags(request.app.state.platform.settings.lake_dir, flags)
    return FlagsRecorded(data=body.flags, count=len(body.flags), flagged_at=at)


def _ms(moment: datetime) -> int:
    """Exact milliseconds since the epoch (a float timestamp can round a millisecond off)."""
    return (moment - EPOCH) // timedelta(milliseconds=1)
