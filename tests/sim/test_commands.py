"""`reelmint simulate`, `reelmint report` and `reelmint demo` as a person runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_cli import reelmint


def entries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_simulate_then_report_end_to_end(tmp_path: Path) -> None:
    out = tmp_path / "run"
    done = reelmint("simulate", "--users", "800", "--days", "3", "--seed", "4", "--out",
                    str(out), home=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f"reelmint report {out}" in done.stdout
    assert "events/s" in done.stderr and "3/3" in done.stderr  # the progress bar
    assert {"summary.json", "creators.parquet", "books.db", "lake", "counterfactual",
            "run.json"} <= set(entries(out))  # fmt: skip
    summary = json.loads((out / "summary.json").read_text())
    assert summary["counts"]["users"] == 800 and summary["seed"] == 4
    assert summary["likes_and_money"]["counterfactual"]["like_weight"] == 0.0
    shown = reelmint("report", str(out), home=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert "Do likes make money?" in shown.stdout and "like weight 0" in shown.stdout
    html = (out / "report.html").read_text()
    assert "<svg" in html and "<script src" not in html


def test_the_same_seed_through_the_command_gives_the_same_summary(tmp_path: Path) -> None:
    texts = []
    for name in ("a", "b"):
        args = ("simulate", "--users", "500", "--days", "2", "--out", str(tmp_path / name))
        assert reelmint(*args, home=tmp_path).returncode == 0
        texts.append((tmp_path / name / "summary.json").read_text())
    assert texts[0] == texts[1]


@pytest.mark.parametrize(("flag", "value"), [("--users", "0"), ("--users", "-5"),
                                             ("--days", "0")])  # fmt: skip
def test_bad_sizes_are_refused_with_exit_2_and_nothing_written(
    tmp_path: Path, flag: str, value: str
) -> None:
    out = tmp_path / "run"
    done = reelmint("simulate", flag, value, "--out", str(out), home=tmp_path)
    assert done.returncode == 2
    assert flag in done.stderr
    assert not out.exists() and entries(tmp_path) == []


def test_a_folder_that_holds_a_run_is_refused_unless_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "run"
    args = ("simulate", "--users", "300", "--days", "1", "--no-counterfactual", "--out", str(out))
    assert reelmint(*args, home=tmp_path).returncode == 0
    before = (out / "summary.json").read_text()
    again = reelmint(*args[:-2], "--seed", "9", "--out", str(out), home=tmp_path)
    assert again.returncode == 2 and "already holds a run" in again.stderr
    assert (out / "summary.json").read_text() == before
    replaced = reelmint(*args[:-2], "--seed", "9", "--out", str(out), "--overwrite",
                        home=tmp_path)  # fmt: skip
    assert replaced.returncode == 0, replaced.stderr
    assert json.loads((out / "summary.json").read_text())["seed"] == 9
    assert entries(tmp_path) == ["run"]  # no staging folder left behind


def test_a_folder_holding_other_files_is_never_overwritten(tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.txt").write_text("precious")
    done = reelmint("simulate", "--users", "10", "--days", "1", "--out", str(out), "--overwrite",
                    home=tmp_path)  # fmt: skip
    assert done.returncode == 2 and "holds no run" in done.stderr
    assert entries(out) == ["thesis.txt"]


def test_a_folder_that_cannot_be_written_is_refused(tmp_path: Path) -> None:
    # /sys refuses new entries to every user, root included, so this holds under CI too.
    done = reelmint("simulate", "--users", "10", "--days", "1", "--out",
                    "/sys/reelmint-run", home=tmp_path)  # fmt: skip
    assert done.returncode == 2 and "cannot be written" in done.stderr
    assert not Path("/sys/reelmint-run").exists()


def test_an_out_path_that_is_a_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    done = reelmint("simulate", "--users", "10", "--days", "1", "--out", str(target),
                    home=tmp_path)  # fmt: skip
    assert done.returncode == 2 and "is a file" in done.stderr
    assert target.read_text() == "x"


def test_report_of_a_folder_without_a_run_is_a_clear_error(tmp_path: Path) -> None:
    done = reelmint("report", str(tmp_path / "nothing"), home=tmp_path)
    assert done.returncode == 2 and "reelmint: error:" in done.stderr


def test_help_teaches(tmp_path: Path) -> None:
    done = reelmint("simulate", "--help", home=tmp_path)
    assert done.returncode == 0
    for word in ("--users", "--days", "--seed", "--out", "--overwrite", "Example"):
        assert word in done.stdout
