"""Closing periods: payouts, carry-over, idempotency, refusals, every mode's books."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from reelmint.content.model import Origin
from reelmint.parties.people import Standing
from reelmint.rewards.model import (
    Conflict,
    Enrollment,
    Mode,
    NotEligible,
    Period,
    PeriodNotOver,
    PeriodStatus,
)
from tests.rewards.conftest import (
    AFTER_DEC,
    AFTER_NOV,
    DEC,
    JOINED,
    NOV,
    RewardsWorld,
    make_world,
)

NOV_5, NOV_6, DEC_3 = date(2026, 11, 5), date(2026, 11, 6), date(2026, 12, 3)


def two_creators(world: RewardsWorld) -> None:
    """Creator 1 with video 10 (10 viewers in November), creator 2 with video 20 (5)."""
    for creator, video, viewers in ((1, 10, range(100, 110)), (2, 20, range(200, 205))):
        world.creator(creator)
        world.video(video, creator)
        world.plays(video, viewers, NOV_5)
    joined = int(JOINED.timestamp() * 1000)
    world.service.store.put_enrollments([Enrollment(1, joined), Enrollment(2, joined)])


def check_sound(world: RewardsWorld) -> None:
    assert world.service.check_books() == []
    assert all(row.balanced for row in world.service.ledger.trial_balance())


@pytest.fixture
def minimum_3(engine: Engine, tmp_path: Path) -> RewardsWorld:
    world = make_world(engine, tmp_path, payout_minimum_micros=3_000_000)
    two_creators(world)
    return world


def test_close_pays_at_the_rate_and_carries_what_is_below_the_minimum(
    minimum_3: RewardsWorld,
) -> None:
    world = minimum_3  # $0.50 a view here, $3 minimum
    close = world.service.close(NOV, AFTER_NOV)
    assert (close.status, close.distributed, close.views, close.creators) == (
        PeriodStatus.CLOSED, 7_500_000, 15, 2)  # fmt: skip
    assert world.balance("creator:1:payable") == 5_000_000
    assert world.balance("creator:2:payable") == 0
    assert world.balance("creator:2:rewards") == 2_500_000
    two = world.service.statement("2026-11", 2)[0]
    assert (two.earned, two.paid, two.carried_out) == (2_500_000, 0, 2_500_000)
    check_sound(world)
    # December: five more views for creator 2 (the 30-day rule wants five), $2.50, and
    # the $5 held now reaches $3.
    world.plays(20, range(300, 305), DEC_3)
    world.service.close(DEC, AFTER_DEC)
    dec, lines = world.service.statement("2026-12", 2)
    assert (dec.carried_in, dec.earned, dec.paid, dec.carried_out) == (2_500_000, 2_500_000,
                                                                       5_000_000, 0)  # fmt: skip
    assert [(x.video, x.views, x.micros) for x in lines] == [(20, 5, 2_500_000)]
    assert world.balance("creator:2:payable") == 5_000_000
    assert world.balance("creator:2:rewards") == 0
    check_sound(world)


def test_closing_a_period_again_pays_nothing_twice(minimum_3: RewardsWorld) -> None:
    world = minimum_3
    first = world.service.close(NOV, AFTER_NOV)
    world.plays(10, range(500, 600), date(2026, 11, 20))  # late arrivals change nothing now
    again = world.service.close(NOV, datetime(2026, 12, 9, tzinfo=UTC))
    assert again == first
    assert world.balance("creator:1:payable") == 5_000_000
    assert len(world.service.store.statements(period="2026-11")) == 2
    check_sound(world)


def test_a_close_interrupted_before_the_books_is_finished_by_closing_again(
    minimum_3: RewardsWorld,
) -> None:
    world = minimum_3
    plan = world.service.plan(NOV, AFTER_NOV)
    posting = plan.close(int(AFTER_NOV.timestamp() * 1000), "posting")
    world.service.store.record_close(posting, plan.statements, plan.lines, plan.corrections,
                                     plan.totals)  # fmt: skip
    assert world.service.check_books() != []  # the crash left it half done
    world.plays(10, range(500, 600), date(2026, 11, 20))  # and the lake moved on meanwhile
    close = world.service.close(NOV, datetime(2026, 12, 2, tzinfo=UTC))
    assert close.status is PeriodStatus.CLOSED and close.distributed == 7_500_000
    assert world.balance("creator:1:payable") == 5_000_000  # what was recorded, not recomputed
    check_sound(world)


def test_refusals_name_the_problem(minimum_3: RewardsWorld) -> None:
    world = minimum_3
    with pytest.raises(PeriodNotOver, match="2026-12-01"):
        world.service.close(NOV, datetime(2026, 11, 30, 23, tzinfo=UTC))
    world.service.close(NOV, AFTER_NOV)
    with pytest.raises(Conflict, match="closed under rpm, not pool"):
        world.service.close(NOV, AFTER_NOV, Mode.POOL)
    with pytest.raises(Conflict, match="overlaps 2026-11"):
        world.service.close(Period.parse("2026-W48"), AFTER_NOV)
    assert world.service.store.statements(period="2026-W48") == []


@pytest.mark.parametrize("mode", list(Mode))
def test_every_mode_closes_with_balanced_books(engine: Engine, tmp_path: Path, mode: Mode) -> None:
    world = make_world(engine, tmp_path)
    two_creators(world)
    close = world.service.close(NOV, AFTER_NOV, mode)
    paid = sum(s.earned for s in world.service.store.statements(period="2026-11"))
    assert paid == close.distributed
    lines = world.service.store.lines(period="2026-11")
    assert sum(x.micros for x in lines) == paid
    if mode is not Mode.RPM:
        assert close.distributed == close.pool_micros == 10_000_000
    assert world.balance("platform:rewards:pool") == 0
    assert -world.balance("platform:expense:rewards") == close.distributed
    check_sound(world)


def test_who_falls_short_at_close_earns_nothing_and_is_told_why(minimum_3: RewardsWorld) -> None:
    world = minimum_3
    world.service.people.set_standing(2, Standing.BANNED)
    world.service.close(NOV, AFTER_NOV)
    two = world.service.statement("2026-11", 2)[0]
    assert not two.eligible and two.reasons == ("account is banned",) and two.earned == 0


def test_only_original_long_videos_posted_after_joining_earn(world: RewardsWorld) -> None:
    world.creator(1)
    world.service.store.put_enrollments([Enrollment(1, int(JOINED.timestamp() * 1000))])
    before = datetime(2026, 9, 30, tzinfo=UTC)
    cases = ((10, {}), (11, {"seconds": 60}), (12, {"origin": Origin.DUET}),
             (13, {"origin": Origin.SPONSORED}), (14, {"posted": before}))  # fmt: skip
    for video, kwargs in cases:
        world.video(video, 1, **kwargs)  # type: ignore[arg-type]
        world.plays(video, range(100, 110), NOV_5)
    world.service.close(NOV, AFTER_NOV)
    assert [x.video for x in world.service.store.lines(period="2026-11")] == [10]


def test_the_earning_threshold_counts_views_across_periods(engine: Engine, tmp_path: Path) -> None:
    world = make_world(engine, tmp_path, earning_threshold_views=10)
    two_creators(world)  # video 20 has 5 views in November: not yet earning
    world.service.close(NOV, AFTER_NOV)
    assert world.service.statement("2026-11", 2)[0].earned == 0
    world.plays(20, range(300, 305), DEC_3)  # 10 in all now: December's 5 earn
    world.service.close(DEC, AFTER_DEC)
    assert world.service.statement("2026-12", 2)[0].earned == 2_500_000


def test_qualified_views_count_each_viewer_once_per_video(world: RewardsWorld) -> None:
    two_creators(world)
    world.plays(20, range(200, 205), NOV_6)  # the same five viewers again
    world.service.close(NOV, AFTER_NOV)
    assert world.service.statement("2026-11", 2)[0].views == 5


def test_enrollment_checks_the_rules_and_keeps_the_first_date(world: RewardsWorld) -> None:
    world.creator(1, followers=2)
    world.video(10, 1)
    world.plays(10, range(100, 110), NOV_5)
    with pytest.raises(NotEligible, match="2 followers, below 3") as refused:
        world.service.enroll(1, datetime(2026, 11, 10, tzinfo=UTC))
    assert refused.value.reasons == ["2 followers, below 3"]
    world.audience.counts[1] = 3
    first = world.service.enroll(1, datetime(2026, 11, 10, tzinfo=UTC))
    assert world.service.enroll(1, datetime(2026, 11, 20, tzinfo=UTC)) == first
    gone = world.service.leave(1, datetime(2026, 11, 21, tzinfo=UTC))
    again = world.service.enroll(1, datetime(2026, 11, 22, tzinfo=UTC))
    assert gone.left_ms is not None and again.joined_ms > first.joined_ms


def test_a_creator_who_left_before_the_end_earns_nothing_that_period(world: RewardsWorld) -> None:
    two_creators(world)
    world.service.leave(1, datetime(2026, 11, 15, tzinfo=UTC))
    world.service.close(NOV, AFTER_NOV)
    assert [s.creator for s in world.service.store.statements(period="2026-11")] == [2]


def test_comparing_a_closed_period_sees_what_the_close_saw(engine: Engine, tmp_path: Path) -> None:
    world = make_world(engine, tmp_path, earning_threshold_views=8)
    two_creators(world)  # video 20: 5 views, below the threshold; it earned nothing
    close = world.service.close(NOV, AFTER_NOV)
    again = world.service.compare(NOV, AFTER_NOV)
    assert again.totals[Mode.RPM]["distributed_micros"] == close.distributed
