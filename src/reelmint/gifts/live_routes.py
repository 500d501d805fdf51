"""LIVE gifts routes, part two: LIVEs, gifts sent in them, leaderboards, and cash-out.
Who acts, keys and refusals are as in `reelmint.gifts.routes`.

- `POST /v1/lives` (a creator, for itself): go LIVE; `POST /v1/lives/{id}/end` and
  `GET /v1/lives/{id}` (its summary) for the host or an admin.
- `POST /v1/lives/{id}/join` and `POST /v1/lives/{id}/gifts` (a user, `Idempotency-Key`
  required on the gift): watch, and send a gift or a combo to the host.
- `GET /v1/lives/{id}/leaderboard` and `GET /v1/gifts/leaderboard` (anyone): top gifters
  of one LIVE, or of a week (Monday 00:00 UTC on), optionally to one creator.
- `GET /v1/creators/{id}/earnings` and `POST /v1/cashouts` (`Idempotency-Key` required),
  `GET /v1/cashouts/{key}`: the creator's diamonds and dollars, and cash-outs, which are
  held for the hold period before they are payable.
- `POST /v1/cashout-releases` and `POST /v1/payouts` (admins: the back office's jobs,
  each a run it starts): end the holds that are due, and pay what is payable in one
  batch. Not `/v1/cashouts/release`: that path reads as the cash-out keyed `release`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import AwareDatetime, BeforeValidator

from reelmint.gifts import api_schemas as s
from reelmint.gifts.context import ms
from reelmint.gifts.lives import week_start_ms
from reelmint.gifts.model import CashOut, SendGift
from reelmint.gifts.routes import (
    CLIENT_KEY,
    MINE,
    creator_of,
    gifts,
    key_header,
    now,
    once,
    scoped,
    user_of,
)
from reelmint.http.auth import MAX_NUMERIC_ID, Admin, Caller
from reelmint.http.schemas import not_a_number
from reelmint.parties.model import Party, Role

router = APIRouter(prefix="/v1", tags=["gifts"])
LivePath = Annotated[int, Path(ge=0, le=MAX_NUMERIC_ID, examples=[2])]
Top = Annotated[int, Query(ge=1, le=100, description="how many gifters")]
CashoutKey = Annotated[str, Path(pattern=rf"^creator:[0-9]{{1,19}}:{CLIENT_KEY}$",
                                 examples=["creator:7:sample-cashout"])]  # fmt: skip
WeekOf = Annotated[AwareDatetime | None, BeforeValidator(not_a_number), Query(
    description="any time in the week; none: this week",
    examples=["2026-11-04T12:00:00Z"])]  # fmt: skip
CreatorQuery = Annotated[int | None, Query(ge=0, le=MAX_NUMERIC_ID, description="to one "
                                           "creator only", examples=[7])]  # fmt: skip


def _host(party: Party) -> int | None:
    """The creator whose LIVE or cash-out it must be; None for an admin (anyone's)."""
    return None if party.is_admin else creator_of(party, None)


# LIVEs


@router.post("/lives", status_code=201, response_model=s.LiveOut, responses=MINE)
def start_live(body: s.LiveCreate, request: Request, party: Caller) -> s.LiveOut:
    """Go LIVE: the host must be 18+ and in good standing, with no LIVE running (409)."""
    creator = creator_of(party, body.creator)
    return s.live_out(gifts(request).lives.start(creator, body.title, now(request)))


@router.get("/lives/{live_id}", response_model=s.LiveSummaryOut, responses=MINE)
def live_summary(live_id: LivePath, request: Request, party: Caller,
                 top: Top = 5) -> s.LiveSummaryOut:  # fmt: skip
    """The LIVE's totals (gifts, coins, diamonds, gifters, viewers) and its top gifters,
    for its host or an admin."""
    return s.summary_out(gifts(request).lives.summary(live_id, _host(party), top))


@router.post("/lives/{live_id}/join", response_model=s.LiveOut, responses=MINE)
def join_live(live_id: LivePath, request: Request, party: Caller,
              body: s.Viewer | None = None) -> s.LiveOut:  # fmt: skip
    """Watch a running LIVE; joining again counts once. Admins name the `user`."""
    viewer = user_of(party, None if body is None else body.user)
    return s.live_out(gifts(request).lives.join(live_id, viewer, now(request)))


@router.post("/lives/{live_id}/gifts", status_code=201, response_model=s.SentGiftOut,
             responses=MINE)  # fmt: skip
def send_gift(live_id: LivePath, body: s.GiftSend, request: Request, party: Caller,
              key: Annotated[str, key_header("gift-1")]) -> Response:  # fmt: skip
    """Send `count` of a gift to the host. Refused with nothing moved unless the LIVE is
    running, both are 18+ and in good standing, the gift is on offer, the sender owes no
    coins, is within the daily limit (when set), and holds the coins."""
    sender, service = user_of(party, body.user), gifts(request)
    cmd = SendGift(scoped(Role.USER, sender, key), sender, live_id, body.gift, body.count)
    return once(request, party, key, body, 201,
                lambda: s.sent_out(service.lives.send(cmd, now(request))))  # fmt: skip


@router.get("/lives/{live_id}/leaderboard", response_model=s.Leaderboard, responses=MINE)
def live_leaderboard(live_id: LivePath, request: Request, _: Caller,
                     limit: Top = 10) -> s.Leaderboard:  # fmt: skip
    """The LIVE's top gifters by coins."""
    lives = gifts(request).lives
    lives.get(live_id)  # an unknown LIVE is 404, not an empty board
    data = s.gifters_out(lives.top_gifters(live=live_id, limit=limit))
    return s.Leaderboard(data=data, count=len(data))


@router.get("/gifts/leaderboard", response_model=s.WeeklyLeaderboard, responses=MINE)
def weekly_leaderboard(
    request: Request, _: Caller, week_of: WeekOf = None, creator: CreatorQuery = None,
    limit: Top = 10,
) -> s.WeeklyLeaderboard:  # fmt: skip
    """The week's top gifters by coins (weeks start Monday 00:00 UTC), to every creator or
    to one."""
    at = week_of or now(request)
    top = gifts(request).lives.top_gifters(creator=creator, week_of=at, limit=limit)
    data = s.gifters_out(top)
    return s.WeeklyLeaderboard(data=data, count=len(data), creator=creator,
                               week_start=s.moment(week_start_ms(ms(at))))  # fmt: skip


@router.post("/lives/{live_id}/end", response_model=s.LiveOut, responses=MINE)
def end_live(live_id: Annotated[int, Path(ge=0, le=MAX_NUMERIC_ID, examples=[1])],
             request: Request, party: Caller) -> s.LiveOut:  # fmt: skip
    """End the LIVE (its host or an admin); ending it again changes nothing."""
    return s.live_out(gifts(request).lives.end(live_id, _host(party), now(request)))


# Diamonds and cash-out


@router.get("/creators/{creator_id}/earnings", response_model=s.EarningsOut, responses=MINE)
def earnings(creator_id: Annotated[int, Path(ge=0, le=MAX_NUMERIC_ID, examples=[7])],
             request: Request, party: Caller) -> s.EarningsOut:  # fmt: skip
    """Diamonds to cash out and on hold, dollars payable and paid (the creator or an admin)."""
    return s.earnings_out(gifts(request).cashouts.earnings(creator_of(party, creator_id)))


@router.post("/cashouts", status_code=201, response_model=s.CashoutOut, responses=MINE)
def cash_out(body: s.CashoutCreate, request: Request, party: Caller,
             key: Annotated[str, key_header("cash-out-1")]) -> Response:  # fmt: skip
    """Cash out diamonds: at least the minimum, within today's cap, held until the hold
    ends. A banned account's hold is voided at release and the diamonds come back."""
    creator, service = creator_of(party, body.creator), gifts(request)
    cmd = CashOut(scoped(Role.CREATOR, creator, key), creator, body.diamonds)
    return once(request, party, key, body, 201,
                lambda: s.cashout_out(service.cashouts.request(cmd, now(request))))  # fmt: skip


@router.get("/cashouts/{key}", response_model=s.CashoutOut, responses=MINE)
def get_cashout(key: CashoutKey, request: Request, party: Caller) -> s.CashoutOut:
    """One of the creator's cash-outs (admins: anyone's); another's is 404."""
    return s.cashout_out(gifts(request).cashouts.get(key, _host(party)))


@router.post("/cashout-releases", response_model=s.ReleasedOut, responses=MINE)
def release(request: Request, _: Admin) -> s.ReleasedOut:
    """End every hold due by now (admins): payable, or voided for a banned account."""
    return s.released_out(gifts(request).cashouts.release(now(request)))


@router.post("/payouts", response_model=s.PayoutBatchOut, responses=MINE)
def pay_out(request: Request, _: Admin, body: s.PayoutCreate | None = None) -> s.PayoutBatchOut:
    """Pay what is payable in one batch through the payout provider (admins); each payment
    it confirms leaves the books, the others stay payable for the next batch."""
    limit = (body or s.PayoutCreate()).limit
    return s.payout_out(gifts(request).cashouts.pay_out(now(request), limit))
