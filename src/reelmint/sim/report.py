"""Read a simulation run directory and present it: Rich tables in a terminal, or one HTML file.

A run directory holds `summary.json` (format `reelmint.simulation/1`: run facts, totals,
rates, distributions, money and the likes-and-money findings) and `creators.parquet` (one
row per creator, every column int64). `load_run` checks both once, so the presenters can
trust what they read; `reelmint report DIR` maps `ReportError` to a one-line message.

The headline question is "do likes make money?". Likes pay nothing directly: they raise a
video's score, the score brings impressions, impressions bring qualified views, and those
pay. A counterfactual run with the like weight at 0 measures how much of the money rides
on likes, e.g. "qualified views moved -3.1% and their value -3.0%".
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from rich.console import Console
from rich.table import Table
from rich.text import Text

from reelmint.sim import report_rows as rows

FORMAT = "reelmint.simulation/1"
SECTIONS = (
    "seed",
    "config",
    "steps",
    "counts",
    "totals",
    "rates",
    "targets",
    "daily",
    "views_per_video",
    "followers",
    "top_creators",
    "money",
    "trial_balance",
    "likes_and_money",
)
COLUMNS = (
    "creator",
    "followers",
    "videos",
    "impressions",
    "plays",
    "qualified_views",
    "likes",
    "comments",
    "shares",
    "value_micros",
    "earnings_micros",
)
CF_COLUMNS = (
    "cf_impressions",
    "cf_qualified_views",
    "cf_likes",
    "cf_value_micros",
    "cf_earnings_micros",
)
TEMPLATE = "templates/report.html.j2"


class ReportError(ValueError):
    """A run directory that cannot be reported on; the message is one line for people."""


@dataclass(frozen=True, eq=False)
class RunReport:
    """A checked simulation run: its summary and the per-creator columns as int64 arrays.

    `creators` always has every name in COLUMNS, and every name in CF_COLUMNS exactly
    when the summary has a counterfactual.
    """

    directory: Path
    summary: Mapping[str, Any]
    creators: Mapping[str, np.ndarray]

    @property
    def counterfactual(self) -> Mapping[str, Any] | None:
        """The like-weight-0 comparison, or None when the run made none."""
        cf: Mapping[str, Any] | None = self.summary["likes_and_money"].get("counterfactual")
        return cf


def load_run(directory: Path) -> RunReport:
    """Read and check DIR/summary.json and DIR/creators.parquet; raise ReportError if unfit."""
    directory = Path(directory)
    if not directory.is_dir():
        why = "it is not a directory" if directory.exists() else "it does not exist"
        raise ReportError(f"no simulation run at {directory}: {why}")
    summary = _load_summary(directory / "summary.json")
    creators = _load_creators(directory / "creators.parquet")
    has_cf = summary["likes_and_money"].get("counterfactual") is not None
    if has_cf != (CF_COLUMNS[0] in creators):
        said = "has a counterfactual" if has_cf else "has no counterfactual"
        raise ReportError(
            f"{directory}: summary.json {said} but creators.parquet "
            f"{'lacks' if has_cf else 'has'} the cf_ columns"
        )
    return RunReport(directory, summary, creators)


def _load_summary(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ReportError(f"no summary.json in {path.parent}: is this a simulation run directory?")
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ReportError(f"{path} is not valid JSON: {exc.msg} at line {exc.lineno}") from exc
    except UnicodeDecodeError as exc:
        raise ReportError(f"{path} is not UTF-8 text") from exc
    if not isinstance(summary, dict):
        raise ReportError(f"{path} is not a simulation summary (not a JSON object)")
    found = summary.get("format")
    if found != FORMAT:
        raise ReportError(f"{path} is not a simulation summary (format {found!r}, want {FORMAT!r})")
    missing = [key for key in SECTIONS if key not in summary]
    if missing:
        raise ReportError(f"{path} lacks {', '.join(missing)}")
    if not isinstance(summary["likes_and_money"], dict):
        raise ReportError(f"{path}: likes_and_money is not an object")
    return summary


def _load_creators(path: Path) -> dict[str, np.ndarray]:
    if not path.is_file():
        raise ReportError(f"no creators.parquet in {path.parent}")
    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        first_line = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise ReportError(f"{path} is not a readable Parquet file: {first_line}") from exc
    names = set(table.column_names)
    missing = [name for name in COLUMNS if name not in names]
    if missing:
        raise ReportError(f"{path} lacks columns {', '.join(missing)}")
    cf_absent = [name for name in CF_COLUMNS if name not in names]
    if 0 < len(cf_absent) < len(CF_COLUMNS):
        raise ReportError(f"{path} has some cf_ columns but lacks {', '.join(cf_absent)}")
    wanted = COLUMNS + (() if cf_absent else CF_COLUMNS)
    for name in wanted:
        column = table.column(name)
        if not pa.types.is_integer(column.type):
            raise ReportError(f"{path}: column {name} is {column.type}, want int64")
        if column.null_count:
            raise ReportError(f"{path}: column {name} has {column.null_count} nulls")
    return {name: table.column(name).to_numpy().astype(np.int64) for name in wanted}


def print_report(run: RunReport, console: Console) -> None:
    """The run as Rich tables, in the order a reader asks: what ran, what happened, who won,
    where the money went, whether the books balance, and whether likes make money."""
    s = run.summary
    console.print(_pairs("Run", rows.run_facts(s)))
    console.print(_pairs("Counts", rows.labelled(s["counts"])))
    title = f"Engagement per play vs DESIGN targets (±{rows.TOLERANCE:.0%})"
    console.print(_table(title, rows.RATE_HEADERS, rows.rate_rows(s)))
    console.print(_pairs("Totals", rows.labelled(s["totals"])))
    console.print(_table("Distributions", rows.DIST_HEADERS, rows.distribution_rows(s)))
    top = rows.top_rows(s)[:10]
    console.print(_table("Top creators by qualified views", rows.TOP_HEADERS, top))
    for title, key in rows.MONEY:
        by_channel = s["money"].get(key) or {}
        if by_channel:
            console.print(_pairs(title, rows.money_rows(by_channel)))
        else:
            console.print(f"[bold]{title}:[/] {rows.NO_MONEY}")
    _print_gifts(s, console)
    _print_rewards(s, console)
    console.print(_table("Trial balance", rows.TB_HEADERS, rows.trial_rows(s)))
    _print_likes(run, console)


def _print_gifts(s: Mapping[str, Any], console: Console) -> None:
    gifts = s.get("gifts")  # runs from before the gifts engine have none
    if gifts is None:
        console.print(f"[bold]LIVE gifts:[/] {rows.NO_GIFTS}")
        return
    console.print(_pairs("LIVE gifts", rows.gift_rows(gifts)))
    console.print(_table("Top gifters", rows.GIFTER_HEADERS, rows.gifter_rows(gifts)))


def _print_rewards(s: Mapping[str, Any], console: Console) -> None:
    from reelmint.sim import report_rewards as rw

    r = s.get("rewards")  # runs from before the rewards engine have none
    if r is None:
        console.print(f"[bold]Creator rewards:[/] {rw.NO_REWARDS}")
        return
    console.print(_pairs("Creator rewards", rw.rewards_rows(r)))
    title = f"Distribution modes on the same month ({r['period']['label']})"
    console.print(_table(title, rw.MODE_HEADERS, rw.mode_rows(r)))
    for mode in ("pool", "user-centric"):
        for side, verb in (("gain", "gain"), ("lose", "lose")):
            body = rw.mover_rows(r, mode, side)
            title = f"Who would {verb} most from RPM to {mode}"
            if body:
                console.print(_table(title, rw.MOVER_HEADERS, body))
            else:
                console.print(f"[bold]{title}:[/] {rw.NO_MOVERS}")
    console.print(_table("The fixed pool's rate as views grow", rw.GROWTH_HEADERS,
                         rw.growth_rows(r)))  # fmt: skip
    console.print(rw.flaw_sentence(r), markup=False)


def _print_likes(run: RunReport, console: Console) -> None:
    s, cf = run.summary, run.counterfactual
    title = "Do likes make money? Spearman ρ across creators"
    console.print(_table(title, ("pair", "ρ"), rows.spearman_rows(s)))
    if cf is not None:
        title = "Counterfactual: the like weight at 0"
        console.print(_table(title, rows.CF_HEADERS, rows.cf_rows(cf)))
    console.print(rows.cf_sentence(cf), markup=False)
    console.print(rows.explanation(s), markup=False)


def _pairs(title: str, pairs: Sequence[tuple[str, str]]) -> Table:
    return _table(title, ("", ""), pairs, header=False)


def _table(
    title: str, headers: tuple[str, ...], body: Sequence[tuple[str, ...]], header: bool = True
) -> Table:
    # min_width keeps a short table from wrapping its title; Text keeps data out of markup.
    table = Table(title=title, title_justify="left", show_header=header, min_width=len(title))
    for i, name in enumerate(headers):
        table.add_column(name, justify="left" if i == 0 else "right")
    for row in body:
        table.add_row(*(Text(cell) for cell in row))
    return table


def write_html(run: RunReport, path: Path) -> Path:
    """Render the run as one self-contained HTML file at `path` and return the path.

    The page is rendered in memory first, then written to a temp file beside `path` and
    moved over it with `os.replace`: a failure leaves the old file or none, never half a page.
    """
    from reelmint.sim.report_html import html_context  # loads matplotlib only when needed

    source = resources.files("reelmint.sim").joinpath(TEMPLATE).read_text(encoding="utf-8")
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    page = env.from_string(source).render(html_context(run))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(page)
        os.chmod(temp, 0o644)  # mkstemp makes it owner-only; a report is for sharing
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return path
