"""What the API accepts and returns, kept apart from the domain's dataclasses.

Inputs are strict (`false` is not an integer, `"5"` is not an amount) and refuse unknown
fields, so a typo never passes silently. Lists come wrapped as `{data, count}`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from reelmint.http.schemas import Strict
from reelmint.ledger.model import MAX_ID_LENGTH, AccountResult, TransferResult
from reelmint.money import MAX_AMOUNT, Asset
from reelmint.parties.model import Role

MAX_BATCH = 8_190  # transfers per request, as in TigerBeetle: bounds a request's work
ACCOUNT_ID = r"^[a-z][a-z0-9_-]*(:[A-Za-z0-9_.-]+){1,6}$"
Flag = Literal["no_overdraft", "no_credit_balance"]
Kind = Literal["posted", "pending", "post_pending", "void_pending"]


# FastAPI validates the parsed JSON as Python data, where strict mode would refuse the
# string "USD" for an enum; enums are therefore lax (only their values pass either way).
AssetIn = Annotated[Asset, Field(strict=False)]
RoleIn = Annotated[Role, Field(strict=False)]


class AccountCreate(Strict):
    id: str = Field(pattern=ACCOUNT_ID, max_length=MAX_ID_LENGTH,
                    examples=["creator:7:diamonds"])  # fmt: skip
    asset: AssetIn
    flags: list[Flag] = Field(default_factory=list, max_length=2)


class AccountPublic(BaseModel):
    id: str
    asset: Asset
    flags: list[Flag]


class AccountOpened(AccountPublic):
    result: AccountResult


class BalancePublic(BaseModel):
    account: str
    asset: Asset
    debits_posted: int
    credits_posted: int
    debits_pending: int
    credits_pending: int
    posted: int = Field(description="credits posted less debits posted")
    available: int = Field(description="posted less pending debits: what can be spent")


class StatementLinePublic(BaseModel):
    seq: int
    transfer_id: str
    timestamp: datetime
    kind: Kind
    code: str
    ref: str
    counterparty: str
    amount: int = Field(description="signed: + credit, - debit")
    balance: int = Field(description="the posted balance after this entry")


class StatementPage(BaseModel):
    data: list[StatementLinePublic]
    count: int
    next_cursor: str | None = Field(description="pass as `cursor` for the next page")


class TransferCreate(Strict):
    id: str = Field(min_length=1, max_length=MAX_ID_LENGTH, examples=["gift-2026-0001"])
    debit: str = Field("", max_length=MAX_ID_LENGTH, description="may be empty to settle")
    credit: str = Field("", max_length=MAX_ID_LENGTH, description="may be empty to settle")
    amount: int | None = Field(None, ge=1, le=MAX_AMOUNT, description="minor units")
    asset: AssetIn
    code: str = Field(min_length=1, max_length=64, examples=["gifts.send"])
    ref: str = Field("", max_length=MAX_ID_LENGTH)
    kind: Kind = "posted"
    pending_id: str | None = Field(None, min_length=1, max_length=MAX_ID_LENGTH)
    timeout: int = Field(0, ge=0, le=10**9, description="seconds a pending transfer may wait")
    linked: bool = False


class TransferBatch(Strict):
    transfers: list[TransferCreate] = Field(min_length=1, max_length=MAX_BATCH)


class TransferOutcome(BaseModel):
    id: str
    result: TransferResult


class TransferResults(BaseModel):
    data: list[TransferOutcome]
    count: int
    accepted: int = Field(description="how many are ok or exists")


class TrialBalanceLine(BaseModel):
    asset: Asset
    accounts: int
    debits_posted: int
    credits_posted: int
    debits_pending: int
    credits_pending: int
    balanced: bool


class TrialBalance(BaseModel):
    data: list[TrialBalanceLine]
    count: int


class KeyCreate(Strict):
    role: RoleIn
    party_id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$", examples=["7"])
    label: str = Field("", max_length=200)


class KeyPublic(BaseModel):
    key_id: str
    role: Role
    party_id: str
    label: str
    created_at: datetime
    revoked_at: datetime | None


class KeyIssued(KeyPublic):
    token: str = Field(description="the API key; shown only in this response")


class KeyList(BaseModel):
    data: list[KeyPublic]
    count: int
