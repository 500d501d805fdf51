"""One typed settings object for the whole of reelmint.

Values come, in rising priority, from the defaults below, an optional TOML file
(`$REELMINT_CONFIG`, else `reelmint.toml` in the working directory, else
`$REELMINT_HOME/reelmint.toml`), and environment variables with the prefix `REELMINT_`.
Nested values use a double underscore: `REELMINT_ECONOMICS__GIFTS__CREATOR_SHARE=0.6`.

The economics defaults are those of DESIGN.md section 5. Money is in minor units (USD in
micros) and shares are exact fractions, so nothing here is a float.

Settings are built once, at the edge (CLI, API, simulator), and handed down: domain code
never reads them from the environment itself.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from fractions import Fraction
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    SecretStr,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from reelmint.rewards_settings import RewardsSettings
from reelmint.sim_settings import SimSettings

USD = 1_000_000  # micros per dollar, to keep the defaults below readable


def _to_fraction(value: Any) -> Fraction:
    if isinstance(value, bool | float):
        raise ValueError("write ratios as text ('0.5', '50%' or '1/2') so they stay exact")
    if isinstance(value, Fraction | int):
        return Fraction(value)
    if isinstance(value, str):
        from reelmint.money import parse_decimal_ratio

        return parse_decimal_ratio(value)
    raise ValueError(f"not a ratio: {value!r}")


Ratio = Annotated[
    Fraction,
    BeforeValidator(_to_fraction),
    PlainSerializer(lambda f: str(f), return_type=str),
]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


class CoinSettings(_Section):
    face_value_micros: int = Field(10_000, gt=0, description="value of one coin ($0.01)")
    web_price_micros: int = Field(10_600, gt=0, description="retail price per coin on the web")
    in_app_price_micros: int = Field(15_100, gt=0, description="retail price per coin in-app")
    app_store_fee: Ratio = Field(Fraction(30, 100), description="app-store cut of in-app sales")


class GiftSettings(_Section):
    creator_share: Ratio = Field(Fraction(1, 2), description="share of face value as diamonds")
    catalog: dict[str, int] = Field(
        default_factory=lambda: {
            "Rose": 1,
            "Finger heart": 5,
            "Rosa": 10,
            "Sun cream": 50,
            "Rainbow puke": 100,
            "Concert": 500,
            "Gold mine": 1_000,
            "Interstellar": 10_000,
            "Lion": 29_999,
            "Universe": 44_999,
        },
        description="gift name to price in coins",
    )
    min_age: int = 18
    daily_spend_limit_coins: int | None = Field(None, gt=0, description="off by default")
    chargeback_policy: Literal["platform_absorbs", "claw_back_diamonds"] = Field(
        "platform_absorbs",
        description="who bears coins spent before their purchase was refunded or charged "
        "back: the platform, or the creators whose unpaid diamonds came from them",
    )


class CashoutSettings(_Section):
    diamond_value_micros: int = Field(5_000, gt=0, description="USD per diamond ($0.005)")
    daily_cap_micros: int = 1_000 * USD
    minimum_micros: int = 1 * USD
    hold_days: int = Field(15, ge=0, description="days before a cash-out is payable")


class AdsSettings(_Section):
    campaign_min_daily_micros: int = 50 * USD
    ad_group_min_daily_micros: int = 20 * USD
    lifetime_min_per_day_micros: int = 20 * USD
    paid_view_min_ms: int = 6_000
    reach_frequency_cap: tuple[int, int] = (7, 7)
    auction: str = Field("gsp", pattern="^(gsp|first_price|vcg)$", description="auction rule")
    reserve_cpm_micros: int = Field(
        500_000, ge=0, description="reserve price per 1,000 impressions ($0.50)"
    )
    auto_bid_micros: dict[str, int] = Field(
        default_factory=lambda: {
            "cpm": 8_000_000,
            "cpc": 400_000,
            "cpv": 40_000,
            "ocpm": 15_000_000,
        },
        description="what maximum delivery bids per billable event (CPM: per 1,000)",
    )
    shortlist: int = Field(16, ge=2, le=4096, description="candidates checked per slot in the "
                           "first chunk; each next chunk is 4 times wider")  # fmt: skip
    token_ttl_s: int = Field(86_400, ge=60, description="how long a served ad's events count")
    refresh_s: int = Field(5, ge=0, description="how often the ad server reloads the Manager")


class AffiliateSettings(_Section):
    commission_min: Ratio = Fraction(1, 100)
    commission_max: Ratio = Fraction(80, 100)
    referral_fee: Ratio = Fraction(8, 100)
    attribution_days: int = 7


class DealsSettings(_Section):
    marketplace_fee: Ratio = Fraction(10, 100)


class EngagementSettings(_Section):
    """Per-play rates from KuaiRand-Pure per-video medians (DESIGN.md section 5)."""

    like: Ratio = Fraction(2, 100)
    comment: Ratio = Fraction(7, 10_000)
    share: Ratio = Fraction(2, 10_000)
    follow: Ratio = Fraction(14, 10_000)
    completion: Ratio = Fraction(19, 100)


class Economics(_Section):
    coins: CoinSettings = CoinSettings()
    gifts: GiftSettings = GiftSettings()
    cashout: CashoutSettings = CashoutSettings()
    rewards: RewardsSettings = RewardsSettings()
    ads: AdsSettings = AdsSettings()
    affiliate: AffiliateSettings = AffiliateSettings()
    deals: DealsSettings = DealsSettings()
    engagement: EngagementSettings = EngagementSettings()


class EventSettings(_Section):
    """The event lake and its ingest."""

    lake_dir: Path | None = Field(None, description="where the lake lives (default: home/lake)")
    tolerance_ms: int = Field(
        300_000, ge=0, description="how far behind the newest event (or ahead of now) an "
        "event may be before it is refused as out of order",
    )  # fmt: skip
    flush_rows: int = Field(1_000_000, ge=1, description="buffered events per Parquet write")


class RankerWeights(_Section):
    """The w_a of score = sum_a w_a * P(a | user, video) + w_t * E[watch seconds].

    Each default is the reciprocal of the action's prior rate per impression (below), so
    a video that performs exactly at the priors scores 1 per term: every signal has an
    equal say on average, as in X's published ranker. Negative feedback weighs in with
    the same magnitude and the opposite sign. Ranking scores are not money, so these are
    plain floats.
    """

    like: float = 50.0
    comment: float = 1_400.0
    share: float = 5_000.0
    follow: float = 700.0
    watch_s: float = 0.1
    not_interested: float = -200.0
    report: float = -2_000.0


class RankerPriors(_Section):
    """Prior rates per impression: what a video with no history is assumed to do.

    Likes, comments, shares and follows are DESIGN.md section 5's per-play medians
    (every For You impression autoplays); 10 s is the prior watch per impression.
    """

    like: float = 0.02
    comment: float = 0.0007
    share: float = 0.0002
    follow: float = 0.0014
    watch_s: float = 10.0
    not_interested: float = 0.005
    report: float = 0.0005


class FeedSettings(_Section):
    """The For You ranker: scoring, traffic pools, candidates, diversity and ad slots."""

    weights: RankerWeights = RankerWeights()
    priors: RankerPriors = RankerPriors()
    prior_impressions: int = Field(
        200, ge=1, description="pseudo-impressions of the peers' rates each video starts with"
    )
    retention_gate: float = Field(
        1.0, ge=0, description="liked actions count in proportion to min(1, watch time over "
        "the peers') to this power: likes without watching are discounted (0: off)",
    )  # fmt: skip
    topics: int = Field(32, ge=1, le=4096, description="topic ids are 0 .. topics-1")
    pool_sizes: tuple[int, ...] = Field(
        (300, 3_000, 30_000, 300_000, 3_000_000),
        description="cumulative impressions at which a video leaves each pool; past the "
        "last one its distribution is open",
    )
    promote_share: Ratio = Field(
        Fraction(30, 100), description="share of a pool's peers that a video must beat to move up"
    )
    min_peers: int = Field(
        20, ge=1, description="peers needed before a pool judges by them (else by the priors)"
    )
    peer_memory: int = Field(2_000, ge=10, description="exits remembered per pool")
    affinity_pseudo_count: float = Field(
        20.0, gt=0, description="weight of declared interests against learned engagement"
    )
    affinity_bounds: tuple[float, float] = (0.2, 5.0)
    followed: int = Field(8, ge=0, description="candidates per request from followed creators")
    interest: int = Field(24, ge=0, description="candidates from the user's topics")
    trending: int = Field(12, ge=0, description="candidates from each pool's leaders")
    explore: int = Field(8, ge=0, description="quota of fresh videos in their seed pool")
    topic_list: int = Field(500, ge=1, description="videos kept per topic for candidates")
    trending_list: int = Field(200, ge=1, description="leaders kept per pool")
    author_decay: float = Field(0.5, gt=0, le=1, description="score factor per repeat of an author")
    topic_decay: float = Field(0.85, gt=0, le=1, description="score factor per repeat of a topic")
    ad_every: int = Field(0, ge=0, description="every k-th position is an ad slot (0: none)")
    seen_bits: int = Field(24, ge=10, le=32, description="log2 size of the seen-video filter")

    @model_validator(mode="after")
    def _check(self) -> FeedSettings:
        sizes = self.pool_sizes
        if not sizes or any(b <= a for a, b in pairwise(sizes)) or sizes[0] < 1:
            raise ValueError("pool_sizes must be positive and rising, e.g. [300, 3000, 30000]")
        if not 0 < self.promote_share < 1:
            raise ValueError("promote_share must be between 0 and 1, e.g. '30%'")
        low, high = self.affinity_bounds
        if not 0 < low <= 1 <= high:
            raise ValueError("affinity_bounds must be (low, high) with 0 < low <= 1 <= high")
        return self


class ApiSettings(_Section):
    """`reelmint serve`: where it listens and how it treats each key."""

    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    workers: int = Field(1, ge=1, le=64, description="Uvicorn worker processes")
    rate_limit_per_s: int = Field(
        100, ge=0, description="requests per second per key, on average (0: no limit)"
    )
    rate_limit_burst: int = Field(200, ge=1, description="requests per key at once")
    idempotency_ttl_s: int = Field(86_400, ge=60, description="how long responses are kept")
    key_cache_s: int = Field(5, ge=0, description="how long a checked key is trusted")
    log_level: str = Field("info", pattern="^(debug|info|warning|error)$")


DEVELOPMENT_SECRET = "reelmint-development-secret-not-for-production"


def default_home() -> Path:
    """The data directory: `$REELMINT_HOME` if set, else `./.reelmint/`."""
    return Path(os.environ.get("REELMINT_HOME") or ".reelmint")


class Settings(BaseSettings):
    """Everything reelmint can be told. See the module docstring for where values come from."""

    model_config = SettingsConfigDict(
        env_prefix="REELMINT_",
        env_nested_delimiter="__",
        extra="forbid",
        frozen=True,
    )

    environment: str = Field("development", pattern="^(development|test|production)$")
    home: Path = Field(default_factory=default_home)
    database_url: str = Field("", description="SQLAlchemy URL; empty means SQLite in `home`")
    sqlite_synchronous: str = Field("NORMAL", pattern="^(OFF|NORMAL|FULL)$")
    db_pool_size: int = Field(
        16, ge=1, le=200,
        description="database connections kept open per process; the API serves this many "
        "requests at once per worker, so connections are reused rather than reopened",
    )  # fmt: skip
    secret_key: SecretStr = Field(
        SecretStr(DEVELOPMENT_SECRET),
        description="signs ad tracking tokens and payment notifications; each use derives "
        "its own key from it. Must be set (32+ characters) in production",
    )
    balance_shards: int = Field(
        8, ge=1, le=64, description="balance rows per unconstrained account (hot-account relief)"
    )
    economics: Economics = Economics()
    events: EventSettings = EventSettings()
    feed: FeedSettings = FeedSettings()
    sim: SimSettings = SimSettings()
    api: ApiSettings = ApiSettings()

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        secret = self.secret_key.get_secret_value()
        if self.environment == "production" and (secret == DEVELOPMENT_SECRET or len(secret) < 32):
            raise ValueError("set REELMINT_SECRET_KEY to a random value of 32+ characters: the "
                             "development secret is public")  # fmt: skip
        return self

    def derived_key(self, purpose: str) -> bytes:
        """A key for one purpose (`ads.tokens`, `gifts.webhooks`), so no two uses share one."""
        secret = self.secret_key.get_secret_value().encode()
        return hmac.new(secret, purpose.encode(), hashlib.sha256).digest()

    @model_validator(mode="after")
    def _fill_database_url(self) -> Settings:
        if not self.database_url:
            object.__setattr__(self, "database_url", f"sqlite:///{self.home / 'reelmint.db'}")
        return self

    @property
    def lake_dir(self) -> Path:
        return self.events.lake_dir or self.home / "lake"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        toml = config_file()
        if toml is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=toml))
        return tuple(sources)


def config_file() -> Path | None:
    """The TOML file to read, if any (see the module docstring for the search order)."""
    explicit = os.environ.get("REELMINT_CONFIG")
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise FileNotFoundError(f"REELMINT_CONFIG names {path}, which is not a file")
        return path
    for candidate in (Path("reelmint.toml"), default_home() / "reelmint.toml"):
        if candidate.is_file():
            return candidate
    return None


def load_settings(**overrides: Any) -> Settings:
    """Build and validate the settings once, at an entry point."""
    return Settings(**overrides)
