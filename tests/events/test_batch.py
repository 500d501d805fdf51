from __future__ import annotations

import numpy as np
import pytest

from reelmint.events.batch import MISSING_TS, EventBatch
from reelmint.events.codec import CodecError, batch_from_records
from reelmint.events.model import InvalidReason, Kind, Surface
from reelmint.events.validate import validate
from tests.events.factories import T0, rows


def test_omitted_columns_take_their_sentinels() -> None:
    batch = EventBatch.of(ts_ms=[T0], kind=[Kind.LIKE], user=[3], object=[42])

    assert batch.author.tolist() == [-1]
    assert batch.watch_ms.tolist() == [-1]
    assert batch.surface.tolist() == [Surface.FOR_YOU]
    assert batch.device.tolist() == [0] and batch.amount.tolist() == [0]
    assert batch.invalid.dtype == np.bool_ and not batch.invalid.any()


def test_a_batch_needs_its_identity_columns_and_knows_no_others() -> None:
    with pytest.raises(TypeError, match="user"):
        EventBatch.of(ts_ms=[T0], kind=[1], object=[42])
    with pytest.raises(TypeError, match="colour"):
        EventBatch.of(ts_ms=[T0], kind=[1], user=[1], object=[42], colour=[3])


def test_columns_of_unequal_length_are_refused() -> None:
    with pytest.raises(ValueError, match="user"):
        EventBatch.of(ts_ms=[T0, T0], kind=[1, 1], user=[1], object=[42, 42])


def test_take_and_concat_keep_rows_together() -> None:
    batch = rows({"user": 1}, {"user": 2, "kind": Kind.LIKE}, {"user": 3})

    likes = batch.take(batch.kind == Kind.LIKE)
    both = EventBatch.concat([batch.take(np.array([2])), likes])

    assert likes.user.tolist() == [2]
    assert both.user.tolist() == [3, 2]
    assert both.kind.tolist() == [Kind.PLAY, Kind.LIKE]
    assert len(EventBatch.concat([])) == 0


def test_the_codec_reads_names_iso_times_and_integer_times() -> None:
    batch = batch_from_records([
        {"ts": "2026-11-01T13:00:00+01:00", "kind": "play", "user": 5, "object": 42,
         "watch_ms": 7_000, "complete": True, "surface": "search"},
        {"ts": T0 + 1, "kind": "GIFT", "user": 5, "object": 900, "amount": 100,
         "invalid": True, "invalid_reason": "bot_traffic"},
    ])  # fmt: skip

    assert batch.ts_ms.tolist() == [T0, T0 + 1]
    assert batch.kind.tolist() == [Kind.PLAY, Kind.GIFT]
    assert batch.surface.tolist() == [Surface.SEARCH, Surface.FOR_YOU]
    assert batch.complete.tolist() == [True, False]
    assert batch.invalid_reason.tolist() == [InvalidReason.NONE, InvalidReason.BOT_TRAFFIC]
    assert batch.amount.tolist() == [0, 100]


def test_the_codec_turns_bad_names_into_refusals_not_errors() -> None:
    batch = batch_from_records([
        {"ts": T0, "kind": "teleport", "user": 1, "object": 42},
        {"ts": T0, "kind": "like", "user": 1, "object": 42, "surface": "mars"},
        {"ts": T0, "kind": "like", "object": 42},
        {"ts": "2026-11-01T12:00:00", "kind": "like", "user": 1, "object": 42},
        {"ts": "yesterday", "kind": "like", "user": 1, "object": 42},
    ])  # fmt: skip

    reasons = validate(batch, now_ms=T0, watermark_ms=T0, tolerance_ms=0)

    assert batch.ts_ms[3] == MISSING_TS  # no zone: which day it is would be a guess
    assert [r for r in reasons.tolist()] == [1, 5, 2, 10, 10]


@pytest.mark.parametrize(
    "record, field",
    [({"user": "1"}, "user"), ({"user": True}, "user"), ({"paid": 1}, "paid"),
     ({"kind": 3}, "kind"), ({"ts": 1.5}, "ts"), ({"colour": "red"}, "colour"),
     ({"object": 2**63}, "object")],
)  # fmt: skip
def test_the_codec_raises_on_values_of_the_wrong_type(record: dict, field: str) -> None:
    good = {"ts": T0, "kind": "like", "user": 1, "object": 42}

    with pytest.raises(CodecError, match=f"event 1: .*{field}"):
        batch_from_records([good, {**good, **record}])
