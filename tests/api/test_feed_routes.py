"""The feed through HTTP: videos in, events in (refusals per event), pages out."""

from __future__ import annotations

from typing import Any

from reelmint.parties.model import Role
from reelmint.platform import Platform
from tests.api.conftest import Service

POSTED = "2026-11-01T10:00:00Z"
TS = "2026-11-01T12:00:00Z"


def videos(*ids: int, **extra: Any) -> dict[str, Any]:
    fields = {"creator": 7, "duration_ms": 30_000, "posted_at": POSTED}
    return {"videos": [{"id": i, "topic": i % 4, **fields, **extra} for i in ids]}


def clock_at(service: Service, iso: str) -> None:
    from datetime import datetime

    moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    service.app.state.clock = lambda: moment


def test_a_creator_posts_its_videos_once_and_a_changed_repost_conflicts(service: Service) -> None:
    creator = service.key(Role.CREATOR, "7")
    first = service.client.post("/v1/videos", json=videos(1, 2), headers=creator)
    again = service.client.post("/v1/videos", json=videos(1, 2), headers=creator)
    changed = service.client.post("/v1/videos", json=videos(2, 3, duration_ms=9), headers=creator)

    assert first.status_code == 201 and first.json()["created"] == 2
    assert again.status_code == 200 and [v["result"] for v in again.json()["data"]] == [
        "exists", "exists",
    ]  # fmt: skip
    assert changed.status_code == 409
    assert changed.json()["type"] == "/problems/video-exists-with-different-fields"
    assert service.platform.feed.videos.get(3) is None  # nothing of the failed batch stored


def test_only_creators_post_videos_and_only_their_own(service: Service) -> None:
    user, creator = service.key(Role.USER, "5"), service.key(Role.CREATOR, "7")
    assert service.client.post("/v1/videos", json=videos(1), headers=user).status_code == 403
    other = videos(1, creator=8)
    assert service.client.post("/v1/videos", json=other, headers=creator).status_code == 403


def test_events_are_accepted_or_refused_one_by_one_with_the_reason(service: Service) -> None:
    clock_at(service, TS)
    service.client.post("/v1/videos", json=videos(1), headers=service.key(Role.CREATOR, "7"))
    admin = service.key(Role.ADMIN, "ops")
    events = [
        {"ts": TS, "kind": "play", "user": 5, "object": 1, "watch_ms": 6_000},
        {"ts": TS, "kind": "teleport", "user": 5, "object": 1},
        {"ts": TS, "kind": "like", "object": 1},
        {"ts": TS, "kind": "play", "user": 5, "object": 1, "watch_ms": -3},
        {"ts": TS, "kind": "like", "user": 5, "object": 999},
        {"ts": TS, "kind": "like", "user": 5, "object": 1},
    ]

    response = service.client.post("/v1/events", json={"events": events}, headers=admin)

    assert response.status_code == 200
    body = response.json()
    assert (body["accepted"], body["refused"]) == (2, 4)
    assert body["refusals"] == [
        {"index": 1, "reason": "unknown_kind"}, {"index": 2, "reason": "missing_user"},
        {"index": 3, "reason": "negative_watch"}, {"index": 4, "reason": "unknown_video"},
    ]  # fmt: skip
    counters = service.platform.feed.counters
    assert (counters.plays.sum(), counters.likes.sum()) == (1, 1)


def test_a_user_posts_only_its_own_events_and_a_foreign_one_stores_nothing(
    service: Service,
) -> None:
    clock_at(service, TS)
    service.client.post("/v1/videos", json=videos(1), headers=service.key(Role.CREATOR, "7"))
    user = service.key(Role.USER, "5")
    mine = {"ts": TS, "kind": "like", "user": 5, "object": 1}
    theirs = {"ts": TS, "kind": "like", "user": 6, "object": 1}

    refused = service.client.post("/v1/events", json={"events": [mine, theirs]}, headers=user)
    accepted = service.client.post("/v1/events", json={"events": [mine]}, headers=user)

    assert refused.status_code == 403
    assert accepted.status_code == 200 and accepted.json()["accepted"] == 1
    assert service.platform.feed.counters.likes.sum() == 1


def test_a_user_reads_its_for_you_page_and_is_not_served_repeats(service: Service) -> None:
    clock_at(service, TS)
    service.client.post("/v1/videos", json=videos(*range(1, 21)),
                        headers=service.key(Role.CREATOR, "7"))  # fmt: skip
    user = service.key(Role.USER, "5")

    first = service.client.get("/v1/feed/for-you?n=6", headers=user).json()
    second = service.client.get("/v1/feed/for-you?n=6", headers=user).json()

    shown = [i["video"] for page in (first, second) for i in page["data"]]
    assert first["user"] == 5 and first["count"] == 6
    assert len(set(shown)) == 12 and set(shown) <= set(range(1, 21))


def test_the_feed_is_for_users_and_an_admin_names_the_user(service: Service) -> None:
    creator, admin = service.key(Role.CREATOR, "7"), service.key(Role.ADMIN, "ops")
    named = service.key(Role.USER, "alice")
    assert service.client.get("/v1/feed/for-you", headers=creator).status_code == 403
    assert service.client.get("/v1/feed/for-you", headers=named).status_code == 403
    assert service.client.get("/v1/feed/for-you", headers=admin).status_code == 403
    ok = service.client.get("/v1/feed/for-you?user=9", headers=admin)
    assert ok.status_code == 200 and ok.json()["user"] == 9
    other = service.client.get("/v1/feed/for-you?user=9", headers=service.key(Role.USER, "5"))
    assert other.status_code == 403


def test_a_creator_asks_how_its_videos_exposure_moves_with_likes(service: Service) -> None:
    clock_at(service, TS)
    creator = service.key(Role.CREATOR, "7")
    service.client.post("/v1/videos", json=videos(*range(1, 11)), headers=creator)
    path = "/v1/videos/3/likes-elasticity?change=0.5&change=2"

    response = service.client.get(path, headers=creator)
    stranger = service.client.get(path, headers=service.key(Role.CREATOR, "8"))
    missing = service.client.get("/v1/videos/77/likes-elasticity", headers=creator)

    assert response.status_code == 200
    points = response.json()["data"]
    assert [p["like_change"] for p in points] == [0.0, 0.5, 2.0]
    assert points[0]["score"] < points[1]["score"] < points[2]["score"]
    assert stranger.status_code == 403 and missing.status_code == 404


def test_a_restart_rebuilds_the_counters_from_the_lake(service: Service) -> None:
    clock_at(service, TS)
    service.client.post("/v1/videos", json=videos(1, 2), headers=service.key(Role.CREATOR, "7"))
    events: list[dict[str, Any]] = [{"ts": TS, "kind": "impression", "user": u, "object": 1 + u % 2}
                                    for u in range(10)]  # fmt: skip
    events += [{**e, "kind": "play", "watch_ms": 4_000 + 500 * i} for i, e in enumerate(events)]
    events += [{"ts": TS, "kind": "like", "user": 3, "object": 2}]
    admin = service.key(Role.ADMIN, "ops")
    assert service.client.post("/v1/events", json={"events": events}, headers=admin).json()[
        "accepted"
    ] == len(events)
    before = service.platform.feed.counters

    reopened = Platform.open(service.platform.settings)
    try:
        after = reopened.feed.counters
        for name in ("impressions", "plays", "watch_ms", "likes", "qualifying_plays"):
            assert getattr(after, name).tolist() == getattr(before, name).tolist(), name
    finally:
        reopened.close()


def test_a_topic_past_the_configured_topics_and_a_twice_changed_id_are_refused(
    service: Service,
) -> None:
    creator = service.key(Role.CREATOR, "7")
    topics = service.platform.settings.feed.topics
    past = service.client.post("/v1/videos", json=videos(1, topic=topics), headers=creator)
    twice = videos(2, 2)
    twice["videos"][1]["duration_ms"] = 1
    changed = service.client.post("/v1/videos", json=twice, headers=creator)
    repeated = service.client.post("/v1/videos", json=videos(3, 3), headers=creator)

    assert past.status_code == 422 and "(feed.topics)" in past.json()["detail"]
    assert changed.status_code == 409
    assert repeated.status_code == 201
    assert [v["result"] for v in repeated.json()["data"]] == ["created", "exists"]
    assert service.platform.feed.videos.get(1) is None
