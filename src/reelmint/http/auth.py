"""Who is calling: `Authorization: Bearer <key>` to a `Party`, then the key's rate limit.

Verified keys are remembered for `cache_s` seconds so that a busy client costs one
database read per window rather than one per request; a revoked key therefore stops
working within that window (5 s by default) on every worker.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from reelmint.http.problems import FORBIDDEN, RATE_LIMITED, UNAUTHORIZED, Problem
from reelmint.http.ratelimit import RateLimiter, retry_after
from reelmint.parties.model import Party, Role
from reelmint.parties.service import authenticate
from reelmint.parties.store import PartyStore

MAX_NUMERIC_ID = 2**62  # the largest id the domains store (a signed 64-bit column)
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="reelmint"'}
bearer = HTTPBearer(auto_error=False, description="An API key: `rm_<key id>_<secret>`")


class Authenticator:
    def __init__(
        self, store: PartyStore, limiter: RateLimiter | None, *, cache_s: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:  # fmt: skip
        self.store = store
        self.limiter = limiter
        self.cache_s = cache_s
        self.clock = clock
        self._seen: dict[str, tuple[Party, float]] = {}
        self._lock = threading.Lock()

    def party(self, token: str) -> Party:
        now = self.clock()
        with self._lock:
            hit = self._seen.get(token)
        if hit is not None and hit[1] > now:
            party = hit[0]
        else:
            found = authenticate(self.store, token)
            if found is None:
                raise Problem(UNAUTHORIZED, "the API key is unknown or revoked", headers=CHALLENGE)
            party = found
            with self._lock:
                if len(self._seen) > 100_000:
                    self._seen.clear()
                self._seen[token] = (party, now + self.cache_s)
        if self.limiter is not None:
            wait = self.limiter.take(token, now)
            if wait:
                raise Problem(RATE_LIMITED, f"over the limit of {self.limiter.rate:g} requests/s "
                              f"for this key; retry in {wait:.2f} s",
                              headers={"Retry-After": retry_after(wait)})  # fmt: skip
        return party


def caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Party:
    """The authenticated party. A dependency for every route that needs a key."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Problem(UNAUTHORIZED, "send `Authorization: Bearer <API key>`", headers=CHALLENGE)
    authenticator: Authenticator = request.app.state.authenticator
    party = authenticator.party(credentials.credentials)
    request.state.party = str(party)  # for the request log
    return party


def admin(party: Annotated[Party, Depends(caller)]) -> Party:
    """The caller, who must be an admin."""
    if not party.is_admin:
        raise Problem(FORBIDDEN, f"{party} is not an admin")
    return party


def acting_as(party: Party, role: Role, named: int | None) -> int:
    """The numeric id of the `role` the caller acts as: its own party id, or for an admin
    the one it names. Domains key users and creators by integer; a party id that is not
    one (`user:alice`) cannot act there, and is told so rather than misread."""
    if party.is_admin:
        if named is None:
            raise Problem(FORBIDDEN, f"an admin acts for a {role}: name it with `{role}`")
        return named
    if party.role is not role or not party.id.isdigit() or int(party.id) > MAX_NUMERIC_ID:
        raise Problem(FORBIDDEN, f"{party} is not a {role} with a numeric id (0 to 2**62)")
    if named is not None and named != int(party.id):
        raise Problem(FORBIDDEN, f"{party} may act only as {role} {int(party.id)}")
    return int(party.id)


Caller = Annotated[Party, Depends(caller)]
Admin = Annotated[Party, Depends(admin)]
