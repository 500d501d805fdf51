"""Books routes: open accounts, post transfers, read balances, statements, trial balance.

They live here rather than in `ledger/`, because the books sit below `http/` (which needs
parties for its keys); every domain above the parties keeps its own `routes.py`.

Ownership: a party reads and debits only its own accounts (`<role>:<id>:...`); it may
credit anyone (paying a creator is the point). An admin may do everything.

Accounts an engine keeps (`ENGINE_PURPOSES`: a user's coin wallet and coin debt, a
creator's diamonds, payable, rewards and rewards owed, an advertiser's prepaid balance)
move only through that engine's routes, which post the matching legs on the platform's
side. Through these
generic routes a non-admin may read them but not open, debit or credit them: a user
debiting its own wallet to the coin treasury would take coins out without taking their
value off the coin liability, and the gifts identities would no longer hold.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response
from pydantic import BeforeValidator

from reelmint.api.schemas import (
    AccountCreate,
    AccountOpened,
    AccountPublic,
    BalancePublic,
    StatementLinePublic,
    StatementPage,
    TransferBatch,
    TransferCreate,
    TransferOutcome,
    TransferResults,
    TrialBalance,
    TrialBalanceLine,
)
from reelmint.http import problems
from reelmint.http.auth import Admin, Caller
from reelmint.http.idempotency import kept_json, respond
from reelmint.http.problems import ACCOUNT_CONFLICT, FORBIDDEN, NOT_FOUND, Problem
from reelmint.http.schemas import not_a_number
from reelmint.ledger.model import (
    Account,
    AccountFlags,
    AccountResult,
    Transfer,
    TransferKind,
)
from reelmint.ledger.store import SqlLedger
from reelmint.parties.model import Party

router = APIRouter(prefix="/v1", tags=["books"])
READ = problems.responses(401, 403, 404, 422, 429)
IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", min_length=1, max_length=255,
           description="replays the first response for a repeated key (kept 24 h by default)"),
]  # fmt: skip


At = Annotated[datetime | None, BeforeValidator(not_a_number),
               Query(description="posted balance as of this time")]  # fmt: skip
_FLAG_NAMES = {AccountFlags.NO_OVERDRAFT: "no_overdraft",
               AccountFlags.NO_CREDIT_BALANCE: "no_credit_balance"}  # fmt: skip


def _books(request: Request) -> SqlLedger:
    ledger: SqlLedger = request.app.state.platform.ledger
    return ledger


ENGINE_PURPOSES = {
    "user": {"coins", "coin_debt"},
    "creator": {"diamonds", "payable", "rewards", "rewards_owed"},
    "advertiser": {"prepaid"},
}


def _engine_kept(account_id: str) -> bool:
    kind, _, rest = account_id.partition(":")
    return rest.rpartition(":")[2] in ENGINE_PURPOSES.get(kind, set())


def _movable(party: Party, account_id: str, what: str) -> None:
    if not party.is_admin and _engine_kept(account_id):
        raise Problem(FORBIDDEN, f"{what}: account {account_id!r} is kept by its engine; use "
                      "the gifts or ads routes to move it")  # fmt: skip


def _readable(party: Party, account_id: str) -> None:
    if not party.may_use(account_id):
        raise Problem(FORBIDDEN, f"{party} may not use account {account_id!r}")


def _public(account: Account) -> AccountPublic:
    flags = [name for flag, name in _FLAG_NAMES.items() if flag in account.flags]
    return AccountPublic(id=account.id, asset=account.asset, flags=flags)


@router.post(
    "/accounts", status_code=201, response_model=AccountOpened,
    responses={200: {"model": AccountOpened, "description": "it already existed, as asked"},
               **problems.responses(401, 403, 409, 422, 429)},
)  # fmt: skip
def open_account(body: AccountCreate, request: Request, party: Caller) -> Response:
    """Open an account (your own, `<role>:<id>:<purpose>`; admins any). Opening it again
    with the same asset and flags answers 200; with others, 409."""
    _readable(party, body.id)
    _movable(party, body.id, "opening")
    flags = AccountFlags.NONE
    for name in body.flags:
        flags |= AccountFlags[name.upper()]
    account = Account(body.id, body.asset, flags)
    (result,) = _books(request).open_accounts([account])
    if result is AccountResult.EXISTS_WITH_DIFFERENT_FIELDS:
        raise Problem(ACCOUNT_CONFLICT, f"account {body.id!r} exists with another asset or flags")
    status = 201 if result is AccountResult.OK else 200
    opened = AccountOpened(**_public(account).model_dump(), result=result)
    return Response(opened.model_dump_json(), status, media_type="application/json")


@router.get("/accounts/{account_id}", response_model=AccountPublic, responses=READ)
def get_account(account_id: str, request: Request, party: Caller) -> AccountPublic:
    """An account's asset and flags."""
    _readable(party, account_id)
    account = _books(request).account(account_id)
    if account is None:
        raise Problem(NOT_FOUND, f"no account {account_id!r}")
    return _public(account)


@router.get("/accounts/{account_id}/balance", response_model=BalancePublic, responses=READ)
def get_balance(
    account_id: str, request: Request, party: Caller,
    at: At = None,
) -> BalancePublic:  # fmt: skip
    """Posted and pending totals, and what is available to spend."""
    _readable(party, account_id)
    books = _books(request)
    if books.account(account_id) is None:
        raise Problem(NOT_FOUND, f"no account {account_id!r}")
    if at is not None and at.tzinfo is None:
        raise Problem(problems.VALIDATION, "`at` needs a time zone, e.g. 2026-11-01T12:00:00Z")
    b = books.balance(account_id, at=at)
    return BalancePublic(
        account=b.account, asset=b.asset, debits_posted=b.debits_posted,
        credits_posted=b.credits_posted, debits_pending=b.debits_pending,
        credits_pending=b.credits_pending, posted=b.posted, available=b.available,
    )  # fmt: skip


@router.get("/accounts/{account_id}/statement", response_model=StatementPage, responses=READ)
def get_statement(
    account_id: str, request: Request, party: Caller,
    cursor: Annotated[str | None, Query(pattern=r"^[0-9]{1,18}$")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> StatementPage:  # fmt: skip
    """Posted entries, oldest first, with the running balance; page on with `next_cursor`."""
    _readable(party, account_id)
    books = _books(request)
    if books.account(account_id) is None:
        raise Problem(NOT_FOUND, f"no account {account_id!r}")
    lines = books.statement(account_id, after=int(cursor or 0), limit=limit)
    data = [
        StatementLinePublic(
            seq=x.seq, transfer_id=x.transfer_id, timestamp=x.timestamp,
            kind=x.kind.name.lower(), code=x.code, ref=x.ref,
            counterparty=x.counterparty, amount=x.amount, balance=x.balance,
        )
        for x in lines
    ]  # fmt: skip
    more = len(lines) == limit
    return StatementPage(data=data, count=len(data),
                         next_cursor=str(lines[-1].seq) if more else None)  # fmt: skip


@router.post(
    "/transfers", response_model=TransferResults,
    responses=problems.responses(401, 403, 409, 422, 429),
)  # fmt: skip
def post_transfers(
    batch: TransferBatch, request: Request, party: Caller, idempotency_key: IdempotencyKey = None
) -> Response:
    """Post a batch of transfers; one result per transfer, in order.

    Refusals are results, not errors: the batch answers 200 and each refused transfer
    says why (`exceeds_credits`, `linked_event_failed`, ...). Every transfer id is itself
    an idempotency key in the books; the `Idempotency-Key` header also replays the
    whole response. Non-admins must name as `debit` an account of their own.
    """
    for t in batch.transfers:
        if not party.is_admin and not party.owns(t.debit):
            raise Problem(FORBIDDEN, f"transfer {t.id!r}: {party} may only debit its own "
                          "accounts")  # fmt: skip
        _movable(party, t.debit, f"transfer {t.id!r}")
        _movable(party, t.credit, f"transfer {t.id!r}")
    transfers = [_transfer(t) for t in batch.transfers]

    def work():  # type: ignore[no-untyped-def]
        results = _books(request).post(transfers, request.app.state.clock())
        request.app.state.metrics.count_results(results)
        data = [TransferOutcome(id=t.id, result=r) for t, r in zip(transfers, results, strict=True)]
        accepted = sum(1 for r in results if r.succeeded)
        return kept_json(200, TransferResults(data=data, count=len(data), accepted=accepted))

    return respond(request, str(party), idempotency_key, batch, work)


def _transfer(t: TransferCreate) -> Transfer:
    return Transfer(
        t.id, t.debit, t.credit, t.amount, t.asset, t.code, t.ref,
        TransferKind[t.kind.upper()], t.pending_id, t.timeout, t.linked,
    )  # fmt: skip


@router.get("/trial-balance", response_model=TrialBalance, responses=READ)
def get_trial_balance(request: Request, party: Admin) -> TrialBalance:
    """Per asset, total debits and credits over every account (admins only)."""
    rows = [
        TrialBalanceLine(
            asset=r.asset, accounts=r.accounts, debits_posted=r.debits_posted,
            credits_posted=r.credits_posted, debits_pending=r.debits_pending,
            credits_pending=r.credits_pending, balanced=r.balanced,
        )
        for r in _books(request).trial_balance()
    ]  # fmt: skip
    return TrialBalance(data=rows, count=len(rows))
