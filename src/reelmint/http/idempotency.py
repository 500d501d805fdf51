"""Idempotency keys for POSTs that move money, with Stripe's semantics.

A client sends `Idempotency-Key: <key>` with a POST. The first request with a key runs
and its response (status and body) is kept for `ttl` seconds. Later requests with the
same key from the same party:

- with the same method, path and body: the kept response is replayed, with the header
  `Idempotent-Replayed: true`, and nothing runs again;
- with anything different: 422 `/problems/idempotency-key-reused`;
- while the first is still running: 409 `/problems/idempotency-key-in-use`.

The claim is a row inserted in its own transaction before the work starts, so of two
concurrent requests only one inserts it: the other sees the row and waits for no one.
A claim whose request died (the process was killed) is taken over after `lock_s`.
A request that fails with a server error gives its claim back, so a retry can run.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from fastapi import Request, Response
from pydantic import BaseModel
from sqlalchemy import Engine

from reelmint.db.engine import insert_new
from reelmint.http.problems import IDEMPOTENCY_IN_USE, IDEMPOTENCY_REUSED, VALIDATION, Problem
from reelmint.ledger.model import to_micros

MAX_KEY_LENGTH = 255

metadata = sa.MetaData()
table = sa.Table(
    "http_idempotency",
    metadata,
    sa.Column("owner", sa.Text, primary_key=True),
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("request_hash", sa.Text, nullable=False),
    sa.Column("status", sa.Integer, nullable=True),
    sa.Column("body", sa.LargeBinary, nullable=True),
    sa.Column("media_type", sa.Text, nullable=True),
    sa.Column("locked_until", sa.BigInteger, nullable=False),
    sa.Column("expires_at", sa.BigInteger, nullable=False),
)


@dataclass(frozen=True, slots=True)
class Kept:
    """A response to send: what the handler made, or what an earlier request kept."""

    status: int
    body: bytes
    media_type: str
    replayed: bool = False


def request_hash(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(b"\0".join((method.encode(), path.encode(), body))).hexdigest()


class IdempotencyStore:
    def __init__(self, engine: Engine, *, ttl_s: int, lock_s: int = 60) -> None:
        self.engine = engine
        self.ttl = timedelta(seconds=ttl_s)
        self.lock = timedelta(seconds=lock_s)

    def run(
        self, owner: str, key: str, fingerprint: str, now: datetime, work: Callable[[], Kept]
    ) -> Kept:
        """Replay the kept response for (`owner`, `key`), or claim the key and run `work`."""
        if not 1 <= len(key) <= MAX_KEY_LENGTH:
            raise Problem(VALIDATION, f"an idempotency key is 1 to {MAX_KEY_LENGTH} characters")
        kept = self._claim(owner, key, fingerprint, now)
        if kept is not None:
            return kept
        try:
            result = work()
        except BaseException:
            self._release(owner, key)
            raise
        if result.status >= 500:
            self._release(owner, key)
        else:
            self._keep(owner, key, result)
        return result

    def _claim(self, owner: str, key: str, fingerprint: str, now: datetime) -> Kept | None:
        t = table.c
        at = to_micros(now)
        with self.engine.begin() as conn:
            row = conn.execute(
                sa.select(t.request_hash, t.status, t.body, t.media_type, t.locked_until,
                          t.expires_at).where(t.owner == owner, t.key == key)
            ).first()  # fmt: skip
            if row is not None and (row.expires_at <= at or
                                    (row.status is None and row.locked_until <= at)):  # fmt: skip
                # Expired, or claimed by a request that never finished: start afresh.
                conn.execute(sa.delete(table).where(t.owner == owner, t.key == key))
                row = None
            if row is None:
                # RETURNING, not rowcount: psycopg 3 reports -1 (truthy) for these INSERTs,
                # so every racer thought it had claimed the key and each ran the work.
                claimed = conn.execute(
                    insert_new(self.engine, table).values(
                        owner=owner, key=key, request_hash=fingerprint,
                        locked_until=to_micros(now + self.lock),
                        expires_at=to_micros(now + self.ttl),
                    ).returning(t.key)
                ).first()  # fmt: skip
                if claimed is not None:
                    return None
                row = conn.execute(
                    sa.select(t.request_hash, t.status, t.body, t.media_type)
                    .where(t.owner == owner, t.key == key)
                ).first()  # fmt: skip
        if row is None:  # claimed and released between our two reads: it is free again
            return self._claim(owner, key, fingerprint, now)
        if row.request_hash != fingerprint:
            raise Problem(IDEMPOTENCY_REUSED, f"idempotency key {key!r} was first used with "
                          "a different method, path or body")  # fmt: skip
        if row.status is None:
            raise Problem(IDEMPOTENCY_IN_USE, f"a request with idempotency key {key!r} is "
                          "still running; retry shortly", headers={"Retry-After": "1"})  # fmt: skip
        return Kept(row.status, bytes(row.body), row.media_type, replayed=True)

    def _keep(self, owner: str, key: str, result: Kept) -> None:
        t = table.c
        with self.engine.begin() as conn:
            conn.execute(
                sa.update(table).where(t.owner == owner, t.key == key)
                .values(status=result.status, body=result.body, media_type=result.media_type)
            )  # fmt: skip

    def _release(self, owner: str, key: str) -> None:
        t = table.c
        with self.engine.begin() as conn:
            conn.execute(sa.delete(table).where(t.owner == owner, t.key == key, t.status.is_(None)))

    def prune(self, now: datetime) -> int:
        """Forget keys past their time; returns how many."""
        with self.engine.begin() as conn:
            done = conn.execute(sa.delete(table).where(table.c.expires_at <= to_micros(now)))
        return int(done.rowcount)


def respond(
    request: Request, owner: str, key: str | None, payload: BaseModel, work: Callable[[], Kept]
) -> Response:
    """Run `work` under the request's idempotency key (if it sent one) and answer."""
    if key is None:
        result = work()
    else:
        store: IdempotencyStore = request.app.state.idempotency
        body = payload.model_dump_json().encode()
        fingerprint = request_hash(request.method, request.url.path, body)
        result = store.run(owner, key, fingerprint, request.app.state.clock(), work)
    headers = {"Idempotent-Replayed": "true"} if result.replayed else None
    return Response(result.body, result.status, headers=headers, media_type=result.media_type)


def kept_json(status: int, model: BaseModel) -> Kept:
    return Kept(status, model.model_dump_json().encode(), "application/json")
