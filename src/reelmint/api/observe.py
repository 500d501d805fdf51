"""Watching the service: request ids, JSON request logs, and Prometheus metrics.

`Observe` is plain ASGI middleware (Starlette's BaseHTTPMiddleware would add a task and
a copy of the body per request). For each HTTP request it:

- takes `X-Request-ID` from the client (if sane) or makes one, and echoes it back;
- times the request and counts it by route template, method and status;
- writes one JSON line to the `reelmint.http` logger.

Metrics live in a registry per app, so two apps in one process (the tests) never share
counts. With several Uvicorn workers each serves its own /metrics; scrape them per
worker, or run one worker per container.
"""

from __future__ import annotations

import itertools
import json
import logging
import re
import time
import uuid
from collections.abc import Iterable
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reelmint.ledger.model import TransferResult

log = logging.getLogger("reelmint.http")
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("reelmint_http_requests", "HTTP requests answered",
                                ["route", "method", "status"], registry=self.registry)  # fmt: skip
        self.latency = Histogram("reelmint_http_request_duration_seconds", "HTTP latency",
                                 ["route", "method"], buckets=BUCKETS,
                                 registry=self.registry)  # fmt: skip
        self.transfers = Counter("reelmint_ledger_transfers", "Transfers posted, by result",
                                 ["result"], registry=self.registry)  # fmt: skip

    def count_results(self, results: Iterable[TransferResult]) -> None:
        tally: dict[str, int] = {}
        for r in results:
            tally[r.value] = tally.get(r.value, 0) + 1
        for result, n in tally.items():
            self.transfers.labels(result).inc(n)


class Observe:
    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics
        # A random prefix per process and a counter: unique, and cheaper than a uuid4
        # per request (which showed in the profile of the HTTP benchmark).
        self._prefix = uuid.uuid4().hex[:16]
        self._serial = itertools.count(1)

    def _new_id(self) -> str:
        return f"{self._prefix}{next(self._serial):016x}"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        given = _header(scope, b"x-request-id")
        request_id = given if given and REQUEST_ID.match(given) else self._new_id()
        scope.setdefault("state", {})["request_id"] = request_id
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self._record(scope, request_id, status, time.perf_counter() - started)

    def _record(self, scope: Scope, request_id: str, status: int, seconds: float) -> None:
        route = getattr(scope.get("route"), "path", "unmatched")
        method = scope["method"]
        self.metrics.requests.labels(route, method, str(status)).inc()
        self.metrics.latency.labels(route, method).observe(seconds)
        if log.isEnabledFor(logging.INFO):
            state: dict[str, Any] = scope.get("state", {})
            log.info(json.dumps({
                "event": "request", "request_id": request_id, "method": method,
                "path": scope["path"], "route": route, "status": status,
                "ms": round(seconds * 1000, 3), "party": state.get("party"),
            }))  # fmt: skip


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


class JsonLines(logging.Formatter):
    """Log records as JSON lines; a message that is already JSON is merged in."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {"ts": round(record.created, 6), "level": record.levelname.lower(),
                                "logger": record.name}  # fmt: skip
        message = record.getMessage()
        try:
            parsed = json.loads(message)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            line.update(parsed)
        else:
            line["message"] = message
        return json.dumps(line)


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonLines())
    for name in ("reelmint", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(level.upper())
        logger.propagate = False
