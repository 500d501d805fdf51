"""`reelmint ads ...` end to end in a subprocess: an advertiser funded, a campaign built
and activated in order, and bad input refused in one line with exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

from reelmint.events.lake import Lake
from tests.ads.test_reports import CLICK, D1, HOUR, IMP, batch
from tests.test_cli import reelmint

ACME = ("-a", "acme")


def test_an_advertiser_runs_a_campaign_end_to_end(tmp_path: Path) -> None:
    steps = [
        ("ads", "advertiser", "add", "acme", "Acme Shoes", "--industry", "retail"),
        ("ads", "top-up", "acme", "$100", "--ref", "pay-1"),
        ("ads", "top-up", "acme", "$100", "--ref", "pay-1"),
        ("ads", "campaign", "add", *ACME, "--name", "Spring", "--objective", "traffic",
         "--budget", "$50"),
        ("ads", "group", "add", *ACME, "--campaign", "1", "--name", "US young", "--billing",
         "cpc", "--budget", "$20", "--country", "3", "--age-band", "1", "--age-band", "2",
         "--interest", "5", "--start", "2026-11-01T00:00:00Z"),
        ("ads", "ad", "add", *ACME, "--group", "1", "--video", "42",
         "--url", "https://acme.example/sale"),
        ("ads", "campaign", "status", "1", "active", *ACME),
        ("ads", "group", "status", "1", "active", *ACME),
        ("ads", "ad", "status", "1", "active", *ACME),
        ("ads", "campaign", "list", *ACME),
        ("ads", "balance", "acme"),
    ]  # fmt: skip

    done = [reelmint(*step, home=tmp_path) for step in steps]

    assert [d.returncode for d in done] == [0] * len(steps), [d.stderr for d in done]
    out = [d.stdout for d in done]
    assert "balance $100.00" in out[1] and "balance $100.00" in out[2]  # a retry credits once
    assert "campaign 1 (Spring): draft" in out[3]
    assert "ad group 1 (US young) in campaign 1: draft" in out[4]
    assert [o.strip() for o in out[6:9]] == ["campaign 1: active", "ad group 1: active",
                                             "ad 1: active"]  # fmt: skip
    assert "$50.00 daily" in out[9] and "active" in out[9]
    assert "acme: balance $100.00" in out[10]


def test_bad_ads_input_is_one_line_and_exit_code_2(tmp_path: Path) -> None:
    reelmint("ads", "advertiser", "add", "acme", "Acme", home=tmp_path)
    reelmint("ads", "advertiser", "add", "bolt", "Bolt", home=tmp_path)
    reelmint("ads", "campaign", "add", *ACME, "--name", "S", "--objective", "reach",
             "--budget", "$50", home=tmp_path)  # fmt: skip

    cheap = reelmint("ads", "campaign", "add", *ACME, "--name", "S", "--objective", "reach",
                     "--budget", "$5", home=tmp_path)  # fmt: skip
    mismatched = reelmint("ads", "group", "add", *ACME, "--campaign", "1", "--name", "G",
                     "--billing", "cpc", "--budget", "$20", home=tmp_path)  # fmt: skip
    foreign = reelmint("ads", "campaign", "status", "1", "active", "-a", "bolt", home=tmp_path)
    unknown = reelmint("ads", "top-up", "nobody", "$5", "--ref", "p", home=tmp_path)
    coins = reelmint("ads", "top-up", "acme", "5 coins", "--ref", "p", home=tmp_path)

    for refused in (cheap, mismatched, foreign, unknown, coins):
        assert refused.returncode == 2, refused.stdout
        assert len(refused.stderr.strip().splitlines()) == 1, refused.stderr
    assert "at least $50.00 (got $5.00)" in cheap.stderr
    assert "a reach campaign bills by cpm, not cpc" in mismatched.stderr
    assert "not advertiser 'bolt'" in foreign.stderr
    assert "'nobody' is not registered" in unknown.stderr
    assert "ads money is USD" in coins.stderr


def test_every_ads_command_teaches_with_an_example(tmp_path: Path) -> None:
    for command in (("advertiser", "add"), ("top-up",), ("campaign", "add"), ("group", "add"),
                    ("ad", "add"), ("ad", "status"), ("report",)):  # fmt: skip
        shown = reelmint("ads", *command, "--help", home=tmp_path)
        assert shown.returncode == 0 and "Example: reelmint ads" in shown.stdout, command


def test_a_report_prints_rows_for_people_and_machines(tmp_path: Path) -> None:
    for step in (("advertiser", "add", "acme", "Acme"),
                 ("campaign", "add", *ACME, "--name", "S", "--objective", "traffic",
                  "--budget", "$50"),
                 ("group", "add", *ACME, "--campaign", "1", "--name", "G", "--billing", "cpc",
                  "--budget", "$20", "--start", "2026-11-01T00:00:00Z"),
                 ("ad", "add", *ACME, "--group", "1", "--video", "4",
                  "--url", "https://acme.example/")):  # fmt: skip
        assert reelmint("ads", *step, home=tmp_path).returncode == 0, step

    empty = reelmint("ads", "report", *ACME, "--format", "json", home=tmp_path)
    empty_table = reelmint("ads", "report", *ACME, home=tmp_path)
    lake = Lake(tmp_path / "lake")  # the default lake of REELMINT_HOME
    lake.append(batch([(D1 + 10 * HOUR, IMP, 1, 1, 5_000), (D1 + 10 * HOUR, IMP, 2, 1, 5_000),
                       (D1 + 11 * HOUR, CLICK, 1, 1, 150_000)]))  # fmt: skip
    lake.flush()
    rows = reelmint("ads", "report", *ACME, "--format", "json", home=tmp_path)
    table = reelmint("ads", "report", *ACME, "--grain", "ad", "--period", "hour", home=tmp_path)
    spreadsheet = reelmint("ads", "report", *ACME, "--period", "total", "-f", "csv",
                           home=tmp_path)  # fmt: skip
    bad = reelmint("ads", "report", *ACME, "--grain", "advertiser", home=tmp_path)

    assert (empty.returncode, json.loads(empty.stdout)) == (0, [])
    assert "no delivery in this window" in empty.stderr  # beside json, not in it
    assert empty_table.returncode == 0 and "no delivery in this window" in empty_table.stdout
    assert "impr." in empty_table.stdout  # the header, even with no rows
    assert rows.returncode == 0, rows.stderr
    [day] = json.loads(rows.stdout)
    # 2 impressions at 5,000 and a click at 150,000 micros: CPM 160,000 x 1,000 / 2
    assert {k: day[k] for k in ("period_start", "campaign", "ad_group", "impressions",
                                "clicks", "spend_micros", "cpm_micros")} == {
        "period_start": "2026-11-01T00:00:00Z", "campaign": 1, "ad_group": 1,
        "impressions": 2, "clicks": 1, "spend_micros": 160_000,
        "cpm_micros": 80_000_000}  # fmt: skip
    assert "2026-11-01 10:00" in table.stdout and "2026-11-01 11:00" in table.stdout
    assert "$0.01" in table.stdout and "$5.00" in table.stdout  # hour 10: spend and CPM
    header, line = spreadsheet.stdout.strip().splitlines()
    assert header.startswith("campaign,ad_group,advertiser,impressions,reach,")
    assert dict(zip(header.split(","), line.split(","), strict=True))["spend_micros"] == "160000"
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1, bad.stderr
    assert "grain is campaign, ad_group or ad" in bad.stderr
