"""A simulated month of LIVE gifts through the real service: LIVEs, purchases and gifts,
a heavy tail of gifters, the age gate, cash-outs, and a summary that says what the
books say."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

from reelmint.db.engine import make_engine
from reelmint.gifts import books
from reelmint.ledger.memory import InMemoryLedger
from reelmint.settings import load_settings
from reelmint.sim.runner import RunResult
from tests.sim.conftest import run_sim

Month = tuple[RunResult, Path, InMemoryLedger]
USERS, DAYS, HOLD_DAYS = 3_000, 14, 5


@pytest.fixture(scope="module")
def month(tmp_path_factory: pytest.TempPathFactory) -> Month:
    """A small platform for two weeks: more payers and more minors trying than the
    defaults, so a small month has enough of each; a 5-day hold, so some are paid."""
    root = tmp_path_factory.mktemp("gifts-month")
    live = {
        "payer_share": 0.08,
        "minor_tries": 0.2,
        "lives_per_day": {0: 0.02, 100: 0.1},
        "refund_share": 0,
        "chargeback_share": 0,
    }  # reversals: their own month below
    settings = load_settings(home=root / "home", sim={"live": live},
                             economics={"cashout": {"hold_days": HOLD_DAYS}})  # fmt: skip
    ledger = InMemoryLedger()
    result, out = run_sim(root, USERS, DAYS, 11, settings=settings, ledger=ledger)
    return result, out, ledger


@pytest.fixture(scope="module")
def records(month: Month) -> Iterator[sa.Connection]:
    engine = make_engine(f"sqlite:///{month[1] / 'records.db'}")
    with engine.connect() as conn:
        yield conn
    engine.dispose()


def rows(conn: sa.Connection, sql: str) -> list[Any]:
    return list(conn.execute(sa.text(sql)))


def posted(ledger: InMemoryLedger, account: str) -> int:
    return ledger.balance(account).posted


def age(born: date, at_ms: int) -> int:
    day = datetime.fromtimestamp(at_ms / 1000, UTC).date()
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def test_a_month_has_lives_viewers_purchases_and_gifts(month: Month) -> None:
    s = month[0].summary
    g = s["gifts"]
    assert "gifts" in s["steps"]
    assert g["lives"] > 10 and g["viewers"] >= g["unique_viewers"] > g["lives"]
    assert g["purchases"] > 0 and g["in_app_purchases"] > 0
    assert g["purchases"] - g["in_app_purchases"] > 0  # and on the web
    assert g["gifts_sent"] > 0 and g["gift_items"] >= g["gifts_sent"]
    assert 0 < g["gifters"] <= g["buyers"] <= g["payers"]
    assert sum(s["daily"]["lives"]) == g["lives"]
    assert sum(s["daily"]["coins_sent"]) == g["coins_spent"]


def test_the_lake_holds_every_join_and_gift(month: Month) -> None:
    result, out, _ = month
    g, events = result.summary["gifts"], result.summary["events"]
    assert g["events_refused"] == 0
    files = [str(p) for p in (out / "lake" / "events" / "kind=gift").rglob("*.parquet")]
    with duckdb.connect() as con:
        sql = "SELECT count(*), sum(coins) FROM read_parquet($f, hive_partitioning = true)"
        count, coins = con.execute(sql, {"f": files}).fetchone()  # type: ignore[misc]
    assert count == events["gift"] == g["gifts_sent"] and coins == g["coins_spent"]
    assert events["live_join"] == g["viewers"]


def test_top_tenth_of_gifters_send_most_coins(month: Month, records: sa.Connection) -> None:
    by_sender = [r[0] for r in rows(records, "SELECT sum(coins) FROM gift_sends GROUP BY sender "
                                             "ORDER BY 1 DESC")]  # fmt: skip
    top = max(1, -(-len(by_sender) // 10))
    assert sum(by_sender[:top]) > 0.5 * sum(by_sender)
    g = month[0].summary["gifts"]
    assert g["top_tenth_coin_share"] == pytest.approx(sum(by_sender[:top]) / sum(by_sender),
                                                      abs=1e-4)  # fmt: skip
    leaders = g["top_gifters"]
    assert [x["coins"] for x in leaders] == by_sender[: len(leaders)]
    assert leaders[0]["coins"] > 10 * by_sender[len(by_sender) // 2]  # a whale


def test_no_minor_buys_gifts_or_hosts_and_the_gate_refuses_them(
    month: Month, records: sa.Connection
) -> None:
    person = "SELECT p.birth_date, x.{at} FROM {table} x JOIN people p ON p.id = x.{who}"
    acts = {
        "gifts": person.format(at="at_ms", table="gift_sends", who="sender"),
        "buys": person.format(at="at_ms", table="gift_purchases", who="buyer"),
        "hosts": person.format(at="started_ms", table="gift_lives", who="creator"),
        "received": person.format(at="at_ms", table="gift_sends", who="creator"),
    }
    for what, sql in acts.items():
        found = rows(records, sql)
        assert found, what
        assert min(age(date.fromisoformat(str(b)), at) for b, at in found) >= 18, what
    assert rows(records, "SELECT count(*) FROM people")[0][0] == USERS
    assert month[0].summary["gifts"]["refused"].get("UnderAge", 0) > 0  # minors tried


def test_creators_cash_out_within_the_limits_and_are_paid(
    month: Month, records: sa.Connection
) -> None:
    _, _, ledger = month
    c = month[0].summary["gifts"]["cashouts"]
    assert c["requested"] > 0 and c["paid"] > 0 and c["held"] > 0 and c["refused"] == {}
    assert c["requested"] == c["paid"] + c["payable"] + c["held"] + c["voided"]
    assert c["requested_micros"] == c["paid_micros"] + c["payable_micros"] + c["held_micros"]
    amounts = [r[0] for r in rows(records, "SELECT amount_micros FROM gift_cashouts")]
    assert min(amounts) >= 1_000_000 and max(amounts) <= 1_000_000_000  # $1 to the daily cap
    creators = [r[0] for r in rows(records, "SELECT DISTINCT creator FROM gift_cashouts")]
    payables = ledger.balances([books.payable(x) for x in creators])
    assert sum(b.debits_posted for b in payables.values()) == c["paid_micros"]
    assert sum(b.credits_pending for b in payables.values()) == c["held_micros"]


def test_summary_money_is_the_ledgers(month: Month) -> None:
    result, out, ledger = month
    s = result.summary
    g, money = s["gifts"], s["money"]
    assert money["platform_revenue_micros"]["gifts"] == g["gift_revenue_micros"] == posted(
        ledger, books.GIFT_REVENUE) > 0  # fmt: skip
    assert money["platform_revenue_micros"]["coin_margin"] == posted(ledger, books.COIN_MARGIN)
    assert g["app_store_fees_micros"] == posted(ledger, books.STORE_FEES) > 0
    face = s["settings"]["economics"]["coins"]["face_value_micros"]
    # Every dollar paid went to the store, the coins' face value or the margin.
    paid = g["app_store_fees_micros"] + g["coins_bought"] * face + g["coin_margin_micros"]
    assert g["paid_micros"] == paid
    assert g["coins_bought"] - g["coins_spent"] == g["coins_in_wallets"] == -posted(
        ledger, books.COIN_TREASURY)  # fmt: skip
    # The face value of the coins gifted: the creators' diamonds and the platform's revenue.
    assert g["coins_spent"] * face == g["diamonds_value_micros"] + g["gift_revenue_micros"]
    assert money["creator_earnings_micros"]["gifts"] == g["diamonds_value_micros"]
    earnings = pq.read_table(out / "creators.parquet").column("earnings_micros").to_pylist()
    rewards = s["rewards"]["earned_micros"]  # the other channel that pays creators here
    assert sum(earnings) == g["diamonds_value_micros"] + rewards


def test_books_balance_after_the_month(month: Month) -> None:
    result, _, ledger = month
    assert result.summary["gifts"]["books"] == []
    cash = result.summary["settings"]["economics"]["cashout"]
    face = result.summary["settings"]["economics"]["coins"]["face_value_micros"]
    assert books.invariants(ledger.balances(), face, cash["diamond_value_micros"]) == []
    assert all(row.balanced for row in ledger.trial_balance())
    assert ledger.verify() == []


def test_a_month_with_refunds_and_chargebacks_ends_with_sound_books(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """A fifth of purchases refunded and a fifth charged back: coins left are clawed back,
    spent coins become debts, and the books still balance to the micro."""
    root = tmp_path_factory.mktemp("gifts-reversals")
    live = {"payer_share": 0.2, "lives_per_day": {0: 0.05, 100: 0.2},
            "refund_share": 0.2, "chargeback_share": 0.2}  # fmt: skip
    settings = load_settings(home=root / "home", sim={"live": live})
    ledger = InMemoryLedger()
    result, out = run_sim(root, 1_000, 5, 3, settings=settings, ledger=ledger)
    r = result.summary["gifts"]["reversals"]
    engine = make_engine(f"sqlite:///{out / 'records.db'}")
    with engine.connect() as conn:
        statuses = dict(rows(conn, "SELECT status, count(*) FROM gift_purchases GROUP BY status"))
        debt = rows(conn, "SELECT coalesce(sum(debt - debt_repaid), 0) FROM gift_purchases "
                          "WHERE status != 'captured'")[0][0]  # fmt: skip
    engine.dispose()
    assert r["refunds"] == statuses.get("refunded", 0) > 0
    assert r["chargebacks"] == statuses.get("charged_back", 0) > 0
    face = result.summary["settings"]["economics"]["coins"]["face_value_micros"]
    assert r["coin_debt_micros"] == -posted(ledger, books.COIN_RECEIVABLE) >= 0
    assert r["coin_debt_micros"] <= debt * face  # later purchases may have repaid some
    assert 0 < r["paid_back_micros"] <= result.summary["gifts"]["paid_micros"]
    assert result.summary["gifts"]["books"] == []
    assert all(row.balanced for row in ledger.trial_balance()) and ledger.verify() == []
