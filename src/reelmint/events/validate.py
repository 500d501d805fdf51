"""Which events of a batch are refused, and why: one Refusal code per event, vectorized.

Pure: no I/O, no clock (the caller passes `now_ms`). Each rule is a boolean column
over the whole batch; the first failing rule wins, in this order:

 1. UNKNOWN_KIND       kind is not a Kind code
 2. MISSING_TIMESTAMP  ts_ms is the MISSING_TS sentinel
 3. MISSING_USER       user < 0
 4. MISSING_OBJECT     object < 0
 5. UNKNOWN_SURFACE    surface is not a Surface code
 6. UNKNOWN_VIDEO      a video kind whose object is not in the catalog
 7. MISSING_WATCH      a play whose watch_ms is the -1 "not given" sentinel
 8. NEGATIVE_WATCH     a play with watch_ms below -1
 9. OUT_OF_ORDER       ts_ms < watermark_ms - tolerance_ms
10. FROM_THE_FUTURE    ts_ms > now_ms + tolerance_ms

Identity comes first (what, who, which), then the per-kind payload, then time, so an
event that is wrong in several ways is reported for the most basic fault.

The watermark is the newest accepted timestamp before this batch; within the batch,
events are judged against it rather than against each other, so the order of events
inside one batch never changes which are accepted. Worked example, tolerance 5 s, the
watermark at 12:00:00 and now 12:00:10: an event at 11:59:56 is accepted (4 s behind),
one at 11:59:54 is OUT_OF_ORDER (6 s behind), one at 12:00:14 is accepted and one at
12:00:16 is FROM_THE_FUTURE.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from reelmint.events.batch import MISSING_TS, EventBatch
from reelmint.events.model import VIDEO_KINDS, Kind, Refusal, Surface

Reasons = NDArray[np.int8]
_INT64 = np.iinfo(np.int64)
# Indexed by the kind code seen as uint8, so -1 (255) and any stray code land on False.
_IS_VIDEO_KIND = np.zeros(256, np.bool_)
_IS_VIDEO_KIND[[int(k) for k in VIDEO_KINDS]] = True


def is_video_kind(kind: NDArray[np.int8]) -> NDArray[np.bool_]:
    """True where the event's object is a video (so it has an author in the catalog)."""
    return _IS_VIDEO_KIND[kind.view(np.uint8)]


def validate(
    batch: EventBatch, *, now_ms: int, watermark_ms: int, tolerance_ms: int,
    known_video: NDArray[np.bool_] | None = None,
) -> Reasons:  # fmt: skip
    """The Refusal code of each event, 0 where it is accepted.

    `known_video[i]` says whether event i's object is in the catalog; it is consulted
    only for video kinds, and None skips the UNKNOWN_VIDEO rule (no catalog to check).
    """
    if known_video is not None and len(known_video) != len(batch):
        raise ValueError("known_video must be aligned with the batch")
    reasons = np.zeros(len(batch), np.int8)
    rules = _rules(batch, now_ms, watermark_ms, tolerance_ms, known_video)
    # Written last rule first, so that the first rule that fails is the one left standing.
    for refusal, failing in reversed(rules):
        if failing.any():
            np.putmask(reasons, failing, np.int8(refusal))
    return reasons


def _rules(
    b: EventBatch, now_ms: int, watermark_ms: int, tolerance_ms: int,
    known_video: NDArray[np.bool_] | None,
) -> list[tuple[Refusal, NDArray[np.bool_]]]:  # fmt: skip
    """Each rule with where it fails, in the order of the module docstring."""
    play = b.kind == Kind.PLAY
    rules = [
        (Refusal.UNKNOWN_KIND, (b.kind < 0) | (b.kind > max(Kind))),
        (Refusal.MISSING_TIMESTAMP, b.ts_ms == MISSING_TS),
        (Refusal.MISSING_USER, b.user < 0),
        (Refusal.MISSING_OBJECT, b.object < 0),
        (Refusal.UNKNOWN_SURFACE, (b.surface < 0) | (b.surface > max(Surface))),
    ]
    if known_video is not None:
        rules.append((Refusal.UNKNOWN_VIDEO, is_video_kind(b.kind) & ~known_video))
    return [
        *rules,
        (Refusal.MISSING_WATCH, play & (b.watch_ms == -1)),
        (Refusal.NEGATIVE_WATCH, play & (b.watch_ms < -1)),
        (Refusal.OUT_OF_ORDER, b.ts_ms < _clamp(watermark_ms - tolerance_ms)),
        (Refusal.FROM_THE_FUTURE, b.ts_ms > _clamp(now_ms + tolerance_ms)),
    ]


def _clamp(ms: int) -> np.int64:
    """Python ints do not overflow; an int64 comparison needs a value that fits."""
    return np.int64(min(max(ms, int(_INT64.min)), int(_INT64.max)))


def counts_by_reason(reasons: Reasons) -> dict[str, int]:
    """Refused events per reason label, for the reasons that occur (one bincount)."""
    counts = np.bincount(reasons.view(np.uint8), minlength=max(Refusal) + 1)
    return {Refusal(code).label: int(counts[code]) for code in Refusal if counts[code]}
