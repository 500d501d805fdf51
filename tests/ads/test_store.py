"""The ads store: every object round-trips exactly, ids come from the database, and
migration 0005 builds what `reelmint.ads.schema` describes. Each case runs on SQLite and
on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from reelmint.ads import schema as s
from reelmint.ads.model import (
    Ad,
    AdGroup,
    Advertiser,
    Authorization,
    BidStrategy,
    Billing,
    Budget,
    BudgetMode,
    CallToAction,
    Campaign,
    FrequencyCap,
    Objective,
    Schedule,
    Status,
)
from reelmint.ads.pacing import Pacing
from reelmint.ads.store import AdsStore, Missing, targeting_from_json, targeting_json
from reelmint.ads.targeting import Condition, Dimension, Targeting
from reelmint.db.engine import make_engine
from reelmint.db.migrate import upgrade
from tests.pg import fresh_schema, require_server

USD = 1_000_000
T0 = 1_793_491_200_000  # 2026-11-01T00:00Z
DAY = 86_400_000
KINDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@contextmanager
def open_engine(kind: str, tmp_path: Path) -> Iterator[sa.Engine]:
    """A migrated, empty database of the given kind, dropped afterwards."""
    if kind == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'ads.db'}")
        upgrade(engine)
        yield engine
        engine.dispose()
        return
    with fresh_schema(require_server()) as url:
        engine = make_engine(url)
        upgrade(engine)
        yield engine
        engine.dispose()


@pytest.fixture(params=KINDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[AdsStore]:
    with open_engine(request.param, tmp_path) as engine:
        yield AdsStore(engine)


def campaign_draft(advertiser: str = "acme", **kw: object) -> Campaign:
    values: dict[str, object] = {
        "id": 0,
        "advertiser": advertiser,
        "name": "Launch",
        "objective": Objective.TRAFFIC,
        "budget": Budget(BudgetMode.DAILY, 50 * USD),
    }
    values.update(kw)
    return Campaign(**values)  # type: ignore[arg-type]


def group_draft(campaign: int, **kw: object) -> AdGroup:
    values: dict[str, object] = {
        "id": 0,
        "campaign": campaign,
        "name": "US adults",
        "schedule": Schedule(T0),
        "budget": Budget(BudgetMode.DAILY, 20 * USD),
        "billing": Billing.CPC,
    }
    values.update(kw)
    return AdGroup(**values)  # type: ignore[arg-type]


def ad_draft(group: int, **kw: object) -> Ad:
    values: dict[str, object] = {
        "id": 0,
        "ad_group": group,
        "video": 901,
        "landing_url": "https://acme.example/shop",
    }
    values.update(kw)
    return Ad(**values)  # type: ignore[arg-type]


TARGETING = Targeting(
    (
        Condition(Dimension.COUNTRY, frozenset({3, 1, 2})),
        Condition(Dimension.INTEREST, frozenset({9}), exclude=True),
        Condition(Dimension.AGE_BAND, frozenset({1})),
        Condition(Dimension.INTEREST, frozenset({4, 5})),
    )
)


def test_the_migration_builds_what_the_schema_describes(store: AdsStore) -> None:
    with store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, s.metadata)
    ours = {t.name for t in s.metadata.sorted_tables}

    def about_ours(change: object) -> bool:
        item = change[0] if isinstance(change, list) else change
        text = repr(item)
        return any(name in text for name in ours)

    assert [d for d in diff if about_ours(d)] == []


def test_an_advertiser_is_stored_once(store: AdsStore) -> None:
    acme = Advertiser("acme", "Acme Corp", "retail")
    assert store.add_advertiser(acme)
    assert not store.add_advertiser(Advertiser("acme", "Someone else"))
    assert store.get_advertiser("acme") == acme
    assert store.get_advertiser("nobody") is None
    store.update_advertiser(Advertiser("acme", "Acme Inc", "retail"))
    assert store.list_advertisers() == [Advertiser("acme", "Acme Inc", "retail")]


def test_campaigns_get_database_ids_and_round_trip(store: AdsStore) -> None:
    store.add_advertiser(Advertiser("acme", "Acme"))
    store.add_advertiser(Advertiser("bolt", "Bolt"))
    first = store.add_campaign(campaign_draft())
    second = store.add_campaign(
        campaign_draft(
            name="Unlimited", objective=Objective.REACH, budget=Budget(BudgetMode.UNLIMITED)
        )
    )
    other = store.add_campaign(campaign_draft("bolt"))
    assert 0 < first.id < second.id < other.id
    assert store.get_campaign(first.id) == first
    assert store.get_campaign(second.id) == second
    assert second.budget == Budget(BudgetMode.UNLIMITED)
    assert store.list_campaigns("acme") == [first, second]
    paused = Campaign(
        first.id,
        "acme",
        "Launch 2",
        Objective.TRAFFIC,
        Budget(BudgetMode.LIFETIME, 900 * USD),
        Status.PAUSED,
    )
    store.update_campaign(paused)
    assert store.get_campaign(first.id) == paused


def test_an_ad_group_round_trips_every_field(store: AdsStore) -> None:
    store.add_advertiser(Advertiser("acme", "Acme"))
    campaign = store.add_campaign(campaign_draft())
    full = group_draft(
        campaign.id,
        schedule=Schedule(T0, T0 + 10 * DAY, frozenset({23, 0, 9})),
        budget=Budget(BudgetMode.LIFETIME, 300 * USD),
        billing=Billing.CPM,
        bid_strategy=BidStrategy.BID_CAP,
        bid_micros=4_500_000,
        targeting=TARGETING,
        pacing=Pacing.ACCELERATED,
        frequency_cap=FrequencyCap(3, 7),
        status=Status.ACTIVE,
    )
    plain = group_draft(campaign.id)
    stored, bare = store.add_ad_group(full), store.add_ad_group(plain)
    assert stored.id > 0 and bare.id > stored.id
    assert store.get_ad_group(stored.id) == stored
    assert store.get_ad_group(bare.id) == bare
    assert bare.frequency_cap is None and bare.schedule.end_ms is None
    assert store.list_ad_groups(campaign.id) == [stored, bare]
    assert store.list_ad_groups(campaign.id + 1000) == []


def test_targeting_json_keeps_order_sorted_values_and_exclusions() -> None:
    text = targeting_json(TARGETING)
    assert text.startswith('[{"dimension":"country","exclude":false,"values":[1,2,3]}')
    assert '{"dimension":"interest","exclude":true,"values":[9]}' in text
    assert targeting_from_json(text) == TARGETING
    assert targeting_from_json(targeting_json(Targeting())) == Targeting()


def test_ads_and_authorizations_round_trip(store: AdsStore) -> None:
    store.add_advertiser(Advertiser("acme", "Acme"))
    group = store.add_ad_group(group_draft(store.add_campaign(campaign_draft()).id))
    auth = Authorization("code-1", 7, 901, T0 + DAY)
    assert store.add_authorization(auth)
    assert not store.add_authorization(Authorization("code-1", 8, 902, T0))
    spark = store.add_ad(
        ad_draft(group.id, call_to_action=CallToAction.SHOP_NOW, authorization="code-1")
    )
    plain = store.add_ad(ad_draft(group.id, video=902))
    assert store.get_ad(spark.id) == spark and spark.authorization == "code-1"
    assert store.list_ads(group.id) == [spark, plain]
    with store.begin() as tx:
        assert tx.list_ads_by_authorization("code-1") == [spark]
    store.update_ad(Ad(plain.id, group.id, 902, "https://acme.example/b", status=Status.PAUSED))
    assert store.get_ad(plain.id) == Ad(
        plain.id, group.id, 902, "https://acme.example/b", status=Status.PAUSED
    )
    store.update_authorization(Authorization("code-1", 7, 901, T0 + DAY, revoked=True))
    assert store.get_authorization("code-1") == Authorization("code-1", 7, 901, T0 + DAY, True)
    assert store.list_authorizations(7) == [Authorization("code-1", 7, 901, T0 + DAY, True)]
    assert store.list_authorizations(8) == []


def test_updating_what_is_not_there_is_refused(store: AdsStore) -> None:
    with pytest.raises(Missing, match="campaign 42"):
        store.update_campaign(
            Campaign(42, "acme", "x", Objective.REACH, Budget(BudgetMode.UNLIMITED))
        )
    with pytest.raises(Missing, match="ad group 42"):
        store.update_ad_group(group_draft(1, id=42))
    with pytest.raises(Missing, match="ad 42"):
        store.update_ad(ad_draft(1, id=42))
    with pytest.raises(Missing, match="nope"):
        store.update_authorization(Authorization("nope", 1, 1, T0))


def test_children_need_their_parents(store: AdsStore) -> None:
    with pytest.raises(sa.exc.IntegrityError):
        store.add_campaign(campaign_draft("ghost"))
    with pytest.raises(sa.exc.IntegrityError):
        store.add_ad_group(group_draft(999))
    store.add_advertiser(Advertiser("acme", "Acme"))
    group = store.add_ad_group(group_draft(store.add_campaign(campaign_draft()).id))
    with pytest.raises(sa.exc.IntegrityError):
        store.add_ad(ad_draft(group.id, authorization="unknown-code"))
    assert store.list_ads(group.id) == []


def test_a_failed_transaction_leaves_nothing(store: AdsStore) -> None:
    store.add_advertiser(Advertiser("acme", "Acme"))
    with pytest.raises(RuntimeError), store.begin() as tx:
        tx.add_campaign(campaign_draft())
        raise RuntimeError("boom")
    assert store.list_campaigns("acme") == []
