"""Creator rewards through HTTP: enrolling (and being refused, with reasons), who may act
for whom, an admin closing November and creators reading their statements and video
lines, closing twice paying once, refusals as problems, the modes compared, and late
flags clawing back in the next close.

The world is real: people through the gifts people route, videos through the video
route, follows and plays written into the platform's lake folder (as the ingest writes
them, author filled in), on SQLite and PostgreSQL. The program's thresholds are scaled
down in the settings so that a handful of viewers make a creator eligible.

Creator 7 (video 71) and creator 8 (video 81) each have 3 followers and 6 plays in
October, enroll on 1 November, post on 2 November, and on 5 November have 10 and 6
viewers. At $0.50 a view and a $4 minimum, November pays creator 7 $5 and carries
creator 8's $3.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx2 as httpx
import numpy as np
import pytest
from fastapi.testclient import TestClient

from reelmint.api.app import create_app
from reelmint.events.batch import EventBatch
from reelmint.events.flags import read_flags
from reelmint.events.lake import Lake
from reelmint.events.model import InvalidReason, Kind, Surface
from reelmint.parties.model import Role
from reelmint.platform import Platform
from reelmint.settings import load_settings
from tests.api.conftest import BACKENDS, Service, database_url

SMALL = {"min_followers": 3, "min_views_30d": 5, "earning_threshold_views": 2,
         "payout_minimum_micros": 4_000_000, "rpm_micros": 500_000_000,
         "pool_micros": 10_000_000}  # fmt: skip
NOV_1 = datetime(2026, 11, 1, tzinfo=UTC)
AFTER_NOV = datetime(2026, 12, 1, 1, tzinfo=UTC)
AFTER_DEC = datetime(2027, 1, 1, 1, tzinfo=UTC)


def at(year: int, month: int, day: int, hour: int = 0) -> int:
    return int(datetime(year, month, day, hour, tzinfo=UTC).timestamp() * 1000)


@dataclass
class Clock:
    now: datetime = NOV_1

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Desk:
    """The service with a set clock, keys by name (`admin`, `c7`, `u42`), and the lake."""

    service: Service
    clock: Clock = field(default_factory=Clock)
    keys: dict[str, dict[str, str]] = field(default_factory=dict)

    def key(self, name: str) -> dict[str, str]:
        if name not in self.keys:
            role = {"a": Role.ADMIN, "u": Role.USER, "c": Role.CREATOR}[name[0]]
            self.keys[name] = self.service.key(role, name[1:] if role is not Role.ADMIN else "ops")
        return self.keys[name]

    def call(self, method: str, who: str, path: str, body: Any = None,
             **params: Any) -> httpx.Response:  # fmt: skip
        return self.service.client.request(method, path, json=body, headers=self.key(who),
                                           params=params)  # fmt: skip

    def register(self, person: int, born: str = "1990-05-17") -> None:
        put = self.call("PUT", "admin", f"/v1/people/{person}", {"birth_date": born})
        assert put.status_code == 200, put.text

    def video(self, video: int, creator: int, posted: str, seconds: int = 90) -> None:
        body = {"videos": [{"id": video, "creator": creator, "duration_ms": seconds * 1000,
                            "topic": 0, "posted_at": posted}]}  # fmt: skip
        posted_ = self.call("POST", "admin", "/v1/videos", body)
        assert posted_.status_code == 201, posted_.text

    def events(self, kind: Kind, users: range, obj: int, author: int, ts_ms: int) -> None:
        n = len(users)
        batch = EventBatch.of(
            ts_ms=np.full(n, ts_ms, np.int64), kind=np.full(n, int(kind), np.int8),
            user=np.array(users, np.int64), object=np.full(n, obj, np.int64),
            author=np.full(n, author, np.int64), surface=np.full(n, int(Surface.FOR_YOU)),
            watch_ms=np.full(n, 8_000 if kind is Kind.PLAY else 0, np.int64),
        )  # fmt: skip
        lake_dir = self.service.platform.settings.lake_dir
        with Lake(lake_dir, writer_id=f"t{uuid.uuid4().hex[:8]}") as lake:
            lake.append(batch)

    def balance(self, account: str) -> int:
        held = self.service.platform.ledger.balances([account]).get(account)
        return 0 if held is None else held.posted


def problem(answer: httpx.Response, status: int, kind: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = answer.json()
    assert body["type"] == f"/problems/{kind}", body
    return body


@pytest.fixture
def make_desk(tmp_path: Path) -> Iterator[Callable[[str], Desk]]:
    """A desk over fresh books of a kind, with the program's thresholds scaled down."""
    with ExitStack() as stack:

        def make(kind: str) -> Desk:
            where = tmp_path / uuid.uuid4().hex[:8]
            url = stack.enter_context(database_url(kind, where))
            settings = load_settings(database_url=url, home=where, api={"rate_limit_per_s": 0},
                                     economics={"rewards": SMALL})  # fmt: skip
            platform = Platform.open(settings, migrate=True)
            stack.callback(platform.close)
            app = create_app(platform)
            client = stack.enter_context(TestClient(app))
            desk = Desk(Service(app, client, platform))
            app.state.clock = desk.clock
            return desk

        yield make


@pytest.fixture(params=BACKENDS)
def desk(request: pytest.FixtureRequest, make_desk: Callable[[str], Desk]) -> Desk:
    """Creators 7 and 8, adults with 3 followers and 6 October plays each; creator 9 a
    minor with none. The clock at 1 November 00:00 UTC."""
    d = make_desk(request.param)
    for person, born in ((7, "1990-05-17"), (8, "1992-01-01"), (9, "2010-06-01")):
        d.register(person, born)
    for creator, old in ((7, 70), (8, 80)):
        d.video(old, creator, "2026-10-01T00:00:00Z")
        d.events(Kind.FOLLOW, range(creator * 100, creator * 100 + 3), creator, creator,
                 at(2026, 10, 15))  # fmt: skip
        d.events(Kind.PLAY, range(creator * 100, creator * 100 + 6), old, creator,
                 at(2026, 10, 20))  # fmt: skip
    return d


def november(desk: Desk) -> None:
    """Both enrolled on 1 November; videos 71 and 81 posted on the 2nd, watched on the 5th
    by 10 and 6 viewers."""
    for creator in (7, 8):
        enrolled = desk.call("POST", f"c{creator}", "/v1/rewards/enrollments",
                             {"creator": creator})  # fmt: skip
        assert enrolled.status_code == 201, enrolled.text
    for creator, video, viewers in ((7, 71, range(1000, 1010)), (8, 81, range(2000, 2006))):
        desk.video(video, creator, "2026-11-02T00:00:00Z")
        desk.events(Kind.PLAY, viewers, video, creator, at(2026, 11, 5, 12))


def close(desk: Desk, period: str = "2026-11", **body: Any) -> httpx.Response:
    return desk.call("POST", "admin", f"/v1/rewards/periods/{period}/close", body)


def test_a_creator_who_falls_short_is_refused_with_every_reason(desk: Desk) -> None:
    refused = desk.call("POST", "c9", "/v1/rewards/enrollments", {"creator": 9})
    body = problem(refused, 422, "not-eligible")
    assert body["creator"] == 9
    assert body["reasons"] == ["under 18 (aged 16)", "0 followers, below 3",
                               "0 views in the last 30 days, below 5"]  # fmt: skip
    checked = desk.call("GET", "c9", "/v1/rewards/eligibility/9").json()
    assert (checked["eligible"], checked["reasons"]) == (False, body["reasons"])
    assert checked["facts"] == {"creator": 9, "age": 16, "standing": "good", "followers": 0,
                                "views_30d": 0}  # fmt: skip
    problem(desk.call("GET", "c9", "/v1/rewards/enrollments/9"), 404, "not-found")


def test_a_creator_enrolls_itself_once_and_an_admin_anyone(desk: Desk) -> None:
    first = desk.call("POST", "c7", "/v1/rewards/enrollments", {"creator": 7})
    assert first.status_code == 201, first.text
    assert first.json() == {
        "enrollment": {"creator": 7, "status": "active", "joined_at": "2026-11-01T00:00:00Z",
                       "left_at": None},
        "facts": {"creator": 7, "age": 36, "standing": "good", "followers": 3, "views_30d": 6},
    }  # fmt: skip
    desk.clock.now = datetime(2026, 11, 3, tzinfo=UTC)
    again = desk.call("POST", "c7", "/v1/rewards/enrollments", {"creator": 7})
    assert again.status_code == 200, again.text
    assert again.json()["enrollment"]["joined_at"] == "2026-11-01T00:00:00Z"

    other = desk.call("POST", "c7", "/v1/rewards/enrollments", {"creator": 8})
    assert "may act only as creator 7" in problem(other, 403, "forbidden")["detail"]
    problem(desk.call("POST", "u8", "/v1/rewards/enrollments", {"creator": 8}), 403, "forbidden")
    problem(desk.call("GET", "c8", "/v1/rewards/enrollments/7"), 403, "forbidden")
    assert desk.call("POST", "admin", "/v1/rewards/enrollments",
                     {"creator": 8}).status_code == 201  # fmt: skip

    left = desk.call("DELETE", "c7", "/v1/rewards/enrollments/7")
    assert left.status_code == 200, left.text
    assert (left.json()["status"], left.json()["left_at"]) == ("left", "2026-11-03T00:00:00Z")
    assert desk.call("GET", "admin", "/v1/rewards/enrollments/7").json()["status"] == "left"


def test_an_admin_closes_november_and_creators_read_their_statements(desk: Desk) -> None:
    november(desk)
    desk.clock.now = AFTER_NOV
    closed = close(desk)
    assert closed.status_code == 200, closed.text
    assert closed.json() == {
        "period": "2026-11", "first": "2026-11-01", "last": "2026-11-30", "mode": "rpm",
        "rate_micros": 500_000_000, "pool_micros": 0, "distributed_micros": 8_000_000,
        "views": 16, "viewers": 0, "creators": 2, "clawed_micros": 0, "status": "closed",
        "closed_at": "2026-12-01T01:00:00Z",
    }  # fmt: skip
    assert desk.call("GET", "admin", "/v1/rewards/periods/2026-11").json() == closed.json()

    mine = desk.call("GET", "c7", "/v1/rewards/creators/7/statements").json()
    assert mine["count"] == 1 and mine["creator"] == 7
    assert mine["data"][0] | {"period": "2026-11", "views": 10, "videos": 1,
                              "earned_micros": 5_000_000, "paid_micros": 5_000_000,
                              "carried_out_micros": 0} == mine["data"][0]  # fmt: skip
    # The same month named as its days reads the same statement.
    detail = desk.call("GET", "c8", "/v1/rewards/creators/8/statements/2026-11-01..2026-11-30")
    assert detail.status_code == 200, detail.text
    eight = detail.json()
    assert (eight["earned_micros"], eight["paid_micros"], eight["carried_out_micros"]) == (
        3_000_000, 0, 3_000_000)  # fmt: skip
    assert eight["lines"] == [{"video": 81, "views": 6, "earned_micros": 3_000_000,
                               "views_lost": 0, "clawed_micros": 0}]  # fmt: skip
    assert desk.balance("creator:7:payable") == 5_000_000
    assert desk.balance("creator:8:rewards") == 3_000_000

    problem(desk.call("GET", "c8", "/v1/rewards/creators/7/statements"), 403, "forbidden")
    problem(desk.call("GET", "c8", "/v1/rewards/creators/7/statements/2026-11"), 403, "forbidden")
    assert desk.call("GET", "admin", "/v1/rewards/creators/7/statements/2026-11").status_code == 200
    problem(desk.call("GET", "c7", "/v1/rewards/creators/7/statements/2026-10"), 404, "not-found")
    problem(desk.call("GET", "c7", "/v1/rewards/periods/2026-11"), 403, "forbidden")
    problem(close(desk, "2026-12"), 409, "period-not-over")
    problem(desk.call("GET", "admin", "/v1/rewards/periods/2026-12"), 404, "not-found")


def test_closing_twice_pays_once_and_another_mode_is_a_conflict(desk: Desk) -> None:
    november(desk)
    desk.clock.now = AFTER_NOV
    first = close(desk, mode="rpm")
    paid = desk.balance("creator:7:payable")
    desk.clock.now = datetime(2026, 12, 2, tzinfo=UTC)
    again = close(desk)
    assert again.status_code == 200 and again.json() == first.json()
    assert desk.balance("creator:7:payable") == paid == 5_000_000
    assert desk.call("GET", "c7", "/v1/rewards/creators/7/statements").json()["count"] == 1
    conflict = problem(close(desk, mode="pool", pool_micros=1_000_000), 409, "rewards-conflict")
    assert "closed under rpm" in conflict["detail"]
    overlap = problem(close(desk, "2026-11-20..2026-11-30"), 409, "rewards-conflict")
    assert "overlaps 2026-11" in overlap["detail"]
    assert desk.balance("creator:7:payable") == 5_000_000
    problem(desk.call("POST", "c7", "/v1/rewards/periods/2026-11/close", {}), 403, "forbidden")


def test_a_period_the_calendar_lacks_is_refused_as_a_rewards_rule(desk: Desk) -> None:
    for period in ("2026-02-30..2026-03-01", "2025-W53", "2026-11-30..2026-11-01"):
        problem(close(desk, period), 422, "rewards-rule")
        problem(desk.call("GET", "c7", f"/v1/rewards/creators/7/statements/{period}"), 422,
                "rewards-rule")  # fmt: skip
    for period in ("2026-13", "2026-W54", "November"):  # the schema's own pattern
        problem(close(desk, period), 422, "validation-error")


def test_the_comparison_shows_the_three_modes_on_the_same_views(desk: Desk) -> None:
    november(desk)
    desk.clock.now = AFTER_NOV
    answer = desk.call("GET", "admin", "/v1/rewards/periods/2026-11/comparison",
                       pool_micros=16_000_000)  # fmt: skip
    assert answer.status_code == 200, answer.text
    c = answer.json()
    assert (c["period"], c["creators"], sorted(c["modes"])) == (
        "2026-11", 2, ["pool", "rpm", "user-centric"])  # fmt: skip
    assert c["modes"]["rpm"]["distributed_micros"] == 8_000_000
    assert c["modes"]["pool"] | {"distributed_micros": 16_000_000, "views": 16,
                                 "effective_rpm_micros": 1_000_000_000,
                                 "creators_paid": 2} == c["modes"]["pool"]  # fmt: skip
    # $16 over 16 views is $1 a view: each creator doubles what RPM pays.
    gains = c["movers"]["pool"]["gain"]
    assert [(m["creator"], m["rpm_micros"], m["pool_micros"], m["change_micros"])
            for m in gains] == [(7, 5_000_000, 10_000_000, 5_000_000),
                                (8, 3_000_000, 6_000_000, 3_000_000)]  # fmt: skip
    assert c["movers"]["pool"]["lose"] == []
    assert "user-centric_micros" in gains[0]
    growth = {g["views_factor"]: g["pool_rpm_micros"] for g in c["pool_rate_by_growth"]}
    assert growth == {0.5: 2_000_000_000, 1.0: 1_000_000_000, 2.0: 500_000_000,
                      4.0: 250_000_000}  # fmt: skip
    assert desk.call("GET", "admin", "/v1/rewards/periods/2026-11").status_code == 404  # a dry run
    problem(desk.call("GET", "c7", "/v1/rewards/periods/2026-11/comparison"), 403, "forbidden")


def test_flags_are_admin_only_and_claw_back_in_the_next_close(desk: Desk) -> None:
    november(desk)
    desk.clock.now = AFTER_NOV
    close(desk)
    flag = {"user": 1000, "video": 71, "start": "2026-11-01T00:00:00Z",
            "end": "2026-12-01T00:00:00Z", "reason": "bot_traffic"}  # fmt: skip
    lake_dir = desk.service.platform.settings.lake_dir
    for who in ("c7", "u1000"):
        problem(desk.call("POST", who, "/v1/events/flags", {"flags": [flag]}), 403, "forbidden")
    backwards = {**flag, "start": flag["end"], "end": flag["start"]}
    problem(desk.call("POST", "admin", "/v1/events/flags", {"flags": [flag, backwards]}), 422,
            "flag-span")  # fmt: skip
    assert read_flags(lake_dir) == []

    desk.clock.now = datetime(2026, 12, 10, tzinfo=UTC)
    made = desk.call("POST", "admin", "/v1/events/flags", {"flags": [flag]})
    assert made.status_code == 201, made.text
    assert (made.json()["count"], made.json()["flagged_at"]) == (1, "2026-12-10T00:00:00Z")
    [recorded] = read_flags(lake_dir)
    bot = InvalidReason.BOT_TRAFFIC
    assert (recorded.user, recorded.object, recorded.reason) == (1000, 71, bot)
    assert recorded.flagged_ms == at(2026, 12, 10)

    # December's close claws back the one view of November's now found invalid: $0.50,
    # more than creator 7 holds (all $5 was paid out), so it is owed.
    desk.clock.now = AFTER_DEC
    assert close(desk, "2026-12").json()["clawed_micros"] == 500_000
    dec = desk.call("GET", "c7", "/v1/rewards/creators/7/statements/2026-12").json()
    assert (dec["clawback_micros"], dec["owed_out_micros"]) == (500_000, 500_000)
    nov = desk.call("GET", "c7", "/v1/rewards/creators/7/statements/2026-11").json()
    assert nov["lines"][0] | {"views_lost": 1, "clawed_micros": 500_000} == nov["lines"][0]
    assert desk.balance("creator:7:payable") == 5_000_000


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.ADMIN])
def test_only_admins_close_read_and_compare_periods_and_flag(
    make_desk: Callable[[str], Desk], role: Role
) -> None:
    desk = make_desk("sqlite")
    desk.clock.now = AFTER_NOV
    name = f"{role.value[0]}7"
    desk.keys[name] = desk.service.key(role, "7")
    flag = {"user": 1, "start": "2026-11-01T00:00:00Z", "end": "2026-11-02T00:00:00Z",
            "reason": "other"}  # fmt: skip
    for method, path, body in (
        ("POST", "/v1/rewards/periods/2026-11/close", {}),
        ("GET", "/v1/rewards/periods/2026-11", None),
        ("GET", "/v1/rewards/periods/2026-11/comparison", None),
        ("POST", "/v1/events/flags", {"flags": [flag]}),
    ):  # fmt: skip
        problem(desk.call(method, name, path, body), 403, "forbidden")
    assert desk.call("POST", "admin", "/v1/rewards/periods/2026-11/close", {}).status_code == 200
