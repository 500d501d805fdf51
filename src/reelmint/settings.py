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

import os
from fractions import Fraction
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

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
    daily_spend_limit_coins: int | None = Field(None, description="off by default")


class CashoutSettings(_Section):
    diamond_value_micros: int = Field(5_000, gt=0, description="USD per diamond ($0.005)")
    daily_cap_micros: int = 1_000 * USD
    minimum_micros: int = 1 * USD
    hold_days: int = 15


class RewardsSettings(_Section):
    min_age: int = 18
    min_followers: int = 10_000
    min_views_30d: int = 100_000
    min_video_seconds: int = 60
    rpm_micros: int = Field(500_000, description="$0.50 per 1,000 qualified views")
    earning_threshold_views: int = 1_000
    payout_minimum_micros: int = 50 * USD
    qualified_view_min_ms: int = 5_000


class AdsSettings(_Section):
    campaign_min_daily_micros: int = 50 * USD
    ad_group_min_daily_micros: int = 20 * USD
    lifetime_min_per_day_micros: int = 20 * USD
    paid_view_min_ms: int = 6_000
    reach_frequency_cap: tuple[int, int] = (7, 7)


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
    balance_shards: int = Field(
        8, ge=1, le=64, description="balance rows per unconstrained account (hot-account relief)"
    )
    economics: Economics = Economics()
    api: ApiSettings = ApiSettings()

    @model_validator(mode="after")
    def _fill_database_url(self) -> Settings:
        if not self.database_url:
            object.__setattr__(self, "database_url", f"sqlite:///{self.home / 'reelmint.db'}")
        return self

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
