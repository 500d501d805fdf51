"""LIVE gifts routes, part one: people, the gift catalog, coins, and the payment webhook.
LIVEs, gifts sent, leaderboards and cash-outs are in `reelmint.gifts.live_routes`.

- `PUT /v1/people/{id}` and `PATCH /v1/people/{id}` (admins): a person's date of birth
  and standing, which every money step checks (18+, good standing).
- `GET /v1/gifts/catalog` (anyone); `POST`, `PATCH .../{name}`, `DELETE .../{name}`
  (admins) add, reprice and retire gifts. A retired gift stays listed (its name is never
  reused), so DELETE answers the gift with `retired: true`.
- `GET /v1/coins/packs`; `POST /v1/coins/purchases`; `GET /v1/coins/purchases[/{key}]`;
  `GET /v1/users/{id}/wallet`; `POST /v1/coins/purchases/{key}/refund` (admins).
- `POST /v1/gifts/webhooks/payments`: the payment processor's signed notifications. No
  API key: the `Reelmint-Signature` header is the proof, checked over the raw body.

**Who acts.** A user or creator key acts as itself; its party id must be a whole number
(gifts keys people by integer), or it is refused with 403. An admin names whom it acts
for with `user` or `creator`. Another's wallet or earnings is 403; another's purchase or
cash-out is 404, like a missing one, as the domain answers for cash-outs.

**Keys.** The POSTs that move money (buying coins, sending a gift, cashing out) need an
`Idempotency-Key` header. The HTTP layer replays the first response for it
(`reelmint.http.idempotency`), and the domain command's key is
`<role>:<id>:<Idempotency-Key>`: two parties' keys never meet, and a retry after the
replay window still finds the same purchase, gift or cash-out rather than a second one.

**Refusals** (`refusal`, which the app applies to every `GiftsError`), following the ads
routes: unknown 404; another's 403; under age or not allowed (standing, coin debt) 403
with their own types; a key or gift name already standing for something else, and a LIVE
that has ended or is already running, 409; what the schema cannot say (too few coins or
diamonds, the daily limit, the cash-out minimum or cap, a retired or unknown gift) 422,
each with its own type; a notification that does not check out 400.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from pydantic import BaseModel

from reelmint.gifts import api_schemas as s
from reelmint.gifts.model import (
    BuyCoins,
    CashoutRefused,
    Channel,
    Conflict,
    DailyLimitExceeded,
    DuplicateGift,
    Gift,
    NotAllowed,
    NotEnoughCoins,
    NotEnoughDiamonds,
    NotFound,
    NotLive,
    NotYours,
    UnderAge,
)
from reelmint.gifts.service import GiftsService
from reelmint.gifts.webhooks import HEADER, BadNotification
from reelmint.http import problems
from reelmint.http.auth import MAX_NUMERIC_ID, Admin, Caller, acting_as
from reelmint.http.idempotency import kept_json, respond
from reelmint.http.problems import (
    ACCOUNT_NOT_ALLOWED,
    BAD_NOTIFICATION,
    CASHOUT_REFUSED,
    DAILY_LIMIT,
    FORBIDDEN,
    GIFTS_CONFLICT,
    GIFTS_RULE,
    NOT_ENOUGH_COINS,
    NOT_ENOUGH_DIAMONDS,
    NOT_FOUND,
    NOT_LIVE,
    UNDER_AGE,
    Problem,
    ProblemType,
)
from reelmint.parties.model import Party, Role
from reelmint.parties.people import Person, Standing

router = APIRouter(prefix="/v1", tags=["gifts"])
MINE = problems.responses(401, 403, 404, 409, 422, 429)
CLIENT_KEY = r"[A-Za-z0-9_.:-]{1,100}"  # with `creator:<id>:` in front, within 128


def key_header(example: str) -> Any:
    """The required Idempotency-Key header; each route gets its own example, since one
    party's keys are kept across routes and a key used on one is refused on another."""
    return Header(alias="Idempotency-Key", pattern=rf"^{CLIENT_KEY}$", examples=[example],
                  description="required: a retry with it answers the first response and "
                  "moves nothing twice; the record's key is `<role>:<id>:<this>`")  # fmt: skip


IdPath = Annotated[int, Path(ge=0, le=MAX_NUMERIC_ID, examples=[42])]
PurchaseKey = Annotated[str, Path(pattern=rf"^user:[0-9]{{1,19}}:{CLIENT_KEY}$",
                                  examples=["user:42:sample-purchase"])]  # fmt: skip
ForUserQuery = Annotated[int | None, Query(ge=0, le=MAX_NUMERIC_ID, description="admins only",
                                           examples=[42])]  # fmt: skip

# The first entry an error is an instance of wins; any other GiftsError is GIFTS_RULE.
REFUSALS: tuple[tuple[type[Exception], ProblemType], ...] = (
    (NotFound, NOT_FOUND),
    (NotYours, FORBIDDEN),
    (UnderAge, UNDER_AGE),
    (NotAllowed, ACCOUNT_NOT_ALLOWED),
    (Conflict, GIFTS_CONFLICT),
    (DuplicateGift, GIFTS_CONFLICT),
    (NotLive, NOT_LIVE),
    (NotEnoughCoins, NOT_ENOUGH_COINS),
    (NotEnoughDiamonds, NOT_ENOUGH_DIAMONDS),
    (DailyLimitExceeded, DAILY_LIMIT),
    (CashoutRefused, CASHOUT_REFUSED),
    (BadNotification, BAD_NOTIFICATION),
)


def refusal(exc: Exception) -> Problem:
    """A gifts error (or a bad notification) as the problem response it answers."""
    kind = next((k for cls, k in REFUSALS if isinstance(exc, cls)), GIFTS_RULE)
    return Problem(kind, str(exc))


# What every gifts route shares


def gifts(request: Request) -> GiftsService:
    service: GiftsService = request.app.state.platform.gifts
    return service


def now(request: Request) -> datetime:
    """The request's time: the edge reads the clock (tests set it); the domain gets `now`."""
    moment: datetime = request.app.state.clock()
    return moment


def user_of(party: Party, named: int | None) -> int:
    return acting_as(party, Role.USER, named)


def creator_of(party: Party, named: int | None) -> int:
    return acting_as(party, Role.CREATOR, named)


def scoped(role: Role, acting: int, key: str) -> str:
    """The domain command's key for a client's Idempotency-Key (see the module docstring)."""
    return f"{role}:{acting}:{key}"


def once(request: Request, party: Party, key: str, body: BaseModel, status: int,
         work: Callable[[], BaseModel]) -> Response:  # fmt: skip
    """Run `work` under the caller's Idempotency-Key; answer its result with `status`."""
    return respond(request, str(party), key, body, lambda: kept_json(status, work()))


# People


@router.put("/people/{person_id}", response_model=s.PersonOut, responses=MINE)
def put_person(person_id: Annotated[int, Path(ge=0, le=MAX_NUMERIC_ID, examples=[90])],
               body: s.PersonPut, request: Request, _: Admin) -> s.PersonOut:  # fmt: skip
    """Record a person's date of birth and standing (admins), replacing what was held."""
    person = Person(person_id, body.birth_date, Standing(body.standing))
    gifts(request).register([person])
    return s.person_out(person)


@router.patch("/people/{person_id}", response_model=s.PersonOut, responses=MINE)
def set_standing(person_id: Annotated[int, Path(ge=0, le=MAX_NUMERIC_ID, examples=[90])],
                 body: s.StandingChange, request: Request, _: Admin) -> s.PersonOut:  # fmt: skip
    """Change a registered person's standing (admins). Banned also voids cash-outs on hold
    when they come up for release."""
    return s.person_out(gifts(request).set_standing(person_id, Standing(body.standing)))


# Catalog


def _gift_out(request: Request, gift: Gift) -> s.GiftOut:
    return s.gift_out(gift, request.app.state.platform.settings.economics)


def _listed(request: Request, name: str) -> None:
    """In a path an unknown gift is 404; in a body (sending one) it is 422."""
    if name not in gifts(request).catalog():
        raise Problem(NOT_FOUND, f"no gift called {name!r}")


@router.get("/gifts/catalog", response_model=s.GiftList, responses=MINE)
def catalog(request: Request, _: Caller, retired: Annotated[bool, Query(
    description="list retired gifts too")] = False) -> s.GiftList:  # fmt: skip
    """The gifts on offer, in display order, with what the host receives for each."""
    service = gifts(request)
    shown = tuple(service.catalog()) if retired else service.catalog().on_offer
    data = [_gift_out(request, g) for g in shown]
    return s.GiftList(data=data, count=len(data))


@router.post("/gifts/catalog", status_code=201, response_model=s.GiftOut, responses=MINE)
def add_gift(body: s.GiftCreate, request: Request, _: Admin) -> s.GiftOut:
    """Add a gift (admins); a name ever used before, even retired, is 409."""
    return _gift_out(request, gifts(request).add_gift(body.name, body.coins).get(body.name))


@router.patch("/gifts/catalog/{name}", response_model=s.GiftOut, responses=MINE)
def reprice_gift(name: Annotated[str, Path(pattern=s.GIFT_NAME, examples=["Lion"])],
                 body: s.GiftReprice, request: Request, _: Admin) -> s.GiftOut:  # fmt: skip
    """A new price in coins (admins); a retired gift keeps its last price (422)."""
    _listed(request, name)
    return _gift_out(request, gifts(request).reprice_gift(name, body.coins).get(name))


@router.delete("/gifts/catalog/{name}", response_model=s.GiftOut, responses=MINE)
def retire_gift(name: Annotated[str, Path(pattern=s.GIFT_NAME, examples=["Universe"])],
                request: Request, _: Admin) -> s.GiftOut:  # fmt: skip
    """Retire a gift (admins): no longer sendable, still listed; again changes nothing."""
    _listed(request, name)
    return _gift_out(request, gifts(request).retire_gift(name).get(name))


# Coins


@router.get("/coins/packs", response_model=s.PackList, responses=MINE)
def packs(request: Request, _: Caller) -> s.PackList:
    """The coin shop: each pack on the web and in-app (in-app prices carry the store fee)."""
    data = [s.pack_out(p) for p in gifts(request).packs()]
    return s.PackList(data=data, count=len(data))


def _order(service: GiftsService, body: s.CoinsPurchase | s.PackPurchase) -> tuple[Channel, int]:
    if isinstance(body, s.CoinsPurchase):
        return Channel(body.channel), body.coins
    pack = next((p for p in service.packs() if p.id == body.pack), None)
    if pack is None:
        on_offer = ", ".join(p.id for p in service.packs())
        raise Problem(GIFTS_RULE, f"no coin pack {body.pack!r}; on offer: {on_offer}")
    return pack.channel, pack.coins


@router.post("/coins/purchases", status_code=201, response_model=s.PurchaseOut, responses=MINE)
def buy_coins(body: s.CoinsPurchase | s.PackPurchase, request: Request, party: Caller,
              key: Annotated[str, key_header("buy-1")]) -> Response:  # fmt: skip
    """Buy coins for the user's wallet: `channel` and `coins`, or a `pack`. The payment is
    captured at the gateway; coins bought while owing coins repay the debt first."""
    user, service = user_of(party, body.user), gifts(request)
    channel, coins = _order(service, body)
    cmd = BuyCoins(scoped(Role.USER, user, key), user, channel, coins)
    return once(request, party, key, body, 201,
                lambda: s.purchase_out(service.wallets.buy(cmd, now(request))))  # fmt: skip


@router.get("/coins/purchases", response_model=s.PurchaseList, responses=MINE)
def list_purchases(
    request: Request, party: Caller, user: ForUserQuery = None,
    limit: Annotated[int, Query(ge=1, le=1_000)] = 100,
) -> s.PurchaseList:  # fmt: skip
    """The user's purchases, newest first."""
    buyer = user_of(party, user)
    data = [s.purchase_out(p) for p in gifts(request).wallets.purchases(buyer, limit)]
    return s.PurchaseList(user=buyer, data=data, count=len(data))


@router.get("/coins/purchases/{key}", response_model=s.PurchaseOut, responses=MINE)
def get_purchase(key: PurchaseKey, request: Request, party: Caller) -> s.PurchaseOut:
    """One purchase of the user's (admins: anyone's), with its reversal if any."""
    found = gifts(request).wallets.purchase(key)
    if not party.is_admin and user_of(party, None) != found.buyer:
        raise Problem(NOT_FOUND, f"no purchase with key {key!r} of yours")
    return s.purchase_out(found)


@router.get("/users/{user_id}/wallet", response_model=s.WalletOut, responses=MINE)
def wallet(user_id: IdPath, request: Request, party: Caller) -> s.WalletOut:
    """Coins the user may send, and coins owed from reversed purchases (the user or an
    admin)."""
    return s.wallet_out(gifts(request).wallets.wallet(user_of(party, user_id)))


@router.post("/coins/purchases/{key}/refund", response_model=s.PurchaseOut, responses=MINE)
def refund(key: PurchaseKey, request: Request, _: Admin) -> s.PurchaseOut:
    """Refund a purchase in full (admins): the coins left are taken back, the coins spent
    become the user's debt. Again answers the refunded purchase; a charged-back one is 409."""
    return s.purchase_out(gifts(request).wallets.refund(key, now(request)))


# The payment processor's webhook


async def _raw_body(request: Request) -> bytes:
    return await request.body()


NOTIFICATION_BODY = {"required": True, "content": {"application/json": {
    "schema": s.NotificationIn.model_json_schema()}}}  # fmt: skip


@router.post(
    "/gifts/webhooks/payments", response_model=s.NotificationOut, tags=["gifts webhooks"],
    responses=problems.responses(400, 404, 409, 422), openapi_extra={"requestBody":
                                                                     NOTIFICATION_BODY},
)  # fmt: skip
def payment_webhook(
    request: Request, body: Annotated[bytes, Depends(_raw_body)],
    signature: Annotated[str, Header(alias=HEADER, pattern=r"^[\x20-\x7e]{1,512}$",
                                     description="t=<ms>,v1=<hex HMAC-SHA256>")],
) -> s.NotificationOut:  # fmt: skip
    """A signed payment notification (no API key: the signature over the raw body is the
    proof). A chargeback reverses its purchase once; a resend, or news that changes
    nothing, answers `applied: false`. A bad or stale signature is 400."""
    applied = gifts(request).wallets.notify(body, signature, now(request))
    out = None if applied is None else s.purchase_out(applied)
    return s.NotificationOut(applied=out is not None, purchase=out)
