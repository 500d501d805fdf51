"""The books as a Beancount file or an hledger journal, so that tools we did not write check them.

Why. DESIGN.md section 2 promises that the books balance and that `bean-check` and
`hledger check` agree. The transactions here come from the transfer stream and the
balance assertions from `Ledger.balances()`, so any disagreement between what was posted
and what the running totals say fails someone else's arithmetic, not ours.

Account names. An id `<kind>:<owner>:<purpose>` becomes `<Root>:<Kind>:<Owner>:<Purpose>`.

- Root. Accounts not owned by the platform (users, creators, advertisers, merchants...)
  are `Liabilities`: the platform owes them. A `platform:` account takes the root of its
  first part that names one: revenue/income -> Income; expense(s)/fee(s)/cost(s) ->
  Expenses; cash/bank/clearing/receivable(s) -> Assets; payable(s)/escrow -> Liabilities;
  equity/treasury/capital -> Equity. Any other platform account is Equity, the
  platform's own working accounts (the default).
- Parts. `_`, `.` (and anything else a name cannot hold) become `-`, the first letter is
  capitalised and a leading dash gets an `X`. Ids whose parts all match
  `[a-z0-9][A-Za-z0-9-]*` map one-to-one and read back by lower-casing each part's first
  letter; any other id gets `-h` and 8 hex digits of its SHA-256 on its last part, so
  that no two ids share a name (see `export_names`). Every `open`/`account` directive
  carries the exact id as `ledger_id` metadata.

    user:42:coins            -> Liabilities:User:42:Coins
    platform:revenue:ads     -> Income:Platform:Revenue:Ads
    platform:fees:appstore   -> Expenses:Platform:Fees:Appstore
    merchant:shop_9:payable  -> Liabilities:Merchant:Shop-9:Payable-h<8 hex>

Amounts. Postings are debit-positive, as both tools expect: a transfer of 5 COIN from
`user:42:coins` to `platform:revenue:gifts` posts +5 COIN to the user and -5 COIN to the
revenue. The ledger's own balance is `credits - debits`, the negation. USD is written
from its micros with six places (`12.345678 USD`); COIN and DIAMOND are whole numbers.

Pending transfers. A pending transfer is a hold: the export moves the amount out of the
debit account into the asset's holding account `Liabilities:Reelmint-Pending:<ASSET>` in
a `!`-flagged transaction, and whatever ends the hold empties it again:

    pending 10 COIN, wallet -> revenue    wallet +10, hold -10         (flag !)
    post 7 of it                          hold +10, revenue -7, wallet -3
    void it, or let it expire             hold +10, wallet -10

The ledger writes no row when a pending transfer expires, so the export writes that
release itself, dated at the expiry (timestamp + timeout, but no later than `as_of`).
A transfer still pending stays in the hold. Each account therefore ends at
`debits_posted - credits_posted + debits_pending`, which is `-Balance.available`, and
each holding account at minus its asset's total `debits_pending`.

Worked example: a wallet credited 100 COIN, which had 5 of an 8-coin hold posted and
has 10 more on hold. The ledger says posted 95, pending debits 10. The export adds
-100 + 8 - 3 + 10 and asserts -85 COIN on the wallet, and -10 COIN on the COIN hold.

Assertions follow the last transaction, dated the day after it: Beancount `balance`
directives with `~ 0` (left to itself, Beancount would let a USD balance be off by one
micro, the last printed digit) and one hledger transaction of `0 X == N X` postings.
A Beancount balance covers sub-accounts, so a parent id such as `platform:revenue`
(above `platform:revenue:ads`) is asserted at its subtree's sum; hledger's `==` is not.

Transfers are read `page_size` at a time and written as they come. Only the accounts,
balances, pending states and the holds still to be released are kept in memory. Export
a ledger nobody posts to meanwhile (or a snapshot): its totals are read separately.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Final, TextIO
from urllib.parse import quote

from reelmint.ledger.export_names import account_names, holding_account
from reelmint.ledger.model import (
    Account,
    AccountFlags,
    Balance,
    LedgerError,
    PendingState,
    StoredTransfer,
    TransferKind,
)
from reelmint.ledger.port import Ledger
from reelmint.money import Asset

PAGE_SIZE: Final = 1000
OPEN_DATE: Final = date(1970, 1, 1)  # the ledger keeps no opening date; its epoch will do

_SETTLEMENTS: Final = (TransferKind.POST_PENDING, TransferKind.VOID_PENDING, TransferKind.EXPIRED)
_BEANCOUNT_ESCAPES: Final = str.maketrans(
    {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
)


# -- amounts and text ----------------------------------------------------------------------


def format_units(asset: Asset, minor: int) -> str:
    """A signed number of whole units, from minor units, with all of the asset's places.

    >>> format_units(Asset.USD, -12_345_678), format_units(Asset.COIN, 1500)
    ('-12.345678', '1500')
    """
    if asset.scale == 0:
        return str(minor)
    whole, frac = divmod(abs(minor), asset.unit)
    return f"{'-' if minor < 0 else ''}{whole}.{frac:0{asset.scale}d}"


def beancount_string(text: str) -> str:
    r"""A Beancount string literal that reads back as `text`.

    >>> print(beancount_string('a "b" \\ c'))
    "a \"b\" \\ c"
    """
    return '"' + text.translate(_BEANCOUNT_ESCAPES) + '"'


def hledger_text(text: str) -> str:
    """`text` percent-encoded, so that `;`, `,`, `|`, `(` or a newline cannot end a field.

    >>> hledger_text("gifts.send"), hledger_text('id, "x"; y')
    ('gifts.send', 'id%2C%20%22x%22%3B%20y')
    """
    return quote(text, safe=":/@+=")


def utc_day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


# -- entries: what both formats write ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Posting:
    account: str  # exported name
    asset: Asset
    minor: int  # debit-positive


@dataclass(frozen=True, slots=True)
class Entry:
    """One exported transaction, format-neutral. `held`: a pending transfer (flag `!`)."""

    day: date
    held: bool
    code: str
    tags: tuple[tuple[str, str], ...]
    postings: tuple[Posting, ...]


def stored_transfers(ledger: Ledger, page_size: int = PAGE_SIZE) -> Iterator[StoredTransfer]:
    """Every stored transfer in seq order, read `page_size` at a time.

    Stops at the first empty page rather than a short one, so that an adapter that
    returns fewer rows than asked loses none.
    """
    if page_size < 1:
        raise ValueError("page_size must be at least 1")
    after = 0
    while page := ledger.transfers(after=after, limit=page_size):
        yield from page
        after = page[-1].seq


def entries(
    rows: Iterable[StoredTransfer],
    states: Mapping[str, PendingState],
    names: Mapping[str, str],
    as_of: datetime,
) -> Iterator[Entry]:
    """The transactions for `rows` (in their order), then releases of expired holds.

    Raises LedgerError where the rows and the pending states disagree: a settlement of a
    transfer that is not a pending one, or a pending transfer marked posted or voided
    that no row settles.
    """
    waiting: dict[str, StoredTransfer] = {}  # holds that a later row (or expiry) releases
    for row in rows:
        if row.kind is TransferKind.PENDING:
            state = states.get(row.id)
            if state is None:
                raise LedgerError(f"pending transfer {row.id!r} has no pending state")
            if state is not PendingState.PENDING:
                waiting[row.id] = row
            yield _entry(row, names, (row.debit, row.amount), (None, -row.amount))
        elif row.kind in _SETTLEMENTS:
            pending = waiting.pop(row.pending_id or "", None)
            if pending is None:
                raise LedgerError(f"{row.id!r} settles {row.pending_id!r}, not a held transfer")
            yield _settlement(row, pending, names)
        else:
            yield _entry(row, names, (row.debit, row.amount), (row.credit, -row.amount))
    for pending in waiting.values():
        if states[pending.id] is not PendingState.EXPIRED:
            said = states[pending.id].name.lower()
            raise LedgerError(f"pending transfer {pending.id!r} is {said} but nothing settles it")
        yield _expiry(pending, names, as_of)


def _posting(
    names: Mapping[str, str], row: StoredTransfer, account: str | None, minor: int
) -> Posting:
    name = holding_account(row.asset) if account is None else names.get(account)
    if name is None:
        raise LedgerError(f"transfer {row.id!r} names an unknown account {account!r}")
    return Posting(name, row.asset, minor)


def _entry(row: StoredTransfer, names: Mapping[str, str], *legs: tuple[str | None, int]) -> Entry:
    tags = [("id", row.id), ("seq", str(row.seq)), ("kind", row.kind.name.lower())]
    if row.pending_id:
        tags.append(("pending", row.pending_id))
    tags.append(("ref", row.ref))
    postings = tuple(_posting(names, row, account, minor) for account, minor in legs if minor)
    held = row.kind is TransferKind.PENDING
    return Entry(utc_day(row.timestamp), held, row.code, tuple(tags), postings)


def _settlement(row: StoredTransfer, pending: StoredTransfer, names: Mapping[str, str]) -> Entry:
    """Empty the hold: the posted part to the credit account, the rest back to the debit."""
    posted = row.amount if row.kind is TransferKind.POST_PENDING else 0
    if posted > pending.amount:
        raise LedgerError(f"{row.id!r} posts more than pending transfer {pending.id!r} holds")
    legs = (
        (None, pending.amount),
        (pending.credit, -posted),
        (pending.debit, posted - pending.amount),
    )
    return _entry(row, names, *legs)


def _expiry(pending: StoredTransfer, names: Mapping[str, str], as_of: datetime) -> Entry:
    """Release an expired hold, at its expiry if known and past, else at `as_of`."""
    expires = pending.timestamp + timedelta(seconds=pending.timeout)
    moment = max(pending.timestamp, min(expires, as_of) if pending.timeout else as_of)
    postings = (
        _posting(names, pending, None, pending.amount),
        _posting(names, pending, pending.debit, -pending.amount),
    )
    tags = (("pending", pending.id), ("kind", "expired"), ("ref", pending.ref))
    return Entry(utc_day(moment), False, pending.code, tags, postings)


def closing_balances(
    accounts: Sequence[Account], balances: Mapping[str, Balance], names: Mapping[str, str]
) -> list[Posting]:
    """What each account and holding account must hold after every entry, debit-positive."""
    held = dict.fromkeys(Asset, 0)
    out = []
    for account in accounts:
        b = balances.get(account.id)
        if b is None:
            raise LedgerError(f"the books report no balance for {account.id!r}")
        out.append(Posting(names[account.id], account.asset, b.debits_pending - b.posted))
        held[account.asset] += b.debits_pending
    out.extend(Posting(holding_account(asset), asset, -held[asset]) for asset in Asset)
    return out


def subtree_totals(closing: Sequence[Posting]) -> list[Posting]:
    """Each closing balance plus those of its sub-accounts in the same asset (Beancount's view).

    >>> subtree_totals([Posting("A:B", Asset.COIN, 2), Posting("A:B:C", Asset.COIN, 3)])[0].minor
    5
    """
    asserted = {(p.account, p.asset) for p in closing}
    totals = dict.fromkeys(asserted, 0)
    for p in closing:
        parts = p.account.split(":")
        for depth in range(1, len(parts) + 1):
            key = (":".join(parts[:depth]), p.asset)
            if key in totals:
                totals[key] += p.minor
    return [Posting(p.account, p.asset, totals[(p.account, p.asset)]) for p in closing]


# -- the two formats --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Book:
    accounts: list[Account]
    names: dict[str, str]
    entries: Iterator[Entry]
    closing: list[Posting]


def _read(ledger: Ledger, as_of: datetime, page_size: int) -> _Book:
    if as_of.tzinfo is None:
        raise LedgerError("as_of must be timezone-aware (use UTC)")
    accounts = ledger.accounts()
    names = account_names(accounts)
    closing = closing_balances(accounts, ledger.balances(), names)
    rows = stored_transfers(ledger, page_size)
    return _Book(accounts, names, entries(rows, ledger.pending_states(), names, as_of), closing)


def _flag_names(flags: AccountFlags) -> str:
    return ",".join((flag.name or "").lower() for flag in AccountFlags if flag and flag in flags)


def _amount(asset: Asset, minor: int) -> str:
    return f"{format_units(asset, minor)} {asset.value}"


def _write_entries(
    out: TextIO, entries: Iterable[Entry], render: Callable[[Entry], str], as_of: datetime
) -> date:
    """Write every entry; return the day after the latest one (after `as_of` if none)."""
    last: date | None = None
    for entry in entries:
        out.write(render(entry))
        last = entry.day if last is None else max(last, entry.day)
    return (utc_day(as_of) if last is None else last) + timedelta(days=1)


def _beancount_entry(entry: Entry) -> str:
    lines = [f"\n{entry.day} {'!' if entry.held else '*'} {beancount_string(entry.code)}"]
    lines += [f"  {key}: {beancount_string(value)}" for key, value in entry.tags]
    lines += [f"  {p.account}  {_amount(p.asset, p.minor)}" for p in entry.postings]
    return "\n".join(lines) + "\n"


def _hledger_entry(entry: Entry) -> str:
    tags = ", ".join(f"{key}:{hledger_text(value)}" for key, value in entry.tags)
    mark = "!" if entry.held else "*"
    lines = [f"\n{entry.day} {mark} {hledger_text(entry.code)}  ; {tags}"]
    lines += [f"    {p.account}  {_amount(p.asset, p.minor)}" for p in entry.postings]
    return "\n".join(lines) + "\n"


def write_beancount(
    ledger: Ledger, out: TextIO, *, as_of: datetime, page_size: int = PAGE_SIZE
) -> None:
    """Write the books as a Beancount file; `bean-check` accepts it while they balance."""
    book = _read(ledger, as_of, page_size)
    out.write(f";; reelmint books as of {as_of.astimezone(UTC).isoformat()}\n")
    out.write('option "title" "reelmint books"\noption "operating_currency" "USD"\n\n')
    out.writelines(f"{OPEN_DATE} commodity {asset.value}\n" for asset in Asset)
    for account in book.accounts:
        out.write(f"{OPEN_DATE} open {book.names[account.id]} {account.asset.value}\n")
        out.write(f"  ledger_id: {beancount_string(account.id)}\n")
        if account.flags:
            out.write(f"  flags: {beancount_string(_flag_names(account.flags))}\n")
    out.writelines(f"{OPEN_DATE} open {holding_account(a)} {a.value}\n" for a in Asset)
    day = _write_entries(out, book.entries, _beancount_entry, as_of)
    out.write("\n")
    for p in subtree_totals(book.closing):
        number = format_units(p.asset, p.minor)
        out.write(f"{day} balance {p.account}  {number} ~ 0 {p.asset.value}\n")


def write_hledger(
    ledger: Ledger, out: TextIO, *, as_of: datetime, page_size: int = PAGE_SIZE
) -> None:
    """Write the books as an hledger journal; `hledger check -s` accepts it while they balance."""
    book = _read(ledger, as_of, page_size)
    out.write(f"; reelmint books as of {as_of.astimezone(UTC).isoformat()}\n\n")
    for asset in Asset:  # a sample amount fixes the decimal mark: `1000.000000`, `1000.`
        sample = format_units(asset, 1000 * asset.unit) + ("" if asset.scale else ".")
        out.write(f"commodity {sample} {asset.value}\n")
    for account in book.accounts:
        tags = f"ledger-id:{hledger_text(account.id)}"
        if account.flags:
            tags += f", flags:{hledger_text(_flag_names(account.flags))}"
        out.write(f"account {book.names[account.id]}  ; {tags}\n")
    out.writelines(f"account {holding_account(asset)}\n" for asset in Asset)
    day = _write_entries(out, book.entries, _hledger_entry, as_of)
    out.write(f"\n{day} * closing balances  ; kind:assertions\n")
    for p in book.closing:
        zero, amount = _amount(p.asset, 0), _amount(p.asset, p.minor)
        out.write(f"    {p.account}  {zero} == {amount}\n")
