"""LIVE gifts through HTTP: a whole LIVE from coins to a payout, who may see and do what,
the age gate, idempotent retries, and refusals as problems that say why.

The app reads its clock from `app.state.clock`; each test sets it, so a cash-out's
15-day hold passes by moving the clock, and the gateway signs its chargeback at the
same time the webhook checks it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2 as httpx
import pytest

from reelmint.gifts import model as m
from reelmint.gifts.embedded import EmbeddedGateway
from reelmint.gifts.routes import refusal
from reelmint.gifts.webhooks import BadNotification
from reelmint.parties.model import Role
from tests.api.conftest import Service

ADULT, MINOR = "1990-05-17", "2010-01-01"


@dataclass
class Clock:
    now: datetime = datetime(2026, 11, 2, 12, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    @property
    def ms(self) -> int:
        return int(self.now.timestamp() * 1000)


@dataclass
class Desk:
    """The service with a set clock and keys by name: `admin`, `u42`, `c7`..."""

    service: Service
    clock: Clock = field(default_factory=Clock)
    keys: dict[str, dict[str, str]] = field(default_factory=dict)

    def key(self, name: str) -> dict[str, str]:
        if name not in self.keys:
            role = {"a": Role.ADMIN, "u": Role.USER, "c": Role.CREATOR}[name[0]]
            self.keys[name] = self.service.key(role, name[1:] if role is not Role.ADMIN else "ops")
        return self.keys[name]

    def get(self, who: str, path: str, **params: Any) -> httpx.Response:
        return self.service.client.get(path, headers=self.key(who), params=params)

    def post(self, who: str, path: str, body: dict[str, Any] | None = None,
             key: str | None = None) -> httpx.Response:  # fmt: skip
        headers = {**self.key(who), **({"Idempotency-Key": key} if key else {})}
        return self.service.client.post(path, json=body, headers=headers)

    def register(self, person: int, birth_date: str = ADULT, standing: str = "good") -> None:
        body = {"birth_date": birth_date, "standing": standing}
        put = self.service.client.put(f"/v1/people/{person}", json=body, headers=self.key("admin"))
        assert put.status_code == 200, put.text

    def buy(self, user: int, key: str, **order: Any) -> httpx.Response:
        return self.post(f"u{user}", "/v1/coins/purchases", order, key=key)

    def send(self, user: int, live: int, gift: str, key: str, count: int = 1) -> httpx.Response:
        return self.post(f"u{user}", f"/v1/lives/{live}/gifts", {"gift": gift, "count": count},
                         key=key)  # fmt: skip

    def coins(self, user: int) -> tuple[int, int]:
        w = self.get(f"u{user}", f"/v1/users/{user}/wallet").json()
        return w["coins"], w["coins_owed"]

    def live(self, creator: int = 7) -> int:
        started = self.post(f"c{creator}", "/v1/lives", {"title": "Cooking at midnight"})
        assert started.status_code == 201, started.text
        return int(started.json()["id"])


@pytest.fixture
def desk(service: Service) -> Desk:
    """Users 42 and 43 and creators 7 and 8 registered as adults, at 2026-11-02 12:00 UTC."""
    d = Desk(service)
    service.app.state.clock = d.clock
    for person in (42, 43, 7, 8):
        d.register(person)
    return d


def problem(answer: httpx.Response, status: int, kind: str) -> str:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["type"] == f"/problems/{kind}", answer.json()
    return str(answer.json()["detail"])


def test_a_live_from_coins_to_a_payout_keeps_the_books_balanced(desk: Desk) -> None:
    web = desk.buy(42, "buy-1", channel="web", coins=700)
    again = desk.buy(42, "buy-1", channel="web", coins=700)
    in_app = desk.buy(42, "buy-2", pack="in_app-70")
    desk.buy(43, "buy-1", channel="web", coins=100)
    assert web.status_code == again.status_code == in_app.status_code == 201, web.text
    assert web.json() | {"key": "user:42:buy-1", "paid_micros": 7_420_000, "paid": "$7.42",
                         "status": "captured"} == web.json()  # fmt: skip
    assert again.content == web.content and again.headers["idempotent-replayed"] == "true"
    assert in_app.json()["paid_micros"] == 1_057_000
    assert in_app.json()["app_store_fee_micros"] == 317_100
    assert desk.coins(42) == (770, 0)

    live = desk.live()
    for viewer in ("u42", "u43", "u43"):
        assert desk.post(viewer, f"/v1/lives/{live}/join").status_code == 200
    concert = desk.send(42, live, "Concert", "g-1")
    retried = desk.send(42, live, "Concert", "g-1")
    roses = desk.send(43, live, "Rose", "g-1", count=10)
    assert concert.status_code == roses.status_code == 201, concert.text
    assert concert.json() | {"key": "user:42:g-1", "coins": 500, "diamonds": 500,
                             "creator": 7} == concert.json()  # fmt: skip
    assert retried.content == concert.content
    assert desk.coins(42) == (270, 0)

    board = desk.get("u43", f"/v1/lives/{live}/leaderboard").json()
    weekly = desk.get("u43", "/v1/gifts/leaderboard", creator=7,
                      week_of="2026-11-05T00:00:00Z").json()  # fmt: skip
    summary = desk.get("c7", f"/v1/lives/{live}").json()
    assert [(g["user"], g["coins"]) for g in board["data"]] == [(42, 500), (43, 10)]
    assert weekly["data"] == board["data"] and weekly["week_start"] == "2026-11-02T00:00:00Z"
    assert {k: summary[k] for k in ("gifts", "coins", "diamonds", "gifters", "viewers")} == {
        "gifts": 11, "coins": 510, "diamonds": 510, "gifters": 2, "viewers": 2}  # fmt: skip
    assert desk.get("c8", f"/v1/lives/{live}").status_code == 403

    # An admin refunds user 43: of 100 coins, 10 were spent and are now owed.
    refunded = desk.post("admin", "/v1/coins/purchases/user:43:buy-1/refund").json()
    assert (refunded["status"], refunded["coins_clawed_back"], refunded["coins_owed"]) == (
        "refunded", 90, 10)  # fmt: skip
    assert desk.coins(43) == (0, 10)
    problem(desk.send(43, live, "Rose", "g-2"), 403, "account-not-allowed")

    # The card network charges back the in-app purchase; the processor tells the webhook.
    gateway = desk.service.platform.gifts.gateway
    assert isinstance(gateway, EmbeddedGateway)
    body, signature = gateway.chargeback(in_app.json()["payment_id"], desk.clock.ms)
    hook, client = "/v1/gifts/webhooks/payments", desk.service.client
    forged = client.post(hook, content=body + b" ", headers={"Reelmint-Signature": signature})
    problem(forged, 400, "bad-notification")
    applied = client.post(hook, content=body, headers={"Reelmint-Signature": signature})
    replayed = client.post(hook, content=body, headers={"Reelmint-Signature": signature})
    assert applied.status_code == 200 and applied.json()["applied"] is True, applied.text
    assert applied.json()["purchase"]["status"] == "charged_back"
    assert replayed.status_code == 200 and replayed.json() == {"applied": False, "purchase": None}
    assert desk.coins(42) == (200, 0)

    ended = desk.post("c7", f"/v1/lives/{live}/end")
    assert ended.status_code == 200 and ended.json()["active"] is False
    problem(desk.send(42, live, "Rose", "g-3"), 409, "not-live")

    # The host cashes out 500 of 510 diamonds; paid after the hold, in a batch.
    out = desk.post("c7", "/v1/cashouts", {"diamonds": 500}, key="out-1")
    assert out.status_code == 201, out.text
    assert out.json() | {"key": "creator:7:out-1", "amount_micros": 2_500_000,
                         "amount": "$2.50", "status": "held"} == out.json()  # fmt: skip
    earned = desk.get("c7", "/v1/creators/7/earnings").json()
    assert (earned["diamonds"], earned["diamonds_held"]) == (10, 500)
    assert desk.post("admin", "/v1/cashout-releases").json()["count"] == 0
    desk.clock.now += timedelta(days=15, minutes=1)
    released = desk.post("admin", "/v1/cashout-releases").json()
    assert released["released"] == ["creator:7:out-1"], released
    paid = desk.post("admin", "/v1/payouts").json()
    assert (paid["paid"], paid["amount_micros"], paid["amount"]) == (
        ["creator:7:out-1"], 2_500_000, "$2.50")  # fmt: skip
    earned = desk.get("c7", "/v1/creators/7/earnings").json()
    assert earned | {"payable_micros": 0, "paid_micros": 2_500_000, "paid": "$2.50"} == earned
    assert desk.get("c7", "/v1/cashouts/creator:7:out-1").json()["status"] == "paid"

    assert all(line.balanced for line in desk.service.platform.ledger.trial_balance())
    assert desk.service.platform.gifts.check_books() == []


def test_each_party_sees_and_moves_only_its_own(desk: Desk) -> None:
    desk.buy(42, "buy-1", channel="web", coins=1_000)
    live = desk.live()
    desk.send(42, live, "Gold mine", "g-1")
    desk.post("c7", "/v1/cashouts", {"diamonds": 200}, key="out-1")

    assert desk.get("u42", "/v1/users/42/wallet").status_code == 200
    assert "may act only as user 42" in problem(
        desk.get("u42", "/v1/users/43/wallet"), 403, "forbidden"
    )
    assert desk.get("u43", "/v1/coins/purchases", user=42).status_code == 403
    assert desk.get("u43", "/v1/coins/purchases").json()["count"] == 0
    assert desk.get("u42", "/v1/coins/purchases").json()["count"] == 1
    problem(desk.get("u43", "/v1/coins/purchases/user:42:buy-1"), 404, "not-found")
    assert desk.get("admin", "/v1/coins/purchases/user:42:buy-1").status_code == 200

    assert desk.post("c8", "/v1/cashouts", {"creator": 7, "diamonds": 200},
                     key="out-9").status_code == 403  # fmt: skip
    problem(desk.post("c8", "/v1/cashouts", {"diamonds": 200}, key="out-9"), 422,
            "not-enough-diamonds")  # fmt: skip
    assert desk.post("u42", "/v1/cashouts", {"diamonds": 200}, key="o").status_code == 403
    assert desk.get("c8", "/v1/creators/7/earnings").status_code == 403
    problem(desk.get("c8", "/v1/cashouts/creator:7:out-1"), 404, "not-found")
    assert desk.post("c8", f"/v1/lives/{live}/end").status_code == 403
    assert desk.post("u42", "/v1/lives", {"title": "mine"}).status_code == 403

    for admin_only in ("/v1/cashout-releases", "/v1/payouts",
                       "/v1/coins/purchases/user:42:buy-1/refund"):  # fmt: skip
        assert desk.post("c7", admin_only).status_code == 403, admin_only
    retire = desk.service.client.delete("/v1/gifts/catalog/Lion", headers=desk.key("c7"))
    assert retire.status_code == 403
    unnamed = desk.post("admin", "/v1/coins/purchases", {"channel": "web", "coins": 5}, key="k")
    assert "name it with `user`" in problem(unnamed, 403, "forbidden")
    named = desk.post("admin", "/v1/coins/purchases", {"user": 43, "channel": "web", "coins": 5},
                      key="k")  # fmt: skip
    assert named.status_code == 201 and named.json()["key"] == "user:43:k"


def test_a_party_id_that_is_not_a_number_cannot_act_in_gifts(desk: Desk) -> None:
    alice = desk.service.key(Role.USER, "alice")
    answer = desk.service.client.get("/v1/coins/purchases", headers=alice)
    assert "is not a user with a numeric id" in problem(answer, 403, "forbidden")


def test_minors_may_not_buy_host_or_send(desk: Desk) -> None:
    desk.register(50, MINOR)
    desk.register(51, MINOR)
    assert "18 or older to buy coins" in problem(
        desk.buy(50, "buy-1", channel="web", coins=70), 403, "under-age"
    )
    problem(desk.post("c51", "/v1/lives", {}), 403, "under-age")
    problem(desk.buy(99, "buy-1", channel="web", coins=70), 404, "not-found")  # not registered


def test_retries_replay_and_keys_belong_to_their_party(desk: Desk) -> None:
    first = desk.buy(42, "same", channel="web", coins=70)
    other_user = desk.buy(43, "same", channel="web", coins=70)
    changed = desk.buy(42, "same", channel="web", coins=71)
    assert first.status_code == other_user.status_code == 201
    assert (first.json()["key"], other_user.json()["key"]) == ("user:42:same", "user:43:same")
    problem(changed, 422, "idempotency-key-reused")
    assert desk.coins(42) == (70, 0) and desk.coins(43) == (70, 0)
    problem(desk.post("u42", "/v1/coins/purchases", {"channel": "web", "coins": 1}), 422,
            "validation-error")  # fmt: skip

    live = desk.live()
    sent = [desk.send(42, live, "Rose", "r-1", count=3) for _ in range(3)]
    assert {r.content for r in sent} == {sent[0].content} and sent[0].status_code == 201
    assert desk.coins(42) == (67, 0)
    assert all(line.balanced for line in desk.service.platform.ledger.trial_balance())
    assert desk.service.platform.gifts.check_books() == []


def test_rules_the_schema_cannot_say_are_problems_that_say_why(desk: Desk) -> None:
    desk.buy(42, "buy-1", channel="web", coins=100)
    live = desk.live()
    assert "holds 100" in problem(desk.send(42, live, "Concert", "g-1"), 422, "not-enough-coins")
    assert "no gift called" in problem(desk.send(42, live, "Dragon", "g-2"), 422, "gifts-rule")
    problem(desk.buy(42, "buy-2", pack="web-71"), 422, "gifts-rule")
    problem(desk.post("c7", "/v1/lives", {}), 409, "not-live")  # already LIVE
    problem(desk.post("u42", "/v1/lives/999/join"), 404, "not-found")
    desk.send(42, live, "Rainbow puke", "g-3")  # 100 diamonds: $0.50, under the $1 minimum
    assert "start at $1.00" in problem(desk.post("c7", "/v1/cashouts", {"diamonds": 100},
                                                 key="out-1"), 422, "cashout-refused")  # fmt: skip
    unsigned = desk.service.client.post("/v1/gifts/webhooks/payments", content=b"{}",
                                        headers={"Reelmint-Signature": "t=1,v1=00"})  # fmt: skip
    problem(unsigned, 400, "bad-notification")
    # A header the HMAC check cannot even compare (not ASCII) is refused before it.
    garbled = desk.service.client.post("/v1/gifts/webhooks/payments", content=b"{}",
                                       headers={"Reelmint-Signature": "t=1,v1=\xe9".encode(
                                           "latin-1")})  # fmt: skip
    problem(garbled, 422, "validation-error")


def test_admins_keep_the_catalog_and_the_people(desk: Desk) -> None:
    admin, client = desk.key("admin"), desk.service.client
    added = desk.post("admin", "/v1/gifts/catalog", {"name": "Galaxy", "coins": 1_000})
    assert added.status_code == 201 and added.json() == {
        "name": "Galaxy", "coins": 1_000, "diamonds": 1_000, "retired": False}  # fmt: skip
    problem(desk.post("admin", "/v1/gifts/catalog", {"name": "Rose", "coins": 2}), 409,
            "gifts-conflict")  # fmt: skip
    repriced = client.patch("/v1/gifts/catalog/Finger heart", json={"coins": 6}, headers=admin)
    assert repriced.json()["coins"] == 6
    problem(client.patch("/v1/gifts/catalog/Dragon", json={"coins": 6}, headers=admin), 404,
            "not-found")  # fmt: skip
    retired = client.delete("/v1/gifts/catalog/Lion", headers=admin)
    assert retired.status_code == 200 and retired.json()["retired"] is True
    problem(client.patch("/v1/gifts/catalog/Lion", json={"coins": 6}, headers=admin), 422,
            "gifts-rule")  # fmt: skip
    on_offer = [g["name"] for g in desk.get("u42", "/v1/gifts/catalog").json()["data"]]
    listed = [g["name"] for g in desk.get("u42", "/v1/gifts/catalog", retired=True).json()["data"]]
    assert "Lion" not in on_offer and "Galaxy" in on_offer and "Lion" in listed
    assert desk.get("u42", "/v1/coins/packs").json()["data"][0] == {
        "id": "web-70", "channel": "web", "coins": 70, "price_micros": 742_000,
        "price": "$0.742"}  # fmt: skip

    banned = client.patch("/v1/people/42", json={"standing": "banned"}, headers=admin)
    assert banned.json() == {"id": 42, "birth_date": ADULT, "standing": "banned"}
    problem(desk.buy(42, "buy-1", channel="web", coins=70), 403, "account-not-allowed")
    problem(client.patch("/v1/people/77", json={"standing": "good"}, headers=admin), 404,
            "not-found")  # fmt: skip
    numeric = client.put("/v1/people/77", json={"birth_date": 20101101}, headers=admin)
    assert numeric.status_code == 422


@pytest.mark.parametrize(("error", "status", "kind"), [
    (m.NotFound, 404, "not-found"), (m.NotYours, 403, "forbidden"),
    (m.UnderAge, 403, "under-age"), (m.NotAllowed, 403, "account-not-allowed"),
    (m.Conflict, 409, "gifts-conflict"), (m.DuplicateGift, 409, "gifts-conflict"),
    (m.NotLive, 409, "not-live"), (m.NotEnoughCoins, 422, "not-enough-coins"),
    (m.NotEnoughDiamonds, 422, "not-enough-diamonds"),
    (m.DailyLimitExceeded, 422, "daily-limit-exceeded"),
    (m.CashoutOverDailyCap, 422, "cashout-refused"), (m.GiftRetired, 422, "gifts-rule"),
    (m.GiftsError, 422, "gifts-rule"), (BadNotification, 400, "bad-notification"),
])  # fmt: skip
def test_each_gifts_error_answers_its_own_problem(error: type[Exception], status: int,
                                                   kind: str) -> None:  # fmt: skip
    answer = refusal(error("why"))
    assert (answer.kind.status, answer.kind.uri, answer.detail) == (status, f"/problems/{kind}",
                                                                     "why")  # fmt: skip
