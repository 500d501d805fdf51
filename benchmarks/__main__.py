"""`python -m benchmarks [--quick] [--only NAME]`: run, write JSON, print the table.

Missing a target does not fail the run: the figures are for reading, and `met` in the
JSON is there for whoever wants to gate on it. A case that raises does: exit status 1.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from time import perf_counter
from typing import Any

from rich.console import Console

from benchmarks import BENCHMARKS
from benchmarks.harness import (
    RESULTS_DIR,
    headline_table,
    postgres_url,
    result_table,
    write_result,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description=f"Run the benchmarks; each writes {RESULTS_DIR.name}/<name>.json.",
    )
    parser.add_argument(
        "--quick", action="store_true", help="about 10x smaller cases, for smoke runs"
    )
    parser.add_argument("--only", choices=sorted(BENCHMARKS), metavar="NAME",
                        help=f"run one benchmark: {', '.join(sorted(BENCHMARKS))}")  # fmt: skip
    args = parser.parse_args(argv)
    # Piped output would otherwise be cut to 80 columns, too narrow for the table.
    console = Console() if sys.stdout.isatty() else Console(width=120)
    pg_url = postgres_url()
    if pg_url is None:
        console.print("[yellow]no PostgreSQL server answered: its cases are skipped[/]")
    failures = 0
    for name in [args.only] if args.only else sorted(BENCHMARKS):
        module = importlib.import_module(BENCHMARKS[name])
        started = perf_counter()

        def show(case: dict[str, Any]) -> None:
            if "error" in case:
                console.print(f"  [red]{case['name']} failed: {case['error']}[/]")
            elif "headline" in case:
                console.print(f"  {case['name']}: {case['headline']}")
            else:
                console.print(f"  {case['name']}: {case['transfers_per_s']:,.0f} transfers/s")

        console.print(f"[bold]{name}[/]")
        payload = module.run(quick=args.quick, pg_url=pg_url, on_case=show)
        path = write_result(payload)
        console.print(headline_table(payload) if "headline" in _first(payload) else
                      result_table(payload))  # fmt: skip
        for skipped in payload.get("skipped", []):
            console.print(f"[yellow]skipped {skipped['name']}: {skipped['reason']}[/]")
        console.print(f"wrote {path} ({perf_counter() - started:.0f} s)")
        failures += len(payload.get("failed", []))
    if failures:
        console.print(f"[red]{failures} case(s) failed; see `failed` in the JSON[/]")
    return 1 if failures else 0


def _first(payload: dict[str, Any]) -> dict[str, Any]:
    cases: list[dict[str, Any]] = payload.get("cases") or [{}]
    return cases[0]


if __name__ == "__main__":
    raise SystemExit(main())
