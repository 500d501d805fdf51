"""Ad serving through HTTP: the platform's backend asks for ads and relays their events,
spend reaches the books when the hour ends, and the advertiser watches it live."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from reelmint.parties.model import Role
from tests.api.conftest import Service
from tests.api.test_ads_routes import campaign, group, registered

NOON = datetime(2026, 11, 2, 12, tzinfo=UTC)


def live_campaign(service: Service, keys: dict[str, dict[str, str]], advertiser: str,
                  billing: str, bid: int) -> dict[str, Any]:  # fmt: skip
    """A funded advertiser's active campaign, group and ad; the group as created."""
    post, acme = service.client.post, keys[advertiser]
    post(f"/v1/ads/advertisers/{advertiser}/top-ups", headers=keys["admin"],
         json={"amount_micros": 100_000_000, "payment_ref": f"pay-{advertiser}"})  # fmt: skip
    c = post("/v1/ads/campaigns", json=campaign(), headers=acme).json()
    g = post("/v1/ads/ad-groups", headers=acme, json=group(
        c["id"], billing=billing, bid_strategy="bid_cap", bid_micros=bid)).json()  # fmt: skip
    ad = post("/v1/ads/ads", headers=acme, json={
        "ad_group": g["id"], "video": 7, "landing_url": f"https://{advertiser}.example/",
        "call_to_action": "shop_now"}).json()  # fmt: skip
    for kind, id_ in (("campaigns", c["id"]), ("ad-groups", g["id"]), ("ads", ad["id"])):
        moved = post(f"/v1/ads/{kind}/{id_}/status", json={"status": "active"}, headers=acme)
        assert moved.status_code == 200, moved.text
    return dict(g)


def at(service: Service, moment: datetime) -> None:
    service.app.state.clock = lambda: moment


def test_a_campaign_serves_bills_and_books_its_spend(service: Service) -> None:
    keys = registered(service, "acme", "bolt")
    mine = live_campaign(service, keys, "acme", "cpc", 500_000)
    live_campaign(service, keys, "bolt", "cpc", 300_000)
    post, admin = service.client.post, keys["admin"]
    at(service, NOON)

    page = post("/v1/ads/serve", headers=admin,
                json={"user": 5, "slots": 3, "profile": {"country": 3}})  # fmt: skip
    nobody = post("/v1/ads/serve", headers=admin, json={"user": 6, "profile": {"country": 4}})
    assert page.status_code == 200, page.text
    ads = page.json()["data"]
    assert [a["advertiser"] for a in ads] == ["acme", "bolt"]  # two takers for three slots
    assert ads[0]["ad_group"] == mine["id"] and ads[0]["call_to_action"] == "shop_now"
    assert nobody.json() == {"user": 6, "data": [], "count": 0}
    token = ads[0]["token"]
    events = [{"token": token, "kind": "ad_impression"}, {"token": token, "kind": "ad_click"},
              {"token": token, "kind": "ad_click"}]  # fmt: skip
    recorded = post("/v1/ads/events", headers=admin, json={"events": events})
    assert recorded.status_code == 200, recorded.text
    price = ads[0]["price_micros"]
    assert [r["outcome"] for r in recorded.json()["data"]] == ["counted", "charged", "duplicate"]
    assert recorded.json()["charged_micros"] == price > 0

    live = service.client.get("/v1/ads/delivery", headers=keys["acme"]).json()["data"]
    assert [(d["ad_group"], d["spend_today_micros"], d["live"]) for d in live] == [
        (mine["id"], price, True)]  # fmt: skip
    balance = service.client.get("/v1/ads/advertisers/acme/balance", headers=keys["acme"])
    assert balance.json()["balance_micros"] == 100_000_000  # accrued, not posted yet

    at(service, NOON + timedelta(hours=1))  # the hour ends: the next call posts it
    post("/v1/ads/serve", headers=admin, json={"user": 9, "profile": {"country": 3}})
    balance = service.client.get("/v1/ads/advertisers/acme/balance", headers=keys["acme"])
    assert balance.json()["balance_micros"] == 100_000_000 - price
    assert service.platform.ledger.verify() == []

    report = service.client.get("/v1/ads/reports?period=total&grain=ad_group",
                                headers=keys["acme"])  # fmt: skip
    assert report.status_code == 200, report.text
    rows = report.json()["data"]  # the lake's view: acme's own group only
    assert [(r["ad_group"], r["impressions"], r["clicks"], r["spend_micros"]) for r in rows] == [
        (mine["id"], 1, 1, price)]  # fmt: skip
    assert rows[0]["cpc_micros"] == price


def test_serving_is_for_the_platform_and_delivery_for_its_advertiser(service: Service) -> None:
    keys = registered(service, "acme", "bolt")
    live_campaign(service, keys, "acme", "cpm", 5_000_000)
    post = service.client.post
    user = service.key(Role.USER, "5")

    as_user = post("/v1/ads/serve", headers=user, json={"user": 5})
    relay = post("/v1/ads/events", headers=keys["acme"],
                 json={"events": [{"token": "x", "kind": "ad_click"}]})  # fmt: skip
    peek = service.client.get("/v1/ads/delivery?advertiser=acme", headers=keys["bolt"])
    admin = service.client.get("/v1/ads/delivery?advertiser=acme", headers=keys["admin"])

    assert as_user.status_code == relay.status_code == peek.status_code == 403
    assert admin.status_code == 200 and admin.json()["count"] == 1


def test_bad_serving_input_is_422_and_forged_tokens_are_unknown(service: Service) -> None:
    admin = service.key(Role.ADMIN, "ops")
    post = service.client.post

    like = post("/v1/ads/events", headers=admin, json={"events": [{"token": "t", "kind": "like"}]})
    no_quartile = post("/v1/ads/events", headers=admin,
                       json={"events": [{"token": "t", "kind": "ad_quartile"}]})  # fmt: skip
    too_many = post("/v1/ads/serve", headers=admin, json={"user": 1, "slots": 11})
    unsigned = {"token": "v1.a.1.1.1.1.1.AAAA", "kind": "ad_impression"}
    forged = post("/v1/ads/events", headers=admin, json={"events": [unsigned]})

    assert like.status_code == no_quartile.status_code == too_many.status_code == 422
    assert "quartile" in no_quartile.json()["detail"]
    assert forged.status_code == 200
    assert forged.json()["data"] == [{"outcome": "unknown", "charged_micros": 0}]
