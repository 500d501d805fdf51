"""The books export: files that `bean-check` and `hledger check` accept, and refuse once tampered.

The checkers run as commands (Beancount is GPL: never imported). `bean-check` comes with
the dev extras in the venv; hledger is a Debian package (`scripts/ensure-tools`). Without
hledger these tests fail under CI=true and skip with the reason elsewhere.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import unquote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reelmint.ledger import (
    Account,
    AccountFlags,
    LedgerError,
    PendingState,
    StoredTransfer,
    Transfer,
    TransferKind,
)
from reelmint.ledger.export import (
    Posting,
    format_units,
    hledger_text,
    subtree_totals,
    write_beancount,
    write_hledger,
)
from reelmint.ledger.export_names import account_name, account_root, holding_account
from reelmint.ledger.memory import InMemoryLedger
from reelmint.ledger.model import ACCOUNT_ID
from reelmint.ledger.port import Ledger
from reelmint.money import Asset
from tests.ledger.book_factory import BookSummary, build_book

AS_OF = datetime(2026, 4, 1, tzinfo=UTC)
BEAN_CHECK = Path(sys.executable).with_name("bean-check")
BEANCOUNT_NAME = re.compile(r"(Assets|Liabilities|Equity|Income|Expenses)(:[A-Z0-9][A-Za-z0-9-]*)+")
Writer = Callable[..., None]


def required_tool(path: str | None, name: str, how: str) -> str:
    """The tool's path; when it is missing, fail under CI=true and skip elsewhere."""
    if path:
        return path
    reason = f"{name} is not installed ({how})"
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def hledger() -> str:
    return required_tool(shutil.which("hledger"), "hledger", "run scripts/ensure-tools")


@pytest.fixture(scope="module")
def bean_check() -> str:
    if not BEAN_CHECK.exists():  # a dev extra: its absence is a broken install, never a skip
        pytest.fail(f"{BEAN_CHECK} is missing: run `make install`")
    return str(BEAN_CHECK)


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)


def export(ledger: InMemoryLedger, writer: Writer, **kw: object) -> str:
    out = io.StringIO()
    writer(ledger, out, as_of=AS_OF, **kw)
    return out.getvalue()


@dataclass(frozen=True)
class Exported:
    ledger: InMemoryLedger
    summary: BookSummary
    beancount: Path
    journal: Path


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> Exported:
    ledger = InMemoryLedger()
    summary = build_book(ledger)
    folder = tmp_path_factory.mktemp("books")
    paths = folder / "books.beancount", folder / "books.journal"
    for path, writer in zip(paths, (write_beancount, write_hledger), strict=True):
        path.write_text(export(ledger, writer), encoding="utf-8")
    return Exported(ledger, summary, *paths)


# -- the book -------------------------------------------------------------------------------


def test_book_holds_every_kind_of_transfer_and_pending_outcome(books: Exported) -> None:
    ledger = books.ledger
    rows = ledger.transfers()
    pendings = {r.id: r.amount for r in rows if r.kind is TransferKind.PENDING}
    posts = [r for r in rows if r.kind is TransferKind.POST_PENDING]
    assert len(rows) >= 3_000
    assert set(Counter(r.kind for r in rows)) >= set(TransferKind) - {TransferKind.EXPIRED}
    assert set(ledger.pending_states().values()) == set(PendingState)
    assert any(p.amount < pendings[p.pending_id or ""] for p in posts)  # posted in part
    assert any(p.amount == pendings[p.pending_id or ""] for p in posts)  # posted in full
    assert books.summary.refused > 100
    assert {a.asset for a in ledger.accounts()} == set(Asset)
    assert sum(a.flags is AccountFlags.NO_OVERDRAFT for a in ledger.accounts()) >= 10
    assert ledger.verify() == []


def test_same_seed_builds_the_same_book() -> None:
    first, second = InMemoryLedger(), InMemoryLedger()
    build_book(first, seed=3, steps=300)
    build_book(second, seed=3, steps=300)
    assert first.transfers() == second.transfers()


# -- the checkers accept the books ------------------------------------------------------------


def test_bean_check_accepts_the_beancount_export(books: Exported, bean_check: str) -> None:
    result = run(bean_check, str(books.beancount))
    assert result.returncode == 0, result.stdout + result.stderr


def test_hledger_check_accepts_the_journal_with_its_assertions(
    books: Exported, hledger: str
) -> None:
    basic = run(hledger, "-f", str(books.journal), "check")
    strict = run(hledger, "-f", str(books.journal), "check", "--strict")
    assert basic.returncode == 0, basic.stderr
    assert strict.returncode == 0, strict.stderr
    assertions = books.journal.read_text().count(" == ")
    assert assertions == len(books.ledger.accounts()) + len(Asset)


def test_hledger_balances_are_the_ledger_balances_with_holds_moved_out(
    books: Exported, hledger: str
) -> None:
    report = run(hledger, "-f", str(books.journal), "bal", "--flat", "-N", "-E", "-O", "csv")
    assert report.returncode == 0, report.stderr
    got = dict(re.findall(r'^"([^"]+)","([^"]*)"$', report.stdout, re.MULTILINE)[1:])
    want = {}
    held = dict.fromkeys(Asset, 0)
    for account in books.ledger.accounts():
        b = books.ledger.balance(account.id)
        want[account_name(account.id)] = (account.asset, b.debits_pending - b.posted)
        held[account.asset] += b.debits_pending
    want.update({holding_account(asset): (asset, -held[asset]) for asset in Asset})
    assert got == {
        name: f"{format_units(asset, minor)} {asset.value}" if minor else "0"
        for name, (asset, minor) in want.items()
    }


def test_hledger_reads_back_every_transfer_id(books: Exported, hledger: str) -> None:
    printed = run(hledger, "-f", str(books.journal), "print", "-O", "json")
    assert printed.returncode == 0, printed.stderr
    tags = [dict(t["ttags"]) for t in json.loads(printed.stdout)]
    ids = {unquote(t["id"]) for t in tags if "id" in t}
    assert ids == {row.id for row in books.ledger.transfers()}
    assert any('"' in i or "\\" in i or "\n" in i for i in ids)


# -- and refuse them once tampered with --------------------------------------------------------


def plain_coin_transfer(ledger: InMemoryLedger) -> StoredTransfer:
    return next(
        r
        for r in ledger.transfers()
        if r.kind is TransferKind.POSTED and r.asset is Asset.COIN and r.id.isprintable()
    )


def blocks_of(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").split("\n\n")


def marker(path: Path, transfer_id: str) -> str:
    if path.suffix == ".beancount":
        return f'  id: "{transfer_id}"\n'
    return f"; id:{hledger_text(transfer_id)},"


def tamper(path: Path, transfer_id: str, change: Callable[[str], str | None], folder: Path) -> Path:
    """Write a copy of `path` into `folder` with one transfer's block changed (None: dropped)."""
    blocks = blocks_of(path)
    index = next(i for i, b in enumerate(blocks) if marker(path, transfer_id) in b)
    changed = change(blocks[index])
    blocks[index : index + 1] = [] if changed is None else [changed]
    copy = folder / ("tampered" + path.suffix)
    copy.write_text("\n\n".join(blocks), encoding="utf-8")
    return copy


def one_more_coin(block: str) -> str:
    """Both legs of the transfer move one coin more: still balanced, but the totals are off."""

    def bump(match: re.Match[str]) -> str:
        return f"{match[1]}{int(match[2]) + 1} COIN"

    return re.sub(r"(-?)(\d+) COIN$", bump, block, flags=re.MULTILINE)


def checker(name: str, bean_check: str, request: pytest.FixtureRequest) -> list[str]:
    if name == "beancount":
        return [bean_check]
    return [request.getfixturevalue("hledger"), "check", "-f"]


@pytest.mark.parametrize("fmt", ["beancount", "hledger"])
@pytest.mark.parametrize("change", [one_more_coin, lambda block: None], ids=["amount", "drop"])
def test_tampered_export_fails_the_balance_assertions(
    books: Exported,
    bean_check: str,
    request: pytest.FixtureRequest,
    fmt: str,
    change: Callable[[str], str | None],
    tmp_path: Path,
) -> None:
    path = books.beancount if fmt == "beancount" else books.journal
    tampered = tamper(path, plain_coin_transfer(books.ledger).id, change, tmp_path)
    result = run(*checker(fmt, bean_check, request), str(tampered))
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert ("Balance failed for" if fmt == "beancount" else "balance assertion") in output


@pytest.mark.parametrize("fmt", ["beancount", "hledger"])
def test_one_sided_change_is_refused_as_unbalanced(
    books: Exported, bean_check: str, request: pytest.FixtureRequest, fmt: str, tmp_path: Path
) -> None:
    path = books.beancount if fmt == "beancount" else books.journal
    first_leg_only = re.compile(r"(\d+) COIN$", re.MULTILINE)
    tampered = tamper(
        path,
        plain_coin_transfer(books.ledger).id,
        lambda block: first_leg_only.sub(lambda m: f"{int(m[1]) + 1} COIN", block, count=1),
        tmp_path,
    )
    result = run(*checker(fmt, bean_check, request), str(tampered))
    assert result.returncode != 0
    assert "balance" in (result.stdout + result.stderr).lower()


# -- the scheme, on small books -----------------------------------------------------------------

T0 = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
WALLET, REVENUE, MINT = "user:42:coins", "platform:revenue:gifts", "platform:treasury:coins"


def coins(tid: str, amount: int | None, **kw: object) -> Transfer:
    return Transfer(tid, WALLET, REVENUE, amount, Asset.COIN, "gifts.send", **kw)


def small_book(ledger: InMemoryLedger | None = None) -> InMemoryLedger:
    """The docstring's worked example: 100 coins in, 5 of an 8-coin hold posted, 10 held."""
    ledger = InMemoryLedger() if ledger is None else ledger
    ledger.open_accounts(
        [Account(MINT, Asset.COIN), Account(WALLET, Asset.COIN, AccountFlags.NO_OVERDRAFT),
         Account(REVENUE, Asset.COIN)]
    )  # fmt: skip
    eight = coins("p8", 8, kind=TransferKind.PENDING)
    ledger.post([Transfer("fund", MINT, WALLET, 100, Asset.COIN, "gifts.buy"), eight], T0)
    ledger.post([Transfer.settle("s8", eight, 5), coins("p10", 10, kind=TransferKind.PENDING)], T0)
    return ledger


def test_worked_example_asserts_available_balance_and_the_hold() -> None:
    ledger = small_book()
    bean, journal = export(ledger, write_beancount), export(ledger, write_hledger)
    wallet, hold = account_name(WALLET), holding_account(Asset.COIN)
    assert f"2026-01-02 balance {wallet}  -85 ~ 0 COIN" in bean
    assert f"2026-01-02 balance {hold}  -10 ~ 0 COIN" in bean
    assert f"    {wallet}  0 COIN == -85 COIN" in journal
    assert f"    {hold}  0 COIN == -10 COIN" in journal
    settlement = next(b for b in bean.split("\n\n") if '"s8"' in b)
    assert settlement.endswith(
        f"{hold}  8 COIN\n  {account_name(REVENUE)}  -5 COIN\n  {wallet}  -3 COIN"
    )


def test_expired_hold_is_released_on_the_day_it_expired(bean_check: str, tmp_path: Path) -> None:
    ledger = small_book()
    late = coins(
        "late", 7, kind=TransferKind.PENDING, timeout=120, timestamp=T0.replace(hour=23, minute=59)
    )
    ledger.post([late], T0.replace(hour=23, minute=59))
    ledger.post([Transfer("tip", MINT, WALLET, 1, Asset.COIN, "gifts.buy")], T0 + timedelta(days=3))
    assert ledger.pending_states()["late"] is PendingState.EXPIRED
    bean = export(ledger, write_beancount)
    release = next(b for b in bean.split("\n\n") if 'pending: "late"' in b)
    assert release.startswith('2026-01-02 * "gifts.send"') and 'kind: "expired"' in release
    (tmp_path / "b.beancount").write_text(bean, encoding="utf-8")
    assert run(bean_check, str(tmp_path / "b.beancount")).returncode == 0


def test_export_reads_transfers_in_pages_and_pages_do_not_change_it() -> None:
    calls: list[tuple[int, int | None]] = []

    class Paged(InMemoryLedger):
        def transfers(self, after: int = 0, limit: int | None = None) -> list[StoredTransfer]:
            calls.append((after, limit))
            return super().transfers(after, limit)

    ledger = Paged()
    build_book(ledger, steps=150)
    count = len(ledger.transfers())
    whole = export(ledger, write_hledger, page_size=10_000)
    calls.clear()
    assert export(ledger, write_hledger, page_size=7) == whole
    assert {limit for _, limit in calls} == {7}
    assert [after for after, _ in calls] == [*range(0, count, 7), count]


def test_every_adapter_exports_books_the_checkers_accept(
    ledger: Ledger, bean_check: str, hledger: str, tmp_path: Path
) -> None:
    reference = InMemoryLedger()
    build_book(reference, seed=11, steps=400)
    build_book(ledger, seed=11, steps=400)
    for writer, command in (
        (write_beancount, [bean_check]),
        (write_hledger, [hledger, "check", "-f"]),
    ):
        path = tmp_path / f"books.{writer.__name__}"
        with path.open("w", encoding="utf-8") as out:
            writer(ledger, out, as_of=AS_OF, page_size=100)
        result = run(*command, str(path))
        assert result.returncode == 0, result.stdout + result.stderr
        # The same transactions and closing balances, whatever seq each adapter gave them.
        assert without_seq(path.read_text(encoding="utf-8")) == without_seq(
            export(reference, writer)
        )


def without_seq(text: str) -> Counter[str]:
    """The export's blocks, as a multiset, with the seq tag (Beancount or hledger) left out."""
    seq = re.compile(r'^  seq: "\d+"\n|seq:\d+, ', re.MULTILINE)
    return Counter(seq.sub("", block) for block in text.split("\n\n"))


@pytest.mark.parametrize("writer", [write_beancount, write_hledger])
def test_books_whose_pending_states_disagree_with_the_rows_are_refused(writer: Writer) -> None:
    class Posted(InMemoryLedger):  # claims the open hold was posted, with no row to show
        def pending_states(self) -> dict[str, PendingState]:
            return {**super().pending_states(), "p10": PendingState.POSTED}

    class Lost(InMemoryLedger):  # has lost the pending row that s8 settles
        def transfers(self, after: int = 0, limit: int | None = None) -> list[StoredTransfer]:
            return [r for r in super().transfers(after, limit) if r.id != "p8"]

    for broken, message in (
        (Posted(), "is posted but nothing settles it"),
        (Lost(), "'s8' settles"),
    ):
        with pytest.raises(LedgerError, match=message):
            export(small_book(broken), writer)


def test_naive_as_of_is_refused() -> None:
    with pytest.raises(LedgerError, match="timezone"):
        write_beancount(small_book(), io.StringIO(), as_of=datetime(2026, 1, 1))


# -- names, numbers, tools ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("account_id", "name"),
    [
        ("user:42:coins", "Liabilities:User:42:Coins"),
        ("creator:7:diamonds", "Liabilities:Creator:7:Diamonds"),
        ("advertiser:3:prepaid", "Liabilities:Advertiser:3:Prepaid"),
        ("platform:revenue:ads", "Income:Platform:Revenue:Ads"),
        ("platform:fees:appstore", "Expenses:Platform:Fees:Appstore"),
        ("platform:expense:creator-payouts", "Expenses:Platform:Expense:Creator-payouts"),
        ("platform:cash:usd", "Assets:Platform:Cash:Usd"),
        ("platform:clearing:payouts", "Assets:Platform:Clearing:Payouts"),
        ("platform:equity:capital", "Equity:Platform:Equity:Capital"),
        ("platform:treasury:coins", "Equity:Platform:Treasury:Coins"),
        ("platform:suspense:x", "Equity:Platform:Suspense:X"),
    ],
)
def test_account_names_take_their_root_from_owner_and_purpose(account_id: str, name: str) -> None:
    assert account_name(account_id) == name
    assert account_root(account_id) == name.split(":")[0]


# Valid ids, and (since names must stay sound whatever an adapter lets through) any text.
ids = st.from_regex(ACCOUNT_ID, fullmatch=True) | st.lists(
    st.text(st.characters(exclude_categories=("Cs",), exclude_characters=":")),
    min_size=2,
    max_size=4,
).map(":".join)


@given(ids)
def test_every_account_id_gets_a_valid_beancount_name(account_id: str) -> None:
    assert BEANCOUNT_NAME.fullmatch(account_name(account_id))


@given(ids, ids)
def test_different_ids_never_share_a_name(one: str, other: str) -> None:
    assert (account_name(one) == account_name(other)) == (one == other)


def test_odd_ids_get_a_hash_suffix_and_leave_the_holding_names_free() -> None:
    assert account_name("merchant:shop_9:payable").startswith(
        "Liabilities:Merchant:Shop-9:Payable-h"
    )
    assert account_name("reelmint:pending:uSD") != holding_account(Asset.USD)
    assert account_name("reelmint-pending:USD").startswith("Liabilities:Reelmint-pending:USD-h")


def test_amounts_are_written_from_integers_with_the_asset_scale() -> None:
    assert format_units(Asset.USD, 12_345_678) == "12.345678"
    assert format_units(Asset.USD, -5) == "-0.000005"
    assert format_units(Asset.USD, 0) == "0.000000"
    assert format_units(Asset.COIN, -1_500) == "-1500"
    assert format_units(Asset.DIAMOND, 2**62) == str(2**62)


def test_beancount_parent_assertions_include_their_sub_accounts() -> None:
    closing = [
        Posting("Income:Platform:Revenue", Asset.USD, 2),
        Posting("Income:Platform:Revenue:Ads", Asset.USD, 3),
        Posting("Income:Platform:Revenue:Gifts", Asset.COIN, 7),
    ]
    assert [p.minor for p in subtree_totals(closing)] == [5, 3, 7]


def test_missing_hledger_fails_under_ci_and_skips_elsewhere(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="hledger is not installed"):
        required_tool(None, "hledger", "run scripts/ensure-tools")
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception, match="hledger is not installed"):
        required_tool(None, "hledger", "run scripts/ensure-tools")
