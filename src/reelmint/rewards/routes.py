"""Creator rewards routes: enrollment, statements, and closing periods.

- `POST /v1/rewards/enrollments` `{creator}`: join the program if eligible now. 201 with
  the enrollment and the facts checked when new; 200 when already enrolled (the first
  date is kept, so earlier videos keep earning); 422 `not-eligible` with `reasons`.
- `GET /v1/rewards/eligibility/{creator}`: the facts and reasons now, enrolling nobody.
- `GET` and `DELETE /v1/rewards/enrollments/{creator}`: read it, leave the program.
- `GET /v1/rewards/creators/{creator}/statements[/{period}]`: statements, newest
  periods as the store lists them; one period's with its video lines.
- Admins: `POST /v1/rewards/periods/{period}/close` `{mode?, pool_micros?}`;
  `GET /v1/rewards/periods/{period}`; `GET .../comparison?pool_micros=` (a dry run of
  the three modes on the same views).

**Who.** A creator key (whose party id is a whole number) acts only as itself; an admin
as anyone. Another creator's enrollment or statements is 403.

**Periods** are `2026-11` (a month), `2026-W45` (an ISO week) or
`2026-11-01..2026-11-07` (days); one the schema's pattern lets through but the calendar
does not (`2026-13`) is 422 `rewards-rule`.

**Refusals** (`refusal`, which the app applies to every `RewardsError`): not enrolled,
no statement, a period never closed: 404. Not eligible: 422 with the `reasons`. A period
not over yet: 409 `period-not-over`, because the request is sound and the same one
succeeds once the period has ended (the state, time, is what stands in its way, as a
LIVE that has not ended is 409 for gifts). Closing under another mode than the period
was closed with, or a period overlapping one closed already: 409 `rewards-conflict`.
Anything else the program refuses: 422 `rewards-rule`.

Closing is idempotent by period: closing again answers the first close (200) and pays
nothing twice; a close left half-posted is finished by closing it again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from reelmint.http import problems
from reelmint.http.auth import MAX_NUMERIC_ID, Admin, Caller, acting_as
from reelmint.http.problems import NOT_FOUND, Problem, ProblemType
from reelmint.parties.model import Party, Role
from reelmint.rewards import api_schemas as s
from reelmint.rewards.eligibility import reasons
from reelmint.rewards.model import (
    Conflict,
    EnrollmentStatus,
    Mode,
    NotEligible,
    NotFound,
    Period,
    PeriodNotOver,
    RewardsError,
    ms,
)
from reelmint.rewards.service import RewardsService

router = APIRouter(prefix="/v1/rewards", tags=["rewards"])
MINE = problems.responses(401, 403, 404, 409, 422, 429)

NOT_ELIGIBLE = ProblemType("not-eligible", 422, "The creator does not meet the program's rules")
PERIOD_NOT_OVER = ProblemType("period-not-over", 409, "The period has not ended yet")
REWARDS_CONFLICT = ProblemType(
    "rewards-conflict", 409, "The period was closed otherwise, or overlaps a closed one"
)
REWARDS_RULE = ProblemType("rewards-rule", 422, "The request breaks a creator rewards rule")
TYPES = (NOT_ELIGIBLE, PERIOD_NOT_OVER, REWARDS_CONFLICT, REWARDS_RULE)

# As near the calendar as a pattern gets; what it lets through (2026-02-30, 2026-W53 in a
# year of 52 weeks, a range that ends before it starts) is 422 rewards-rule.
_YEAR, _MONTH, _WEEK = "[1-9][0-9]{3}", "(?:0[1-9]|1[0-2])", "W(?:0[1-9]|[1-4][0-9]|5[0-3])"
_DAY = f"{_YEAR}-{_MONTH}-(?:0[1-9]|[12][0-9]|3[01])"
PERIOD = rf"^(?:{_YEAR}-{_MONTH}|{_YEAR}-{_WEEK}|{_DAY}\.\.{_DAY})$"
CreatorPath = Annotated[int, Path(ge=0, le=MAX_NUMERIC_ID, examples=[7])]
PERIOD_HELP = "2026-11 (a month), 2026-W45 (an ISO week) or 2026-11-01..2026-11-07 (days)"
PeriodPath = Annotated[str, Path(pattern=PERIOD, examples=["2026-11"], description=PERIOD_HELP)]
PoolQuery = Annotated[int | None, Query(ge=0, le=s.MAX_POOL_MICROS, examples=[1_000_000_000],
                                        description="default: the settings' pool")]  # fmt: skip


def refusal(exc: RewardsError) -> Problem:
    """A rewards error as the problem response it answers (see the module docstring)."""
    if isinstance(exc, NotEligible):
        return Problem(NOT_ELIGIBLE, str(exc), creator=exc.creator, reasons=exc.reasons)
    kinds: tuple[tuple[type[RewardsError], ProblemType], ...] = (
        (NotFound, NOT_FOUND),
        (PeriodNotOver, PERIOD_NOT_OVER),
        (Conflict, REWARDS_CONFLICT),
    )
    kind = next((k for cls, k in kinds if isinstance(exc, cls)), REWARDS_RULE)
    return Problem(kind, str(exc))


def rewards(request: Request) -> RewardsService:
    service: RewardsService = request.app.state.platform.rewards
    return service


def now(request: Request) -> datetime:
    """The request's time: the edge reads the clock (tests set it); the domain gets `now`."""
    moment: datetime = request.app.state.clock()
    return moment


def own(party: Party, creator: int) -> int:
    """The creator a request is about, if the caller may act for it (403 otherwise)."""
    return acting_as(party, Role.CREATOR, creator)


def period_of(text: str) -> Period:
    return Period.parse(text)  # a RewardsError: 422 rewards-rule


# Enrollment and eligibility


@router.post("/enrollments", status_code=201, response_model=s.EnrolledOut,
             responses={200: {"model": s.EnrolledOut, "description": "already enrolled"},
                        **MINE})  # fmt: skip
def enroll(body: s.EnrollmentCreate, request: Request, party: Caller) -> Response:
    """Enroll a creator who is eligible now: 18+, good standing, enough followers and
    views in the last 30 days. Already enrolled: 200 with the enrollment as it was."""
    creator, service, at = own(party, body.creator), rewards(request), now(request)
    try:
        before = service.enrollment(creator)
    except NotFound:
        before = None
    joined = service.enroll(creator, at)
    facts = service.facts([creator], ms(at))[creator]
    out = s.EnrolledOut(enrollment=s.enrollment_out(joined), facts=s.facts_out(facts))
    fresh = before is None or before.status is EnrollmentStatus.LEFT
    return Response(out.model_dump_json(), 201 if fresh else 200, media_type="application/json")


@router.get("/eligibility/{creator}", response_model=s.EligibilityOut, responses=MINE)
def eligibility(creator: CreatorPath, request: Request, party: Caller) -> s.EligibilityOut:
    """The creator's facts now and why they fall short, if they do. Enrolls nobody."""
    creator, service = own(party, creator), rewards(request)
    facts = service.facts([creator], ms(now(request)))[creator]
    why = reasons(facts, service.rules)
    return s.EligibilityOut(creator=creator, eligible=not why, reasons=why,
                            facts=s.facts_out(facts))  # fmt: skip


@router.get("/enrollments/{creator}", response_model=s.EnrollmentOut, responses=MINE)
def enrollment(creator: CreatorPath, request: Request, party: Caller) -> s.EnrollmentOut:
    """The creator's enrollment: when they joined, and left if they did. Never: 404."""
    return s.enrollment_out(rewards(request).enrollment(own(party, creator)))


@router.delete("/enrollments/{creator}", response_model=s.EnrollmentOut, responses=MINE)
def leave(creator: CreatorPath, request: Request, party: Caller) -> s.EnrollmentOut:
    """Leave the program. Periods that end after leaving pay nothing; leaving again
    answers the enrollment as it is. Enrolling later starts afresh."""
    return s.enrollment_out(rewards(request).leave(own(party, creator), now(request)))


# Statements


@router.get("/creators/{creator}/statements", response_model=s.StatementList, responses=MINE)
def statements(creator: CreatorPath, request: Request, party: Caller) -> s.StatementList:
    """The creator's statement of each closed period."""
    creator = own(party, creator)
    data = [s.statement_out(x) for x in rewards(request).statements(creator)]
    return s.StatementList(creator=creator, data=data, count=len(data))


@router.get("/creators/{creator}/statements/{period}", response_model=s.StatementDetailOut,
            responses=MINE)  # fmt: skip
def statement(creator: CreatorPath, period: PeriodPath, request: Request,
              party: Caller) -> s.StatementDetailOut:  # fmt: skip
    """One period's statement with what each video earned (and later lost)."""
    creator, label = own(party, creator), period_of(period).label
    found, lines = rewards(request).statement(label, creator)
    return s.statement_detail_out(found, lines)


# Periods (admins)


@router.post("/periods/{period}/close", response_model=s.PeriodCloseOut, responses=MINE)
def close(period: PeriodPath, body: s.PeriodCloseCreate, request: Request,
          _: Admin) -> s.PeriodCloseOut:  # fmt: skip
    """Close a period that has ended: record each creator's statement and post the
    books. Again: the first close, nothing paid twice; another `mode` than it was closed
    under is 409. `pool_micros` is read only by a first close."""
    mode = None if body.mode is None else Mode(body.mode)
    done = rewards(request).close(period_of(period), now(request), mode, body.pool_micros)
    return s.close_out(done)


@router.get("/periods/{period}", response_model=s.PeriodCloseOut, responses=MINE)
def get_period(period: PeriodPath, request: Request, _: Admin) -> s.PeriodCloseOut:
    """A closed period: its mode and totals. Not closed: 404."""
    return s.close_out(rewards(request).period(period_of(period).label))


@router.get("/periods/{period}/comparison", response_model=s.ComparisonOut, responses=MINE)
def comparison(period: PeriodPath, request: Request, _: Admin,
               pool_micros: PoolQuery = None) -> s.ComparisonOut:  # fmt: skip
    """The three modes on the same views of an ended period, side by side (nothing is
    recorded): totals, concentration, who gains and loses going from RPM to each pool
    mode, and what the fixed pool would pay per view had there been more or fewer."""
    found = rewards(request).compare(period_of(period), now(request), pool_micros)
    return s.ComparisonOut.model_validate(found.to_dict())
