"""API key routes: admins issue keys for any party; anyone lists and revokes their own."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from reelmint.api.schemas import KeyCreate, KeyIssued, KeyList, KeyPublic
from reelmint.http import problems
from reelmint.http.auth import Admin, Caller
from reelmint.http.problems import NOT_FOUND, Problem
from reelmint.parties.model import ApiKey, Party
from reelmint.parties.service import issue_key
from reelmint.parties.store import PartyStore

router = APIRouter(prefix="/v1/keys", tags=["keys"])


def _store(request: Request) -> PartyStore:
    store: PartyStore = request.app.state.parties
    return store


def _public(key: ApiKey) -> KeyPublic:
    return KeyPublic(
        key_id=key.key_id, role=key.party.role, party_id=key.party.id, label=key.label,
        created_at=key.created_at, revoked_at=key.revoked_at,
    )  # fmt: skip


@router.post(
    "", status_code=201, response_model=KeyIssued,
    responses=problems.responses(401, 403, 422, 429),
)  # fmt: skip
def create_key(body: KeyCreate, request: Request, _: Admin) -> KeyIssued:
    """Issue an API key for a party (admins only). The token is in this response only."""
    party = Party(body.role, body.party_id)
    issued = issue_key(_store(request), party, request.app.state.clock(), label=body.label)
    return KeyIssued(**_public(issued.key).model_dump(), token=issued.token)


@router.get("", response_model=KeyList, responses=problems.responses(401, 422, 429))
def list_keys(request: Request, party: Caller) -> KeyList:
    """Your keys (an admin sees every key). Secrets are never shown again."""
    keys = _store(request).list_keys(None if party.is_admin else party)
    return KeyList(data=[_public(k) for k in keys], count=len(keys))


@router.delete(
    "/{key_id}", status_code=204, response_class=Response,
    responses=problems.responses(401, 404, 422, 429),
)  # fmt: skip
def revoke_key(key_id: str, request: Request, party: Caller) -> Response:
    """Revoke a key: your own, or any key for an admin. It stops working within seconds."""
    store = _store(request)
    key = store.key(key_id)
    # Someone else's key answers 404 like a missing one: its existence is not your business.
    if key is None or not key.active or not (party.is_admin or key.party == party):
        raise Problem(NOT_FOUND, f"no active key {key_id!r} of yours")
    store.revoke(key_id, request.app.state.clock())
    return Response(status_code=204)
