"""`reelmint gifts ...` end to end: a whole LIVE through the CLI (people, coins on both
channels, gifts, leaderboards, a refund, a chargeback, a cash-out held and paid, the
books checked), and refusals printed as one line with exit code 2, posting nothing.

The commands run in this process (Typer's runner, through `reelmint.cli.main`, so the
errors are mapped as at a terminal) against a temporary home: a subprocess per step
would spend most of the test importing.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

from typer.testing import CliRunner

from reelmint import cli

MONDAY = "2026-11-02T12:00:00Z"
HOLD_OVER = "2026-11-18T12:00:00Z"  # 16 days on: past the 15-day hold
VIEWER, HOST, FAN, MINOR = "1", "2", "3", "9"


@dataclass(frozen=True)
class Ran:
    code: int
    stdout: str
    stderr: str


def reelmint(home: Path, *args: str) -> Ran:
    """Run `reelmint ARGS` as a person would, with REELMINT_HOME=home; never raises."""
    env: dict[str, str | None] = {k: None for k in os.environ if k.startswith("REELMINT_")}
    env |= {"REELMINT_HOME": str(home), "COLUMNS": "200"}
    with (
        CliRunner().isolation(env=env) as (out, err, _),
        mock.patch.object(sys, "argv", ["reelmint", *args]),
        contextlib.chdir(home),
    ):
        try:
            cli.main()
            code = 0
        except SystemExit as done:
            code = done.code if isinstance(done.code, int) else 1
        return Ran(code, out.getvalue().decode(), err.getvalue().decode())


def gifts(home: Path, *args: str) -> Ran:
    """A `reelmint gifts` step that must succeed."""
    ran = reelmint(home, "gifts", *args)
    assert ran.code == 0, (args, ran.stdout, ran.stderr)
    return ran


def register(home: Path) -> None:
    for person, born in ((VIEWER, "1990-05-01"), (HOST, "1988-01-01"), (FAN, "1995-03-03"),
                         (MINOR, "2010-06-01")):  # fmt: skip
        gifts(home, "person", "add", person, "--born", born)


def test_a_live_runs_through_the_cli_from_coins_to_payout(tmp_path: Path) -> None:
    register(tmp_path)
    at = ("--at", MONDAY)

    web = gifts(tmp_path, "buy", "--user", VIEWER, "--pack", "web-700", "--key", "buy-1", *at)
    in_app = gifts(tmp_path, "buy", "--user", FAN, "--coins", "350", "--channel", "in_app",
                   "--key", "buy-3", *at)  # fmt: skip
    started = gifts(tmp_path, "live", "start", "--creator", HOST, "--title", "Friday jam", *at)
    gifts(tmp_path, "live", "join", "1", "--user", VIEWER, *at)
    gifts(tmp_path, "live", "join", "1", "--user", FAN, *at)
    concert = gifts(tmp_path, "send", "--live", "1", "--user", VIEWER, "--gift", "Concert",
                    "--key", "g-1", *at)  # fmt: skip
    roses = gifts(tmp_path, "send", "--live", "1", "--user", FAN, "--gift", "Rose", "--count",
                  "10", "--key", "g-2", *at)  # fmt: skip
    board = gifts(tmp_path, "leaderboard", "--live", "1")
    week = gifts(tmp_path, "leaderboard", "--week", "2026-11-04", "--creator", HOST, "--json")
    summary = gifts(tmp_path, "summary", "1")
    ended = gifts(tmp_path, "live", "end", "1", *at)
    refund = gifts(tmp_path, "refund", "buy-3", *at)
    chargeback = gifts(tmp_path, "chargeback", "buy-1", *at)
    wallet = gifts(tmp_path, "wallet", "--user", VIEWER, "--json")
    cashout = gifts(tmp_path, "cashout", "--creator", HOST, "--diamonds", "500", "--key", "co-1",
                    *at)  # fmt: skip
    early = gifts(tmp_path, "release", "--at", "2026-11-16T12:00:00Z")
    release = gifts(tmp_path, "release", "--at", HOLD_OVER)
    payout = gifts(tmp_path, "payout", "--at", HOLD_OVER)
    status = gifts(tmp_path, "cashout-status", "co-1")
    earnings = gifts(tmp_path, "earnings", "--creator", HOST, "--json")
    check = reelmint(tmp_path, "gifts", "check")

    assert "bought 700 coins on web for $7.42" in web.stdout
    assert "bought 350 coins on in_app for $5.28" in in_app.stdout  # 350 x $0.0151 = $5.285
    assert "LIVE 1 started by creator 2 at 2026-11-02 12:00 UTC" in started.stdout
    assert "sent 1 x Concert (500 coins) in LIVE 1: creator 2 earns 500 diamonds" in concert.stdout
    assert "wallet: 200 coins" in concert.stdout
    assert "earns 10 diamonds; wallet: 340 coins" in roses.stdout
    [first, second] = [line.split() for line in board.stdout.splitlines() if "│" in line][-2:]
    assert (first[1], first[3], second[1], second[3]) == ("1", VIEWER, "2", FAN)
    assert json.loads(week.stdout) == [{"sender": 1, "coins": 500, "gifts": 1},
                                       {"sender": 3, "coins": 10, "gifts": 10}]  # fmt: skip
    assert "11 gifts, 510 coins, 510 diamonds to the host; 2 gifters, 2 viewers" in summary.stdout
    assert "LIVE 1 ended at 2026-11-02 12:00 UTC" in ended.stdout
    assert "purchase buy-3: refunded; 340 coins taken back, user 3 owes 10 coins" in refund.stdout
    assert "buy-1: charged_back; 200 coins taken back, user 1 owes 500 coins" in chargeback.stdout
    assert json.loads(wallet.stdout) == {"user": 1, "coins": 0, "debt": 500}
    assert "cash-out co-1: 500 diamonds for $2.50, held until 2026-11-17 12:00 UTC" in (
        cashout.stdout
    )
    assert "released 0 cash-outs, voided 0" in early.stdout
    assert "released 1 cash-out, voided 0" in release.stdout and "co-1" in release.stdout
    assert "paid 1 cash-out, $2.50" in payout.stdout
    assert "co-1 of creator 2: 500 diamonds for $2.50, paid since 2026-11-18" in status.stdout
    assert json.loads(earnings.stdout) == {
        "creator": 2, "diamonds": 10, "diamonds_held": 0, "payable_micros": 0,
        "paid_micros": 2_500_000,
    }  # fmt: skip
    assert check.code == 0, check.stderr
    assert "NO" not in check.stdout and "match their liabilities" in check.stdout


def test_the_shop_and_catalog_list_and_change(tmp_path: Path) -> None:
    shop = gifts(tmp_path, "packs", "--channel", "in_app", "--json")
    added = gifts(tmp_path, "catalog", "add", "Disco ball", "250")
    repriced = gifts(tmp_path, "catalog", "reprice", "Rose", "2")
    retired = gifts(tmp_path, "catalog", "retire", "Lion")
    listed = gifts(tmp_path, "catalog")
    machine = gifts(tmp_path, "catalog", "--json")

    packs = json.loads(shop.stdout)
    assert {p["channel"] for p in packs} == {"in_app"}
    assert {"id": "in_app-70", "channel": "in_app", "coins": 70, "price_micros": 1_057_000} in packs
    assert "gift 'Disco ball' added: 250 coins" in added.stdout
    assert "gift 'Rose' repriced: 2 coins" in repriced.stdout
    assert "gift 'Lion' retired: 29,999 coins" in retired.stdout
    assert "Lion" in listed.stdout and "retired" in listed.stdout and "$2.50" in listed.stdout
    by_name = {g["name"]: g for g in json.loads(machine.stdout)}
    assert by_name["Disco ball"] == {"name": "Disco ball", "coins": 250, "retired": False,
                                     "face_value_micros": 2_500_000}  # fmt: skip
    assert by_name["Lion"]["retired"] is True


def test_refusals_are_one_line_exit_code_2_and_post_nothing(tmp_path: Path) -> None:
    register(tmp_path)
    at = ("--at", MONDAY)
    gifts(tmp_path, "buy", "--user", VIEWER, "--coins", "70", "--key", "buy-1", *at)
    gifts(tmp_path, "live", "start", "--creator", HOST, *at)
    gifts(tmp_path, "send", "--live", "1", "--user", VIEWER, "--gift", "Rose", "--count", "50",
          "--key", "g-1", *at)  # fmt: skip
    gifts(tmp_path, "catalog", "retire", "Lion")
    books_before = reelmint(tmp_path, "books", "trial-balance").stdout

    def send(gift: str, key: str) -> Ran:
        return reelmint(tmp_path, "gifts", "send", "--live", "1", "--user", VIEWER, "--gift",
                        gift, "--key", key, *at)  # fmt: skip

    refused = {
        "you must be 18 or older to buy coins": reelmint(
            tmp_path, "gifts", "buy", "--user", MINOR, "--coins", "100", "--key", "m-1", *at),
        "no gift called 'Unicorn'": send("Unicorn", "g-2"),
        "gift 'Lion' is retired": send("Lion", "g-3"),
        "this costs 500 coins and user 1's wallet holds 20": send("Concert", "g-4"),
        "cash-outs start at $1.00; 50 diamonds are worth $0.25": reelmint(
            tmp_path, "gifts", "cashout", "--creator", HOST, "--diamonds", "50", "--key", "c-1",
            *at),
        "person 4 is not registered": reelmint(
            tmp_path, "gifts", "buy", "--user", "4", "--coins", "1", "--key", "n-1", *at),
        "give either --coins N or --pack ID": reelmint(
            tmp_path, "gifts", "buy", "--user", VIEWER, "--key", "b-2", *at),
        "not an ISO 8601 time": reelmint(tmp_path, "gifts", "release", "--at", "tomorrow"),
    }  # fmt: skip

    for needle, ran in refused.items():
        assert ran.code == 2, (needle, ran.stdout, ran.stderr)
        assert ran.stderr.startswith("reelmint: error: ") and needle in ran.stderr, ran.stderr
        assert len(ran.stderr.strip().splitlines()) == 1, ran.stderr
    assert reelmint(tmp_path, "books", "trial-balance").stdout == books_before
    assert json.loads(gifts(tmp_path, "wallet", "--user", VIEWER, "--json").stdout)["coins"] == 20
    earned = json.loads(gifts(tmp_path, "earnings", "--creator", HOST, "--json").stdout)
    assert (earned["diamonds"], earned["diamonds_held"]) == (50, 0)
    assert gifts(tmp_path, "purchases", "--user", MINOR, "--json").stdout.strip() == "[]"


def test_gateway_refusals_are_clean_errors(tmp_path: Path) -> None:
    register(tmp_path)
    gifts(tmp_path, "buy", "--user", VIEWER, "--coins", "70", "--key", "buy-1")
    gifts(tmp_path, "refund", "buy-1")

    again = reelmint(tmp_path, "gifts", "chargeback", "buy-1")
    unknown = reelmint(tmp_path, "gifts", "chargeback", "nope")

    assert again.code == 2 and "is refunded; it cannot become charged_back" in again.stderr
    assert unknown.code == 2 and "no purchase with key 'nope'" in unknown.stderr
    assert reelmint(tmp_path, "gifts", "check").code == 0


def test_every_gifts_command_teaches_with_an_example(tmp_path: Path) -> None:
    commands = [("person", "add"), ("person", "standing"), ("catalog",), ("catalog", "add"),
                ("catalog", "reprice"), ("catalog", "retire"), ("packs",), ("buy",),
                ("wallet",), ("purchases",), ("refund",), ("chargeback",), ("live", "start"),
                ("live", "end"), ("live", "join"), ("send",), ("leaderboard",), ("summary",),
                ("earnings",), ("cashout",), ("cashout-status",), ("release",), ("payout",),
                ("check",)]  # fmt: skip
    for command in commands:
        shown = reelmint(tmp_path, "gifts", *command, "--help")
        assert shown.code == 0 and "Example: reelmint gifts" in shown.stdout, command
    assert "webhook" in reelmint(tmp_path, "gifts", "chargeback", "--help").stdout
