"""The Ads Manager: advertisers, campaigns, ad groups, ads and creators' authorizations.

Revision ID: 0005_ads
Revises: 0004_videos
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_ads"
down_revision = "0004_videos"
branch_labels = None
depends_on = None

ID_TYPE = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "ads_advertisers",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("industry", sa.Text, nullable=False),
    )
    op.create_table(
        "ads_campaigns",
        sa.Column("id", ID_TYPE, primary_key=True, autoincrement=True),
        sa.Column("advertiser", sa.Text, sa.ForeignKey("ads_advertisers.id"), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("objective", sa.Text, nullable=False),
        sa.Column("budget_mode", sa.Text, nullable=False),
        sa.Column("budget_micros", sa.BigInteger, nullable=True),
        sa.Column("status", sa.Text, nullable=False),
    )
    op.create_index("ix_ads_campaigns_advertiser", "ads_campaigns", ["advertiser"])
    op.create_table(
        "ads_ad_groups",
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
    )
    op.create_index("ix_ads_ad_groups_campaign", "ads_ad_groups", ["campaign"])
    op.create_table(
        "ads_authorizations",
        sa.Column("code", sa.Text, primary_key=True),
        sa.Column("creator", sa.BigInteger, nullable=False),
        sa.Column("video", sa.BigInteger, nullable=False),
        sa.Column("expires_at_ms", sa.BigInteger, nullable=False),
        sa.Column("revoked", sa.Boolean, nullable=False),
    )
    op.create_index("ix_ads_authorizations_creator", "ads_authorizations", ["creator"])
    op.create_table(
        "ads_ads",
        sa.Column("id", ID_TYPE, primary_key=True, autoincrement=True),
        sa.Column("ad_group", ID_TYPE, sa.ForeignKey("ads_ad_groups.id"), nullable=False),
        sa.Column("video", sa.BigInteger, nullable=False),
        sa.Column("landing_url", sa.Text, nullable=False),
        sa.Column("call_to_action", sa.Text, nullable=False),
        sa.Column(
            "authorization", sa.Text, sa.ForeignKey("ads_authorizations.code"), nullable=True
        ),
        sa.Column("status", sa.Text, nullable=False),
    )
    op.create_index("ix_ads_ads_ad_group", "ads_ads", ["ad_group"])
    op.create_index("ix_ads_ads_authorization", "ads_ads", ["authorization"])


def downgrade() -> None:
    op.drop_table("ads_ads")
    op.drop_table("ads_authorizations")
    op.drop_table("ads_ad_groups")
    op.drop_table("ads_campaigns")
    op.drop_table("ads_advertisers")
