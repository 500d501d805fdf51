"""`reelmint ads ...` end to end in a subprocess: an advertiser funded, a campaign built
and activated in order, and bad input refused in one line with exit code 2."""

from __future__ import annotations

from pathlib import Path

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
                    ("ad", "add"), ("ad", "status")):  # fmt: skip
        shown = reelmint("ads", *command, "--help", home=tmp_path)
        assert shown.returncode == 0 and "Example: reelmint ads" in shown.stdout, command
