"""A large, realistic and deterministic book for any `Ledger`: `build_book(ledger, seed=...)`.

Why a factory: the export checks, the contract tests and the benchmarks all want books
that look like a month of a platform, with every kind of transfer the rules know, and the
same book every run. Time is a fixed clock advanced by the seeded generator; nothing
reads the wall clock or global random state.

What is in it (43 accounts and about 4,200 stored transfers with the defaults):

- coin purchases in-app (COIN from the treasury, USD owed by the app store, its fee),
  gifts during LIVE (COIN to revenue, linked to DIAMOND for the creator), cash-outs
  (DIAMOND back, USD payable), advertiser top-ups and merchant and brand movements;
- pending transfers (ad spend, creator payouts) that are posted in full, posted in part,
  voided, left to expire (a later batch's `now` passes their timeout), or left pending;
- refusals: gifts beyond a wallet (`exceeds_credits`), app-store settlements beyond what
  is owed (`exceeds_debits`), settling an expired pending transfer, an unknown account, a
  mismatched asset, and a reused id with other fields; plus exact retries (`exists`).

Ids and refs sometimes hold `"`, `\\`, `:`, `;`, `,` and newlines, so exporters meet them.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from reelmint.ledger import Account, AccountFlags, Transfer, TransferKind, TransferResult
from reelmint.ledger.port import Ledger
from reelmint.money import Asset

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
NO_OVERDRAFT = AccountFlags.NO_OVERDRAFT
USERS, CREATORS, ADVERTISERS = 12, 6, 5

TREASURY_COINS = "platform:treasury:coins"
TREASURY_DIAMONDS = "platform:treasury:diamonds"
CASH = "platform:cash:usd"
APPSTORE_OWES = "platform:receivable:appstore"
COIN_SALES = "platform:revenue:coin-sales"
GIFT_REVENUE = "platform:revenue:gifts"
AD_REVENUE = "platform:revenue:ads"
OTHER_REVENUE = "platform:revenue"  # a parent of the accounts above
APPSTORE_FEES = "platform:fees:appstore"
CREATOR_PAYOUTS = "platform:expense:creator-payouts"
PAYOUT_CLEARING = "platform:clearing:payouts"
MERCHANT = "merchant:shop_9:payable"
BRAND = "brand:Acme.co:escrow"
PROMO_WALLET = "user:0"  # a parent of user:0:coins

FATES = ("full", "part", "void", "expire", "open")
ODD_TEXT = ('say "hi"', "back\\slash", "a:b;c,d", "line\nbreak", "tab\there", "é ü")


def accounts() -> list[Account]:
    """The chart of accounts, some of them `no_overdraft` (wallets and payables)."""
    platform = [
        Account(TREASURY_COINS, Asset.COIN),
        Account(TREASURY_DIAMONDS, Asset.DIAMOND),
        Account(CASH, Asset.USD),
        Account(APPSTORE_OWES, Asset.USD, AccountFlags.NO_CREDIT_BALANCE),
        Account(COIN_SALES, Asset.USD),
        Account(GIFT_REVENUE, Asset.COIN),
        Account(AD_REVENUE, Asset.USD),
        Account(OTHER_REVENUE, Asset.USD),
        Account(APPSTORE_FEES, Asset.USD),
        Account(CREATOR_PAYOUTS, Asset.USD),
        Account(PAYOUT_CLEARING, Asset.USD),
        Account(MERCHANT, Asset.USD),
        Account(BRAND, Asset.USD, NO_OVERDRAFT),
        Account(PROMO_WALLET, Asset.COIN),
    ]
    users = [Account(f"user:{u}:coins", Asset.COIN, NO_OVERDRAFT) for u in range(USERS)]
    creators = [
        account
        for c in range(CREATORS)
        for account in (
            Account(f"creator:{c}:diamonds", Asset.DIAMOND, NO_OVERDRAFT),
            Account(f"creator:{c}:payable", Asset.USD, NO_OVERDRAFT),
        )
    ]
    advertisers = [
        Account(f"advertiser:{a}:prepaid", Asset.USD, NO_OVERDRAFT) for a in range(ADVERTISERS)
    ]
    return platform + users + creators + advertisers


@dataclass
class BookSummary:
    """What `build_book` did: results by outcome, and the fate planned for each hold."""

    results: Counter[TransferResult] = field(default_factory=Counter)
    fates: Counter[str] = field(default_factory=Counter)
    end: datetime = START  # the `now` of the last batch

    @property
    def refused(self) -> int:
        return sum(n for r, n in self.results.items() if not r.succeeded)


@dataclass
class _Builder:
    ledger: Ledger
    rng: random.Random
    summary: BookSummary
    now: datetime = START
    step: int = 0
    serial: int = 0
    due: dict[int, list[tuple[Transfer, str]]] = field(default_factory=dict)
    posted: list[Transfer] = field(default_factory=list)

    def next_id(self, stem: str) -> str:
        self.serial += 1
        if self.rng.random() < 0.02:  # now and then an id that needs quoting
            return f"{stem}:{self.serial} {self.rng.choice(ODD_TEXT)}"
        return f"{stem}-{self.serial:06d}"

    def ref(self) -> str:
        return self.rng.choice(ODD_TEXT) if self.rng.random() < 0.05 else f"r{self.serial}"

    def move(
        self,
        debit: str,
        credit: str,
        amount: int,
        asset: Asset,
        code: str,
        *,
        linked: bool = False,
        kind: TransferKind = TransferKind.POSTED,
        timeout: int = 0,
    ) -> Transfer:
        tid, ref = self.next_id(code), self.ref()
        return Transfer(tid, debit, credit, amount, asset, code, ref, kind, None, timeout, linked)

    def post(self, batch: list[Transfer]) -> list[TransferResult]:
        results = self.ledger.post(batch, self.now)
        self.summary.results.update(results)
        self.summary.end = self.now
        ok = (t for t, r in zip(batch, results, strict=True) if r is TransferResult.OK)
        self.posted.extend(t for t in ok if not t.linked)
        return results

    # -- the platform's everyday movements ------------------------------------------------

    def buy_coins(self) -> list[Transfer]:
        user, coins = self.rng.randrange(USERS), self.rng.randint(50, 2_000)
        price = coins * 10_000 + self.rng.randint(0, 9_999)  # about a cent a coin, in micros
        fee = price * 3 // 10
        wallet = f"user:{user}:coins"
        return [
            self.move(TREASURY_COINS, wallet, coins, Asset.COIN, "gifts.buy", linked=True),
            self.move(APPSTORE_OWES, COIN_SALES, price, Asset.USD, "gifts.buy_usd", linked=True),
            self.move(APPSTORE_FEES, APPSTORE_OWES, fee, Asset.USD, "gifts.appstore_fee"),
        ]

    def gift(self) -> list[Transfer]:
        user, creator = self.rng.randrange(USERS), self.rng.randrange(CREATORS)
        coins = self.rng.choice((1, 5, 99, 500, 1_500, 3_000))
        wallet = PROMO_WALLET if self.rng.random() < 0.05 else f"user:{user}:coins"
        diamonds = f"creator:{creator}:diamonds"
        return [
            self.move(wallet, GIFT_REVENUE, coins, Asset.COIN, "gifts.send", linked=True),
            self.move(
                TREASURY_DIAMONDS, diamonds, coins // 2 or 1, Asset.DIAMOND, "gifts.diamonds"
            ),
        ]

    def cash_out(self) -> list[Transfer]:
        creator, diamonds = self.rng.randrange(CREATORS), self.rng.randint(10, 800)
        wallet, payable = f"creator:{creator}:diamonds", f"creator:{creator}:payable"
        usd = diamonds * 5_000  # half a cent a diamond
        return [
            self.move(
                wallet, TREASURY_DIAMONDS, diamonds, Asset.DIAMOND, "gifts.cash_out", linked=True
            ),
            self.move(CREATOR_PAYOUTS, payable, usd, Asset.USD, "gifts.cash_out_usd"),
        ]

    def top_up(self) -> list[Transfer]:
        prepaid = f"advertiser:{self.rng.randrange(ADVERTISERS)}:prepaid"
        amount = self.rng.randint(10, 500) * 1_000_000 + self.rng.randint(0, 999_999)
        return [self.move(CASH, prepaid, amount, Asset.USD, "ads.top_up")]

    def odd_accounts(self) -> list[Transfer]:
        amount = self.rng.randint(1, 50_000_000)
        return [
            self.move(CASH, BRAND, amount, Asset.USD, "deals.escrow"),
            self.move(BRAND, OTHER_REVENUE, amount // 10 or 1, Asset.USD, "deals.fee"),
            self.move(CASH, MERCHANT, amount // 3 or 1, Asset.USD, "affiliate.accrue"),
            self.move(TREASURY_COINS, PROMO_WALLET, amount % 300 + 1, Asset.COIN, "gifts.promo"),
        ]

    def settle_appstore(self) -> list[Transfer]:
        amount = self.rng.randint(1, 400) * 1_000_000  # sometimes more than is owed
        return [self.move(CASH, APPSTORE_OWES, amount, Asset.USD, "gifts.appstore_settle")]

    # -- holds ------------------------------------------------------------------------------

    def hold(self) -> list[Transfer]:
        """Post a pending transfer on its own, and plan its fate only once it is accepted."""
        if self.rng.random() < 0.6:
            debit, credit = f"advertiser:{self.rng.randrange(ADVERTISERS)}:prepaid", AD_REVENUE
            code, amount = "ads.spend", self.rng.randint(1, 80_000_000)
        else:
            debit, credit = f"creator:{self.rng.randrange(CREATORS)}:payable", PAYOUT_CLEARING
            code, amount = "gifts.payout", self.rng.randint(1, 5_000_000)
        fate = self.rng.choice(FATES)
        timeout = {"expire": self.rng.randint(60, 1_800), "open": 0}.get(fate, 30 * 86_400)
        pending = self.move(
            debit, credit, amount, Asset.USD, code, kind=TransferKind.PENDING, timeout=timeout
        )
        if self.post([pending]) == [TransferResult.OK]:
            self.summary.fates[fate] += 1
            if fate != "open":  # an expiring hold gets a late settlement attempt: refused
                later = self.rng.randint(1, 25) + (40 if fate == "expire" else 0)
                self.due.setdefault(self.step + later, []).append((pending, fate))
        return []

    def settlements(self) -> list[Transfer]:
        out = []
        for pending, fate in self.due.pop(self.step, []):
            amount = pending.amount or 1
            if fate == "part" and amount > 1:
                part = self.rng.randint(1, amount - 1)
                out.append(Transfer.settle(self.next_id("settle"), pending, part))
            elif fate == "void":
                out.append(Transfer.void(self.next_id("void"), pending))
            else:
                out.append(Transfer.settle(self.next_id("settle"), pending))
        return out

    def mistakes(self) -> list[Transfer]:
        kind = self.rng.randrange(4)
        if kind == 0 and self.posted:  # an exact retry: `exists`, and nothing changes
            return [self.rng.choice(self.posted)]  # (posted holds no linked transfers)
        if kind == 1 and self.posted:  # the same id with other fields: refused
            t = self.rng.choice(self.posted)
            return [Transfer(t.id, t.debit, t.credit, (t.amount or 0) + 1, t.asset, t.code, t.ref)]
        if kind == 2:
            return [self.move(CASH, "user:999:coins", 5, Asset.COIN, "gifts.buy")]
        return [self.move(CASH, GIFT_REVENUE, 5, Asset.USD, "gifts.buy")]

    def run(self, steps: int) -> None:
        actions = (
            (self.buy_coins, 18), (self.gift, 30), (self.cash_out, 8), (self.top_up, 8),
            (self.hold, 22), (self.odd_accounts, 3), (self.settle_appstore, 5), (self.mistakes, 3),
        )  # fmt: skip
        makers, weights = zip(*actions, strict=True)
        for self.step in range(steps):
            self.now += timedelta(seconds=self.rng.randint(20, 3_000))
            batch = self.settlements() + self.rng.choices(makers, weights)[0]()
            if batch:
                self.post(batch)


def build_book(ledger: Ledger, *, seed: int = 20260302, steps: int = 2_400) -> BookSummary:
    """Fill an empty `ledger` with a deterministic month of activity; see the module docstring."""
    ledger.open_accounts(accounts())
    summary = BookSummary()
    builder = _Builder(ledger, random.Random(seed), summary)
    builder.post([builder.move(CASH, "platform:revenue:ads", 1, Asset.USD, "ads.opening")])
    builder.run(steps)
    return summary
