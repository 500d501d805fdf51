"""`reelmint simulate` and `reelmint report`: thin edges over the runner and the report."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from reelmint.platform import Platform
from reelmint.settings import Settings
from reelmint.sim import rundir
from reelmint.sim.advertisers import ManagerMarket
from reelmint.sim.counterfactual import compare, without_likes
from reelmint.sim.runner import DayDone, RunResult, simulate
from reelmint.sim.summary import write_json, write_table
from reelmint.sim.world import RunConfig

console = Console(stderr=True)
_CAMPAIGNS_HELP = (
    "also run the Ads Manager's campaigns (built with `reelmint ads` or the API "
    "in this home's database) beside the synthetic advertisers"
)
_REWARDS_HELP = ("how creator rewards share the month: rpm (a rate per 1,000 qualified views), "
                 "pool (a fixed pool pro rata) or user-centric (each viewer's share goes to "
                 "the creators they watched); the report compares all three "
                 "[default: sim.rewards.mode, rpm]")  # fmt: skip
RewardsMode = Annotated[str | None, typer.Option("--rewards-mode", help=_REWARDS_HELP)]
_COUNTERFACTUAL_HELP = ("also rerun the same seed with the ranker's like weight at 0, for the "
                        "report's 'Do likes make money?' section")  # fmt: skip


def simulate_command(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option(help="folder for the run: books, lake, summary.json")],
    users: Annotated[int, typer.Option(min=1, help="users on the platform")] = 10_000,
    days: Annotated[int, typer.Option(min=1, help="days to simulate")] = 30,
    seed: Annotated[int, typer.Option(help="seed of every draw: same seed, same summary")] = 7,
    start: Annotated[str, typer.Option(help="first day (YYYY-MM-DD, UTC)")] = "2026-11-01",
    counterfactual: Annotated[bool, typer.Option(help=_COUNTERFACTUAL_HELP)] = True,
    overwrite: Annotated[bool, typer.Option(help="replace a run already in --out")] = False,
    campaigns: Annotated[bool, typer.Option(help=_CAMPAIGNS_HELP)] = False,
    rewards_mode: RewardsMode = None,
) -> None:
    """Run a synthetic platform through the real engines and write what happened.

    Users open the app, the For You ranker serves them, their responses go through the
    event lake into the ranker's counters, creators post and gain followers, and every
    registered engine takes its part in each day. Writes into --out: the books
    (SQLite books.db unless --database-url), the event lake (lake/), summary.json,
    creators.parquet and, with --counterfactual, the rerun under counterfactual/.
    Then `reelmint report OUT` prints the tables and writes report.html.

    The folder is filled only when the run finishes: a failed or interrupted run leaves
    it as it was. Example: reelmint simulate --users 10000 --days 30 --seed 7 --out run1

    With --campaigns, the campaigns built with `reelmint ads` (or the API) in this home's
    database run beside the synthetic advertisers, funded with their prepaid balances;
    then `reelmint ads report -a ADVERTISER --lake run1/lake` reports what they delivered.

    Creator rewards close the run's days as one period under --rewards-mode, with the
    program's count thresholds and payout minimum scaled by sim.rewards.scale (0.01: a
    small platform has no creator with 10,000 followers); the other two modes are
    compared on the same views.
    """
    config = _config(users, days, seed, start)
    if campaigns:
        config = replace(config, market=_manager_market(ctx.meta["state"].settings(), config))
    run_simulation(ctx, out, config, counterfactual=counterfactual,
                   overwrite=overwrite, rewards_mode=rewards_mode)  # fmt: skip
    typer.echo(f"run written to {out}; next: reelmint report {out}")


def demo_command(
    ctx: typer.Context,
    users: Annotated[int, typer.Option(min=1, help="users on the platform")] = 10_000,
    days: Annotated[int, typer.Option(min=1, help="days to simulate")] = 30,
    seed: Annotated[int, typer.Option(help="seed of every draw")] = 7,
    out: Annotated[Path | None, typer.Option(help="folder for the run [home/demo]")] = None,
    rewards_mode: RewardsMode = None,
) -> None:
    """The main job on the embedded defaults: simulate a month of a 10,000-user platform,
    print the report and write report.html (under 2 minutes on a laptop).

    It is `reelmint simulate --overwrite` followed by `reelmint report`, into
    $REELMINT_HOME/demo (./.reelmint/demo) unless --out says otherwise. Rerunning
    replaces the previous demo run (and only a run: a folder holding anything else is
    refused). Creator rewards close the month under --rewards-mode (default
    sim.rewards.mode) and the report compares the three modes.
    """
    state = ctx.meta["state"]
    folder = out or state.settings().home / "demo"
    run_simulation(ctx, folder, _config(users, days, seed, "2026-11-01"), counterfactual=True,
                   overwrite=True, rewards_mode=rewards_mode)  # fmt: skip
    report_command(folder)


def _manager_market(settings: Settings, config: RunConfig) -> ManagerMarket:
    """The Ads Manager's campaigns and balances in `settings`' database, for `--campaigns`."""
    platform = Platform.open(settings)
    try:
        with platform.ads.store.read() as tx:
            campaigns, groups, ads, auths = tx.catalog()
        balances = {n: platform.ads.balance(n) for n in {c.advertiser for c in campaigns}}
    finally:
        platform.close()
    if not campaigns:
        raise rundir.RunDirError(f"--campaigns: the Ads Manager at {settings.database_url} has "
                                 "no campaigns yet (reelmint ads campaign add ...)")  # fmt: skip
    valid = {a.code for a in auths if a.valid(config.start_ms)}
    ads = [a for a in ads if a.authorization is None or a.authorization in valid]
    return ManagerMarket(tuple(campaigns), tuple(groups), tuple(ads), balances)


def _config(users: int, days: int, seed: int, start: str) -> RunConfig:
    try:
        first = date.fromisoformat(start)
    except ValueError:
        raise rundir.RunDirError(f"--start {start!r} is not a date (YYYY-MM-DD)") from None
    return RunConfig(users, days, seed, first)


def with_rewards_mode(settings: Settings, mode: str | None) -> Settings:
    """`settings` with `sim.rewards.mode` set to `mode` ("pool", "user_centric" ...), or
    as they are when `mode` is None."""
    if mode is None:
        return settings
    from reelmint.rewards.model import Mode, RewardsError

    try:
        chosen = Mode.parse(mode).value
    except RewardsError as e:
        raise typer.BadParameter(str(e), param_hint="--rewards-mode") from None
    sim = settings.sim
    rewards = sim.rewards.model_copy(update={"mode": chosen})
    return settings.model_copy(update={"sim": sim.model_copy(update={"rewards": rewards})})


def run_simulation(ctx: typer.Context, out: Path, config: RunConfig, *, counterfactual: bool,
                   overwrite: bool, rewards_mode: str | None = None) -> RunResult:  # fmt: skip
    """Check the folder, run the baseline (and the rerun), move the run into place."""
    state = ctx.meta["state"]
    base: Settings = with_rewards_mode(state.settings(), rewards_mode)
    rundir.check(out, overwrite=overwrite)
    with rundir.staged(out) as stage:
        runs = [("baseline", base, stage)]
        if counterfactual:
            runs.append(("like weight 0", without_likes(base), stage / "counterfactual"))
        results = _run_all(runs, config, state.database_url)
        if counterfactual:
            import pyarrow.parquet as pq

            baseline = pq.read_table(stage / "creators.parquet")
            rerun = pq.read_table(stage / "counterfactual" / "creators.parquet")
            table = compare(results[0].summary, baseline, rerun)
            write_table(table, stage / "creators.parquet")
            write_json(results[0].summary, stage / "summary.json")
    main = results[0]
    console.print(
        f"simulated {config.users:,} users x {config.days} days: {main.impressions:,} "
        f"impressions, {main.events:,} events in {main.seconds:.1f} s "
        f"({main.impressions / max(main.seconds, 1e-9):,.0f} impressions/s)"
    )
    return main


def _run_all(runs: list[tuple[str, Settings, Path]], config: RunConfig,
             database_url: str | None) -> list[RunResult]:  # fmt: skip
    results = []
    columns = (TextColumn("{task.description:>14}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("days"), TextColumn("{task.fields[day]}"),
               TextColumn("{task.fields[rate]} events/s"), TimeElapsedColumn())  # fmt: skip
    with Progress(*columns, console=console, transient=False) as progress:
        for i, (label, settings, folder) in enumerate(runs):
            folder.mkdir(parents=True, exist_ok=True)
            # The baseline's books go where --database-url says; a rerun keeps its own.
            own = f"sqlite:///{folder / 'books.db'}"
            url = database_url if (database_url and i == 0) else own
            settings = settings.model_copy(update={"home": folder, "database_url": url})
            task = progress.add_task(label, total=config.days, day="", rate="-")
            began = time.perf_counter()

            def on_day(done: DayDone, task: TaskID = task, began: float = began) -> None:
                rate = done.events / max(time.perf_counter() - began, 1e-9)
                progress.update(task, completed=done.day + 1, day=done.label,
                                rate=f"{rate:,.0f}")  # fmt: skip

            platform = Platform.open(settings, migrate=True)
            try:
                results.append(simulate(settings, config, folder, platform.ledger, on_day,
                                        database=platform.engine))  # fmt: skip
            finally:
                platform.close()
    return results


def report_command(
    run: Annotated[Path, typer.Argument(help="a folder written by `reelmint simulate`")],
    html: Annotated[bool, typer.Option(help="also write RUN/report.html")] = True,
) -> None:
    """Print a run's summary as tables and write RUN/report.html.

    The HTML file is self-contained (charts are inline SVG, no network): daily views
    and engagement, views per video and followers, top creators, money by channel, LIVE
    gifts (coins, fees, diamonds, cash-outs, top gifters), creator rewards (the month's
    close, the three distribution modes side by side, who gains and loses from RPM to
    the pool and to user-centric, and the fixed pool's flaw: less per view as views
    grow), the trial balance, and "Do likes make money?" with the like-weight-zero rerun.
    """
    from reelmint.sim.report import load_run, print_report, write_html

    loaded = load_run(run)
    print_report(loaded, Console())
    if html:
        path = write_html(loaded, run / "report.html")
        typer.echo(f"report written to {path}")
