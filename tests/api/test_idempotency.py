"""The idempotency-key contract (Stripe's), on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from reelmint.parties.model import Role
from tests.api.conftest import BACKENDS, Service

TREASURY = "platform:treasury:coins"
CREATOR = "creator:7:coins"


def books(service: Service) -> dict[str, str]:
    admin = service.key(Role.ADMIN)
    for account in (TREASURY, CREATOR):
        body = {"id": account, "asset": "COIN"}
        assert service.client.post("/v1/accounts", json=body, headers=admin).status_code == 201
    return admin


def batch(transfer_id: str, amount: int = 5) -> dict[str, object]:
    return {"transfers": [{"id": transfer_id, "debit": TREASURY, "credit": CREATOR,
                           "amount": amount, "asset": "COIN", "code": "test.pay"}]}  # fmt: skip


def posted(service: Service, admin: dict[str, str]) -> int:
    answer = service.client.get(f"/v1/accounts/{CREATOR}/balance", headers=admin)
    return int(answer.json()["posted"])


def test_same_key_and_body_replays_the_first_response(service: Service) -> None:
    admin = books(service)
    headers = {**admin, "Idempotency-Key": "pay-1"}
    first = service.client.post("/v1/transfers", json=batch("t-1"), headers=headers)
    again = service.client.post("/v1/transfers", json=batch("t-1"), headers=headers)
    assert first.status_code == again.status_code == 200
    assert again.content == first.content
    assert "idempotent-replayed" not in first.headers
    assert again.headers["idempotent-replayed"] == "true"
    # Without the header the books' own id check answers `exists`: a different response.
    plain = service.client.post("/v1/transfers", json=batch("t-1"), headers=admin)
    assert plain.json()["data"][0]["result"] == "exists"
    assert posted(service, admin) == 5


def test_same_key_with_another_body_or_path_is_refused(service: Service) -> None:
    admin = books(service)
    headers = {**admin, "Idempotency-Key": "pay-2"}
    service.client.post("/v1/transfers", json=batch("t-2"), headers=headers)
    changed = service.client.post("/v1/transfers", json=batch("t-2", amount=6), headers=headers)
    assert changed.status_code == 422
    assert changed.json()["type"] == "/problems/idempotency-key-reused"
    elsewhere = service.client.post("/v1/transfers", json=batch("t-3"), headers=headers)
    assert elsewhere.status_code == 422
    assert posted(service, admin) == 5


def test_keys_belong_to_the_party_that_sent_them(service: Service) -> None:
    admin = books(service)
    other = service.key(Role.ADMIN, "second")
    one = service.client.post("/v1/transfers", json=batch("t-4"),
                              headers={**admin, "Idempotency-Key": "shared"})  # fmt: skip
    two = service.client.post("/v1/transfers", json=batch("t-5"),
                              headers={**other, "Idempotency-Key": "shared"})  # fmt: skip
    assert one.status_code == two.status_code == 200
    assert "idempotent-replayed" not in two.headers
    assert posted(service, admin) == 10


@pytest.mark.parametrize("kind", BACKENDS)
def test_concurrent_duplicates_have_one_effect(
    make_service: Callable[..., Service], kind: str
) -> None:
    service = make_service(kind)
    admin = books(service)
    headers = {**admin, "Idempotency-Key": "race"}
    start = threading.Barrier(16)
    answers: list[tuple[int, bytes, str | None]] = []
    lock = threading.Lock()

    def send() -> None:
        start.wait()
        answer = service.client.post("/v1/transfers", json=batch("t-race"), headers=headers)
        with lock:
            answers.append((answer.status_code, answer.content,
                            answer.headers.get("idempotent-replayed")))  # fmt: skip

    threads = [threading.Thread(target=send) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    statuses = Counter(status for status, _, _ in answers)
    # One ran; each other either replayed it or was told it is still running (409).
    assert set(statuses) <= {200, 409} and statuses[200] >= 1, statuses
    bodies = {body for status, body, _ in answers if status == 200}
    assert len(bodies) == 1 and b'"result":"ok"' in bodies.pop()
    assert sum(1 for s, _, replayed in answers if s == 200 and replayed is None) == 1
    assert posted(service, admin) == 5


def test_kept_responses_expire_after_the_configured_time(
    make_service: Callable[..., Service],
) -> None:
    service = make_service("sqlite", idempotency_ttl_s=60)
    admin = books(service)
    clock = {"now": datetime(2026, 11, 1, tzinfo=UTC)}
    service.app.state.clock = lambda: clock["now"]
    headers = {**admin, "Idempotency-Key": "old"}
    service.client.post("/v1/transfers", json=batch("t-6"), headers=headers)
    clock["now"] += timedelta(seconds=59)
    assert (
        service.client.post("/v1/transfers", json=batch("t-6"), headers=headers).headers[
            "idempotent-replayed"
        ]
        == "true"
    )
    clock["now"] += timedelta(seconds=2)
    # Past its time the key is free again: the request runs, and the books say `exists`.
    fresh = service.client.post("/v1/transfers", json=batch("t-6"), headers=headers)
    assert "idempotent-replayed" not in fresh.headers
    assert fresh.json()["data"][0]["result"] == "exists"
    assert service.app.state.idempotency.prune(clock["now"] + timedelta(days=1)) == 1


def test_a_claim_left_by_a_dead_request_is_taken_over(service: Service) -> None:
    admin = books(service)
    store = service.app.state.idempotency
    now = datetime.now(UTC)
    assert store._claim("admin:admin", "orphan", "x", now - timedelta(minutes=5)) is None
    headers = {**admin, "Idempotency-Key": "orphan"}
    answer = service.client.post("/v1/transfers", json=batch("t-7"), headers=headers)
    assert answer.status_code == 200 and answer.json()["accepted"] == 1
