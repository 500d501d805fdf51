"""Creator rewards' request and response bodies, apart from the domain and split by
direction: `XCreate` comes in, `XOut` goes out, lists are wrapped as `{data, count}`.

Money is integer USD micros (`*_micros`) with no float anywhere: a statement that earned
$75 answers `"earned_micros": 75000000`. Views are whole numbers. Times go out as RFC
3339 UTC and a period's days as dates; the domain keeps milliseconds.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from reelmint.http.auth import MAX_NUMERIC_ID
from reelmint.http.schemas import Strict
from reelmint.rewards.eligibility import CreatorFacts
from reelmint.rewards.model import Enrollment, PeriodClose, Statement, VideoLine

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
Id = Annotated[int, Field(ge=0, le=MAX_NUMERIC_ID)]
ModeName = Literal["rpm", "pool", "user-centric"]
MAX_POOL_MICROS = 10**15  # $1 billion a period: far past any real pool, inside 64 bits


def moment(at_ms: int) -> datetime:
    return EPOCH + timedelta(milliseconds=at_ms)


# Enrollment and eligibility


class EnrollmentCreate(Strict):
    model_config = ConfigDict(strict=True, extra="forbid",
                              json_schema_extra={"examples": [{"creator": 7}]})  # fmt: skip
    creator: Id = Field(description="a creator key enrolls only itself; an admin anyone")


class FactsOut(BaseModel):
    """What the rules asked about, at the moment of asking."""

    creator: int
    age: int | None = Field(description="null: no date of birth on record")
    standing: Literal["good", "restricted", "banned"] | None
    followers: int
    views_30d: int = Field(description="plays in the 30 days before")


class EnrollmentOut(BaseModel):
    creator: int
    status: Literal["active", "left"]
    joined_at: datetime = Field(description="videos posted from then on earn")
    left_at: datetime | None


class EnrolledOut(BaseModel):
    enrollment: EnrollmentOut
    facts: FactsOut


class EligibilityOut(BaseModel):
    creator: int
    eligible: bool
    reasons: list[str] = Field(description="why not; empty when eligible")
    facts: FactsOut


# Statements


class StatementOut(BaseModel):
    """One creator's period: `carried_in + earned - clawback`, less `repaid` toward what
    was owed, is `paid` when it reaches the minimum, else `carried_out`."""

    period: str
    creator: int
    eligible: bool
    reasons: list[str]
    views: int = Field(description="payable qualified views")
    videos: int = Field(description="videos that earned")
    earned_micros: int
    clawback_micros: int = Field(description="for views of earlier periods found invalid")
    carried_in_micros: int
    owed_in_micros: int
    repaid_micros: int
    paid_micros: int = Field(description="moved to `creator:<id>:payable`")
    carried_out_micros: int = Field(description="below the payout minimum: kept for later")
    owed_out_micros: int = Field(description="a clawback larger than the balance")


class StatementList(BaseModel):
    creator: int
    data: list[StatementOut]
    count: int


class VideoLineOut(BaseModel):
    video: int
    views: int
    earned_micros: int
    views_lost: int = Field(description="found invalid after the close")
    clawed_micros: int = Field(description="taken back in later closes for those views")


class StatementDetailOut(StatementOut):
    lines: list[VideoLineOut] = Field(description="what each video earned")


# Periods


class PeriodCloseCreate(Strict):
    model_config = ConfigDict(strict=True, extra="forbid", json_schema_extra={
        "examples": [{"mode": "rpm"}, {"mode": "pool", "pool_micros": 1_000_000_000}]})  # fmt: skip
    mode: ModeName | None = Field(None, description="default: the settings' mode")
    pool_micros: Annotated[int, Field(ge=0, le=MAX_POOL_MICROS)] | None = Field(
        None, description="the pool (pool and user-centric modes); default: the settings'"
    )  # fmt: skip


class PeriodCloseOut(BaseModel):
    period: str
    first: date
    last: date
    mode: ModeName
    rate_micros: int = Field(description="per 1,000 payable views (rpm), else 0")
    pool_micros: int = Field(description="the pool (pool, user-centric), else 0")
    distributed_micros: int
    views: int = Field(description="payable qualified views")
    viewers: int = Field(description="viewers who held a share (user-centric); else 0")
    creators: int = Field(description="creators who earned above zero")
    clawed_micros: int = Field(description="clawbacks applied in this close")
    status: Literal["posting", "closed"] = Field(description="posting: closing again "
                                                 "finishes the books")  # fmt: skip
    closed_at: datetime


# The comparison (Comparison.to_dict, documented)


class ModeSummaryOut(BaseModel):
    distributed_micros: int
    views: int
    effective_rpm_micros: int
    creators_paid: int
    gini: float = Field(description="0: all paid alike; near 1: one takes all")
    top_10pct_share: float
    median_micros: int


class MoverOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    creator: int
    views: int
    rpm_micros: int
    pool_micros: int
    user_centric_micros: int = Field(alias="user-centric_micros")
    change_micros: int = Field(description="this mode's payout less RPM's")


class MoversOut(BaseModel):
    gain: list[MoverOut]
    lose: list[MoverOut]


class GrowthOut(BaseModel):
    views_factor: float
    views: int
    pool_rpm_micros: int = Field(description="what a view would pay from the fixed pool")
    rpm_micros: int = Field(description="RPM's rate, which does not move")


class ComparisonOut(BaseModel):
    period: str
    modes: dict[ModeName, ModeSummaryOut]
    movers: dict[Literal["pool", "user-centric"], MoversOut] = Field(
        description="who gains and loses most going from RPM to each pool mode"
    )
    pool_rate_by_growth: list[GrowthOut]
    creators: int


# The domain to responses


def facts_out(f: CreatorFacts) -> FactsOut:
    return FactsOut(creator=f.creator, age=f.age,
                    standing=None if f.standing is None else f.standing.value,
                    followers=f.followers, views_30d=f.views_30d)  # fmt: skip


def enrollment_out(e: Enrollment) -> EnrollmentOut:
    return EnrollmentOut(creator=e.creator, status=e.status.value, joined_at=moment(e.joined_ms),
                         left_at=None if e.left_ms is None else moment(e.left_ms))  # fmt: skip


def _statement_fields(s: Statement) -> dict[str, Any]:
    return {"period": s.period, "creator": s.creator, "eligible": s.eligible,
            "reasons": list(s.reasons), "views": s.views, "videos": s.videos,
            "earned_micros": s.earned, "clawback_micros": s.clawback,
            "carried_in_micros": s.carried_in, "owed_in_micros": s.owed_in,
            "repaid_micros": s.repaid, "paid_micros": s.paid,
            "carried_out_micros": s.carried_out, "owed_out_micros": s.owed_out}  # fmt: skip


def statement_out(s: Statement) -> StatementOut:
    return StatementOut(**_statement_fields(s))


def line_out(x: VideoLine) -> VideoLineOut:
    return VideoLineOut(video=x.video, views=x.views, earned_micros=x.micros,
                        views_lost=x.views_lost, clawed_micros=x.micros_clawed)  # fmt: skip


def statement_detail_out(s: Statement, lines: list[VideoLine]) -> StatementDetailOut:
    return StatementDetailOut(**_statement_fields(s), lines=[line_out(x) for x in lines])


def close_out(c: PeriodClose) -> PeriodCloseOut:
    return PeriodCloseOut(
        period=c.label, first=c.first, last=c.last, mode=c.mode.value,
        rate_micros=c.rate_micros, pool_micros=c.pool_micros, distributed_micros=c.distributed,
        views=c.views, viewers=c.viewers, creators=c.creators, clawed_micros=c.clawed,
        status=c.status.value, closed_at=moment(c.closed_ms),
    )  # fmt: skip
