"""The Ads Manager report's response body (`GET /v1/ads/reports`), apart from the domain.

One `ReportRow` per (period, key) of `reports.ad_report`, or per key for the period
`total`. Counts and money are integers, money in USD micros (`*_micros`: $5.00 is
5_000_000); rates are floats; a ratio whose denominator is 0 is null, never 0 or NaN.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import pyarrow as pa
from pydantic import BaseModel, Field

GrainName = Literal["campaign", "ad_group", "ad"]
PeriodName = Literal["hour", "day", "total"]
Count = Annotated[int, Field(ge=0)]
Rate = Annotated[float, Field(ge=0)] | None
Price = int | None  # money is whatever was charged: no bound is promised
_NULL = "; null where the divisor is 0"
_PRICE = f", USD micros rounded half up{_NULL}"


class ReportRow(BaseModel):
    period_start: datetime | None = Field(
        None, description="the start of the UTC hour or day counted, e.g. "
        "2026-11-01T00:00:00Z; null for the period `total` (the whole window)")  # fmt: skip
    campaign: int
    ad_group: int | None = Field(None, description="null unless the grain is ad_group or ad")
    ad: int | None = Field(None, description="null unless the grain is ad")
    advertiser: str
    impressions: Count
    reach: Count = Field(description="distinct viewers in the period (for `total`, over the "
                         "whole window: days do not add up to it)")  # fmt: skip
    frequency: Rate = Field(description=f"impressions / reach{_NULL}")
    clicks: Count
    ctr: Rate = Field(description=f"clicks / impressions{_NULL}")
    views_2s: Count
    views_6s: Count
    q25: Count = Field(description="views that reached a quarter of the video")
    q50: Count
    q75: Count
    q100: Count = Field(description="views that reached the end")
    conversions: Count
    conversion_value_micros: int = Field(description="the conversions' value, USD micros")
    spend_micros: int = Field(description="USD micros charged for impressions, clicks "
                              "and 6 s views")  # fmt: skip
    cpm_micros: Price = Field(description=f"spend per 1,000 impressions{_PRICE}")
    cpc_micros: Price = Field(description=f"spend per click{_PRICE}")
    cpv_micros: Price = Field(description=f"spend per 6 s view{_PRICE}")
    cpa_micros: Price = Field(description=f"spend per conversion{_PRICE}")


class ReportOut(BaseModel):
    advertiser: str
    grain: GrainName
    period: PeriodName
    data: list[ReportRow]
    count: int


def report_rows(table: pa.Table) -> list[ReportRow]:
    """The report's rows; its `period` column (absent for `total`) is `period_start`."""
    return [ReportRow.model_validate(_renamed(row)) for row in table.to_pylist()]


def report_out(table: pa.Table, advertiser: str, grain: GrainName,
               period: PeriodName) -> ReportOut:  # fmt: skip
    data = report_rows(table)
    return ReportOut(advertiser=advertiser, grain=grain, period=period, data=data,
                     count=len(data))  # fmt: skip


def _renamed(row: dict[str, Any]) -> dict[str, Any]:
    start = row.pop("period", None)
    return {"period_start": start, **row}
