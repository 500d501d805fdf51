"""The Ads Manager through HTTP: an advertiser funded by an admin runs a campaign, another
advertiser is refused its objects, and rule breaks are 422 problems that say why."""

from __future__ import annotations

from typing import Any

from reelmint.parties.model import Role
from tests.api.conftest import Service

START = "2026-11-01T00:00:00Z"


def campaign(**extra: Any) -> dict[str, Any]:
    return {"name": "Spring sale", "objective": "traffic",
            "budget": {"mode": "daily", "micros": 50_000_000}, **extra}  # fmt: skip


def group(campaign_id: int, **extra: Any) -> dict[str, Any]:
    return {"campaign": campaign_id, "name": "US 18-24", "billing": "cpc",
            "schedule": {"start": START}, "budget": {"mode": "daily", "micros": 20_000_000},
            "targeting": [{"dimension": "country", "values": [3]},
                          {"dimension": "interest", "values": [9], "exclude": True}],
            **extra}  # fmt: skip


def registered(service: Service, *ids: str) -> dict[str, dict[str, str]]:
    """Each advertiser registered by an admin; their keys by id (and the admin's)."""
    admin = service.key(Role.ADMIN, "ops")
    for advertiser in ids:
        made = service.client.post("/v1/ads/advertisers", headers=admin,
                                   json={"id": advertiser, "name": advertiser.title()})  # fmt: skip
        assert made.status_code == 201, made.text
    return {"admin": admin, **{a: service.key(Role.ADVERTISER, a) for a in ids}}


def test_an_advertiser_runs_a_campaign_down_to_an_ad_and_activates_it_in_order(
    service: Service,
) -> None:
    keys = registered(service, "acme")
    acme, post = keys["acme"], service.client.post
    funded = post("/v1/ads/advertisers/acme/top-ups", headers=keys["admin"],
                  json={"amount_micros": 100_000_000, "payment_ref": "pay-1"})  # fmt: skip
    c = post("/v1/ads/campaigns", json=campaign(), headers=acme).json()
    g = post("/v1/ads/ad-groups", json=group(c["id"]), headers=acme)
    assert g.status_code == 201, g.text
    g = g.json()
    creative = {"ad_group": g["id"], "video": 4, "landing_url": "https://acme.example/"}
    ad = post("/v1/ads/ads", headers=acme, json=creative).json()

    early = post(f"/v1/ads/ad-groups/{g['id']}/status", json={"status": "active"}, headers=acme)
    chain = (("campaigns", c["id"]), ("ad-groups", g["id"]), ("ads", ad["id"]))
    moves = [post(f"/v1/ads/{kind}/{id_}/status", json={"status": "active"}, headers=acme)
             for kind, id_ in chain]  # fmt: skip

    assert funded.status_code == 200 and funded.json()["balance_micros"] == 100_000_000
    assert (c["status"], g["status"], ad["status"]) == ("draft", "draft", "draft")
    assert g["targeting"][1] == {"dimension": "interest", "values": [9], "exclude": True}
    assert early.status_code == 422 and early.json()["type"] == "/problems/ads-rule"
    assert "only while campaign" in early.json()["detail"]
    assert [m.status_code for m in moves] == [200, 200, 200]
    assert [m.json()["status"] for m in moves] == ["active"] * 3
    listed = service.client.get("/v1/ads/ads", headers=acme).json()
    assert listed["count"] == 1 and listed["data"][0]["status"] == "active"
    balance = service.client.get("/v1/ads/advertisers/acme/balance", headers=acme)
    assert balance.json() == {"advertiser": "acme", "balance_micros": 100_000_000}


def test_a_top_up_is_idempotent_by_payment_ref_and_only_admins_make_one(service: Service) -> None:
    keys = registered(service, "acme")
    url, body = "/v1/ads/advertisers/acme/top-ups", {"amount_micros": 5, "payment_ref": "p-1"}
    first = service.client.post(url, json=body, headers=keys["admin"])
    retry = service.client.post(url, json=body, headers=keys["admin"])
    changed = service.client.post(url, json={**body, "amount_micros": 6}, headers=keys["admin"])
    own = service.client.post(url, json={**body, "payment_ref": "p-2"}, headers=keys["acme"])

    assert first.json()["balance_micros"] == retry.json()["balance_micros"] == 5
    assert changed.status_code == 409 and changed.json()["type"] == "/problems/ads-id-conflict"
    assert own.status_code == 403


def test_another_advertisers_objects_are_refused(service: Service) -> None:
    keys = registered(service, "acme", "bolt")
    acme, bolt = keys["acme"], keys["bolt"]
    c = service.client.post("/v1/ads/campaigns", json=campaign(), headers=acme).json()

    as_other = service.client.post("/v1/ads/campaigns", json=campaign(advertiser="acme"),
                                   headers=bolt)  # fmt: skip
    moved = service.client.post(f"/v1/ads/campaigns/{c['id']}/status",
                                json={"status": "active"}, headers=bolt)  # fmt: skip
    grouped = service.client.post("/v1/ads/ad-groups", json=group(c["id"]), headers=bolt)
    balance = service.client.get("/v1/ads/advertisers/acme/balance", headers=bolt)
    listed = service.client.get("/v1/ads/campaigns", headers=bolt).json()
    by_admin = service.client.get("/v1/ads/campaigns?advertiser=acme", headers=keys["admin"])
    admin_unnamed = service.client.get("/v1/ads/campaigns", headers=keys["admin"])
    self_other = service.client.post("/v1/ads/advertisers", headers=bolt,
                                     json={"id": "acme2", "name": "Not Bolt"})  # fmt: skip

    assert [r.status_code for r in (as_other, moved, grouped, balance, self_other)] == [403] * 5
    assert "not advertiser 'bolt'" in moved.json()["detail"]
    assert listed["count"] == 0
    assert by_admin.json()["count"] == 1 and admin_unnamed.status_code == 403
    unknown = service.client.post("/v1/ads/campaigns/999/status", json={"status": "active"},
                                  headers=acme)  # fmt: skip
    assert unknown.status_code == 404


def test_bad_input_is_a_422_problem_that_says_what_is_wrong(service: Service) -> None:
    keys = registered(service, "acme")
    acme, post = keys["acme"], service.client.post
    cheap = post("/v1/ads/campaigns", headers=acme,
                 json=campaign(budget={"mode": "daily", "micros": 1_000_000}))  # fmt: skip
    no_amount = post("/v1/ads/campaigns", json=campaign(budget={"mode": "daily"}), headers=acme)
    misspelt = post("/v1/ads/campaigns", json=campaign(objectiv="reach"), headers=acme)
    c = post("/v1/ads/campaigns", json=campaign(), headers=acme).json()
    wrong_billing = post("/v1/ads/ad-groups", json=group(c["id"], billing="cpv"), headers=acme)
    both = [{"dimension": "country", "values": [1]}, {"dimension": "country", "values": [2]}]
    twice = post("/v1/ads/ad-groups", json=group(c["id"], targeting=both), headers=acme)
    negative = post("/v1/ads/ad-groups", headers=acme, json=group(c["id"], targeting=[
        {"dimension": "country", "values": [-1]}]))  # fmt: skip

    for refused in (cheap, no_amount, misspelt, wrong_billing, twice, negative):
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
    assert "at least $50.00" in cheap.json()["detail"]
    assert "needs a positive amount" in no_amount.json()["detail"]
    assert misspelt.json()["type"] == "/problems/validation-error"
    assert "bills by cpc, cpm, not cpv" in wrong_billing.json()["detail"]
    assert "merge their values" in twice.json()["detail"]
    assert negative.json()["errors"][0]["loc"][:3] == ["body", "targeting", 0]


def test_a_creator_authorizes_a_boost_and_revoking_it_pauses_the_ad(service: Service) -> None:
    keys = registered(service, "acme")
    acme, creator = keys["acme"], service.key(Role.CREATOR, "7")
    auth = service.client.post("/v1/ads/authorizations", json={"video": 4, "days": 30},
                               headers=creator)  # fmt: skip
    assert auth.status_code == 201, auth.text
    code = auth.json()["code"]
    c = service.client.post("/v1/ads/campaigns", json=campaign(), headers=acme).json()
    g = service.client.post("/v1/ads/ad-groups", json=group(c["id"]), headers=acme).json()
    ad = service.client.post("/v1/ads/ads", headers=acme, json={
        "ad_group": g["id"], "video": 4, "landing_url": "https://acme.example/",
        "authorization": code}).json()  # fmt: skip
    for kind, id_ in (("campaigns", c["id"]), ("ad-groups", g["id"]), ("ads", ad["id"])):
        service.client.post(f"/v1/ads/{kind}/{id_}/status", json={"status": "active"}, headers=acme)

    by_other = service.client.delete(f"/v1/ads/authorizations/{code}",
                                     headers=service.key(Role.CREATOR, "8"))  # fmt: skip
    by_advertiser = service.client.delete(f"/v1/ads/authorizations/{code}", headers=acme)
    revoked = service.client.delete(f"/v1/ads/authorizations/{code}", headers=creator)

    assert (by_other.status_code, by_advertiser.status_code) == (403, 403)
    assert revoked.status_code == 200 and revoked.json()["revoked"] is True
    listed = service.client.get(f"/v1/ads/ads?ad_group={g['id']}", headers=acme).json()
    assert listed["data"][0]["status"] == "paused"
