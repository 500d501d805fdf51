"""Per-key rate limits, strict input types, and problem details for every error."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from reelmint.db.engine import make_engine
from reelmint.http.ratelimit import RateLimiter, retry_after
from reelmint.parties.model import Role
from tests.api.conftest import Service


def test_a_key_over_its_burst_gets_429_with_retry_after(
    make_service: Callable[..., Service],
) -> None:
    service = make_service("sqlite", rate_limit_per_s=1, rate_limit_burst=3)
    admin, other = service.key(Role.ADMIN), service.key(Role.ADMIN, "two")
    codes = [service.client.get("/v1/keys", headers=admin).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    refused = service.client.get("/v1/keys", headers=admin)
    assert refused.headers["retry-after"] == "1"
    assert refused.json()["type"] == "/problems/rate-limited"
    # The limit is per key: another key is not slowed by the first.
    assert service.client.get("/v1/keys", headers=other).status_code == 200


def test_the_bucket_refills_at_the_configured_rate() -> None:
    limiter = RateLimiter(rate=10, burst=2)
    assert [limiter.take("k", 0.0) for _ in range(2)] == [0.0, 0.0]
    wait = limiter.take("k", 0.0)
    assert wait == pytest.approx(0.1)
    assert retry_after(wait) == "1"
    assert limiter.take("k", 0.1) == 0.0  # one token back after 1/rate seconds
    assert limiter.take("k", 0.1) > 0


@pytest.mark.parametrize(
    ("field", "value"),
    [("amount", False), ("amount", True), ("amount", "5"), ("amount", 5.0), ("amount", 0),
     ("amount", 2**62 + 1), ("timeout", False), ("linked", 1), ("id", 7), ("asset", "EUR"),
     ("kind", "expired"), ("surprise", 1)],
)  # fmt: skip
def test_loose_types_and_unknown_fields_are_refused(
    service: Service, field: str, value: object
) -> None:
    admin = service.key(Role.ADMIN)
    transfer = {"id": "t-1", "debit": "platform:a:coins", "credit": "platform:b:coins",
                "amount": 5, "asset": "COIN", "code": "test.pay", field: value}  # fmt: skip
    answer = service.client.post("/v1/transfers", json={"transfers": [transfer]}, headers=admin)
    assert answer.status_code == 422, (field, value)
    problem = answer.json()
    assert answer.headers["content-type"] == "application/problem+json"
    assert problem["type"] == "/problems/validation-error"
    assert problem["errors"][0]["loc"][-1] == field


def test_unknown_routes_and_methods_answer_problem_details(service: Service) -> None:
    missing = service.client.get("/v1/nowhere")
    assert missing.status_code == 404 and missing.json()["type"] == "/problems/not-found"
    wrong = service.client.put("/v1/transfers")
    assert wrong.status_code == 405 and wrong.json()["type"] == "/problems/method-not-allowed"


def test_readiness_follows_the_database(make_service: Callable[..., Service]) -> None:
    service = make_service("sqlite")
    assert service.client.get("/healthz").json() == {"status": "ok"}
    assert service.client.get("/readyz").json() == {"status": "ready"}
    # Point the app at a server that is not there: alive, but not ready.
    gone = make_engine(
        "postgresql://postgres@127.0.0.1:1/nowhere", connect_args={"connect_timeout": 2}
    )
    service.app.state.platform = replace(service.platform, engine=gone)
    try:
        down = service.client.get("/readyz")
        assert down.status_code == 503 and down.json()["type"] == "/problems/not-ready"
        assert service.client.get("/healthz").status_code == 200
    finally:
        gone.dispose()
