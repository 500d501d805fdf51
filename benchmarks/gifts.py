"""LIVE gifts: gifts per second through the books in batches, and one gift per request.

- `send_batch` (SQLite file, PostgreSQL): 10,000 senders (quick: 1,000) registered 18+
  and in good standing, each having bought, through `wallets.buy` on the web, exactly the
  coins their gifts will cost plus 100; 100 creators LIVE. Then 10 batches (quick: 1) of
  10,000 gifts from random senders to random LIVEs, a seeded mix of cheap gifts (a Rose
  most often, a Concert now and then), each through `lives.send_batch`: the whole use
  case (idempotency look-up, LIVE, age and standing checks, the wallet check, one linked
  chain posted, the gift records written), without the event sink. Only the
  `send_batch` calls are timed; setup is reported beside. Then the same number of
  gifts again, from the same senders, as `books.gift_batch` chains built beforehand and
  posted with `ledger.post` alone: the books' share of the time (`books_only`).
  Afterwards the trial balance must balance, `check_books()` must be [], the coins the
  wallets spent must equal the coins of the gift records (plus the books-only gifts'),
  and every gift must have been accepted. Targets: >= 50,000 gifts/s on SQLite,
  >= 20,000 gifts/s on PostgreSQL.
- `api` (PostgreSQL): `reelmint serve` (2 Uvicorn workers) on a fresh schema, started
  as benchmarks/http_throughput does; 200 senders (quick: 50) with coins bought and keys
  issued, 20 creators LIVE, set up in-process before the server starts. A client in this
  process sends POST /v1/lives/{id}/gifts, one gift per request with its own
  Idempotency-Key and a random sender's key, open loop at a fixed 200 requests/s for
  25 s (quick: 3 s) after a 2 s warm-up (quick: 1 s). Latency runs from the moment a
  request was due to its last byte read, so a server that falls behind is charged for
  the wait (no coordinated omission); `service_ms` is the same from the moment it was
  sent. Target: p99 <= 20 ms with no errors. When the server has no gifts route yet,
  the case is skipped with that reason.

Worked example: 10 batches of 10,000 gifts in 4.0 s of `send_batch` calls is 25,000
gifts/s; their chains posted alone in 2.5 s is 40,000/s, so the books take 62% of it.
"""

from __future__ import annotations

import http.client
import json
import random
import re
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from time import perf_counter, sleep
from typing import Any
from urllib.parse import urlsplit

from benchmarks.harness import envelope, fresh_schema, percentiles_ms, record_case
from reelmint.gifts import books
from reelmint.gifts.economics import gift_split
from reelmint.gifts.model import BuyCoins, Catalog, Channel, GiftsError, SendGift
from reelmint.gifts.records import SentGift
from reelmint.gifts.service import GiftsService
from reelmint.ledger import Transfer, TransferResult
from reelmint.parties.model import Party, Role
from reelmint.parties.people import Person, Standing
from reelmint.parties.service import issue_key
from reelmint.parties.store import PartyStore
from reelmint.platform import Platform
from reelmint.settings import Economics, load_settings

NAME = "gifts"
SEED = 20261204
NOW = datetime(2026, 12, 4, 20, 0, tzinfo=UTC)
BIRTH = date(1990, 1, 1)
SPARE_COINS = 100  # bought beyond what a sender's gifts cost
GIFT_MIX = {"Rose": 0.55, "Finger heart": 0.2, "Rosa": 0.12, "Sun cream": 0.07,
            "Rainbow puke": 0.04, "Concert": 0.02}  # fmt: skip
MIN_GIFTS_PER_S = {"sqlite": 50_000, "postgres": 20_000}
MAX_P99_MS = 20.0
GIFTS_ROUTE = re.compile(r"^/v1/lives/\{[^}/]+\}/gifts$")
BUY_THREADS = {"sqlite": 1, "postgres": 4}  # setup only
CLIENT_THREADS = 16  # each with its own keep-alive connection
GIVE_UP_S = 10.0  # a request this late is not sent, nor any after it


@dataclass(frozen=True, slots=True)
class BatchCase:
    backend: str  # "sqlite" or "postgres"
    senders: int
    creators: int
    batch: int  # gifts per send_batch call
    batches: int

    @property
    def name(self) -> str:
        return f"{self.backend}/send_batch/batch-{self.batch}"

    @property
    def gifts(self) -> int:
        return self.batch * self.batches


@dataclass(frozen=True, slots=True)
class ApiCase:
    rate: int  # requests per second, open loop
    duration_s: float
    warmup_s: float
    senders: int
    creators: int
    workers: int = 2  # Uvicorn workers

    @property
    def name(self) -> str:
        return f"postgres/api/{self.rate}-per-s"


Case = BatchCase | ApiCase


def plan(quick: bool = False) -> list[Case]:
    senders, batches = (1_000, 1) if quick else (10_000, 10)
    api = ApiCase(200, 3, 1, 50, 5) if quick else ApiCase(200, 25, 2, 200, 20)
    return [BatchCase(b, senders, 100, 10_000, batches) for b in ("sqlite", "postgres")] + [api]


# -- the platform -------------------------------------------------------------------------


@contextmanager
def opened(backend: str, pg_url: str | None, workdir: Path) -> Iterator[tuple[Platform, str]]:
    """A platform on fresh, migrated books, and their URL; dropped afterwards."""
    if backend == "sqlite":
        home = workdir / f"sqlite-{uuid.uuid4().hex[:8]}"
        home.mkdir()
        with _platform(f"sqlite:///{home / 'books.db'}", home) as platform:
            yield platform, platform.settings.database_url
        return
    if pg_url is None:
        raise ValueError("PostgreSQL cases need a server URL")
    with fresh_schema(pg_url) as url, _platform(url, workdir) as platform:
        yield platform, url


@contextmanager
def _platform(url: str, home: Path) -> Iterator[Platform]:
    platform = Platform.open(load_settings(database_url=url, home=home), migrate=True)
    try:
        yield platform
    finally:
        platform.close()


def quiet_gifts(platform: Platform) -> GiftsService:
    """The platform's gifts use cases without the event sink: the books and records only."""
    gifts = platform.gifts
    gifts.ctx.sink = None
    return gifts


def draw_gifts(rng: random.Random, n: int) -> list[str]:
    return rng.choices(list(GIFT_MIX), weights=list(GIFT_MIX.values()), k=n)


def seed_people(gifts: GiftsService, creators: int, senders: int) -> list[int]:
    """Register creators 0..creators-1 and the senders after them; start one LIVE each.
    The LIVEs' ids, by creator."""
    people = [Person(i, BIRTH, Standing.GOOD) for i in range(creators + senders)]
    gifts.register(people)
    return [gifts.lives.start(c, f"LIVE of {c}", NOW).id for c in range(creators)]


def buy_coins(gifts: GiftsService, need: dict[int, int], threads: int = 1) -> int:
    """Each sender buys its need plus SPARE_COINS on the web; the coins bought in all.

    With `threads`, the purchases run that many at a time, as the API's thread pool runs
    them (PostgreSQL only: SQLite takes one writer at a time)."""
    orders = [BuyCoins(f"bench-buy-{u}", u, Channel.WEB, c + SPARE_COINS)
              for u, c in sorted(need.items())]  # fmt: skip
    if not orders:
        return 0
    gifts.wallets.buy(orders[0], NOW)  # opens the platform's accounts once
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(lambda order: gifts.wallets.buy(order, NOW), orders[1:]))
    return sum(order.coins for order in orders)


def prices(economics: Economics) -> dict[str, int]:
    catalog = Catalog.from_settings(economics.gifts)
    return {name: catalog.sendable(name).coins for name in GIFT_MIX}


def coins_out(gifts: GiftsService, senders: Sequence[int]) -> int:
    """Coins left in the senders' wallets."""
    held = gifts.ctx.ledger.balances([books.wallet(u) for u in senders])
    return sum(b.posted for b in held.values())


def recorded(gifts: GiftsService, lives: Sequence[int]) -> tuple[int, int]:
    """(gifts, coins) of the gift records of the LIVEs."""
    totals = [gifts.ctx.store.live_totals(live) for live in lives]
    return sum(t[0] for t in totals), sum(t[1] for t in totals)


def check_books(gifts: GiftsService) -> None:
    rows = gifts.ctx.ledger.trial_balance()
    if not rows or not all(r.balanced for r in rows):
        raise AssertionError(f"the trial balance does not balance: {rows}")
    problems = gifts.check_books()
    if problems:
        raise AssertionError(f"the gifts' books are unsound: {problems}")


# -- send_batch and the books alone ------------------------------------------------------


def batch_commands(case: BatchCase, rng: random.Random, lives: Sequence[int],
                   tag: str) -> list[list[SendGift]]:  # fmt: skip
    first = case.creators
    out = []
    for b in range(case.batches):
        names = draw_gifts(rng, case.batch)
        out.append([SendGift(f"{tag}-{b}-{i}", rng.randrange(first, first + case.senders),
                             rng.choice(lives), name) for i, name in enumerate(names)])  # fmt: skip
    return out


def gift_chain(batch_id: str, cmds: Sequence[SendGift], creator_of: dict[int, int],
               price: dict[str, int], economics: Economics) -> list[Transfer]:  # fmt: skip
    """The chain `send_batch` posts for `cmds`, built the way `Lives` builds it."""
    e = economics
    value: dict[int, int] = {}
    count: dict[int, int] = {}
    revenue = 0
    spends: list[tuple[str, int, int]] = []
    for cmd in cmds:
        coins = price[cmd.gift] * cmd.count
        split = gift_split(coins, e.gifts, e.cashout, e.coins)
        creator = creator_of[cmd.live]
        value[creator] = value.get(creator, 0) + split.creator_value_micros
        count[creator] = count.get(creator, 0) + split.diamonds
        revenue += split.platform_revenue_micros
        spends.append((cmd.key, cmd.sender, coins))
    return books.gift_batch(batch_id, spends, books.BatchTotals(value, count, revenue))


def batch_case(case: BatchCase, pg_url: str | None, workdir: Path) -> dict[str, Any]:
    rng = random.Random(SEED)
    with opened(case.backend, pg_url, workdir) as (platform, _):
        gifts = quiet_gifts(platform)
        e = platform.settings.economics
        price = prices(e)
        t = perf_counter()
        lives = seed_people(gifts, case.creators, case.senders)
        creator_of = {live: c for c, live in enumerate(lives)}
        sends = batch_commands(case, rng, lives, "send")
        direct = batch_commands(case, rng, lives, "books")
        need: dict[int, int] = {}
        for cmd in (c for batch in [*sends, *direct] for c in batch):
            need[cmd.sender] = need.get(cmd.sender, 0) + price[cmd.gift] * cmd.count
        people_s = perf_counter() - t
        t = perf_counter()
        bought = buy_coins(gifts, need, BUY_THREADS[case.backend])
        buy_s = perf_counter() - t
        senders = sorted(need)

        durations: list[float] = []
        outcomes: list[SentGift | GiftsError] = []
        for b, cmds in enumerate(sends):
            start = perf_counter()
            outcomes += gifts.lives.send_batch(cmds, NOW + timedelta(seconds=b))
            durations.append(perf_counter() - start)
        refused = [o for o in outcomes if not isinstance(o, SentGift)]
        if refused:
            raise AssertionError(f"{len(refused):,} gifts were refused, first: {refused[0]}")
        spent = bought - coins_out(gifts, senders)
        n_recorded, coins_recorded = recorded(gifts, lives)
        if (n_recorded, coins_recorded) != (case.gifts, spent):
            raise AssertionError(f"{n_recorded:,} gifts of {coins_recorded:,} coins recorded, "
                                 f"but {case.gifts:,} sent and {spent:,} coins spent")  # fmt: skip
        check_books(gifts)

        chains = [gift_chain(f"bench-{b}", cmds, creator_of, price, e)
                  for b, cmds in enumerate(direct)]  # fmt: skip
        direct_coins = sum(price[c.gift] * c.count for batch in direct for c in batch)
        books_durations = []
        for b, chain in enumerate(chains):
            start = perf_counter()
            results = platform.ledger.post(chain, NOW + timedelta(seconds=case.batches + b))
            books_durations.append(perf_counter() - start)
            if any(r is not TransferResult.OK for r in results):
                raise AssertionError(f"the books refused a gift chain: {set(results)}")
        if bought - coins_out(gifts, senders) != coins_recorded + direct_coins:
            raise AssertionError("the wallets spent other coins than the gifts cost")
        check_books(gifts)
    return batch_result(case, durations, books_durations, sum(map(len, chains)), {
        "people_and_lives_s": round(people_s, 2), "buy_coins_s": round(buy_s, 2),
        "coins_bought": bought,
    }, {"trial_balance_balanced": True, "check_books": [], "coins_spent": spent,
        "coins_recorded": coins_recorded, "gifts_recorded": n_recorded})  # fmt: skip


def batch_result(case: BatchCase, durations: list[float], books_durations: list[float],
                 transfers: int, setup: dict[str, Any],
                 checks: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
    seconds, books_s = sum(durations), sum(books_durations)
    rate = case.gifts / seconds if seconds > 0 else 0.0
    books_rate = case.gifts / books_s if books_s > 0 else 0.0
    floor = MIN_GIFTS_PER_S[case.backend]
    where = "SQLite" if case.backend == "sqlite" else "PostgreSQL"
    share = f", {books_s / seconds:.0%} of the time" if seconds > 0 else ""
    return {
        "name": case.name, "backend": case.backend, "senders": case.senders,
        "creators": case.creators, "batch": case.batch, "batches": case.batches,
        "gifts": case.gifts, "refused": 0, "seconds": round(seconds, 4),
        "gifts_per_s": round(rate, 1), "batch_ms": percentiles_ms(durations),
        "books_only": {"seconds": round(books_s, 4), "gifts_per_s": round(books_rate, 1),
                       "transfers": transfers,
                       "transfers_per_s": round(transfers / books_s if books_s > 0 else 0.0, 1),
                       "batch_ms": percentiles_ms(books_durations)},
        "setup": setup, "checks": checks,
        "headline": f"{rate:,.0f} gifts/s through send_batch "
                    f"(books alone {books_rate:,.0f}/s{share})",
        "target": {"label": f"{where} batched >= {floor:,} gifts/s",
                   "min_gifts_per_s": floor, "met": rate >= floor},
    }  # fmt: skip


# -- one gift per request -----------------------------------------------------------------


class RouteMissing(RuntimeError):
    """The server has no POST /v1/lives/{id}/gifts yet."""


def gifts_route(openapi: dict[str, Any]) -> str | None:
    """The path template of the gifts route in an OpenAPI document, if it has one."""
    for path, operations in openapi.get("paths", {}).items():
        if GIFTS_ROUTE.match(path) and "post" in operations:
            return str(path)
    return None


@dataclass(frozen=True, slots=True)
class Shot:
    """One request, done: when it was due, sent and answered (perf_counter s), its status."""

    due: float
    sent: float
    done: float
    status: int  # 0: no answer (a socket error)
    body: bytes


def fire(base: str, requests: Sequence[tuple[str, bytes, dict[str, str]]], rate: float,
         threads: int = CLIENT_THREADS, give_up_s: float = GIVE_UP_S) -> list[Shot]:  # fmt: skip
    """Send `requests` (path, body, headers) as POSTs at `rate` per second, open loop;
    the requests sent, in order.

    Request i is due `i / rate` s after the start; `threads` keep-alive connections take
    the next due request as soon as they are free, so one slow answer does not hold back
    the schedule unless every connection is busy. Once the next request is more than
    `give_up_s` late, the server cannot keep up: the rest are not sent.
    """
    parts = urlsplit(base)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    lock = threading.Lock()
    shots: list[Shot | None] = [None] * len(requests)
    turn = iter(range(len(requests)))
    stop = threading.Event()
    start = perf_counter() + 0.05

    def work() -> None:
        conn = http.client.HTTPConnection(host, port, timeout=30)
        try:
            while True:
                with lock:
                    i = next(turn, None)
                if i is None or stop.is_set():
                    return
                due = start + i / rate
                wait = due - perf_counter()
                if -wait > give_up_s:
                    stop.set()
                    return
                if wait > 0:
                    sleep(wait)
                path, body, headers = requests[i]
                sent = perf_counter()
                try:
                    conn.request("POST", path, body, headers)
                    response = conn.getresponse()
                    status, raw = response.status, response.read()
                except (OSError, http.client.HTTPException):
                    conn.close()  # reconnects on the next request
                    status, raw = 0, b""
                shots[i] = Shot(due, sent, perf_counter(), status, raw)
        finally:
            conn.close()

    workers = [threading.Thread(target=work, daemon=True) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return [s for s in shots if s is not None]


def api_requests(n: int, rng: random.Random, lives: Sequence[int], tokens: dict[int, str],
                 price: dict[str, int], tag: str) -> tuple[list[Any], dict[int, int]]:  # fmt: skip
    """`n` requests from random senders to random LIVEs; the coins they cost, by sender."""
    senders = sorted(tokens)
    out, cost = [], dict.fromkeys(senders, 0)
    for i, name in enumerate(draw_gifts(rng, n)):
        user, live = rng.choice(senders), rng.choice(lives)
        body = json.dumps({"gift": name, "count": 1}).encode()
        headers = {"Authorization": f"Bearer {tokens[user]}", "Content-Type": "application/json",
                   "Idempotency-Key": f"{tag}-{i}"}  # fmt: skip
        out.append((f"/v1/lives/{live}/gifts", body, headers))
        cost[user] += price[name]
    return out, cost


def api_case(case: ApiCase, pg_url: str, workdir: Path) -> dict[str, Any]:
    from benchmarks.http_throughput import call, serving

    rng = random.Random(SEED)
    with fresh_schema(pg_url) as url:
        with _platform(url, workdir) as platform:
            gifts = quiet_gifts(platform)
            price = prices(platform.settings.economics)
            lives = seed_people(gifts, case.creators, case.senders)
            senders = list(range(case.creators, case.creators + case.senders))
            store = PartyStore(platform.engine)
            tokens = {u: issue_key(store, Party(Role.USER, str(u)), NOW,
                                   label="bench").token for u in senders}  # fmt: skip
            tag = uuid.uuid4().hex[:8]
            warm, warm_cost = api_requests(round(case.rate * case.warmup_s), rng, lives, tokens,
                                           price, f"warm-{tag}")  # fmt: skip
            run, run_cost = api_requests(round(case.rate * case.duration_s), rng, lives, tokens,
                                         price, f"run-{tag}")  # fmt: skip
            cost = {u: warm_cost[u] + run_cost[u] for u in senders}
            bought = buy_coins(gifts, cost, BUY_THREADS["postgres"])
        with serving(url, case.workers, workdir) as (base, _):
            route = gifts_route(call(base, "GET", "/openapi.json"))
            if route is None:
                raise RouteMissing("the server has no POST /v1/lives/{id}/gifts yet "
                                   "(src/reelmint/gifts/routes.py)")  # fmt: skip
            warm_shots = fire(base, warm, case.rate)
            t = perf_counter()
            shots = fire(base, run, case.rate)
            wall = perf_counter() - t
        with _platform(url, workdir) as platform:
            gifts = quiet_gifts(platform)
            check_books(gifts)
            spent = bought - coins_out(gifts, senders)
            n_recorded, coins_recorded = recorded(gifts, lives)
    if coins_recorded != spent:
        raise AssertionError(f"{coins_recorded:,} coins of gifts recorded but {spent:,} spent")
    warm_ok, run_ok = (sum(200 <= s.status < 300 for s in x) for x in (warm_shots, shots))
    if n_recorded < warm_ok + run_ok:
        raise AssertionError(f"{warm_ok + run_ok:,} gifts answered as sent but {n_recorded:,} "
                             "recorded")  # fmt: skip
    return api_result(case, route, shots, len(run) - len(shots), wall, {
        "trial_balance_balanced": True, "check_books": [], "coins_spent": spent,
        "coins_recorded": coins_recorded, "gifts_recorded": n_recorded,
        "warmup_requests": len(warm_shots), "warmup_ok": warm_ok,
        "warmup_error_statuses": _statuses(warm_shots),
    })  # fmt: skip


def api_result(case: ApiCase, route: str, shots: list[Shot], dropped: int, wall: float,
               checks: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
    ok = [s for s in shots if 200 <= s.status < 300]
    errors = [s for s in shots if not 200 <= s.status < 300]
    latency = percentiles_ms([s.done - s.due for s in shots])
    service = percentiles_ms([s.done - s.sent for s in shots])
    statuses = _statuses(shots)
    first_error = next((s.body[:300].decode(errors="replace") for s in errors), None)
    met = latency["p99"] <= MAX_P99_MS and not errors and not dropped
    behind = f", {dropped:,} not sent (over {GIVE_UP_S:g} s late)" if dropped else ""
    return {
        "name": case.name, "backend": "postgres", "route": f"POST {route}",
        "rate_per_s": case.rate, "duration_s": case.duration_s, "warmup_s": case.warmup_s,
        "workers": case.workers, "client_connections": CLIENT_THREADS,
        "senders": case.senders, "creators": case.creators, "requests": len(shots),
        "ok": len(ok), "errors": len(errors), "dropped": dropped, "error_statuses": statuses,
        "first_error": first_error, "seconds": round(wall, 3),
        "achieved_per_s": round(len(shots) / wall if wall > 0 else 0.0, 1),
        "latency_ms": latency, "service_ms": service, "checks": checks,
        "headline": f"p99 {latency['p99']:.1f} ms, p50 {latency['p50']:.1f} ms, "
                    f"max {latency['max']:.1f} ms at {case.rate}/s, {len(errors)} errors"
                    f"{behind}",
        "target": {"label": f"one gift per request at {case.rate}/s: p99 <= {MAX_P99_MS:g} ms",
                   "max_p99_ms": MAX_P99_MS, "met": met},
    }  # fmt: skip


def _statuses(shots: Sequence[Shot]) -> dict[str, int]:
    """How many answers of each status other than 2xx (0: no answer, a socket error)."""
    out: dict[str, int] = {}
    for s in shots:
        if not 200 <= s.status < 300:
            out[str(s.status)] = out.get(str(s.status), 0) + 1
    return out


def _api(case: ApiCase, pg_url: str, workdir: Path) -> dict[str, Any]:
    """The case, or a stand-in naming why it was skipped (`run` moves it to `skipped`)."""
    try:
        return api_case(case, pg_url, workdir)
    except RouteMissing as missing:
        return {"name": case.name, "skipped": str(missing), "headline": f"skipped: {missing}",
                "target": {"label": "", "met": False}}  # fmt: skip


def run(
    *,
    quick: bool = False,
    pg_url: str | None = None,
    cases: Sequence[Case] | None = None,
    on_case: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Run `cases` (all of `plan(quick)` by default) and return the JSON payload.

    PostgreSQL cases are skipped, with the reason, when `pg_url` is None, and the API
    case when the server has no gifts route; a case that raises (the books out of
    balance, say) is listed under `failed` and the others still run.
    """
    payload = envelope(NAME, quick=quick, pg_url=pg_url)
    payload["setup"] = {
        "seed": SEED, "now": NOW.isoformat(), "gift_mix": GIFT_MIX,
        "spare_coins": SPARE_COINS, "event_sink": None,
        "targets": {"min_gifts_per_s": MIN_GIFTS_PER_S, "api_max_p99_ms": MAX_P99_MS},
    }  # fmt: skip
    payload["cases"], payload["skipped"], payload["failed"] = [], [], []
    started = perf_counter()
    with tempfile.TemporaryDirectory(prefix="reelmint-bench-gifts-") as tmp:
        for case in plan(quick) if cases is None else cases:
            is_pg = isinstance(case, ApiCase) or case.backend == "postgres"
            if is_pg and pg_url is None:
                payload["skipped"].append(
                    {"name": case.name, "reason": "no PostgreSQL server answered"}
                )
                continue
            if isinstance(case, ApiCase):
                assert pg_url is not None
                work = partial(_api, case, pg_url, Path(tmp))
            else:
                work = partial(batch_case, case, pg_url, Path(tmp))
            record_case(payload, case.name, work, on_case)
            last = payload["cases"][-1] if payload["cases"] else {}
            if last.get("name") == case.name and "skipped" in last:
                payload["cases"].pop()
                payload["skipped"].append({"name": case.name, "reason": last["skipped"]})
    payload["wall_seconds"] = round(perf_counter() - started, 1)
    return payload
