"""Every role and every ownership rule, through HTTP: who may open, post and read what."""

from __future__ import annotations

import pytest

from reelmint.parties.model import Role
from tests.api.conftest import Service

TREASURY = "platform:treasury:coins"
NON_ADMIN = [r for r in Role if r is not Role.ADMIN]


def fund(service: Service, admin: dict[str, str], account: str, amount: int) -> None:
    body = {"transfers": [{"id": f"fund-{account}", "debit": TREASURY, "credit": account,
                           "amount": amount, "asset": "COIN", "code": "test.fund"}]}  # fmt: skip
    response = service.client.post("/v1/transfers", json=body, headers=admin)
    assert response.json()["data"][0]["result"] == "ok"


def open_account(service: Service, headers: dict[str, str], account: str, **extra: object) -> int:
    body = {"id": account, "asset": "COIN", **extra}
    return service.client.post("/v1/accounts", json=body, headers=headers).status_code


@pytest.mark.parametrize("role", NON_ADMIN)
def test_each_role_opens_and_reads_only_its_own_accounts(service: Service, role: Role) -> None:
    me, other = service.key(role, "7"), service.key(role, "8")
    mine, theirs = f"{role.value}:7:tips", f"{role.value}:8:tips"
    assert open_account(service, me, mine) == 201
    assert open_account(service, other, theirs) == 201
    assert open_account(service, me, f"{role.value}:8:spare") == 403
    assert open_account(service, me, TREASURY) == 403
    for path in ("", "/balance", "/statement"):
        assert service.client.get(f"/v1/accounts/{mine}{path}", headers=me).status_code == 200
        refused = service.client.get(f"/v1/accounts/{theirs}{path}", headers=me)
        assert refused.status_code == 403
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["type"] == "/problems/forbidden"


def test_one_role_cannot_pass_for_another_with_the_same_id(service: Service) -> None:
    creator = service.key(Role.CREATOR, "7")
    assert open_account(service, creator, "user:7:tips") == 403
    assert open_account(service, creator, "advertiser:7:tips") == 403


def test_a_party_debits_its_own_account_and_may_credit_anyone(service: Service) -> None:
    admin, user = service.key(Role.ADMIN), service.key(Role.USER, "42")
    assert open_account(service, admin, TREASURY) == 201
    assert open_account(service, user, "user:42:tips", flags=["no_overdraft"]) == 201
    assert open_account(service, admin, "creator:7:tips") == 201
    fund(service, admin, "user:42:tips", 100)
    gift = {"id": "gift-1", "debit": "user:42:tips", "credit": "creator:7:tips",
            "amount": 30, "asset": "COIN", "code": "gifts.send"}  # fmt: skip
    posted = service.client.post("/v1/transfers", json={"transfers": [gift]}, headers=user)
    assert posted.status_code == 200
    assert posted.json() == {"data": [{"id": "gift-1", "result": "ok"}], "count": 1, "accepted": 1}
    # Debiting someone else's account is refused as a whole, before anything moves.
    steal = {**gift, "id": "steal-1", "debit": "creator:7:tips", "credit": "user:42:tips"}
    refused = service.client.post("/v1/transfers", json={"transfers": [gift, steal]}, headers=user)
    assert refused.status_code == 403
    balance = service.client.get("/v1/accounts/user:42:tips/balance", headers=user).json()
    assert balance["posted"] == 70 and balance["available"] == 70


def test_refusals_are_results_and_change_nothing(service: Service) -> None:
    admin, user = service.key(Role.ADMIN), service.key(Role.USER, "42")
    open_account(service, admin, TREASURY)
    open_account(service, user, "user:42:tips", flags=["no_overdraft"])
    open_account(service, admin, "creator:7:tips")
    fund(service, admin, "user:42:tips", 10)
    too_much = {"id": "gift-2", "debit": "user:42:tips", "credit": "creator:7:tips",
                "amount": 11, "asset": "COIN", "code": "gifts.send"}  # fmt: skip
    answer = service.client.post("/v1/transfers", json={"transfers": [too_much]}, headers=user)
    assert answer.status_code == 200
    assert answer.json()["data"] == [{"id": "gift-2", "result": "exceeds_credits"}]
    assert answer.json()["accepted"] == 0
    statement = service.client.get("/v1/accounts/user:42:tips/statement", headers=user).json()
    assert [line["transfer_id"] for line in statement["data"]] == ["fund-user:42:tips"]


def test_only_admins_read_the_trial_balance_and_issue_keys(service: Service) -> None:
    admin = service.key(Role.ADMIN)
    for role in NON_ADMIN:
        headers = service.key(role, "5")
        assert service.client.get("/v1/trial-balance", headers=headers).status_code == 403
        issued = service.client.post("/v1/keys", json={"role": "admin", "party_id": "x"},
                                     headers=headers)  # fmt: skip
        assert issued.status_code == 403
    open_account(service, admin, TREASURY)
    open_account(service, admin, "creator:7:tips")
    fund(service, admin, "creator:7:tips", 25)
    trial = service.client.get("/v1/trial-balance", headers=admin).json()
    assert trial["count"] == 1
    assert trial["data"][0] | {"balanced": True} == trial["data"][0]
    assert trial["data"][0]["debits_posted"] == trial["data"][0]["credits_posted"] == 25


def test_admins_read_any_account_and_get_404_for_missing_ones(service: Service) -> None:
    admin, creator = service.key(Role.ADMIN), service.key(Role.CREATOR, "7")
    open_account(service, creator, "creator:7:tips")
    assert service.client.get("/v1/accounts/creator:7:tips", headers=admin).status_code == 200
    missing = service.client.get("/v1/accounts/creator:9:coins", headers=admin)
    assert missing.status_code == 404 and missing.json()["type"] == "/problems/not-found"
    # A party asking for a missing account of its own also gets 404, not 403.
    mine = service.client.get("/v1/accounts/creator:7:gone", headers=creator)
    assert mine.status_code == 404


def test_keys_are_listed_and_revoked_by_their_owner_or_an_admin(service: Service) -> None:
    admin = service.key(Role.ADMIN)
    made = service.client.post("/v1/keys", json={"role": "creator", "party_id": "7",
                                                 "label": "studio"}, headers=admin)  # fmt: skip
    assert made.status_code == 201
    token, key_id = made.json()["token"], made.json()["key_id"]
    creator = {"Authorization": f"Bearer {token}"}
    listed = service.client.get("/v1/keys", headers=creator).json()
    assert [k["key_id"] for k in listed["data"]] == [key_id] and "token" not in listed["data"][0]
    other = service.key(Role.CREATOR, "8")
    assert service.client.delete(f"/v1/keys/{key_id}", headers=other).status_code == 404
    assert service.client.delete(f"/v1/keys/{key_id}", headers=creator).status_code == 204


def test_missing_wrong_and_revoked_keys_get_401_with_a_challenge(make_service) -> None:  # type: ignore[no-untyped-def]
    service = make_service("sqlite", key_cache_s=0)
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic eDp5"},
                    {"Authorization": "Bearer rm_0123456789abcdef_" + "x" * 43}):  # fmt: skip
        answer = service.client.get("/v1/keys", headers=headers)
        assert answer.status_code == 401, headers
        assert answer.headers["www-authenticate"].startswith("Bearer")
    admin = service.key(Role.ADMIN)
    made = service.client.post("/v1/keys", json={"role": "user", "party_id": "1"}, headers=admin)
    user = {"Authorization": f"Bearer {made.json()['token']}"}
    assert service.client.get("/v1/keys", headers=user).status_code == 200
    service.client.delete(f"/v1/keys/{made.json()['key_id']}", headers=admin)
    assert service.client.get("/v1/keys", headers=user).status_code == 401


def test_accounts_kept_by_an_engine_move_only_through_its_routes(service: Service) -> None:
    """A user may read its coin wallet but not post to it here: gifts posts the platform's
    side of every coin movement, and a bare transfer would break that."""
    admin, user = service.key(Role.ADMIN), service.key(Role.USER, "42")
    open_account(service, admin, TREASURY)
    for account in ("user:42:coins", "user:42:coin_debt"):
        assert open_account(service, user, account, flags=["no_overdraft"]) == 403
    assert open_account(service, admin, "user:42:coins", flags=["no_overdraft"]) == 201
    assert open_account(service, user, "user:42:tips", flags=["no_overdraft"]) == 201
    fund(service, admin, "user:42:coins", 5)
    for debit, credit in (("user:42:coins", TREASURY), ("user:42:tips", "user:42:coins")):
        move = {"id": f"{debit}-out", "debit": debit, "credit": credit, "amount": 1,
                "asset": "COIN", "code": "test.move"}  # fmt: skip
        answer = service.client.post("/v1/transfers", json={"transfers": [move]}, headers=user)
        assert answer.status_code == 403 and "kept by its engine" in answer.json()["detail"]
    balance = service.client.get("/v1/accounts/user:42:coins/balance", headers=user)
    assert balance.status_code == 200 and balance.json()["posted"] == 5
