"""The simulation report: loading a run directory, the terminal tables and the HTML page."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from rich.console import Console

from reelmint.money import Asset, format_amount
from reelmint.sim import charts
from reelmint.sim.report import ReportError, RunReport, load_run, print_report, write_html
from reelmint.sim.report_html import sample_rows
from tests.sim.report_fixture import edit_summary, write_run

SVG_NAMESPACES = {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    return write_run(tmp_path / "run")


@pytest.fixture
def plain_dir(tmp_path: Path) -> Path:
    """A run with neither a counterfactual nor any money booked."""
    return write_run(tmp_path / "plain", counterfactual=False, money=False)


def render(run: RunReport) -> str:
    console = Console(record=True, width=120)
    print_report(run, console)
    return console.export_text()


def between(text: str, start: str, end: str) -> str:
    """The part of the output from the title `start` up to the title `end`."""
    return text[text.index(start) : text.index(end)]


def line_with(text: str, *needles: str) -> str:
    """The one output line holding every needle."""
    found = [line for line in text.splitlines() if all(n in line for n in needles)]
    assert len(found) == 1, (needles, found)
    return found[0]


# --- loading ----------------------------------------------------------------------------


def test_load_run_reads_both_files(run_dir: Path) -> None:
    run = load_run(run_dir)
    assert run.summary["seed"] == 7
    assert len(run.creators["creator"]) == 200
    assert run.creators["likes"].dtype == np.int64
    assert run.counterfactual is not None
    assert "cf_qualified_views" in run.creators


def test_load_run_without_counterfactual_has_no_cf_columns(plain_dir: Path) -> None:
    run = load_run(plain_dir)
    assert run.counterfactual is None
    assert "cf_qualified_views" not in run.creators


def _rewrite_creators(directory: Path, change: Any) -> None:
    path = directory / "creators.parquet"
    pq.write_table(change(pq.read_table(path)), path)


def _drop(*names: str) -> Any:
    return lambda table: table.drop_columns(list(names))


def _as_float(name: str) -> Any:
    def change(table: pa.Table) -> pa.Table:
        i = table.column_names.index(name)
        return table.set_column(i, name, table.column(name).cast(pa.float64()))

    return change


def _with_null(name: str) -> Any:
    def change(table: pa.Table) -> pa.Table:
        values = table.column(name).to_pylist()
        values[0] = None
        i = table.column_names.index(name)
        return table.set_column(i, name, pa.array(values, pa.int64()))

    return change


@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        (lambda d: d.rename(d.with_name("gone")), r"no simulation run at .*: it does not exist"),
        (lambda d: (d / "summary.json").unlink(), r"no summary\.json in .*simulation run"),
        (lambda d: (d / "summary.json").write_text("{oops"), r"is not valid JSON: .* line 1"),
        (lambda d: (d / "summary.json").write_text("[1, 2]"), r"not a JSON object"),
        (
            lambda d: edit_summary(d, lambda s: s.update(format="other/2")),
            r"not a simulation summary \(format 'other/2', want 'reelmint\.simulation/1'\)",
        ),
        (
            lambda d: edit_summary(d, lambda s: [s.pop("daily"), s.pop("money")]),
            r"summary\.json lacks daily, money$",
        ),
        (lambda d: (d / "creators.parquet").unlink(), r"no creators\.parquet in "),
        (
            lambda d: (d / "creators.parquet").write_bytes(b"not parquet at all"),
            r"creators\.parquet is not a readable Parquet file: ",
        ),
        (
            lambda d: _rewrite_creators(d, _drop("likes", "shares")),
            r"creators\.parquet lacks columns likes, shares$",
        ),
        (
            lambda d: _rewrite_creators(d, _as_float("plays")),
            r"column plays is double, want int64",
        ),
        (
            lambda d: _rewrite_creators(d, _with_null("followers")),
            r"column followers has 1 nulls",
        ),
        (
            lambda d: _rewrite_creators(d, _drop("cf_likes")),
            r"has some cf_ columns but lacks cf_likes$",
        ),
        (
            lambda d: edit_summary(d, lambda s: s["likes_and_money"].update(counterfactual=None)),
            r"summary\.json has no counterfactual but creators\.parquet has the cf_ columns",
        ),
    ],
    ids=[
        "missing-dir",
        "no-summary",
        "bad-json",
        "json-not-object",
        "wrong-format",
        "missing-sections",
        "no-parquet",
        "garbage-parquet",
        "missing-columns",
        "float-column",
        "null-values",
        "partial-cf",
        "cf-mismatch",
    ],
)
def test_load_run_refuses_unfit_directories_with_one_line(
    run_dir: Path, breakage: Any, message: str
) -> None:
    breakage(run_dir)
    with pytest.raises(ReportError, match=message) as caught:
        load_run(run_dir)
    assert "\n" not in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_load_run_refuses_a_file_as_the_directory(run_dir: Path) -> None:
    with pytest.raises(ReportError, match="it is not a directory"):
        load_run(run_dir / "summary.json")


# --- terminal ---------------------------------------------------------------------------


def test_print_report_shows_run_facts_counts_and_totals(run_dir: Path) -> None:
    run = load_run(run_dir)
    text = render(run)
    totals = run.summary["totals"]
    assert "seed" in line_with(text, "seed", "7")
    assert "feed" in line_with(text, "engines", "feed")
    assert line_with(text, "users", "10,000")
    in_totals = between(text, "Totals", "Distributions")
    assert line_with(in_totals, "impressions", f"{totals['impressions']:,}")
    assert line_with(in_totals, "qualified views", f"{totals['qualified_views']:,}")


def test_print_report_marks_rates_against_targets(run_dir: Path) -> None:
    def set_rates(s: dict[str, Any]) -> None:
        s["rates"].update(like=0.046, comment=0.0052)  # +15% and +30% off their targets

    edit_summary(run_dir, set_rates)
    text = render(load_run(run_dir))
    assert line_with(text, "│ like ", "4.60%", "4.00%").rstrip("│ ").endswith("✓")
    assert line_with(text, "│ comment ", "0.52%", "0.40%").rstrip("│ ").endswith("✗")
    assert line_with(text, "qualified", "—")  # no target to compare against


def test_print_report_shows_distributions_and_top_creators(run_dir: Path) -> None:
    run = load_run(run_dir)
    text = render(run)
    views = run.summary["views_per_video"]
    row = line_with(text, "qualified views per video")
    assert f"{views['gini']:.3f}" in row
    assert f"{views['quantiles']['max']:,}" in row
    top = run.summary["top_creators"][0]
    row = line_with(text, f"│ {top['creator']} ", f"{top['qualified_views']:,}")
    assert format_amount(Asset.USD, top["value_micros"]) in row


def test_print_report_shows_money_in_dollars_and_the_trial_balance(run_dir: Path) -> None:
    run = load_run(run_dir)
    text = render(run)
    ads = run.summary["money"]["platform_revenue_micros"]["ads"]
    assert line_with(text, "ads", format_amount(Asset.USD, ads))
    assert "$48,123.46" in text  # 48_123_456_789 micros
    tb = run.summary["trial_balance"][0]
    row = line_with(text, "USD", format_amount(Asset.USD, tb["debits_posted"]))
    assert row.rstrip("│ ").endswith("✓")


def test_print_report_says_when_no_money_was_booked(plain_dir: Path) -> None:
    text = render(load_run(plain_dir))
    assert text.count("No money engine has booked anything in this run yet.") == 2


def test_print_report_shows_the_live_gifts_month(run_dir: Path) -> None:
    run = load_run(run_dir)
    text = render(run)
    gifts = between(text, "LIVE gifts", "Trial balance")
    g = run.summary["gifts"]
    assert line_with(gifts, "gift revenue (platform)", format_amount(Asset.USD, 300_000_000))
    assert line_with(gifts, "app-store fees", "$277.46")
    assert line_with(gifts, "cash-outs on hold", "17", "$182.68")
    assert line_with(gifts, "top 10% of gifters", "89.1%")
    assert line_with(gifts, "gifts refused", "UnderAge 9")
    top = g["top_gifters"][0]
    assert line_with(gifts, f"│ {top['user']} ", "18-24", "29,800")


def test_print_report_says_when_a_run_had_no_gifts(plain_dir: Path) -> None:
    assert "This run had no LIVE gifts engine." in render(load_run(plain_dir))


def test_print_report_words_the_counterfactual_plainly(run_dir: Path) -> None:
    def set_change(s: dict[str, Any]) -> None:
        cf = s["likes_and_money"]["counterfactual"]
        cf["change"].update(qualified_views=-0.031, value_micros=-0.030)
        cf["creators"] = {"gained_views": 12, "lost_views": 150, "unchanged": 38}

    edit_summary(run_dir, set_change)
    text = " ".join(render(load_run(run_dir)).split())  # undo Rich's line wrapping
    assert "With the like weight at 0, qualified views moved -3.1% and their value -3.0%" in text
    assert "12 creators gained views, 150 lost views and 38 were unchanged" in text
    assert "Likes pay nothing directly" in text


def test_print_report_shows_spearman_and_says_when_there_is_no_counterfactual(
    plain_dir: Path,
) -> None:
    run = load_run(plain_dir)
    text = render(run)
    rho = run.summary["likes_and_money"]["spearman"]["likes_vs_qualified_views"]
    assert f"{rho:+.2f}" in line_with(text, "likes vs qualified views")
    assert "n/a" in line_with(text, "likes vs earnings")
    assert "made no counterfactual" in text
    assert "like weight 0" not in text


# --- HTML -------------------------------------------------------------------------------


def _html(run_dir: Path) -> str:
    path = write_html(load_run(run_dir), run_dir / "report.html")
    return path.read_text(encoding="utf-8")


# Rendering takes about a second (matplotlib lays out each chart), so the tests that only
# read a page share one per kind of run.
@pytest.fixture(scope="module")
def cf_page(tmp_path_factory: pytest.TempPathFactory) -> str:
    return _html(write_run(tmp_path_factory.mktemp("cf") / "run"))


@pytest.fixture(scope="module")
def plain_page(tmp_path_factory: pytest.TempPathFactory) -> str:
    directory = tmp_path_factory.mktemp("plain") / "run"
    return _html(write_run(directory, counterfactual=False, money=False))


def test_write_html_draws_every_chart_inline_with_the_counterfactual(cf_page: str) -> None:
    html = cf_page
    # 2 daily, 2 distributions, top creators, 2 money, 2 gifts, 2 likes scatters, 1 cf.
    assert html.count("<svg") == 12
    assert "Views per day" in html and "Engagement per day" in html
    assert "Qualified views per video (Gini " in html
    assert "Change in each creator's qualified views" in html
    assert "like weight 0" in html
    assert "Likes pay nothing directly" in html


def test_write_html_without_counterfactual_or_money_says_so(plain_page: str) -> None:
    html = plain_page
    assert html.count("<svg") == 7  # no money charts, no counterfactual chart
    assert html.count("No money engine has booked anything in this run yet.") == 2
    assert "made no counterfactual" in html
    assert "Change in each creator" not in html


def test_write_html_shows_the_live_gifts_month(cf_page: str, plain_page: str) -> None:
    assert 'id="gifts"' in cf_page and "Top gifters" in cf_page
    assert "LIVE gift coins per day" in cf_page
    assert "Where the money paid for coins went" in cf_page
    assert "This run had no LIVE gifts engine." in plain_page


def test_write_html_states_the_counterfactual_change(run_dir: Path, cf_page: str) -> None:
    cf = load_run(run_dir).counterfactual  # the same seeded run as the page's
    assert cf is not None
    views = f"{cf['change']['qualified_views'] * 100:+.1f}%"
    html = cf_page
    assert f"qualified views moved {views}" in html
    assert format_amount(Asset.USD, cf["baseline"]["value_micros"]) in html


@pytest.mark.parametrize("page", ["cf_page", "plain_page"])
def test_write_html_is_self_contained(page: str, request: pytest.FixtureRequest) -> None:
    html = request.getfixturevalue(page)
    assert "<script" not in html
    assert "<link" not in html
    assert "@import" not in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", html)
    # The only URLs left are the SVG namespace names, which browsers never fetch.
    assert set(re.findall(r"https?://[^\s\"'<>)]+", html)) <= SVG_NAMESPACES


def test_write_html_escapes_text_from_the_run(run_dir: Path) -> None:
    def name_channel(s: dict[str, Any]) -> None:
        s["money"]["platform_revenue_micros"] = {"<b>ads</b>": 1_000_000}

    edit_summary(run_dir, name_channel)
    html = _html(run_dir)
    assert "&lt;b&gt;ads&lt;/b&gt;" in html
    assert "<b>ads</b>" not in html


def test_write_html_stays_small_for_ten_thousand_creators(tmp_path: Path) -> None:
    big = write_run(tmp_path / "big", creators=10_000)
    path = write_html(load_run(big), big / "report.html")
    assert path.stat().st_size < 1_500_000
    assert "5,000 of 10,000 creators" in path.read_text(encoding="utf-8")


def test_write_html_is_deterministic(run_dir: Path, tmp_path: Path) -> None:
    run = load_run(run_dir)
    first = write_html(run, tmp_path / "a.html").read_bytes()
    second = write_html(run, tmp_path / "b.html").read_bytes()
    assert first == second


def test_write_html_leaves_nothing_when_rendering_fails(
    run_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> str:
        raise RuntimeError("chart failed")

    monkeypatch.setattr(charts, "scatter", broken)
    with pytest.raises(RuntimeError, match="chart failed"):
        write_html(load_run(run_dir), run_dir / "report.html")
    assert not (run_dir / "report.html").exists()
    assert sorted(p.name for p in run_dir.iterdir()) == ["creators.parquet", "summary.json"]


def test_write_html_keeps_the_old_report_when_writing_fails(
    run_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = run_dir / "report.html"
    target.write_text("old report", encoding="utf-8")

    def failing_replace(src: str, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("reelmint.sim.report.os.replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        write_html(load_run(run_dir), target)
    assert target.read_text(encoding="utf-8") == "old report"
    assert sorted(p.name for p in run_dir.iterdir()) == [
        "creators.parquet",
        "report.html",
        "summary.json",
    ]


def test_the_template_ships_inside_the_package() -> None:
    template = resources.files("reelmint.sim").joinpath("templates/report.html.j2")
    assert template.is_file()
    assert "{{ cf_sentence }}" in template.read_text(encoding="utf-8")


def test_sample_rows_caps_points_and_repeats_itself() -> None:
    assert list(sample_rows(3, limit=5)) == [0, 1, 2]
    picked = sample_rows(20_000, limit=5_000)
    assert len(picked) == 5_000
    assert len(set(picked.tolist())) == 5_000
    assert np.all(np.diff(picked) > 0)
    assert np.array_equal(picked, sample_rows(20_000, limit=5_000))


# --- charts -----------------------------------------------------------------------------

DAYS = [f"2026-11-{d:02d}" for d in range(1, 31)]
CHARTS: dict[str, Any] = {
    "line": lambda k: charts.line_chart("Views", DAYS, {"plays": [k * i for i in range(30)]}),
    "histogram": lambda k: charts.loglog_histogram(
        "Views", [1, 10, 100, 1000], [50, 5 + k, 1], xlabel="views"
    ),
    "bar": lambda k: charts.bar_chart("Top", ["a", "b"], [3, 1 + k], xlabel="views"),
    "scatter": lambda k: charts.scatter(
        "Likes", np.arange(1, 300), np.arange(1, 300) * (1 + k), xlabel="x", ylabel="y"
    ),
}


@pytest.mark.parametrize("kind", sorted(CHARTS))
def test_charts_are_byte_identical_for_the_same_inputs(kind: str) -> None:
    first, again, other = CHARTS[kind](1), CHARTS[kind](1), CHARTS[kind](2)
    assert first == again
    assert first != other  # the output does follow the data
    assert first.startswith("<svg") and first.rstrip().endswith("</svg>")
    assert "<?xml" not in first and "<!DOCTYPE" not in first
    assert set(re.findall(r"https?://[^\s\"'<>)]+", first)) <= SVG_NAMESPACES


def test_charts_keep_text_as_text_and_points_as_one_image() -> None:
    svg = CHARTS["scatter"](1)
    assert "<text" in svg and "Likes" in svg  # svg.fonttype none: no glyph paths
    assert svg.count("<image") == 1  # 299 points rasterised together
    assert "data:image/png;base64," in svg


def test_charts_with_nothing_to_plot_say_so() -> None:
    empty = [
        charts.scatter("S", [], [], xlabel="x", ylabel="y"),
        charts.loglog_histogram("H", [1, 2], [0], xlabel="x"),
        charts.bar_chart("B", [], [], xlabel="x"),
    ]
    assert all("nothing to show" in svg for svg in empty)


def test_scatter_leaves_out_points_a_log_axis_cannot_hold() -> None:
    svg = charts.scatter("S", [0, -1], [5, 5], xlabel="x", ylabel="y")
    assert "nothing to show" in svg
    linear = charts.scatter("S", [1, 10], [-5.0, float("nan")], xlabel="x", ylabel="y", log_y=False)
    assert "nothing to show" not in linear  # negative changes stay on a linear axis
