"""Benchmarks: `python -m benchmarks [--quick] [--only NAME]` (or `make bench`).

Each benchmark is a module here with a `NAME`, a `run(quick=..., pg_url=...)` that
returns its JSON payload, and the shared plumbing in `harness`. Results land in
`benchmarks/results/<name>.json`, one file per benchmark, overwritten on each run.
"""

# Benchmark name -> module, imported only when it runs (no work at import time).
BENCHMARKS = {
    "ads_decision": "benchmarks.ads_decision",
    "feed_ranking": "benchmarks.feed_ranking",
    "gifts": "benchmarks.gifts",
    "http_throughput": "benchmarks.http_throughput",
    "lake": "benchmarks.lake",
    "ledger_throughput": "benchmarks.ledger_throughput",
    "rewards": "benchmarks.rewards",
    "simulate": "benchmarks.simulate",
}
