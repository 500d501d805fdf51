"""Views found invalid: before a close they never pay; after it, the next close claws back."""

from __future__ import annotations

from datetime import UTC, date, datetime

from reelmint.events.flags import Flag, read_flags, write_flags
from reelmint.events.model import InvalidReason
from reelmint.rewards.model import Enrollment, Period
from tests.rewards.conftest import AFTER_DEC, AFTER_NOV, DEC, JOINED, NOV, RewardsWorld

NOV_5, DEC_3, JAN_4 = date(2026, 11, 5), date(2026, 12, 3), date(2027, 1, 4)
JAN = Period.parse("2027-01")
AFTER_JAN = datetime(2027, 2, 1, 1, tzinfo=UTC)


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def creator_with_ten_viewers(world: RewardsWorld) -> None:
    """Creator 1's video 10: viewers 100..109 in November, $0.50 each, $5 paid."""
    world.creator(1)
    world.video(10, 1)
    world.video(11, 1)
    world.plays(10, range(100, 110), NOV_5)
    world.service.store.put_enrollments([Enrollment(1, ms(JOINED))])


NOVEMBER = (datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))


def flag(world: RewardsWorld, users: range, flagged: datetime, video: int | None = None,
         span: tuple[datetime, datetime] = NOVEMBER) -> None:  # fmt: skip
    write_flags(world.root, [Flag(u, ms(span[0]), ms(span[1]), InvalidReason.BOT_TRAFFIC,
                                  ms(flagged), video) for u in users])  # fmt: skip


def test_a_flag_made_before_the_close_keeps_those_views_from_paying(world: RewardsWorld) -> None:
    creator_with_ten_viewers(world)
    flag(world, range(100, 103), datetime(2026, 11, 20, tzinfo=UTC))
    world.service.close(NOV, AFTER_NOV)
    assert world.service.statement("2026-11", 1)[0].views == 7


def test_plays_invalid_on_arrival_never_count(world: RewardsWorld) -> None:
    creator_with_ten_viewers(world)
    world.plays(10, range(300, 310), NOV_5, invalid=True)
    world.service.close(NOV, AFTER_NOV)
    assert world.service.statement("2026-11", 1)[0].views == 10


def test_late_flags_claw_back_next_period_and_a_debt_is_a_receivable(world: RewardsWorld) -> None:
    creator_with_ten_viewers(world)
    world.service.close(NOV, AFTER_NOV)
    assert world.balance("creator:1:payable") == 5_000_000
    # After the close, half of November's viewers turn out to be bots.
    flag(world, range(100, 105), datetime(2026, 12, 5, tzinfo=UTC))
    world.plays(11, range(200, 205), DEC_3)  # December earns $2.50, enough for the 30 days
    world.plays(11, range(205, 207), DEC_3)  # and $1 more: $3.50
    world.service.close(DEC, AFTER_DEC)
    dec = world.service.statement("2026-12", 1)[0]
    assert (dec.earned, dec.clawback) == (3_500_000, 2_500_000)
    assert (dec.paid, dec.carried_out, dec.owed_out) == (1_000_000, 0, 0)
    [fix] = world.service.store.corrections("2026-12")
    assert (fix.source, fix.video, fix.views_lost, fix.micros) == ("2026-11", 10, 5, 2_500_000)
    [line] = world.service.store.lines(period="2026-11")
    assert (line.views_lost, line.micros_clawed) == (5, 2_500_000)
    assert world.service.check_books() == []


def test_a_clawback_past_the_balance_is_owed_and_repaid_before_anything_is_paid(
    world: RewardsWorld,
) -> None:
    creator_with_ten_viewers(world)
    world.service.close(NOV, AFTER_NOV)
    flag(world, range(100, 110), datetime(2026, 12, 5, tzinfo=UTC))  # all ten were bots
    world.plays(11, range(200, 205), DEC_3)  # $2.50 earned against $5 clawed
    world.service.close(DEC, AFTER_DEC)
    dec = world.service.statement("2026-12", 1)[0]
    assert (dec.clawback, dec.paid, dec.owed_out) == (5_000_000, 0, 2_500_000)
    assert world.balance("creator:1:rewards_owed") == -2_500_000  # a debit: owed to us
    assert world.balance("creator:1:payable") == 5_000_000  # never below what was paid in
    assert world.balance("creator:1:rewards") == 0
    world.plays(11, range(400, 410), JAN_4)  # January: $5 earned, $2.50 repays the debt
    world.service.close(JAN, AFTER_JAN)
    jan = world.service.statement("2027-01", 1)[0]
    assert (jan.owed_in, jan.repaid, jan.paid, jan.owed_out) == (2_500_000, 2_500_000,
                                                                 2_500_000, 0)  # fmt: skip
    assert world.balance("creator:1:rewards_owed") == 0
    assert world.service.check_books() == []
    assert all(row.balanced for row in world.service.ledger.trial_balance())


def test_views_lost_are_clawed_once_however_often_they_are_seen(world: RewardsWorld) -> None:
    creator_with_ten_viewers(world)
    world.service.close(NOV, AFTER_NOV)
    flag(world, range(100, 102), datetime(2026, 12, 5, tzinfo=UTC))
    world.plays(11, range(200, 210), DEC_3)
    world.service.close(DEC, AFTER_DEC)
    world.service.close(DEC, AFTER_DEC)  # again: nothing more
    flag(world, range(100, 102), datetime(2027, 1, 2, tzinfo=UTC))  # the same bots again
    flag(world, range(102, 103), datetime(2027, 1, 2, tzinfo=UTC))  # and one more
    world.plays(11, range(400, 410), JAN_4)
    world.service.close(JAN, AFTER_JAN)
    claws = [(c.period, c.views_lost, c.micros) for p in ("2026-12", "2027-01")
             for c in world.service.store.corrections(p)]  # fmt: skip
    assert claws == [("2026-12", 2, 1_000_000), ("2027-01", 1, 500_000)]
    assert world.service.store.lines(period="2026-11")[0].micros_clawed == 1_500_000


def test_a_flag_on_one_video_leaves_the_viewers_other_plays(world: RewardsWorld) -> None:
    creator_with_ten_viewers(world)
    world.plays(11, range(100, 110), NOV_5)
    flag(world, range(100, 110), datetime(2026, 11, 20, tzinfo=UTC), video=11)
    world.service.close(NOV, AFTER_NOV)
    assert [(x.video, x.views) for x in world.service.store.lines(period="2026-11")] == [(10, 10)]


def test_flags_outside_any_paid_span_change_nothing(world: RewardsWorld) -> None:
    creator_with_ten_viewers(world)
    world.service.close(NOV, AFTER_NOV)
    october = (datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC))
    flag(world, range(100, 110), datetime(2026, 12, 5, tzinfo=UTC), span=october)
    world.plays(11, range(200, 205), DEC_3)
    world.service.close(DEC, AFTER_DEC)
    assert world.service.store.corrections("2026-12") == []


def test_flags_read_back_as_written_and_a_repeat_adds_no_file(world: RewardsWorld) -> None:
    flag(world, range(1, 3), datetime(2026, 12, 5, tzinfo=UTC), video=7)
    flag(world, range(1, 3), datetime(2026, 12, 5, tzinfo=UTC), video=7)
    found = read_flags(world.root)
    assert sorted((f.user, f.object, f.reason) for f in found) == [
        (1, 7, InvalidReason.BOT_TRAFFIC), (2, 7, InvalidReason.BOT_TRAFFIC)]  # fmt: skip
