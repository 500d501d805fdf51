"""The Ads Manager's tables, as SQLAlchemy Core metadata (migration 0005 creates the same).

Ids of campaigns, ad groups and ads are assigned by the database. `ID_TYPE` is a
BIGINT on PostgreSQL and an INTEGER on SQLite, where only `INTEGER PRIMARY KEY` is the
auto-assigned rowid. Targeting is stored as JSON text, dayparting hours as a comma list
("" means all day).
"""

from __future__ import annotations

import sqlalchemy as sa

ID_TYPE = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

metadata = sa.MetaData()

advertisers = sa.Table(
    "ads_advertisers",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("industry", sa.Text, nullable=False),
)

campaigns = sa.Table(
    "ads_campaigns",
    metadata,
    sa.Column("id", ID_TYPE, primary_key=True, autoincrement=True),
    sa.Column("advertiser", sa.Text, sa.ForeignKey("ads_advertisers.id"), nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("objective", sa.Text, nullable=False),
    sa.Column("budget_mode", sa.Text, nullable=False),
    sa.Column("budget_micros", sa.BigInteger, nullable=True),
    sa.Column("status", sa.Text, nullable=False),
    sa.Index("ix_ads_campaigns_advertiser", "advertiser"),
)

ad_groups = sa.Table(
    "ads_ad_groups",
    metadata,
    sa.Column("id", ID_TYPE, primary_key=True, autoincrement=True),
    sa.Column("campaign", ID_TYPE, sa.ForeignKey("ads_campaigns.id"), nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("placement", sa.Text, nullable=False),
    sa.Column("start_ms", sa.BigInteger, nullable=False),
    sa.Column("end_ms", sa.BigInteger, nullable=True),
    sa.Column("hours", sa.Text, nullable=False),
    sa.Column("budget_mode", sa.Text, nullable=False),
    sa.Column("budget_micros", sa.BigInteger, nullable=True),
    sa.Column("billing", sa.Text, nullable=False),
    sa.Column("bid_strategy", sa.Text, nullable=False),
    sa.Column("bid_micros", sa.BigInteger, nullable=True),
    sa.Column("pacing", sa.SmallInteger, nullable=False),
    sa.Column("frequency_impressions", sa.Integer, nullable=True),
    sa.Column("frequency_days", sa.Integer, nullable=True),
    sa.Column("targeting", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Index("ix_ads_ad_groups_campaign", "campaign"),
)

authorizations = sa.Table(
    "ads_authorizations",
    metadata,
    sa.Column("code", sa.Text, primary_key=True),
    sa.Column("creator", sa.BigInteger, nullable=False),
    sa.Column("video", sa.BigInteger, nullable=False),
    sa.Column("expires_at_ms", sa.BigInteger, nullable=False),
    sa.Column("revoked", sa.Boolean, nullable=False),
    sa.Index("ix_ads_authorizations_creator", "creator"),
)

ads = sa.Table(
    "ads_ads",
    metadata,
    sa.Column("id", ID_TYPE, primary_key=True, autoincrement=True),
    sa.Column("ad_group", ID_TYPE, sa.ForeignKey("ads_ad_groups.id"), nullable=False),
    sa.Column("video", sa.BigInteger, nullable=False),
    sa.Column("landing_url", sa.Text, nullable=False),
    sa.Column("call_to_action", sa.Text, nullable=False),
    sa.Column("authorization", sa.Text, sa.ForeignKey("ads_authorizations.code"), nullable=True),
    sa.Column("status", sa.Text, nullable=False),
    sa.Index("ix_ads_ads_ad_group", "ad_group"),
    sa.Index("ix_ads_ads_authorization", "authorization"),
)
