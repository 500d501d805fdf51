"""Use cases for parties and keys: issue, authenticate, revoke.

Secrets come from `secrets.token_urlsafe` unless the caller passes another source (the
tests do, to be repeatable); `now` is always passed in.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime

from reelmint.parties.model import (
    ApiKey,
    IssuedKey,
    Party,
    PartyError,
    format_token,
    hash_secret,
    split_token,
)
from reelmint.parties.store import PartyStore

Random = Callable[[int], str]  # n bytes of randomness -> URL-safe text


def issue_key(
    store: PartyStore, party: Party, now: datetime, *, label: str = "",
    token_urlsafe: Random = secrets.token_urlsafe, token_hex: Random = secrets.token_hex,
) -> IssuedKey:  # fmt: skip
    """Make a key for `party` and store its hash. The token is shown once, here."""
    if len(label) > 200:
        raise PartyError("a key label is at most 200 characters")
    key_id, secret = token_hex(8), token_urlsafe(32)
    key = ApiKey(key_id, party, hash_secret(secret), label, now)
    store.add_key(key)
    return IssuedKey(key, format_token(key_id, secret))


def authenticate(store: PartyStore, token: str) -> Party | None:
    """The party an active key speaks for, or None for any token that does not open."""
    parts = split_token(token)
    if parts is None:
        return None
    key = store.key(parts[0])
    if key is None or not key.active or not key.matches(parts[1]):
        return None
    return key.party
