"""Ledger account ids as Beancount/hledger account names, for `reelmint.ledger.export`.

Why a mapping at all: both tools want names such as `Liabilities:User:42:Coins`, under one
of five roots, with parts that start with a capital or a digit and hold only letters,
digits and dashes, while ledger ids read `user:42:coins` and may hold `_` and `.`. The
rules and their examples are in the docstring of `reelmint.ledger.export`.

The names must never merge two accounts, or a checker would add up two balances as one.
Ids whose parts all match `[a-z0-9][A-Za-z0-9-]*` map one-to-one (lower-case each part's
first letter to read them back); any other id gets `-h` and 8 hex digits of its SHA-256
on its last part, and `account_names` refuses a set in which two names still coincide.

    >>> account_name("platform:revenue:ads")
    'Income:Platform:Revenue:Ads'
    >>> account_name("brand:Acme.co:escrow").startswith("Liabilities:Brand:Acme-co:Escrow-h")
    True
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from typing import Final

from reelmint.ledger.model import Account, LedgerError
from reelmint.money import Asset

# Pending transfers wait here, one account per asset. No id maps to a first part with a
# capital inside it, so no ledger account can take these names.
HOLDING: Final = "Liabilities:Reelmint-Pending"
_PLATFORM_ROOTS: Final = {
    **dict.fromkeys(("revenue", "revenues", "income"), "Income"),
    **dict.fromkeys(("expense", "expenses", "fee", "fees", "cost", "costs"), "Expenses"),
    **dict.fromkeys(("cash", "bank", "clearing", "receivable", "receivables"), "Assets"),
    **dict.fromkeys(("payable", "payables", "escrow", "liabilities"), "Liabilities"),
    **dict.fromkeys(("equity", "treasury", "capital"), "Equity"),
}
_PLATFORM_DEFAULT: Final = "Equity"
_CANONICAL_PART: Final = re.compile(r"[a-z0-9][A-Za-z0-9-]*")
_NOT_IN_NAMES: Final = re.compile(r"[^A-Za-z0-9-]")


def account_root(account_id: str) -> str:
    """The top-level account (Assets, Liabilities, Equity, Income, Expenses) for an id."""
    kind, *rest = account_id.lower().split(":")
    if kind != "platform":
        return "Liabilities"
    for part in rest:
        if part in _PLATFORM_ROOTS:
            return _PLATFORM_ROOTS[part]
    return _PLATFORM_DEFAULT


def account_name(account_id: str) -> str:
    """The Beancount/hledger name of a ledger account id; see the module docstring."""
    parts = account_id.split(":")
    names = [_name_part(part) for part in parts]
    if not all(_CANONICAL_PART.fullmatch(part) for part in parts):
        names[-1] += "-h" + hashlib.sha256(account_id.encode()).hexdigest()[:8]
    return ":".join([account_root(account_id), *names])


def _name_part(part: str) -> str:
    text = _NOT_IN_NAMES.sub("-", part)  # `_` and `.`, or anything an id should not hold
    return "X" + text if text[:1] in ("", "-") else text[:1].upper() + text[1:]


def holding_account(asset: Asset) -> str:
    """Where pending transfers of `asset` wait until they are posted, voided or expire."""
    return f"{HOLDING}:{asset.value}"


def account_names(accounts: Iterable[Account]) -> dict[str, str]:
    """Every account's exported name, by id; raises LedgerError if two would share one."""
    names = {account.id: account_name(account.id) for account in accounts}
    taken = {holding_account(asset) for asset in Asset}
    for account_id, name in names.items():
        if name in taken:
            raise LedgerError(f"account {account_id!r} would be exported as {name}, twice")
        taken.add(name)
    return names
