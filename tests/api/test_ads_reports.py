"""`GET /v1/ads/reports` over events written into the app's own lake: an advertiser
reads its own delivery and spend, an admin names the advertiser, another's campaign is
403, and what the report cannot mean is a 422 problem."""

from __future__ import annotations

from typing import Any

from reelmint.events.lake import Lake
from reelmint.parties.model import Role
from tests.ads.test_reports import CLICK, D1, D2, HOUR, IMP, batch
from tests.api.conftest import Service
from tests.api.test_ads_routes import campaign, group, registered

URL = "/v1/ads/reports"


def built(service: Service, key: dict[str, str]) -> tuple[int, int]:
    """A campaign, ad group and ad of the key's advertiser: the campaign's and the ad's ids."""
    post = service.client.post
    c = post("/v1/ads/campaigns", json=campaign(), headers=key).json()
    g = post("/v1/ads/ad-groups", json=group(c["id"]), headers=key).json()
    ad = post("/v1/ads/ads", headers=key, json={
        "ad_group": g["id"], "video": 4, "landing_url": "https://shop.example/"})  # fmt: skip
    assert ad.status_code == 201, ad.text
    return c["id"], ad.json()["id"]


def delivered(service: Service) -> dict[str, Any]:
    """acme's and bolt's ads, and their events in the app's lake. acme's ad: users 1 and 2
    on day 1 (5,000 micros each) and a click by 1 (150,000); user 1 again on day 2. bolt's
    ad: 4 impressions at 9,000 on day 1."""
    keys = registered(service, "acme", "bolt")
    acme_campaign, acme_ad = built(service, keys["acme"])
    bolt_campaign, bolt_ad = built(service, keys["bolt"])
    lake = Lake(service.platform.settings.lake_dir)
    lake.append(batch([
        (D1 + 10 * HOUR, IMP, 1, acme_ad, 5_000), (D1 + 10 * HOUR, IMP, 2, acme_ad, 5_000),
        (D1 + 11 * HOUR, CLICK, 1, acme_ad, 150_000), (D2 + 10 * HOUR, IMP, 1, acme_ad, 5_000),
        *((D1 + 10 * HOUR, IMP, user, bolt_ad, 9_000) for user in (1, 2, 3, 4)),
    ]))  # fmt: skip
    lake.flush()
    return {**keys, "acme_campaign": acme_campaign, "acme_ad": acme_ad,
            "bolt_campaign": bolt_campaign}  # fmt: skip


def test_an_advertiser_reads_its_own_delivery_and_spend(service: Service) -> None:
    ids = delivered(service)

    daily = service.client.get(URL, headers=ids["acme"])
    by_ad = service.client.get(f"{URL}?grain=ad&period=total&start=2026-11-01T00:00:00Z"
                               "&end=2026-11-02T00:00:00Z", headers=ids["acme"])  # fmt: skip

    assert daily.status_code == 200, daily.text
    body = daily.json()
    assert (body["advertiser"], body["grain"], body["period"], body["count"]) == (
        "acme", "ad_group", "day", 2)  # fmt: skip
    day_1, day_2 = body["data"]
    assert (day_1["period_start"], day_2["period_start"]) == ("2026-11-01T00:00:00Z",
                                                              "2026-11-02T00:00:00Z")  # fmt: skip
    # day 1: 2 impressions, 1 click; 5,000 x 2 + 150,000 micros; CPM 160,000 x 1,000 / 2
    assert {k: day_1[k] for k in ("campaign", "ad", "impressions", "reach", "clicks", "ctr",
                                  "spend_micros", "cpm_micros", "cpc_micros", "cpv_micros")} == {
        "campaign": ids["acme_campaign"], "ad": None, "impressions": 2, "reach": 2,
        "clicks": 1, "ctr": 0.5, "spend_micros": 160_000, "cpm_micros": 80_000_000,
        "cpc_micros": 160_000, "cpv_micros": None}  # fmt: skip
    assert (day_2["impressions"], day_2["spend_micros"]) == (1, 5_000)
    # bolt's 4 impressions are in no row of acme's
    total = by_ad.json()
    assert total["count"] == 1 and total["data"][0]["ad"] == ids["acme_ad"]
    assert total["data"][0]["period_start"] is None and total["data"][0]["impressions"] == 2


def test_an_admin_names_the_advertiser_it_reads(service: Service) -> None:
    ids = delivered(service)

    acme = service.client.get(f"{URL}?advertiser=acme&grain=campaign", headers=ids["admin"])
    bolt = service.client.get(f"{URL}?advertiser=bolt&period=total", headers=ids["admin"])
    unnamed = service.client.get(URL, headers=ids["admin"])

    assert acme.status_code == 200, acme.text
    assert [r["impressions"] for r in acme.json()["data"]] == [2, 1]
    assert [(r["campaign"], r["impressions"], r["reach"], r["spend_micros"])
            for r in bolt.json()["data"]] == [(ids["bolt_campaign"], 4, 4, 36_000)]  # fmt: skip
    assert unnamed.status_code == 403


def test_another_advertisers_report_is_refused(service: Service) -> None:
    ids = delivered(service)

    theirs = service.client.get(f"{URL}?campaign={ids['bolt_campaign']}", headers=ids["acme"])
    as_other = service.client.get(f"{URL}?advertiser=bolt", headers=ids["acme"])
    creator = service.client.get(URL, headers=service.key(Role.CREATOR, "7"))
    unknown = service.client.get(f"{URL}?campaign=999", headers=ids["acme"])

    assert [r.status_code for r in (theirs, as_other, creator)] == [403] * 3
    assert "not advertiser 'acme'" in theirs.json()["detail"]
    assert unknown.status_code == 404


def test_what_a_report_cannot_mean_is_a_422_problem(service: Service) -> None:
    ids = delivered(service)
    get = service.client.get

    grain = get(f"{URL}?grain=advertiser", headers=ids["acme"])
    period = get(f"{URL}?period=week", headers=ids["acme"])
    backwards = get(f"{URL}?start=2026-11-02T00:00:00Z&end=2026-11-01T00:00:00Z",
                    headers=ids["acme"])  # fmt: skip
    zoneless = get(f"{URL}?start=2026-11-01T00:00:00", headers=ids["acme"])
    digits = get(f"{URL}?start=20261101", headers=ids["acme"])

    for refused in (grain, period, backwards, zoneless, digits):
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
    assert grain.json()["errors"][0]["loc"] == ["query", "grain"]
    assert backwards.json()["type"] == "/problems/ads-rule"
    assert "starts before it ends" in backwards.json()["detail"]
    assert zoneless.json()["errors"][0]["loc"] == ["query", "start"]
    assert "ISO 8601" in digits.json()["detail"]


def test_a_report_needs_a_key(service: Service) -> None:
    delivered(service)

    anonymous = service.client.get(f"{URL}?advertiser=acme")
    wrong = service.client.get(URL, headers={"Authorization": "Bearer not-a-key"})

    assert (anonymous.status_code, wrong.status_code) == (401, 401)
