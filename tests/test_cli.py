"""The `reelmint` command, end to end in a subprocess: what a person at a terminal sees."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.pg import fresh_schema, require_server


def reelmint(*args: str, home: Path, url: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REELMINT_")}
    env["REELMINT_HOME"] = str(home)
    env["COLUMNS"] = "200"  # Rich wraps tables to the terminal; keep rows on one line
    if url:
        env["REELMINT_DATABASE_URL"] = url
    return subprocess.run(
        [sys.executable, "-m", "reelmint.cli", *args],
        capture_output=True, text=True, env=env, cwd=home, timeout=120,
    )  # fmt: skip


def test_demo_prints_balances_and_a_balanced_trial_balance(tmp_path: Path) -> None:
    done = reelmint("books", "walkthrough", home=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "platform:revenue:gifts" in done.stdout and "$2.50" in done.stdout
    assert "NO" not in done.stdout.split("trial balance")[-1]
    again = reelmint("books", "walkthrough", home=tmp_path)
    assert again.returncode == 0 and again.stdout == done.stdout


def test_books_commands_read_what_the_demo_posted(tmp_path: Path) -> None:
    assert reelmint("books", "walkthrough", home=tmp_path).returncode == 0
    balance = reelmint("books", "balance", "user:alice:coins", home=tmp_path)
    assert balance.returncode == 0 and "500 coins" in balance.stdout
    before = reelmint("books", "balance", "user:alice:coins", "--at", "2026-11-01T12:30:00",
                      home=tmp_path)  # fmt: skip
    assert "1,000 coins" in before.stdout
    statement = reelmint("books", "statement", "creator:bob:payable", home=tmp_path)
    assert "gifts.cashout_usd" in statement.stdout and "gifts.payout" in statement.stdout
    assert reelmint("books", "verify", home=tmp_path).returncode == 0
    assert reelmint("books", "trial-balance", home=tmp_path).returncode == 0


def test_export_writes_a_file_the_checker_accepts(tmp_path: Path) -> None:
    assert reelmint("books", "walkthrough", home=tmp_path).returncode == 0
    out = tmp_path / "books.beancount"
    done = reelmint("books", "export", "-f", "beancount", "-o", str(out), home=tmp_path)
    assert done.returncode == 0, done.stderr
    check = subprocess.run(
        [str(Path(sys.executable).with_name("bean-check")), str(out)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert check.returncode == 0, check.stdout + check.stderr


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("books", "balance", "user:nobody:coins"), "no account"),
        (("books", "balance", "user:alice:coins", "--at", "yesterday"), "ISO 8601"),
        (("books", "statement", "user:alice:coins", "--limit", "0"), "limit"),
        (("books", "export", "-f", "csv", "-o", "x.csv"), "format"),
    ],
)
def test_bad_input_is_one_line_on_stderr_with_exit_code_2(
    tmp_path: Path, args: tuple[str, ...], needle: str
) -> None:
    assert reelmint("books", "walkthrough", home=tmp_path).returncode == 0
    done = reelmint(*args, home=tmp_path)
    assert done.returncode == 2
    assert needle in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "x.csv").exists()


def test_export_to_a_missing_directory_writes_nothing(tmp_path: Path) -> None:
    assert reelmint("books", "walkthrough", home=tmp_path).returncode == 0
    target = tmp_path / "nowhere" / "books.journal"
    done = reelmint("books", "export", "-f", "hledger", "-o", str(target), home=tmp_path)
    assert done.returncode == 2 and "not a directory" in done.stderr
    assert not target.parent.exists()


def test_books_refuse_a_database_behind_the_code(tmp_path: Path) -> None:
    done = reelmint("books", "trial-balance", home=tmp_path)
    assert done.returncode == 2
    assert "reelmint db upgrade" in done.stderr
    assert reelmint("db", "upgrade", home=tmp_path).returncode == 0
    assert reelmint("books", "trial-balance", home=tmp_path).returncode == 0


def test_bad_setting_is_reported_by_name(tmp_path: Path) -> None:
    env_home = tmp_path
    (env_home / "reelmint.toml").write_text("[economics.gifts]\ncreator_share = 0.5\n")
    done = reelmint("books", "walkthrough", home=env_home)
    assert done.returncode == 2
    assert "creator_share" in done.stderr and "exact" in done.stderr


@pytest.mark.postgres
def test_demo_runs_on_postgresql(tmp_path: Path) -> None:
    with fresh_schema(require_server()) as url:
        done = reelmint("books", "walkthrough", home=tmp_path, url=url)
        assert done.returncode == 0, done.stderr
        assert "postgresql" in done.stdout
        verify = reelmint("books", "verify", home=tmp_path, url=url)
        assert verify.returncode == 0, verify.stderr
