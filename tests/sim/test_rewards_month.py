"""A simulated month of creator rewards through the real service: creators enroll as they
become eligible (at the simulator's scale), the run's days close as one period under each
mode, the books stay sound, and the summary compares the three modes on the same views."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

from reelmint.content.model import Origin
from reelmint.db.engine import make_engine
from reelmint.ledger.memory import InMemoryLedger
from reelmint.rewards import books
from reelmint.rewards.model import Period
from reelmint.rewards_settings import RewardsSettings
from reelmint.rewards_sim_settings import RewardsSimSettings
from reelmint.settings import load_settings
from reelmint.sim.runner import RunResult
from tests.sim.conftest import run_sim

USERS, DAYS, SEED = 1_500, 12, 11
MODES = ("rpm", "pool", "user-centric")
FIXED_POOL = 3_000_000  # $3 for the pool run: more than RPM pays this small month
Run = tuple[RunResult, Path, InMemoryLedger]


def month(root: Path, mode: str, **rewards: Any) -> Run:
    settings = load_settings(home=root / "home", sim={"rewards": {"mode": mode, **rewards}})
    ledger = InMemoryLedger()
    result, out = run_sim(root, USERS, DAYS, SEED, settings=settings, ledger=ledger)
    return result, out, ledger


@pytest.fixture(scope="module", params=MODES)
def run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Run:
    extra = {"pool_micros": FIXED_POOL} if request.param == "pool" else {}
    return month(tmp_path_factory.mktemp(f"rewards-{request.param}"), request.param, **extra)


def section(run: Run) -> dict[str, Any]:
    rewards: dict[str, Any] = run[0].summary["rewards"]
    return rewards


def test_the_month_closes_with_sound_books(run: Run) -> None:
    result, _out, ledger = run
    r = section(run)
    assert "rewards" in result.summary["steps"]
    assert r["books"] == []
    assert all(row.balanced for row in ledger.trial_balance())
    assert ledger.balance(books.POOL).posted == 0
    assert r["period"]["label"] == "2026-11-01..2026-11-12" and r["period"]["days"] == DAYS
    assert r["enrolled"] >= r["eligible_at_close"] >= r["creators_earning"] > 0
    assert r["paid_micros"] + r["carried_micros"] == r["earned_micros"] == r["cost_micros"]
    assert result.summary["money"]["creator_earnings_micros"]["rewards"] == r["earned_micros"]


def test_the_close_runs_under_the_chosen_mode_and_pool(run: Run) -> None:
    r = section(run)
    totals = r["comparison"]["modes"][r["mode"]]
    assert totals["distributed_micros"] == r["earned_micros"]
    if r["mode"] == "pool":
        assert r["pool_source"] == "fixed" and r["earned_micros"] == FIXED_POOL
    else:
        rpm = r["comparison"]["modes"]["rpm"]["distributed_micros"]
        assert r["pool_source"] == "rpm" and r["pool_micros"] == rpm


def test_the_summary_compares_the_three_modes_on_the_same_month(run: Run) -> None:
    c = section(run)["comparison"]
    assert set(c["modes"]) == set(MODES)
    assert len({m["views"] for m in c["modes"].values()}) == 1  # the same views
    assert set(c["movers"]) == {"pool", "user-centric"}
    growth = c["pool_rate_by_growth"]
    rates = [g["pool_rpm_micros"] for g in growth]
    assert rates == sorted(rates, reverse=True) and rates[0] > rates[-1]  # the pool's flaw
    assert len({g["rpm_micros"] for g in growth}) == 1  # RPM's rate does not move


def test_each_modes_payouts_sum_to_what_it_distributed(run: Run) -> None:
    c = section(run)["comparison"]
    assert len(c["payouts"]["creator"]) == c["creators"]  # a small month: every creator
    for mode in MODES:
        assert sum(c["payouts"][mode]) == c["modes"][mode]["distributed_micros"]


def test_duets_stitches_and_sponsored_posts_are_posted_and_never_earn(run: Run) -> None:
    origins = section(run)["origins"]
    for kind in ("duet", "stitch", "sponsored"):
        assert origins[kind]["videos"] > 0 and origins[kind]["earning"] == 0
    assert origins["original"]["earning"] > 0
    engine = make_engine(f"sqlite:///{run[1] / 'records.db'}")
    with engine.connect() as conn:
        lines = conn.execute(sa.text("SELECT count(*) FROM rewards_video_lines")).scalar()
    engine.dispose()
    assert lines == sum(o["earning"] for o in origins.values())


def test_creators_parquet_earnings_include_rewards(run: Run) -> None:
    table = pq.read_table(run[1] / "creators.parquet").to_pydict()
    total = run[0].summary["money"]["creator_earnings_micros"]
    assert sum(table["earnings_micros"]) == sum(total.values())


def people(out: Path) -> list[Any]:
    engine = make_engine(f"sqlite:///{out / 'records.db'}")
    with engine.connect() as conn:
        rows = list(conn.execute(sa.text("SELECT id, birth_date, standing FROM people "
                                         "ORDER BY id")))  # fmt: skip
    engine.dispose()
    return rows


def test_the_same_seed_gives_the_same_rewards_section_with_or_without_gifts(
    tmp_path: Path,
) -> None:
    """The second run has no gifts engine, so the rewards engine registers the people
    itself: the same people with the same birth dates, and the same rewards month."""
    from reelmint.sim.engines import register, unregister
    from reelmint.sim.engines.gifts import GiftsEngine

    first = month(tmp_path / "a", "user-centric")
    unregister("gifts")
    try:
        again = month(tmp_path / "b", "user-centric")
    finally:
        register(GiftsEngine)
    assert "gifts" in first[0].summary["steps"] and "gifts" not in again[0].summary["steps"]
    assert section(first) == section(again) and section(first)["creators_earning"] > 0
    registered = people(first[1])
    assert len(registered) == USERS and registered == people(again[1])


def test_the_scale_shrinks_counts_and_the_minimum_and_rounds_up() -> None:
    rules = RewardsSimSettings(scale="1/3").scaled(RewardsSettings())
    assert rules.min_followers == 3_334 and rules.payout_minimum_micros == 16_666_667
    assert rules.rpm_micros == RewardsSettings().rpm_micros  # the rate is the program's
    default = RewardsSimSettings().scaled(RewardsSettings())
    assert (default.min_followers, default.min_views_30d) == (100, 1_000)
    assert default.earning_threshold_views == 10 and default.payout_minimum_micros == 500_000


def test_origin_shares_are_checked() -> None:
    with pytest.raises(ValueError, match="unknown"):
        RewardsSimSettings(origin_shares={"remix": 0.1})
    with pytest.raises(ValueError, match="sum to 1"):
        RewardsSimSettings(origin_shares={"duet": 0.6, "stitch": 0.6})
    assert int(Origin.DUET) == 1  # the settings' names follow Origin's


def test_a_full_month_is_labelled_as_the_month() -> None:
    from datetime import date

    from reelmint.rewards.model import days

    assert days(date(2026, 11, 1), date(2026, 11, 30)) == Period.parse("2026-11")


def test_the_report_shows_the_rewards_and_the_modes(run: Run, tmp_path: Path) -> None:
    from rich.console import Console

    from reelmint.sim.report import load_run, print_report, write_html
    from reelmint.sim.report_rows import usd

    loaded = load_run(run[1])
    console = Console(record=True, width=140)
    print_report(loaded, console)
    text = console.export_text()
    part = text[text.index("Creator rewards") : text.index("Trial balance")]
    r = section(run)
    assert "Distribution modes on the same month" in part and "user-centric" in part
    earned = [line for line in part.splitlines() if "rewards earned" in line]
    assert len(earned) == 1 and usd(r["earned_micros"]) in earned[0]
    assert "Who would gain most from RPM to user-centric" in part
    assert "the less each view earns" in part
    page = write_html(loaded, tmp_path / "report.html").read_text()
    assert 'id="rewards"' in page and "Payouts per creator by mode" in page
    assert "rate per 1,000 views vs total views" in page


def test_an_unknown_rewards_mode_is_refused_with_exit_2(tmp_path: Path) -> None:
    from tests.test_cli import reelmint

    out = tmp_path / "run"
    done = reelmint("simulate", "--rewards-mode", "lottery", "--out", str(out), home=tmp_path)
    assert done.returncode == 2 and "lottery" in done.stderr
    assert not out.exists()
    helped = reelmint("simulate", "--help", home=tmp_path)
    assert "--rewards-mode" in helped.stdout


def test_origins_come_from_their_own_stream_and_take_no_draw_from_the_posting_one() -> None:
    from reelmint.sim.videos import origin_stream
    from reelmint.sim.world import seeded

    posting = seeded(SEED, "feed.day", 3)
    origins = origin_stream(posting).random(5)
    assert (origins == seeded(SEED, "feed.origin", 3).random(5)).all()
    assert (posting.random(5) == seeded(SEED, "feed.day", 3).random(5)).all()
    assert (origin_stream(seeded(SEED, "feed.back-catalog")).random(2)
            == seeded(SEED, "feed.origin").random(2)).all()  # fmt: skip
