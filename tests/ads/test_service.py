"""Ads Manager use cases: registration and prepaid money, validation, status moves under
the hierarchy, ownership, and creators' authorizations. On SQLite and PostgreSQL, with
the SQL ledger in the same database."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from reelmint.ads.model import (
    DAY_MS,
    AdsError,
    Advertiser,
    BidStrategy,
    Budget,
    BudgetMode,
    Status,
)
from reelmint.ads.service import (
    CLEARING,
    REVENUE,
    AdsManager,
    Conflict,
    NotActive,
    NotFound,
    NotYours,
)
from reelmint.ads.store import AdsStore
from reelmint.ledger import AccountFlags, Transfer, TransferResult
from reelmint.ledger.sql import open_sql_ledger
from reelmint.money import Asset
from reelmint.settings import AdsSettings
from tests.ads.test_store import KINDS, T0, USD, ad_draft, campaign_draft, group_draft, open_engine

NOW = datetime(2026, 11, 1, tzinfo=UTC)
ACME = Advertiser("acme", "Acme Corp", "retail")
BOLT = Advertiser("bolt", "Bolt Ltd")


@pytest.fixture(params=KINDS)
def ads(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[AdsManager]:
    with open_engine(request.param, tmp_path) as engine:
        manager = AdsManager(AdsStore(engine), open_sql_ledger(engine), AdsSettings())
        manager.register_advertiser(ACME)
        manager.register_advertiser(BOLT)
        yield manager


def codes() -> Callable[[int], str]:
    """Repeatable codes: code-1, code-2, ..."""
    counter = itertools.count(1)
    return lambda n: f"code-{next(counter)}"


def live_group(ads: AdsManager, advertiser: str = "acme") -> int:
    """An active ad group under an active campaign of `advertiser`."""
    campaign = ads.create_campaign(advertiser, campaign_draft(advertiser))
    ads.set_campaign_status(advertiser, campaign.id, Status.ACTIVE)
    group = ads.create_ad_group(advertiser, group_draft(campaign.id))
    ads.set_ad_group_status(advertiser, group.id, Status.ACTIVE)
    return group.id


# Registration and money


def test_registering_opens_the_accounts_once(ads: AdsManager) -> None:
    assert ads.register_advertiser(ACME) == ACME  # again: a no-op
    accounts = {a.id: a for a in ads.ledger.accounts()}
    assert accounts["advertiser:acme:prepaid"].flags == AccountFlags.NO_OVERDRAFT
    assert accounts["advertiser:acme:prepaid"].asset is Asset.USD
    assert {CLEARING, REVENUE, "advertiser:bolt:prepaid"} <= set(accounts)
    assert ads.store.list_advertisers() == [ACME, BOLT]
    with pytest.raises(Conflict, match="acme"):
        ads.register_advertiser(Advertiser("acme", "Another Acme"))
    assert ads.balance("acme") == 0


def test_a_top_up_credits_the_prepaid_balance(ads: AdsManager) -> None:
    assert ads.top_up("acme", 100 * USD, "pay-1", NOW) == 100 * USD
    assert ads.top_up("acme", 25 * USD, "pay-2", NOW) == 125 * USD
    assert ads.balance("acme") == 125 * USD
    assert ads.balance("bolt") == 0
    assert ads.ledger.balance(CLEARING).posted == -125 * USD
    assert all(row.balanced for row in ads.ledger.trial_balance())
    [first, _] = ads.ledger.transfers()
    assert (first.id, first.code, first.debit, first.credit) == (
        "ads.top_up:pay-1",
        "ads.top_up",
        CLEARING,
        "advertiser:acme:prepaid",
    )


def test_a_retried_top_up_changes_nothing(ads: AdsManager) -> None:
    ads.top_up("acme", 100 * USD, "pay-1", NOW)
    assert ads.top_up("acme", 100 * USD, "pay-1", NOW) == 100 * USD
    assert len(ads.ledger.transfers()) == 1
    with pytest.raises(Conflict, match="pay-1"):
        ads.top_up("acme", 200 * USD, "pay-1", NOW)
    with pytest.raises(Conflict, match="pay-1"):
        ads.top_up("bolt", 100 * USD, "pay-1", NOW)  # one payment, one advertiser
    assert ads.balance("acme") == 100 * USD and ads.balance("bolt") == 0


def test_bad_top_ups_are_refused(ads: AdsManager) -> None:
    for amount in (0, -5):
        with pytest.raises(AdsError, match="positive"):
            ads.top_up("acme", amount, "pay-x", NOW)
    with pytest.raises(AdsError, match="reference"):
        ads.top_up("acme", USD, "", NOW)
    with pytest.raises(NotFound, match="ghost"):
        ads.top_up("ghost", USD, "pay-y", NOW)
    with pytest.raises(NotFound, match="ghost"):
        ads.balance("ghost")
    assert ads.ledger.transfers() == []


def test_spend_can_never_overdraw_the_prepaid_account(ads: AdsManager) -> None:
    ads.top_up("acme", 10 * USD, "pay-1", NOW)
    spend = Transfer(
        "spend-1", "advertiser:acme:prepaid", REVENUE, 11 * USD, Asset.USD, "ads.spend"
    )
    assert ads.ledger.post([spend], NOW) == [TransferResult.EXCEEDS_CREDITS]
    assert ads.balance("acme") == 10 * USD


# Creating and validating


def test_new_objects_start_as_drafts_with_database_ids(ads: AdsManager) -> None:
    campaign = ads.create_campaign("acme", campaign_draft(status=Status.ACTIVE, id=77))
    assert campaign.status is Status.DRAFT and campaign.id != 77
    group = ads.create_ad_group("acme", group_draft(campaign.id, status=Status.ACTIVE))
    ad = ads.create_ad("acme", ad_draft(group.id, status=Status.ACTIVE), T0)
    assert (group.status, ad.status) == (Status.DRAFT, Status.DRAFT)
    assert ads.store.get_ad(ad.id) == ad
    assert ads.list_campaigns("acme") == [campaign]
    assert ads.list_ad_groups("acme") == [group] == ads.list_ad_groups("acme", campaign.id)
    assert ads.list_ads("acme") == [ad] == ads.list_ads("acme", group.id)
    assert ads.list_campaigns("bolt") == [] and ads.list_ads("bolt") == []


def test_validation_errors_surface_and_store_nothing(ads: AdsManager) -> None:
    with pytest.raises(AdsError, match="at least"):
        ads.create_campaign("acme", campaign_draft(budget=Budget(BudgetMode.DAILY, 49 * USD)))
    campaign = ads.create_campaign("acme", campaign_draft())
    with pytest.raises(AdsError, match="daily budget is at least"):
        ads.create_ad_group(
            "acme", group_draft(campaign.id, budget=Budget(BudgetMode.DAILY, 19 * USD))
        )
    with pytest.raises(AdsError, match="positive bid"):
        ads.create_ad_group("acme", group_draft(campaign.id, bid_strategy=BidStrategy.BID_CAP))
    group = ads.create_ad_group("acme", group_draft(campaign.id))
    with pytest.raises(AdsError, match="http"):
        ads.create_ad("acme", ad_draft(group.id, landing_url="ftp://x"), T0)
    with pytest.raises(AdsError, match="unknown"):
        ads.create_ad("acme", ad_draft(group.id, authorization="no-such-code"), T0)
    with pytest.raises(NotFound, match="ghost"):
        ads.create_campaign("ghost", campaign_draft("ghost"))
    assert ads.list_campaigns("acme") == [campaign]
    assert ads.list_ad_groups("acme") == [group] and ads.list_ads("acme") == []


# Status moves


def test_statuses_move_along_the_allowed_paths(ads: AdsManager) -> None:
    campaign = ads.create_campaign("acme", campaign_draft())
    assert ads.set_campaign_status("acme", campaign.id, Status.ACTIVE).status is Status.ACTIVE
    assert ads.set_campaign_status("acme", campaign.id, Status.PAUSED).status is Status.PAUSED
    ads.set_campaign_status("acme", campaign.id, Status.COMPLETED)
    with pytest.raises(AdsError, match="final"):
        ads.set_campaign_status("acme", campaign.id, Status.ACTIVE)
    stored = ads.store.get_campaign(campaign.id)
    assert stored is not None and stored.status is Status.COMPLETED
    with pytest.raises(AdsError, match="completed"):
        ads.create_ad_group("acme", group_draft(campaign.id))


def test_an_ad_group_activates_only_under_an_active_campaign(ads: AdsManager) -> None:
    campaign = ads.create_campaign("acme", campaign_draft())
    group = ads.create_ad_group("acme", group_draft(campaign.id))
    with pytest.raises(NotActive, match="campaign"):
        ads.set_ad_group_status("acme", group.id, Status.ACTIVE)
    stored = ads.store.get_ad_group(group.id)
    assert stored is not None and stored.status is Status.DRAFT
    ads.set_campaign_status("acme", campaign.id, Status.ACTIVE)
    assert ads.set_ad_group_status("acme", group.id, Status.ACTIVE).status is Status.ACTIVE
    # Pausing the parent keeps the child's own status; re-activating it needs the parent.
    ads.set_campaign_status("acme", campaign.id, Status.PAUSED)
    ads.set_ad_group_status("acme", group.id, Status.PAUSED)
    with pytest.raises(NotActive):
        ads.set_ad_group_status("acme", group.id, Status.ACTIVE)


def test_an_ad_activates_only_under_an_active_ad_group(ads: AdsManager) -> None:
    campaign = ads.create_campaign("acme", campaign_draft())
    group = ads.create_ad_group("acme", group_draft(campaign.id))
    ad = ads.create_ad("acme", ad_draft(group.id), T0)
    with pytest.raises(NotActive, match="ad group"):
        ads.set_ad_status("acme", ad.id, Status.ACTIVE, T0)
    ads.set_campaign_status("acme", campaign.id, Status.ACTIVE)
    ads.set_ad_group_status("acme", group.id, Status.ACTIVE)
    assert ads.set_ad_status("acme", ad.id, Status.ACTIVE, T0).status is Status.ACTIVE


# Ownership


def test_another_advertisers_objects_are_refused(ads: AdsManager) -> None:
    group_id = live_group(ads, "acme")
    group = ads.store.get_ad_group(group_id)
    assert group is not None
    ad = ads.create_ad("acme", ad_draft(group_id), T0)
    with pytest.raises(NotYours):
        ads.create_campaign("bolt", campaign_draft("acme"))
    with pytest.raises(NotYours):
        ads.set_campaign_status("bolt", group.campaign, Status.PAUSED)
    with pytest.raises(NotYours):
        ads.create_ad_group("bolt", group_draft(group.campaign))
    with pytest.raises(NotYours):
        ads.set_ad_group_status("bolt", group_id, Status.PAUSED)
    with pytest.raises(NotYours):
        ads.create_ad("bolt", ad_draft(group_id), T0)
    with pytest.raises(NotYours):
        ads.set_ad_status("bolt", ad.id, Status.ACTIVE, T0)
    with pytest.raises(NotYours):
        ads.list_ad_groups("bolt", group.campaign)
    with pytest.raises(NotYours):
        ads.list_ads("bolt", group_id)
    with pytest.raises(NotFound):
        ads.set_ad_status("acme", ad.id + 100, Status.ACTIVE, T0)
    assert ads.store.get_ad(ad.id) == ad  # untouched
    assert len(ads.list_ad_groups("acme")) == 1


# Creators' authorizations


def test_an_authorization_expires_after_its_days(ads: AdsManager) -> None:
    auth = ads.authorize_post(7, 901, 30, T0, code_source=codes())
    assert (auth.code, auth.expires_at_ms) == ("code-1", T0 + 30 * DAY_MS)
    assert ads.store.get_authorization("code-1") == auth
    group_id = live_group(ads)
    spark = ads.create_ad("acme", ad_draft(group_id, authorization="code-1"), T0)
    # A day before expiry it can go live; pause it, and after expiry it cannot come back.
    assert (
        ads.set_ad_status("acme", spark.id, Status.ACTIVE, T0 + 29 * DAY_MS).status is Status.ACTIVE
    )
    ads.set_ad_status("acme", spark.id, Status.PAUSED, T0 + 29 * DAY_MS)
    with pytest.raises(AdsError, match="expired"):
        ads.set_ad_status("acme", spark.id, Status.ACTIVE, T0 + 30 * DAY_MS)
    with pytest.raises(AdsError, match="expired"):
        ads.create_ad("acme", ad_draft(group_id, authorization="code-1"), T0 + 30 * DAY_MS)
    stored = ads.store.get_ad(spark.id)
    assert stored is not None and stored.status is Status.PAUSED


def test_a_revoked_authorization_pauses_and_blocks_its_ads(ads: AdsManager) -> None:
    ads.authorize_post(7, 901, 30, T0, code_source=codes())
    group_id = live_group(ads)
    spark = ads.create_ad("acme", ad_draft(group_id, authorization="code-1"), T0)
    plain = ads.create_ad("acme", ad_draft(group_id, video=902), T0)
    ads.set_ad_status("acme", spark.id, Status.ACTIVE, T0)
    ads.set_ad_status("acme", plain.id, Status.ACTIVE, T0)
    with pytest.raises(NotYours):
        ads.revoke_authorization(8, "code-1")
    with pytest.raises(NotFound):
        ads.revoke_authorization(7, "code-9")
    assert ads.revoke_authorization(7, "code-1").revoked
    assert [(a.id, a.status) for a in ads.list_ads("acme")] == [
        (spark.id, Status.PAUSED),
        (plain.id, Status.ACTIVE),
    ]
    with pytest.raises(AdsError, match="revoked"):
        ads.set_ad_status("acme", spark.id, Status.ACTIVE, T0 + DAY_MS)


def test_an_authorization_covers_only_its_video(ads: AdsManager) -> None:
    ads.authorize_post(7, 901, 7, T0, code_source=codes())
    with pytest.raises(AdsError, match="covers video 901"):
        ads.create_ad("acme", ad_draft(live_group(ads), video=555, authorization="code-1"), T0)


def test_authorizing_checks_days_owner_and_fresh_codes(tmp_path: Path) -> None:
    with open_engine("sqlite", tmp_path) as engine:
        owners = {901: 7}
        ads = AdsManager(
            AdsStore(engine), open_sql_ledger(engine), AdsSettings(), video_owner=owners.get
        )
        for days in (0, 366):
            with pytest.raises(AdsError, match="1 to 365"):
                ads.authorize_post(7, 901, days, T0)
        with pytest.raises(NotYours, match="901"):
            ads.authorize_post(8, 901, 7, T0)
        same = iter(["dup", "dup", "new"])
        first = ads.authorize_post(7, 901, 7, T0, code_source=lambda n: next(same))
        second = ads.authorize_post(7, 901, 7, T0, code_source=lambda n: next(same))
        assert (first.code, second.code) == ("dup", "new")
        random = ads.authorize_post(7, 901, 7, T0)
        assert len(random.code) >= 20 and random.code not in ("dup", "new")
        with pytest.raises(AdsError, match="unused"):
            ads.authorize_post(7, 901, 7, T0, code_source=lambda n: "dup")
        assert len(ads.store.list_authorizations(7)) == 3
