"""An advertiser's campaign, built with `reelmint ads`, runs in the simulated platform
beside the synthetic market (`simulate --campaigns`): it delivers, it spends no more than
its advertiser holds, and its delivery is in the run's lake under its own ad id."""

from __future__ import annotations

import json
from pathlib import Path

from tests.test_cli import reelmint

ACME = ("-a", "acme")


def test_a_manager_campaign_runs_in_the_simulator(tmp_path: Path) -> None:
    steps = [
        ("ads", "advertiser", "add", "acme", "Acme Shoes"),
        ("ads", "top-up", "acme", "$30", "--ref", "pay-1"),
        ("ads", "campaign", "add", *ACME, "--name", "Spring", "--objective", "reach",
         "--budget", "$50"),
        ("ads", "group", "add", *ACME, "--campaign", "1", "--name", "Everyone", "--billing",
         "cpm", "--budget", "$20", "--bid-strategy", "bid_cap", "--bid", "$40",
         "--start", "2026-11-01T00:00:00Z"),
        ("ads", "ad", "add", *ACME, "--group", "1", "--video", "42",
         "--url", "https://acme.example/sale"),
        ("ads", "campaign", "status", "1", "active", *ACME),
        ("ads", "group", "status", "1", "active", *ACME),
        ("ads", "ad", "status", "1", "active", *ACME),
    ]  # fmt: skip
    for step in steps:
        done = reelmint(*step, home=tmp_path)
        assert done.returncode == 0, (step, done.stderr)
    out = tmp_path / "run"

    run = reelmint("simulate", "--users", "2000", "--days", "2", "--campaigns",
                   "--no-counterfactual", "--out", str(out), home=tmp_path)  # fmt: skip

    assert run.returncode == 0, run.stderr
    ads = json.loads((out / "summary.json").read_text())["ads"]
    assert ads["from_manager"] == ["acme"]
    spent = ads["by_advertiser"]["acme"]
    assert 0 < spent <= 30_000_000  # it delivered, within the $30 it holds
    report = reelmint("ads", "report", *ACME, "--grain", "campaign", "--period", "total",
                      "--format", "json", "--lake", str(out / "lake"), home=tmp_path)  # fmt: skip
    assert report.returncode == 0, report.stderr
    [row] = json.loads(report.stdout)
    assert row["spend_micros"] == spent and row["impressions"] > 0 and row["campaign"] == 1


def test_campaigns_flag_without_any_campaign_is_refused(tmp_path: Path) -> None:
    reelmint("ads", "advertiser", "add", "acme", "Acme", home=tmp_path)
    run = reelmint("simulate", "--users", "100", "--days", "1", "--campaigns",
                   "--out", str(tmp_path / "run"), home=tmp_path)  # fmt: skip
    assert run.returncode == 2 and "no campaigns yet" in run.stderr
    assert not (tmp_path / "run").exists()
