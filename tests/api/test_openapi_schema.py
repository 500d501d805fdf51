"""Schemathesis over every operation of the app's own OpenAPI, in process (ASGI).

Every response must be declared: no 5xx, a documented status, content type and headers,
a body that matches its schema; valid requests are not refused, invalid ones are, a
missing or wrong key gets 401, and a 405 names the methods the path has. One run uses an
admin key on seeded books, so the routes do real work; another uses creator 7's key, so
the 403 paths answer too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import hypothesis
import pytest
import schemathesis
from hypothesis import strategies as st
from schemathesis import AuthContext, BaseSchema, Case, HookContext, Response
from schemathesis.core.failures import Failure
from schemathesis.openapi.checks import RejectedPositiveData

from reelmint.gifts.model import BuyCoins, CashOut, Channel, SendGift
from reelmint.parties.model import Role
from reelmint.parties.people import Person
from reelmint.rewards.model import Enrollment, Period
from tests.api.conftest import Service

# Not user 42: the gifts examples' user, whose wallet gifts opens with its own flags.
ACCOUNTS = ["platform:treasury:coins", "creator:7:coins", "user:41:coins"]
ADMIN_ONLY = {"GET /v1/trial-balance", "POST /v1/keys", "PUT /v1/people/{person_id}",
              "PATCH /v1/people/{person_id}", "POST /v1/gifts/catalog",
              "PATCH /v1/gifts/catalog/{name}", "DELETE /v1/gifts/catalog/{name}",
              "POST /v1/coins/purchases/{key}/refund", "POST /v1/cashout-releases",
              "POST /v1/payouts", "POST /v1/rewards/periods/{period}/close",
              "GET /v1/rewards/periods/{period}", "GET /v1/rewards/periods/{period}/comparison",
              "POST /v1/events/flags"}  # fmt: skip
# Signed with the platform's webhook secret, which generated requests cannot forge; so no
# 2xx is expected of it here (test_gifts_routes drives it with the gateway's signature).
SIGNED = {"POST /v1/gifts/webhooks/payments"}
# Refusals of state or settings, as ads-rule is (test_gifts_routes pins each of them).
GIFTS_REFUSALS = {f"/problems/{slug}" for slug in (
    "gifts-rule", "not-enough-coins", "not-enough-diamonds", "daily-limit-exceeded",
    "cashout-refused", "bad-notification")}  # fmt: skip
# Creator rewards: eligibility is state; a period the pattern lets through may be one the
# calendar lacks (2026-02-30); a flag's span must end after it starts (test_rewards_routes).
REWARDS_REFUSALS = {"/problems/not-eligible", "/problems/rewards-rule", "/problems/flag-span"}
EXACT_FLOATS = 2**53  # past this, a validator that compares as floats rounds the bounds

lazy_schema = schemathesis.pytest.from_fixture("api_schema")


@dataclass
class Books:
    service: Service
    spare_key: str  # a key of creator 7's that DELETE /v1/keys/{key_id} may revoke


@pytest.fixture
def books(make_service: Callable[..., Service]) -> Books:
    """SQLite books with three accounts, a transfer between two of them, and a spare key."""
    service = make_service("sqlite")
    admin = service.key(Role.ADMIN)
    for account in ACCOUNTS:
        opened = service.client.post("/v1/accounts", json={"id": account, "asset": "COIN"},
                                     headers=admin)  # fmt: skip
        assert opened.status_code == 201, opened.text
    fund = {"id": "seed-1", "debit": ACCOUNTS[0], "credit": ACCOUNTS[1], "amount": 500,
            "asset": "COIN", "code": "test.fund"}  # fmt: skip
    posted = service.client.post("/v1/transfers", json={"transfers": [fund]}, headers=admin)
    assert posted.json()["accepted"] == 1, posted.text
    _seed_ads(service, admin)
    _seed_gifts(service)
    _seed_rewards(service)
    spare = service.client.post("/v1/keys", json={"role": "creator", "party_id": "7"},
                                headers=admin)  # fmt: skip
    return Books(service, spare.json()["key_id"])


def _seed_ads(service: Service, admin: dict[str, str]) -> None:
    """Advertiser acme with active campaigns 1 and 2, ad groups 1 and 2 (active, in
    campaign 2), ad 1 in group 2, and creator 7's authorization `sample-code`: the ids
    the schema's examples name. Campaign 1 and group 1 are the ones status examples move;
    new ad groups and ads go under campaign 2 and group 2, which stay open."""
    post = service.client.post
    assert post("/v1/ads/advertisers", json={"id": "acme", "name": "Acme"},
                headers=admin).status_code == 201  # fmt: skip
    acme = {"advertiser": "acme"}
    for _ in range(2):
        budget = {"mode": "daily", "micros": 50_000_000}
        body = {**acme, "name": "c", "objective": "traffic", "budget": budget}
        made = post("/v1/ads/campaigns", json=body, headers=admin)
        post(f"/v1/ads/campaigns/{made.json()['id']}/status", json={**acme, "status": "active"},
             headers=admin)  # fmt: skip
    for _ in range(2):
        made = post("/v1/ads/ad-groups", headers=admin, json={
            **acme, "campaign": 2, "name": "g", "billing": "cpc",
            "schedule": {"start": "2026-11-01T00:00:00Z"},
            "budget": {"mode": "daily", "micros": 20_000_000}})  # fmt: skip
        post(f"/v1/ads/ad-groups/{made.json()['id']}/status",
             json={**acme, "status": "active"}, headers=admin)  # fmt: skip
    creative = {"ad_group": 2, "video": 1, "landing_url": "https://acme.example/"}
    ad = post("/v1/ads/ads", headers=admin, json={**acme, **creative})
    assert ad.status_code == 201, ad.text
    service.platform.ads.authorize_post(7, 1, 30, 0, code_source=lambda _: "sample-code")


def _seed_gifts(service: Service) -> None:
    """Adults 42 (a user), 7, 8 and 9 (creators) and 90 (the people examples' person);
    user 42's purchases `user:42:sample-purchase` (the refund example) and a large one to
    send from; LIVE 1 of creator 8 (the one the end example ends) and LIVE 2 of creator 7,
    where 42 sent a Universe (the diamonds the cash-out examples draw on); and creator
    7's cash-out `creator:7:sample-cashout`."""
    gifts, now = service.platform.gifts, datetime.now(UTC)
    gifts.register(Person(i, date(1990, 5, 17)) for i in (42, 7, 8, 9, 90))
    for key, coins in (("user:42:sample-purchase", 100), ("user:42:seed", 100_000)):
        gifts.wallets.buy(BuyCoins(key, 42, Channel.WEB, coins), now)
    gifts.lives.start(8, "seed", now)
    live = gifts.lives.start(7, "seed", now)
    assert live.id == 2  # not 1: the schema's boundary cases aim at 0, 1 and 2**62
    gifts.lives.send(SendGift("user:42:seed-gift", 42, live.id, "Universe"), now)
    gifts.cashouts.request(CashOut("creator:7:sample-cashout", 7, 200), now)


def _seed_rewards(service: Service) -> None:
    """Creator 7 enrolled since October, and November (the periods' example) closed: the
    enrollment and statement routes find something to answer."""
    rewards = service.platform.rewards
    joined = int(datetime(2026, 10, 1, tzinfo=UTC).timestamp() * 1000)
    rewards.store.put_enrollments([Enrollment(7, joined)])
    rewards.close(Period.parse("2026-11"), datetime.now(UTC))


@pytest.fixture(params=["admin", "creator"])
def caller(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def token(books: Books, caller: str) -> str:
    """The Authorization header of the caller: an admin, or creator 7."""
    party = (Role.ADMIN, "admin") if caller == "admin" else (Role.CREATOR, "7")
    return books.service.key(*party)["Authorization"]


@pytest.fixture
def answered(caller: str) -> Iterator[dict[str, set[int]]]:
    """Statuses seen per operation. Afterwards: the admin had a 2xx from each operation, and
    creator 7 a 403 from each admin-only one."""
    seen: dict[str, set[int]] = {}
    yield seen
    assert len(seen) >= 12, sorted(seen)
    if caller == "admin":
        idle = sorted(op for op, codes in seen.items()
                      if op not in SIGNED and not any(200 <= c < 300 for c in codes))  # fmt: skip
        assert not idle, f"never succeeded for an admin: {idle}"
    else:
        assert all(403 in seen[op] for op in ADMIN_ONLY), {op: seen[op] for op in ADMIN_ONLY}


@pytest.fixture
def api_schema(books: Books, token: str) -> BaseSchema:
    schema = schemathesis.openapi.from_asgi("/openapi.json", books.service.app)
    schema.config.generation.update(max_examples=30)
    known = {"account_id": ACCOUNTS, "key_id": [books.spare_key], "code": ["sample-code"]}

    # An auth provider rather than fixed headers: schemathesis then knows that the key is
    # ours and valid, and leaves it out where it tests a missing or a wrong one.
    @schema.auth(refresh_interval=None, retry_on=[])
    class Key:
        def get(self, case: Case, context: AuthContext) -> str:
            return token

        def set(self, case: Case, data: str, context: AuthContext) -> None:
            case.headers = {**(case.headers or {}), "Authorization": data}

    @schema.hook
    def flatmap_path_parameters(
        context: HookContext, parameters: dict[str, Any] | None
    ) -> st.SearchStrategy[dict[str, Any] | None]:
        """Now and then aim at an account or key that exists, so reads find something."""
        name = next((n for n in known if parameters and n in parameters), None)
        if parameters is None or name is None:
            return st.just(parameters)
        swapped = st.sampled_from(known[name]).map(lambda v: {**parameters, name: v})
        return st.one_of(st.just(parameters), swapped)

    @schema.hook
    def filter_failure(
        context: HookContext, failure: Failure, case: Case, response: Response
    ) -> bool:
        return not (isinstance(failure, RejectedPositiveData) and _deliberate(case, response))

    return schema


def _deliberate(case: Case, response: Response) -> bool:
    """Whether a 422 to a schema-valid request is one the API gives on purpose:

    - an Idempotency-Key reused with another body (state, not schema; test_idempotency);
    - `5.0` for an integer: JSON Schema calls it one, but money is integers and a float
      may already be rounded (test_limits_and_types pins the refusal);
    - an integer past 2**53 just over a bound: schemathesis compares it as a float, which
      rounds `2**62 + 95` onto the 2**62 maximum; the API compares exactly;
    - a video topic past `feed.topics`: that bound is a setting, so the schema's is only
      the hard ceiling (test_feed_routes pins the refusal);
    - an Ads Manager rule (`/problems/ads-rule`): budget minimums are settings, and which
      billing fits an objective, which status moves are allowed and what a parent's
      status must be depend on other fields or on state (test_ads_routes pins them);
    - a LIVE gifts refusal (GIFTS_REFUSALS): coins, diamonds, limits and the catalog are
      state, and a notification's signature is a secret's.

    A body that is one of several models (a purchase by coins or by pack) is refused on
    purpose when one model it was tried as was refused only on purpose.
    """
    problem = response.json()
    if problem["type"] in {"/problems/idempotency-key-reused", "/problems/ads-rule",
                           *GIFTS_REFUSALS, *REWARDS_REFUSALS}:  # fmt: skip
        return True
    if "(feed.topics)" in problem.get("detail", ""):
        return True
    return any(all(_refused_on_purpose(case.body, e) for e in branch)
               for branch in _by_model(problem.get("errors") or []))  # fmt: skip


def _by_model(errors: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The errors per model of a union body (pydantic names the model after `body`),
    with that name taken out of `loc`; a plain body's errors are one group."""
    groups: dict[str | None, list[dict[str, Any]]] = {}
    for error in errors:
        where, *path = error["loc"]
        model = path[0] if path and isinstance(path[0], str) and path[0][:1].isupper() else None
        rest = path[1:] if model else path
        groups.setdefault(model, []).append({**error, "loc": [where, *rest]})
    return list(groups.values())


def _refused_on_purpose(body: Any, error: dict[str, Any]) -> bool:
    where, *path = error["loc"]
    if where != "body":
        return False
    value = body
    for step in path:
        try:
            value = value[step]
        except (KeyError, IndexError, TypeError):
            return False
    if error["type"] == "int_type":
        return isinstance(value, float) and value.is_integer()
    bounds = ("less_than_equal", "greater_than_equal")
    return error["type"] in bounds and isinstance(value, int) and abs(value) > EXACT_FLOATS


@hypothesis.settings(deadline=None, derandomize=True, database=None,
                     suppress_health_check=list(hypothesis.HealthCheck))  # fmt: skip
@lazy_schema.parametrize()
def test_every_operation_answers_as_its_schema_says(
    case: Case, caller: str, token: str, answered: dict[str, set[int]]
) -> None:
    response = case.call_and_validate()
    assert response.status_code < 500
    answered.setdefault(case.operation.label, set()).add(response.status_code)
    with_own_key = response.request.headers.get("Authorization") == token
    if caller != "admin" and case.operation.label in ADMIN_ONLY and with_own_key:
        assert not 200 <= response.status_code < 300, "a creator did an admin's work"


def test_a_405_names_every_method_of_its_path(make_service: Callable[..., Service]) -> None:
    service = make_service("sqlite")
    cases = [("OPTIONS", "/v1/keys", "GET, POST"), ("PUT", "/v1/keys/0123", "DELETE"),
             ("PATCH", "/v1/accounts/user:1:coins/balance", "GET")]  # fmt: skip
    for method, path, allow in cases:
        answer = service.client.request(method, path)
        assert answer.status_code == 405 and answer.json()["status"] == 405
        assert answer.headers["allow"] == allow, (method, path)


def test_an_unreadable_body_and_a_numeric_time_are_refused_as_such(
    make_service: Callable[..., Service],
) -> None:
    service = make_service("sqlite")
    admin = service.key(Role.ADMIN)
    json_headers = {**admin, "Content-Type": "application/json"}
    garbled = service.client.post("/v1/accounts", content=b"\xff\xfe{", headers=json_headers)
    assert garbled.status_code == 400 and garbled.json()["status"] == 400
    assert garbled.json()["type"] == "/problems/malformed-request"
    assert "400" in service.app.openapi()["paths"]["/v1/accounts"]["post"]["responses"]
    service.client.post("/v1/accounts", json={"id": "user:1:coins", "asset": "COIN"}, headers=admin)
    # Unix seconds would read 20261101 as 1970-08-23: a number is not a date-time.
    numeric = service.client.get("/v1/accounts/user:1:coins/balance?at=20261101", headers=admin)
    assert numeric.status_code == 422 and numeric.json()["errors"][0]["loc"] == ["query", "at"]
