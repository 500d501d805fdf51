"""`reelmint rewards ...` end to end: eligibility, enrolling, closing November (the table
and the top payouts), closing again paying nothing twice, statements with video lines,
the modes compared, a late flag, and refusals printed as one line with exit code 2.

The commands run in this process through `reelmint.cli.main` (as at a terminal) against
a temporary home, whose `reelmint.toml` scales the program's thresholds down: 3
followers, 5 views in 30 days, a video earns from 2 views, $0.50 a view, a $4 minimum.
People come from `reelmint gifts person add`, videos from `reelmint feed videos`, and
follows and plays are written into the home's lake as the ingest writes them.

Creator 7 (video 71) and creator 8 (video 81) each have 3 followers and 6 plays in
October; on 5 November 10 and 6 viewers watch. November pays creator 7 $5 and carries
creator 8's $3.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from reelmint.events.batch import EventBatch
from reelmint.events.flags import read_flags
from reelmint.events.lake import Lake
from reelmint.events.model import InvalidReason, Kind, Surface
from reelmint.ledger.sql import open_sql_ledger
from reelmint.platform import Platform
from reelmint.settings import load_settings
from tests.gifts.test_commands import Ran, reelmint

SETTINGS = """\
[economics.rewards]
min_followers = 3
min_views_30d = 5
earning_threshold_views = 2
payout_minimum_micros = 4_000_000
rpm_micros = 500_000_000
pool_micros = 16_000_000
"""
NOV_1, AFTER_NOV, DEC_3 = "2026-11-01T00:00:00Z", "2026-12-01T01:00:00Z", "2026-12-03T00:00:00Z"


def ok(home: Path, *args: str) -> Ran:
    ran = reelmint(home, "rewards", *args)
    assert ran.code == 0, (args, ran.stdout, ran.stderr)
    return ran


def refused(home: Path, needle: str, *args: str) -> str:
    ran = reelmint(home, "rewards", *args)
    assert ran.code == 2, (args, ran.stdout, ran.stderr)
    assert ran.stderr.startswith("reelmint: error: ") and needle in ran.stderr, ran.stderr
    assert len(ran.stderr.strip().splitlines()) == 1, ran.stderr
    return ran.stderr


def ms(year: int, month: int, day: int, hour: int = 0) -> int:
    return int(datetime(year, month, day, hour, tzinfo=UTC).timestamp() * 1000)


def events(home: Path, kind: Kind, users: range, obj: int, author: int, ts_ms: int) -> None:
    n = len(users)
    batch = EventBatch.of(
        ts_ms=np.full(n, ts_ms, np.int64), kind=np.full(n, int(kind), np.int8),
        user=np.array(users, np.int64), object=np.full(n, obj, np.int64),
        author=np.full(n, author, np.int64), surface=np.full(n, int(Surface.FOR_YOU)),
        watch_ms=np.full(n, 8_000 if kind is Kind.PLAY else 0, np.int64),
    )  # fmt: skip
    with Lake(home / "lake", writer_id=f"t{kind.value}{obj}{ts_ms}") as lake:
        lake.append(batch)


def videos(home: Path, *rows: tuple[int, int, str]) -> None:
    lines = [json.dumps({"id": v, "creator": c, "duration_ms": 90_000, "topic": 0,
                         "posted_at": posted}) for v, c, posted in rows]  # fmt: skip
    (home / "videos.jsonl").write_text("\n".join(lines))
    ran = reelmint(home, "feed", "videos", str(home / "videos.jsonl"))
    assert ran.code == 0, ran.stderr


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """Creators 7 and 8 (adults) and 9 (a minor) registered; October's follows and plays."""
    (tmp_path / "reelmint.toml").write_text(SETTINGS)
    for person, born in (("7", "1990-05-17"), ("8", "1992-01-01"), ("9", "2010-06-01")):
        assert reelmint(tmp_path, "gifts", "person", "add", person, "--born", born).code == 0
    videos(tmp_path, (70, 7, "2026-10-01T00:00:00Z"), (80, 8, "2026-10-01T00:00:00Z"))
    for creator, old in ((7, 70), (8, 80)):
        base = creator * 100
        events(tmp_path, Kind.FOLLOW, range(base, base + 3), creator, creator, ms(2026, 10, 15))
        events(tmp_path, Kind.PLAY, range(base, base + 6), old, creator, ms(2026, 10, 20))
    return tmp_path


def november(home: Path) -> None:
    """Both enrolled on 1 November; videos 71 and 81 posted the 2nd, watched the 5th."""
    for creator in ("7", "8"):
        ok(home, "enroll", creator, "--at", NOV_1)
    videos(home, (71, 7, "2026-11-02T00:00:00Z"), (81, 8, "2026-11-02T00:00:00Z"))
    events(home, Kind.PLAY, range(1000, 1010), 71, 7, ms(2026, 11, 5, 12))
    events(home, Kind.PLAY, range(2000, 2006), 81, 8, ms(2026, 11, 5, 12))


def payable(home: Path, creator: int) -> int:
    platform = Platform.open(load_settings(home=home))
    try:
        account = f"creator:{creator}:payable"
        held = open_sql_ledger(platform.engine).balances([account]).get(account)
        return 0 if held is None else held.posted
    finally:
        platform.close()


def test_eligibility_and_enrolling_say_why_and_keep_the_first_date(home: Path) -> None:
    checked = ok(home, "eligibility", "7", "--at", NOV_1)
    assert "aged 36, good standing, 3 followers, 6 views in 30 days" in checked.stdout
    assert "\neligible" in checked.stdout
    minor = json.loads(ok(home, "eligibility", "9", "--at", NOV_1, "--json").stdout)
    assert minor | {"eligible": False, "age": 16, "followers": 0} == minor
    assert minor["reasons"][0] == "under 18 (aged 16)"

    joined = ok(home, "enroll", "7", "--at", NOV_1)
    assert "creator 7 enrolled at 2026-11-01 00:00 UTC: aged 36" in joined.stdout
    again = ok(home, "enroll", "7", "--at", DEC_3)
    assert "enrolled since 2026-11-01 00:00 UTC (already enrolled)" in again.stdout
    refused(home, "creator 9 is not eligible: under 18 (aged 16); 0 followers, below 3",
            "enroll", "9", "--at", NOV_1)  # fmt: skip
    left = ok(home, "leave", "7", "--at", DEC_3)
    assert "left 2026-12-03 00:00 UTC" in left.stdout
    refused(home, "creator 8 is not enrolled", "leave", "8")


def test_closing_november_prints_the_close_and_pays_once(home: Path) -> None:
    november(home)
    first = ok(home, "close", "2026-11", "--at", AFTER_NOV)
    out = first.stdout
    for needle in ("rewards close 2026-11", "2026-11-01 to 2026-11-30", "$8.00", "closed",
                   "top payouts of 2026-11"):  # fmt: skip
        assert needle in out, out
    top = out[out.index("top payouts") :]
    assert top.index(" 7 ") < top.index(" 8 ") and "$5.00" in top and "$3.00" in top
    assert payable(home, 7) == 5_000_000

    again = ok(home, "close", "2026-11", "--at", DEC_3, "--json")
    assert json.loads(again.stdout) | {"label": "2026-11", "distributed": 8_000_000,
                                       "status": "closed"} == json.loads(again.stdout)  # fmt: skip
    assert payable(home, 7) == 5_000_000
    refused(home, "closed under rpm, not pool", "close", "2026-11", "--mode", "pool")
    refused(home, "period 2026-12 ends 2027-01-01", "close", "2026-12", "--at", DEC_3)
    refused(home, "period '2026-13'", "close", "2026-13")
    refused(home, "unknown rewards mode 'fixed'", "close", "2026-11", "--mode", "fixed")
    refused(home, "--pool is in dollars", "close", "2026-11", "--pool", "5 coins")

    listed = ok(home, "statements", "8").stdout
    assert "2026-11" in listed and "$3.00" in listed
    shown = ok(home, "statement", "7", "2026-11").stdout
    assert "10 views on 1 video earned $5.00" in shown
    assert "videos of creator 7 in 2026-11" in shown and " 71 " in shown
    detail = json.loads(ok(home, "statement", "8", "2026-11", "--json").stdout)
    assert (detail["earned_micros"], detail["carried_out_micros"]) == (3_000_000, 3_000_000)
    assert [(x["video"], x["views"], x["micros"]) for x in detail["lines"]] == [(81, 6, 3_000_000)]
    refused(home, "creator 7 has no statement for 2026-10", "statement", "7", "2026-10")


def test_compare_shows_the_modes_side_by_side_and_who_gains(home: Path) -> None:
    november(home)
    table = ok(home, "compare", "2026-11", "--at", AFTER_NOV).stdout
    needles = ("2026-11: the three modes on the same views", "user-centric",
               "who gains from rpm to pool", "the fixed pool's rate as views grow")  # fmt: skip
    for needle in needles:
        assert needle in table, table
    c = json.loads(ok(home, "compare", "2026-11", "--at", AFTER_NOV, "--pool", "$32",
                      "--json").stdout)  # fmt: skip
    assert c["modes"]["rpm"]["distributed_micros"] == 8_000_000
    assert c["modes"]["pool"]["distributed_micros"] == 32_000_000
    assert [m["creator"] for m in c["movers"]["pool"]["gain"]] == [7, 8]
    refused(home, "is not over", "compare", "2026-12", "--at", DEC_3)


def test_a_late_flag_is_recorded_beside_the_lake(home: Path) -> None:
    ran = ok(home, "flag", "--user", "1000", "--video", "71", "--from", "2026-11-01",
             "--to", "2026-12-01", "--reason", "bot_traffic",
             "--at", "2026-12-10T00:00:00Z")  # fmt: skip
    assert "flagged user 1000 on video 71 from 2026-11-01 00:00 UTC" in ran.stdout
    [made] = read_flags(home / "lake")
    assert (made.user, made.object, made.reason, made.flagged_ms) == (
        1000, 71, InvalidReason.BOT_TRAFFIC, ms(2026, 12, 10))  # fmt: skip
    refused(home, "--reason 'bots'", "flag", "--user", "1", "--from", "2026-11-01", "--to",
            "2026-11-02", "--reason", "bots")  # fmt: skip
    refused(home, "the span must end after it starts", "flag", "--user", "1", "--from",
            "2026-11-02", "--to", "2026-11-01")  # fmt: skip
    assert len(read_flags(home / "lake")) == 1


def test_every_command_teaches_with_an_example() -> None:
    from typer.main import get_command

    from reelmint.rewards.commands import app

    group = get_command(app)
    commands = group.commands  # type: ignore[attr-defined]
    assert set(commands) == {"enroll", "leave", "eligibility", "statements", "statement",
                             "close", "compare", "flag"}  # fmt: skip
    for name, command in commands.items():
        assert "Example: reelmint rewards " + name in (command.help or ""), name
