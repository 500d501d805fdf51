"""Advertiser reports: delivery, engagement and spend per campaign, ad group or ad, by
DuckDB over the event lake.

The ads engine writes the facts (DESIGN.md section 4); a report only reads them. Each ad
event's `object` is the ad; `ads` (an Arrow table: ad, ad_group, campaign, advertiser)
places it in its campaign, and is joined in DuckDB. Events of ads not in `ads` are left
out. Invalid events count nowhere, so billing and reports agree once integrity has
flagged them.

Spend is what was charged: the charge of each ad impression (CPM, oCPM), click (CPC)
and 6-second view (CPV), summed. Conversions carry their value, not spend, and a
quartile event carries the quartile reached (1..4), one event per quartile, so `q50`
counts the views that reached half the video (views, not distinct viewers).

Money ratios are integer micros rounded half up, NULL where the denominator is 0;
rates are doubles, NULL likewise. Worked example: 3 impressions charged 1,000 micros in
all give a CPM of 1,000 * 1,000 / 3 = 333,333.3 -> 333,333 micros ($0.33); 2 clicks
give a CTR of 2 / 3 = 0.667 and, with a spend of 1,001 micros, a CPC of 500.5 -> 501.

Periods are UTC hours or days, the events' own timestamps (a conversion falls in the
period it happened, not that of the click before it). The window is [start_ms, end_ms);
only the files of the ad kinds and the days it touches are read.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from reelmint.events.lake import DAY_MS, Lake
from reelmint.events.model import Kind
from reelmint.events.schema import schema_for, source_columns
from reelmint.events.stats import _day, _files, _reading

Grain = Literal["campaign", "ad_group", "ad"]
Period = Literal["hour", "day"]
Source = Lake | Path
HOUR_MS = 3_600_000
PERIOD_MS: dict[str, int] = {"hour": HOUR_MS, "day": DAY_MS}
GRAIN_KEYS: dict[str, tuple[str, ...]] = {
    "campaign": ("campaign",), "ad_group": ("campaign", "ad_group"),
    "ad": ("campaign", "ad_group", "ad"),
}  # fmt: skip
ADS_COLUMNS = ("ad", "ad_group", "campaign", "advertiser")
AD_KINDS = (Kind.AD_IMPRESSION, Kind.AD_CLICK, Kind.AD_VIEW_2S, Kind.AD_VIEW_6S,
            Kind.AD_QUARTILE, Kind.CONVERSION)  # fmt: skip
CHARGED = (Kind.AD_IMPRESSION, Kind.AD_CLICK, Kind.AD_VIEW_6S)
METRICS = ("impressions", "reach", "frequency", "clicks", "ctr", "views_2s", "views_6s",
           "q25", "q50", "q75", "q100", "conversions", "conversion_value_micros",
           "spend_micros", "cpm_micros", "cpc_micros", "cpv_micros",
           "cpa_micros")  # fmt: skip


def ad_report(
    source: Source, ads: pa.Table, *, grain: Grain = "ad_group", period: Period = "day",
    start_ms: int | None = None, end_ms: int | None = None,
) -> pa.Table:  # fmt: skip
    """One row per (period, grain key) in [start_ms, end_ms), sorted: `period` (UTC
    timestamp, the start of the hour or day), the grain's keys (`campaign`, then
    `ad_group`, then `ad`), `advertiser`, then `METRICS`.

    `reach` is per period: a viewer seen on two days is in each day's reach, so the
    days of a window can sum to more than its `totals` reach.
    """
    if period not in PERIOD_MS:
        raise ValueError(f"unknown period {period!r} (hour or day)")
    table = _report(source, ads, grain, PERIOD_MS[period], start_ms, end_ms)
    ms = table.column("period").cast(pa.int64())
    return table.set_column(0, "period", ms.cast(pa.timestamp("ms", tz="UTC")))


def totals(
    source: Source, ads: pa.Table, *, by: Grain = "campaign", start_ms: int | None = None,
    end_ms: int | None = None,
) -> pa.Table:  # fmt: skip
    """`ad_report` over the whole window, without a period: one row per key of `by`.
    Reach is distinct viewers over the window, not a sum of daily reaches."""
    return _report(source, ads, by, None, start_ms, end_ms)


# -- the query ---------------------------------------------------------------------------


def _report(source: Source, ads: pa.Table, grain: str, bucket_ms: int | None,
            start_ms: int | None, end_ms: int | None) -> pa.Table:  # fmt: skip
    if grain not in GRAIN_KEYS:
        raise ValueError(f"unknown grain {grain!r} (campaign, ad_group or ad)")
    hierarchy = _hierarchy(ads)
    first = None if start_ms is None else _day(start_ms)
    last = None if end_ms is None else _day(end_ms - 1)
    params: dict[str, Any] = {"start": start_ms, "end": end_ms}
    with _reading(source):
        branches = []
        for kind in AD_KINDS:
            files = _files(source, [kind], first, last)
            if files:
                params[kind.label] = files
            branches.append(_branch(kind, bool(files), start_ms, end_ms))
        sql = _report_sql(branches, (*GRAIN_KEYS[grain], "advertiser"), bucket_ms)
        return _run(sql, params, hierarchy)


def _branch(kind: Kind, has_files: bool, start_ms: int | None, end_ms: int | None) -> str:
    """The kind's valid events in the window as (kind, ts, user, object, value); an empty
    relation of those columns when the kind has no files (read_parquet of none fails)."""
    if not has_files:
        return ("SELECT NULL::TINYINT AS kind, NULL::TIMESTAMPTZ AS ts, NULL::BIGINT AS user, "
                "NULL::BIGINT AS object, NULL::BIGINT AS value LIMIT 0")  # fmt: skip
    column = _value_column(kind)
    value = "0" if column is None else f"coalesce({column}, 0)"
    where = ["NOT invalid"]
    if start_ms is not None:
        where.append("ts >= make_timestamptz($start::BIGINT * 1000)")
    if end_ms is not None:
        where.append("ts < make_timestamptz($end::BIGINT * 1000)")
    return (f"SELECT {int(kind)}::TINYINT AS kind, ts, user, object, {value}::BIGINT AS value "
            f"FROM read_parquet(${kind.label}, union_by_name = true) "
            f"WHERE {' AND '.join(where)}")  # fmt: skip


def _value_column(kind: Kind) -> str | None:
    """The file column the batch's `amount` becomes for `kind` (`quartile`,
    `amount_micros`, ...), or None where the kind's files do not store it."""
    names = dict(zip(source_columns(kind), schema_for(kind).names, strict=True))
    return names.get("amount")


def _counts() -> list[str]:
    k = {kind: int(kind) for kind in AD_KINDS}
    charged = ", ".join(str(int(c)) for c in CHARGED)
    q = int(Kind.AD_QUARTILE)
    return [
        f"count(*) FILTER (WHERE kind = {k[Kind.AD_IMPRESSION]}) AS impressions",
        f"count(DISTINCT user) FILTER (WHERE kind = {k[Kind.AD_IMPRESSION]}) AS reach",
        f"count(*) FILTER (WHERE kind = {k[Kind.AD_CLICK]}) AS clicks",
        f"count(*) FILTER (WHERE kind = {k[Kind.AD_VIEW_2S]}) AS views_2s",
        f"count(*) FILTER (WHERE kind = {k[Kind.AD_VIEW_6S]}) AS views_6s",
        *(f"count(*) FILTER (WHERE kind = {q} AND value = {i}) AS q{25 * i}"
          for i in range(1, 5)),
        f"count(*) FILTER (WHERE kind = {k[Kind.CONVERSION]}) AS conversions",
        f"coalesce(sum(value) FILTER (WHERE kind = {k[Kind.CONVERSION]}), 0)::BIGINT "
        f"AS conversion_value_micros",
        f"coalesce(sum(value) FILTER (WHERE kind IN ({charged})), 0)::BIGINT AS spend_micros",
    ]  # fmt: skip


def _per(numerator: str, denominator: str, scale: int = 1) -> str:
    """numerator * scale / denominator in integers, rounded half up (both are >= 0):
    floor((2 * n * scale + d) / (2 * d)), in HUGEINT so that no product overflows."""
    n = f"{numerator}::HUGEINT * {2 * scale}"
    return (f"CASE WHEN {denominator} > 0 THEN "
            f"(({n} + {denominator}) // ({denominator}::HUGEINT * 2))::BIGINT END")  # fmt: skip


def _rate(numerator: str, denominator: str) -> str:
    return f"CASE WHEN {denominator} > 0 THEN {numerator}::DOUBLE / {denominator} END"


def _report_sql(branches: list[str], keys: tuple[str, ...], bucket_ms: int | None) -> str:
    group = ", ".join(keys if bucket_ms is None else ("period", *keys))
    period = "" if bucket_ms is None else (
        f"(epoch_ms(e.ts) // {bucket_ms}) * {bucket_ms} AS period, ")  # fmt: skip
    hierarchy = ", ".join(f"a.{k}" for k in keys)
    ratios = {
        "frequency": _rate("impressions", "reach"), "ctr": _rate("clicks", "impressions"),
        "cpm_micros": _per("spend_micros", "impressions", 1_000),
        "cpc_micros": _per("spend_micros", "clicks"),
        "cpv_micros": _per("spend_micros", "views_6s"),
        "cpa_micros": _per("spend_micros", "conversions"),
    }  # fmt: skip
    metrics = ", ".join(ratios.get(m, m) + f" AS {m}" for m in METRICS)
    return f"""
        WITH e AS ({" UNION ALL ".join(f"({b})" for b in branches)}),
        j AS (SELECT {period}{hierarchy}, e.kind, e.user, e.value
              FROM e JOIN ads AS a ON e.object = a.ad),
        g AS (SELECT {group}, {", ".join(_counts())} FROM j GROUP BY {group})
        SELECT {group}, {metrics} FROM g ORDER BY {group}
    """


# -- plumbing ---------------------------------------------------------------------------------


def _hierarchy(ads: pa.Table) -> pa.Table:
    """`ads` with the columns the join needs, typed; refuses a table missing one, or one
    that lists an ad twice (its events would count twice)."""
    missing = [c for c in ADS_COLUMNS if c not in ads.column_names]
    if missing:
        raise ValueError(f"the ads table lacks columns {missing}")
    types = {"ad": pa.int64(), "ad_group": pa.int64(), "campaign": pa.int64(),
             "advertiser": pa.string()}  # fmt: skip
    table = pa.table({c: ads.column(c).cast(t) for c, t in types.items()})
    if pc.count_distinct(table.column("ad")).as_py() != table.num_rows:
        raise ValueError("the ads table lists an ad more than once")
    return table


def _run(sql: str, params: dict[str, Any], ads: pa.Table) -> pa.Table:
    """`sql` with `ads` registered as a view, and those of `params` it names."""
    named = set(re.findall(r"\$(\w+)", sql))  # DuckDB refuses unused parameters
    used = {k: v for k, v in params.items() if k in named}
    with duckdb.connect() as con:
        con.execute("SET preserve_insertion_order = false")  # results are sorted explicitly
        con.execute("SET enable_progress_bar = false")
        con.register("ads", ads)
        result = con.execute(sql, used)
        to_table = getattr(result, "to_arrow_table", None) or result.fetch_arrow_table
        table: pa.Table = to_table()
        return table
