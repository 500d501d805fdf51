"""Parties, roles and API keys. Pure: no I/O, no framework.

A party is a role and an id, and it owns the accounts whose id starts with
`<role>:<id>:`. Worked example: creator 7 owns `creator:7:diamonds` and
`creator:7:payable`, and nothing under `creator:8:` or `platform:`. Admins own nothing
but may read and post everything.

An API key reads `rm_<key id>_<secret>`. Only a hash of the secret is stored; the key id
finds the row without scanning. The secret carries 256 random bits, so a fast hash
(SHA-256) is enough: no dictionary attack can guess it, and a slow password hash would
add milliseconds to every request.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime

PARTY_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
KEY_PREFIX = "rm"
KEY_ID = re.compile(r"^[0-9a-f]{16}$")


class PartyError(ValueError):
    """Input about a party or key that cannot be accepted; the message says why."""


class Role(enum.StrEnum):
    USER = "user"
    CREATOR = "creator"
    ADVERTISER = "advertiser"
    MERCHANT = "merchant"
    BRAND = "brand"
    ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class Party:
    role: Role
    id: str

    def __post_init__(self) -> None:
        if not PARTY_ID.match(self.id):
            raise PartyError(f"party id {self.id!r} must be 1 to 64 letters, digits, '_' or '-'")

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def account_prefix(self) -> str:
        return f"{self.role.value}:{self.id}:"

    def owns(self, account_id: str) -> bool:
        """Whether `account_id` is one of this party's own accounts."""
        return not self.is_admin and account_id.startswith(self.account_prefix)

    def may_use(self, account_id: str) -> bool:
        """Read it, or debit it: an admin any account, anyone else its own."""
        return self.is_admin or self.owns(account_id)

    def __str__(self) -> str:
        return f"{self.role.value}:{self.id}"


@dataclass(frozen=True, slots=True)
class ApiKey:
    """A stored key: who it speaks for, the hash of its secret, and whether it still works."""

    key_id: str
    party: Party
    secret_hash: str
    label: str
    created_at: datetime
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def matches(self, secret: str) -> bool:
        return hmac.compare_digest(self.secret_hash, hash_secret(secret))


@dataclass(frozen=True, slots=True)
class IssuedKey:
    """A key just made: the only moment its full text exists outside the caller."""

    key: ApiKey
    token: str


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def format_token(key_id: str, secret: str) -> str:
    return f"{KEY_PREFIX}_{key_id}_{secret}"


def split_token(token: str) -> tuple[str, str] | None:
    """(key id, secret) from `rm_<key id>_<secret>`, or None if it is not of that shape."""
    prefix, _, rest = token.partition("_")
    key_id, _, secret = rest.partition("_")
    if prefix != KEY_PREFIX or not KEY_ID.match(key_id) or len(secret) < 32:
        return None
    return key_id, secret
