"""Each refusal reason through the ingestor: refused events reach neither the lake nor
the counters, are reported with their index, and add to `refused_total`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reelmint.events.batch import MISSING_TS, EventBatch
from reelmint.events.ingest import NOTHING_YET
from reelmint.events.model import Kind, Refusal
from reelmint.events.validate import validate
from tests.events.factories import SECOND, T0, World, rows, world

GOOD = {"user": 1, "object": 42}


def stored_users(w: World) -> list[int]:
    w.lake.flush()
    return sorted(u for f in w.lake.files() for u in pq.read_table(f, partitioning=None)
                  .column("user").to_pylist())  # fmt: skip


@pytest.mark.parametrize(
    "bad, reason",
    [({"kind": -1}, "unknown_kind"), ({"kind": 99}, "unknown_kind"),
     ({"ts_ms": MISSING_TS}, "missing_timestamp"), ({"user": -1}, "missing_user"),
     ({"object": -1}, "missing_object"), ({"surface": -1}, "unknown_surface"),
     ({"surface": 9}, "unknown_surface"), ({"object": 999}, "unknown_video"),
     ({"watch_ms": -1}, "missing_watch"), ({"watch_ms": -500}, "negative_watch"),
     ({"ts_ms": T0 + 61 * SECOND}, "from_the_future")],
)  # fmt: skip
def test_a_bad_event_is_refused_and_stored_and_counted_nowhere(
    tmp_path: Path, bad: dict[str, Any], reason: str
) -> None:
    w = world(tmp_path)

    report = w.ingest({**GOOD, "user": 10}, {**GOOD, **bad, "user": bad.get("user", 20)})

    assert (report.accepted, report.refused) == (1, 1)
    assert report.refusals == [(1, reason)]
    assert report.by_reason == {reason: 1}
    assert w.ingestor.refused_total == {reason: 1}
    assert stored_users(w) == [10]
    assert w.counters.plays.sum() == 1


def test_out_of_order_is_judged_against_the_newest_accepted_event(tmp_path: Path) -> None:
    w = world(tmp_path, tolerance_ms=60 * SECOND)
    w.ingest({**GOOD, "ts_ms": T0}, now_ms=T0)

    report = w.ingest(
        {**GOOD, "user": 2, "ts_ms": T0 - 60 * SECOND},  # at the tolerance: accepted
        {**GOOD, "user": 3, "ts_ms": T0 - 60 * SECOND - 1},  # 1 ms beyond it
        now_ms=T0,
    )

    assert report.refusals == [(1, "out_of_order")]
    assert stored_users(w) == [1, 2]
    assert w.ingestor.watermark_ms == T0


def test_the_watermark_rises_to_the_newest_accepted_event_only(tmp_path: Path) -> None:
    w = world(tmp_path)
    assert w.ingestor.watermark_ms == NOTHING_YET

    w.ingest({**GOOD, "ts_ms": T0 - 5 * SECOND}, {**GOOD, "ts_ms": T0 + 10**9, "user": 2})

    assert w.ingestor.watermark_ms == T0 - 5 * SECOND  # the future event was refused


def test_refusal_totals_accumulate_across_batches(tmp_path: Path) -> None:
    w = world(tmp_path)

    w.ingest({**GOOD, "user": -1}, {**GOOD, "object": 999})
    w.ingest({**GOOD, "user": -1})

    assert w.ingestor.refused_total == {"missing_user": 2, "unknown_video": 1}


def test_the_first_failing_rule_is_the_reason() -> None:
    batch = rows(
        {"kind": -1, "user": -1}, {"user": -1, "object": 999, "watch_ms": -5},
        {"object": 999, "watch_ms": -5}, {"watch_ms": -5, "ts_ms": T0 + 10**9},
    )  # fmt: skip
    known = np.array([True, False, False, True])

    reasons = validate(batch, now_ms=T0, watermark_ms=T0, tolerance_ms=0, known_video=known)

    assert [Refusal(r).label for r in reasons.tolist()] == [
        "unknown_kind", "missing_user", "unknown_video", "negative_watch",
    ]  # fmt: skip


def test_video_events_are_attributed_to_the_catalogs_creator(tmp_path: Path) -> None:
    w = world(tmp_path)
    seen: list[tuple[EventBatch, np.ndarray]] = []
    w.ingestor.add_listener(lambda batch, slots: seen.append((batch, slots)))

    w.ingest(
        {**GOOD, "object": 44, "author": -1}, {**GOOD, "object": 43, "author": 99},
        {"kind": Kind.GIFT, "user": 1, "object": 5_000, "amount": 10, "watch_ms": -1},
    )  # fmt: skip

    ((batch, slots),) = seen
    assert batch.author.tolist() == [8, 7, -1]
    assert slots.tolist() == [2, 1, -1]


def test_listeners_see_only_the_accepted_events(tmp_path: Path) -> None:
    w = world(tmp_path)
    seen: list[list[int]] = []
    w.ingestor.add_listener(lambda batch, slots: seen.append(batch.user.tolist()))

    w.ingest({**GOOD, "user": 5}, {**GOOD, "user": -1}, {**GOOD, "user": 6})
    w.ingest({**GOOD, "user": -1})

    assert seen == [[5, 6]]


def test_counters_take_accepted_feed_events_by_slot(tmp_path: Path) -> None:
    w = world(tmp_path)

    w.ingest({**GOOD, "watch_ms": 7_000, "complete": True}, {**GOOD, "kind": Kind.LIKE},
             {**GOOD, "object": 44, "kind": Kind.SHARE}, {**GOOD, "kind": Kind.LIKE,
             "invalid": True, "invalid_reason": 1})  # fmt: skip

    assert w.counters.plays.tolist() == [1, 0, 0]
    assert w.counters.watch_ms.tolist() == [7_000, 0, 0]
    assert w.counters.completions.tolist() == [1, 0, 0]
    assert w.counters.likes.tolist() == [1, 0, 0]  # the invalid like counts nowhere
    assert w.counters.shares.tolist() == [0, 0, 1]


def test_an_empty_batch_is_a_report_of_nothing(tmp_path: Path) -> None:
    w = world(tmp_path)

    report = w.ingestor.ingest(EventBatch.empty(), T0)

    assert (report.accepted, report.refused, report.refusals) == (0, 0, [])


event = st.fixed_dictionaries({
    "kind": st.integers(-2, 20), "user": st.integers(-2, 3),
    "object": st.sampled_from([-1, 42, 44, 7]),
    "surface": st.integers(-1, 6), "watch_ms": st.integers(-3, 9_000),
    "ts_ms": st.integers(T0 - 3 * 60 * SECOND, T0 + 3 * 60 * SECOND),
    "invalid": st.booleans(),
})  # fmt: skip


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(event, min_size=1, max_size=40), min_size=1, max_size=3))
def test_every_event_is_accepted_or_refused_and_the_lake_holds_the_accepted(
    tmp_path_factory: pytest.TempPathFactory, batches: list[list[dict[str, Any]]]
) -> None:
    w = world(tmp_path_factory.mktemp("lake"))
    accepted = refused = 0
    for events in batches:
        report = w.ingest(*events)
        indices = [i for i, _ in report.refusals]
        assert report.accepted + report.refused == len(events)
        assert indices == sorted(set(indices)) and len(indices) == report.refused
        assert sum(report.by_reason.values()) == report.refused
        accepted, refused = accepted + report.accepted, refused + report.refused

    w.lake.flush()
    stored = sum(pq.read_metadata(f).num_rows for f in w.lake.files())
    assert stored == accepted
    assert sum(w.ingestor.refused_total.values()) == refused
