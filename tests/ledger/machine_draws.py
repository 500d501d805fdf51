"""How the ledger state machine draws its input: accounts, transfers, settlements,
resubmissions and bad input, each aimed at what the model holds so that most draws mean
something (a move between two open accounts of one asset, with room under their flags).

`TransferDraws` is a mixin for `LedgerMachine` in tests/ledger/test_state_machine.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from hypothesis import strategies as st

from reelmint.ledger import (
    Account,
    AccountFlags,
    Transfer,
    TransferKind,
    TransferResult,
)
from reelmint.money import MAX_AMOUNT, Asset
from tests.ledger.oracle import MAX_CODE, MAX_ID, BooksModel

R = TransferResult
K = TransferKind
T = TypeVar("T")
START = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)

ACCOUNT_IDS = (
    "user:1:wallet",
    "user:2:wallet",
    "creator:7:earnings",
    "advertiser:3:prepaid",
    "platform:treasury:main",
    "platform:clearing:main",
    "platform:revenue:ads",
)
GHOST = "ghost:404:nowhere"  # never opened
ASSETS = tuple(Asset)
FLAGS = (AccountFlags.NONE, AccountFlags.NO_OVERDRAFT, AccountFlags.NO_CREDIT_BALANCE)
CODES = ("test.move", "test.other")
REFS = ("", "order-1", "order-2")
WHAT = ("move",) * 4 + ("pending",) * 3 + ("settle",) * 3 + ("dup",) * 2 + ("bad",)
CHANGES = ("same", "same", "later", "fixed", "fixed", "amount", "ref", "code", "linked", "kind")
BAD_INPUTS = (
    "zero", "negative", "missing_amount", "same_accounts", "unknown_debit", "unknown_credit",
    "asset_mismatch", "account_asset_mismatch", "empty_code", "long_code", "empty_id",
    "long_id", "pending_id_on_move", "timeout_on_move", "negative_timeout",
    "settle_without_pending_id", "expired_kind", "too_large", "negative_settle_amount",
)  # fmt: skip
ROW_FIELDS = (
    "id", "debit", "credit", "amount", "asset", "code", "ref", "kind", "pending_id",
    "timeout", "linked", "timestamp",
)  # fmt: skip


def pick(data: st.DataObject, options: Sequence[T], label: str) -> T:
    """One of `options`; a tuple keeps the strategy in Hypothesis's cache."""
    return data.draw(st.sampled_from(tuple(options)), label=label)


def chance(data: st.DataObject, percent: int, label: str) -> bool:
    return data.draw(st.integers(0, 99), label=label) < percent


def number(data: st.DataObject, low: int, high: int, label: str) -> int:
    return data.draw(st.integers(low, high), label=label)


class TransferDraws:
    """Draws for a machine that holds `model`, `now`, `history` and `serial`."""

    model: BooksModel
    now: datetime
    history: list[Transfer]
    serial: int

    # -- drawing accounts --------------------------------------------------------------

    def draw_account(self, data: st.DataObject) -> Account:
        aid = pick(data, ACCOUNT_IDS, "account")
        held = self.model.s.accounts.get(aid)
        if held is not None and chance(data, 50, "reopen with the same fields"):
            return Account(aid, held.asset, held.flags)
        return Account(aid, pick(data, ASSETS, "asset"), pick(data, FLAGS, "flags"))

    def room(self, debit: str, credit: str) -> int | None:
        """The most the flags of `debit` and `credit` let move now (None: no limit)."""
        limits = []
        dr, cr = self.model.s.accounts.get(debit), self.model.s.accounts.get(credit)
        if dr is not None and AccountFlags.NO_OVERDRAFT in dr.flags:
            limits.append(dr.cp - dr.dp - dr.dpend)
        if cr is not None and AccountFlags.NO_CREDIT_BALANCE in cr.flags:
            limits.append(cr.dp - cr.cp - cr.cpend)
        return min(limits, default=None)

    def draw_pair(self, data: st.DataObject) -> tuple[str, str, Asset]:
        """Debit, credit and asset: mostly two open accounts of one asset that can move."""
        held = self.model.s.accounts
        paired = sorted(a for a in held if sum(b.asset is held[a].asset for b in held.values()) > 1)
        if not paired or chance(data, 5, "any accounts"):
            debit = pick(data, (*ACCOUNT_IDS, GHOST), "debit")
            return debit, pick(data, ACCOUNT_IDS, "credit"), pick(data, ASSETS, "asset")
        payers = [a for a in paired if (self.room(a, "") or 1) > 0]
        can_pay = bool(payers) and chance(data, 70, "a debit that can pay")
        debit = pick(data, payers if can_pay else paired, "debit")
        asset = held[debit].asset
        partners = [a for a in paired if a != debit and held[a].asset is asset]
        payees = [a for a in partners if (self.room("", a) or 1) > 0]
        if payees and chance(data, 70, "a credit that can take it"):
            partners = payees
        if not chance(data, 95, "same asset"):
            partners = list(ACCOUNT_IDS)
        return debit, pick(data, partners, "credit"), asset

    # -- drawing transfers -------------------------------------------------------------

    def fresh_id(self) -> str:
        self.serial += 1
        return f"t{self.serial}"

    def draw_timestamp(self, data: st.DataObject) -> datetime | None:
        if chance(data, 85, "timestamp left to now"):
            return None
        return self.now - timedelta(seconds=number(data, 0, 90, "age"))

    def draw_move(self, data: st.DataObject, kind: TransferKind) -> Transfer:
        debit, credit, asset = self.draw_pair(data)
        room = self.room(debit, credit)
        if room is not None and room > 0 and chance(data, 70, "affordable"):
            amount = room if chance(data, 20, "all of it") else number(data, 1, room, "amount")
        else:
            amount = number(data, 1, 30 if chance(data, 80, "small") else 400, "amount")
        timeout = 0
        if kind is K.PENDING and chance(data, 75, "with a timeout"):
            timeout = number(data, 1, 120, "timeout")
        return Transfer(
            self.fresh_id(), debit, credit, amount, asset, pick(data, CODES, "code"),
            pick(data, REFS, "ref"), kind, timeout=timeout, timestamp=self.draw_timestamp(data),
        )  # fmt: skip

    def draw_settlement(self, data: st.DataObject, batch: list[Transfer]) -> Transfer:
        """Post (all, part, too much) or void a pending transfer, in any of its states.

        The pending transfer may be one made earlier in the same batch.
        """
        kind = pick(data, (K.POST_PENDING, K.VOID_PENDING), "settlement kind")
        in_batch = {t.id: t for t in batch if t.kind is K.PENDING and t.id}
        pendings = sorted(self.model.s.pendings.keys() | in_batch.keys())
        others = [r.id for r in self.model.s.rows[-3:]] + ["t0"]
        if pendings and chance(data, 95, "a pending id"):
            pid = pick(data, pendings, "pending id")
        else:
            pid = pick(data, others, "not a pending id")
        p = self.model.s.pendings.get(pid) or in_batch.get(pid)
        debit = credit = ""
        asset = pick(data, ASSETS, "asset")
        amount: int | None = None
        if p is not None:
            asset = p.asset if chance(data, 95, "the pending's asset") else asset
            if chance(data, 40, "name the accounts"):
                debit, credit = p.debit, p.credit
                if chance(data, 10, "the wrong way round"):
                    debit, credit = credit, debit
            held = max(1, p.amount or 1)
            amount = pick(data, (None, None, held, held + 1, -1), "settle amount")
            if amount == -1:
                amount = number(data, 1, held, "part")
        return Transfer(
            self.fresh_id(), debit, credit, amount, asset, pick(data, CODES, "code"),
            pick(data, REFS, "ref"), kind, pid, timestamp=self.draw_timestamp(data),
        )  # fmt: skip

    def draw_duplicate(self, data: st.DataObject, batch: list[Transfer]) -> Transfer | None:
        """An earlier id again: unchanged, later, or with one field changed.

        Mostly an accepted id (exists, or exists with different fields); often an id that
        was refused or never judged (a chain member), retried as is or fixed.
        """
        earlier = self.history[-40:] + batch
        accepted = [t for t in earlier if t.id in self.model.s.stored]
        refused = [t for t in earlier if t.id not in self.model.s.stored]
        which = pick(data, ("accepted", "refused", "any"), "duplicate of what")
        if which == "accepted" and accepted:
            earlier = accepted
        elif which == "refused" and refused:
            earlier = refused
        if not earlier:
            return None
        t = pick(data, earlier, "duplicate of")
        change = pick(data, CHANGES, "change")
        if change == "later":
            return replace(t, timestamp=self.now + timedelta(seconds=1))
        if change == "fixed":
            return replace(t, amount=1, linked=False)
        if change == "amount":
            return replace(t, amount=(t.amount or 0) + 1)
        if change == "ref":
            return replace(t, ref=t.ref + "x")
        if change == "code":
            return replace(t, code=CODES[1] if t.code == CODES[0] else CODES[0])
        if change == "linked":
            return replace(t, linked=not t.linked)
        if change == "kind" and t.kind in (K.POSTED, K.PENDING):
            return replace(t, kind=K.PENDING if t.kind is K.POSTED else K.POSTED, timeout=0)
        return t

    def draw_bad(self, data: st.DataObject) -> Transfer:
        t = self.draw_move(data, K.POSTED)
        bad = pick(data, BAD_INPUTS, "bad input")
        other_asset = next(a for a in Asset if a is not t.asset)
        mismatched = [a for a, held in self.model.s.accounts.items() if held.asset is not t.asset]
        changes: dict[str, dict[str, object]] = {
            "zero": {"amount": 0},
            "negative": {"amount": -number(data, 1, 50, "negative amount")},
            "missing_amount": {"amount": None},
            "same_accounts": {"credit": t.debit},
            "unknown_debit": {"debit": GHOST},
            "unknown_credit": {"credit": GHOST},
            "asset_mismatch": {"asset": other_asset},
            "account_asset_mismatch": {"credit": mismatched[0] if mismatched else GHOST},
            "empty_code": {"code": ""},
            "long_code": {"code": "x" * (MAX_CODE + 1)},
            "empty_id": {"id": ""},
            "long_id": {"id": "i" * (MAX_ID + 1)},
            "pending_id_on_move": {"pending_id": "t1"},
            "timeout_on_move": {"timeout": 30},
            "negative_timeout": {"kind": K.PENDING, "timeout": -1},
            "settle_without_pending_id": {"kind": K.POST_PENDING},
            "expired_kind": {"kind": K.EXPIRED},
            "too_large": {"amount": MAX_AMOUNT + 1},
            "negative_settle_amount": {"kind": K.VOID_PENDING, "pending_id": "t1", "amount": -1},
        }
        return replace(t, **changes[bad])  # type: ignore[arg-type]

    def draw_transfer(self, data: st.DataObject, batch: list[Transfer], linked: int) -> Transfer:
        what = pick(data, WHAT, "what")
        no_pendings = not self.model.s.pendings and all(t.kind is not K.PENDING for t in batch)
        if what == "settle" and no_pendings and chance(data, 80, "move instead"):
            what = "move"
        if what == "dup":
            dup = self.draw_duplicate(data, batch)
            if dup is not None:
                return dup
        if what == "bad":
            t = self.draw_bad(data)
        elif what == "settle":
            t = self.draw_settlement(data, batch)
        else:
            t = self.draw_move(data, K.PENDING if what == "pending" else K.POSTED)
        return replace(t, linked=chance(data, linked, "linked"))
