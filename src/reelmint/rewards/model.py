"""Creator rewards: periods, enrollments, statements and the errors of the program. Pure.

A creator enrolls once eligible (see `eligibility`), earns on qualified views of their
original videos over 60 s posted after joining, and is paid per period (a month by
default) under one of three distribution modes (see `modes`). A period's statement per
creator says what was earned, clawed back for views found invalid after an earlier close,
repaid of what the creator owed, moved to their payable account, and carried over below
the payout minimum.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

DAY_MS = 86_400_000
_EPOCH = date(1970, 1, 1)


class RewardsError(Exception):
    """A rewards command that cannot be carried out; nothing was changed."""


class NotFound(RewardsError):
    pass


class NotEligible(RewardsError):
    """The creator does not meet the program's rules; `reasons` says which."""

    def __init__(self, creator: int, reasons: list[str]) -> None:
        self.creator = creator
        self.reasons = reasons
        super().__init__(f"creator {creator} is not eligible: {'; '.join(reasons)}")


class PeriodNotOver(RewardsError):
    """A period is closed only after its last moment."""


class Conflict(RewardsError):
    """The request contradicts what is recorded (a period closed under another mode)."""


class Mode(enum.StrEnum):
    """How a period's money is shared (see `reelmint.rewards.modes`)."""

    RPM = "rpm"
    POOL = "pool"
    USER_CENTRIC = "user-centric"

    @classmethod
    def parse(cls, text: str) -> Mode:
        try:
            return cls(text.strip().lower().replace("_", "-"))
        except ValueError:
            names = ", ".join(m.value for m in cls)
            raise RewardsError(f"unknown rewards mode {text!r}: use one of {names}") from None


class Cadence(enum.StrEnum):
    MONTH = "month"
    WEEK = "week"


_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")


@dataclass(frozen=True, slots=True)
class Period:
    """A span of days [first, last] (UTC) with its label: `2026-11` (a month), `2026-W45`
    (an ISO week) or `2026-11-01..2026-11-07` (any run of days, as the simulator closes)."""

    label: str
    first: date
    last: date

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise RewardsError(f"period {self.label}: its last day is before its first")

    @property
    def start_ms(self) -> int:
        return (self.first - _EPOCH).days * DAY_MS

    @property
    def end_ms(self) -> int:
        """The first moment after the period."""
        return ((self.last - _EPOCH).days + 1) * DAY_MS

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def overlaps(self, other: Period) -> bool:
        return self.first <= other.last and other.first <= self.last

    @classmethod
    def parse(cls, text: str) -> Period:
        """`2026-11`, `2026-W45` or `2026-11-01..2026-11-07`."""
        text = text.strip()
        try:
            if m := _MONTH.match(text):
                return month(int(m[1]), int(m[2]))
            if m := _WEEK.match(text):
                first = date.fromisocalendar(int(m[1]), int(m[2]), 1)
                return cls(text, first, first + timedelta(days=6))
            if m := _RANGE.match(text):
                return days(date.fromisoformat(m[1]), date.fromisoformat(m[2]))
        except ValueError as e:
            raise RewardsError(f"period {text!r}: {e}") from None
        raise RewardsError(f"period {text!r}: use YYYY-MM (a month), YYYY-Www (an ISO week) "
                           "or YYYY-MM-DD..YYYY-MM-DD (days)")  # fmt: skip

    @classmethod
    def containing(cls, cadence: Cadence, day: date) -> Period:
        if cadence is Cadence.MONTH:
            return month(day.year, day.month)
        year, week, _ = day.isocalendar()
        return cls.parse(f"{year}-W{week:02d}")


def month(year: int, number: int) -> Period:
    first = date(year, number, 1)
    following = date(year + number // 12, number % 12 + 1, 1)
    return Period(f"{year}-{number:02d}", first, following - timedelta(days=1))


def days(first: date, last: date) -> Period:
    """A run of days, labelled as a month when it is exactly one."""
    whole = month(first.year, first.month)
    if (first, last) == (whole.first, whole.last):
        return whole
    return Period(f"{first.isoformat()}..{last.isoformat()}", first, last)


def day_of(moment_ms: int) -> date:
    return _EPOCH + timedelta(days=moment_ms // DAY_MS)


def ms(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise RewardsError("times must be timezone-aware (use UTC)")
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)


class EnrollmentStatus(enum.StrEnum):
    ACTIVE = "active"
    LEFT = "left"


@dataclass(frozen=True, slots=True)
class Enrollment:
    creator: int
    joined_ms: int
    status: EnrollmentStatus = EnrollmentStatus.ACTIVE
    left_ms: int | None = None

    def active_through(self, period: Period) -> bool:
        """Enrolled before the period ended and not gone before it did."""
        if self.joined_ms >= period.end_ms:
            return False
        return self.left_ms is None or self.left_ms >= period.end_ms


@dataclass(frozen=True, slots=True)
class Statement:
    """One creator's account of one period (USD micros; views are payable qualified views).

    The arithmetic, in order: `carried_in + earned - clawback` is what the creator has,
    less what goes to repay `owed_in` (`repaid`); what is left is `paid` to the payable
    account when it reaches the minimum, else `carried_out`. A clawback larger than what
    the creator has is recorded as owed (`owed_out`), never as a negative balance.
    """

    period: str
    creator: int
    eligible: bool
    reasons: tuple[str, ...]
    views: int
    videos: int
    earned: int
    clawback: int
    carried_in: int
    owed_in: int
    repaid: int
    paid: int
    carried_out: int
    owed_out: int


@dataclass(frozen=True, slots=True)
class VideoLine:
    """What one video earned in one period, and what later corrections took back."""

    period: str
    video: int
    creator: int
    views: int
    micros: int
    views_lost: int = 0
    micros_clawed: int = 0


@dataclass(frozen=True, slots=True)
class Correction:
    """Views of `source` (a period closed earlier) found invalid, clawed back in `period`."""

    period: str
    source: str
    video: int
    creator: int
    views_lost: int
    micros: int


class PeriodStatus(enum.StrEnum):
    POSTING = "posting"  # statements recorded, books being posted (a retry finishes it)
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class PeriodClose:
    """A period's close: the rule it ran under and its totals."""

    label: str
    first: date
    last: date
    mode: Mode
    rate_micros: int  # RPM per 1,000 payable views (rpm mode), else 0
    pool_micros: int  # the pool (pool and user-centric modes), else 0
    distributed: int  # sum of what creators earned: RPM's total or the pool
    views: int
    viewers: int
    creators: int  # creators who earned above zero
    clawed: int  # clawbacks applied in this close
    status: PeriodStatus
    closed_ms: int

    @property
    def period(self) -> Period:
        return Period(self.label, self.first, self.last)
