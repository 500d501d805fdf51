"""The one way events come in: look up, validate, count, tell listeners, store.

`Ingestor.ingest(batch, now_ms)` does, for a whole batch at once:

1. look up each video event's catalog slot (as `catalog.ids.lookup` would, through a
   faster hash index, `events.slots`) and take its author
   from `catalog.creator`: the catalog is the authority on who made a video, so the
   lake and every stat after it attribute the event to the right creator;
2. `validate` it against the catalog, the clock it is given and the watermark;
3. move the watermark up to the newest accepted timestamp;
4. fold the accepted events into the online counters, and hand them (with their
   slots) to each listener, e.g. the ranker learning affinities and follows;
5. append them to the lake.

Refused events go nowhere but the report: not the lake, not the counters, not the
listeners. Nothing is dropped silently: `accepted + refused == len(batch)`, and each
refused event is listed with its index in the input and its reason.

The counters are updated before the lake's append, and the lake buffers a batch
before it writes: if a write fails (a full disk), the error goes up to the caller, and
the events, already counted, stay buffered in the lake for its next flush.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from reelmint.content.catalog import VideoCatalog
from reelmint.events.batch import EventBatch
from reelmint.events.counters import EngagementCounters
from reelmint.events.lake import Lake
from reelmint.events.model import Refusal
from reelmint.events.slots import SlotIndex
from reelmint.events.validate import counts_by_reason, is_video_kind, validate

Slots = NDArray[np.int64]
Listener = Callable[[EventBatch, Slots], None]
NOTHING_YET = int(np.iinfo(np.int64).min)  # the watermark before any event is accepted
_LABELS = np.array([""] + [r.label for r in sorted(Refusal)], dtype=object)  # by code


@dataclass(frozen=True, slots=True)
class IngestReport:
    """What became of one batch. `refusals` lists (index in the input batch, reason)."""

    accepted: int
    refused: int
    refusals: list[tuple[int, str]] = field(default_factory=list)
    by_reason: dict[str, int] = field(default_factory=dict)


class Ingestor:
    """Worked example, tolerance 60 s: after a batch whose newest event is at 12:00:00,
    an event at 11:59:30 is still accepted; one at 11:58:30 is `out_of_order`."""

    def __init__(
        self, lake: Lake, catalog: VideoCatalog, counters: EngagementCounters, *,
        tolerance_ms: int, listeners: Iterable[Listener] = (), watermark_ms: int = NOTHING_YET,
    ) -> None:  # fmt: skip
        if tolerance_ms < 0:
            raise ValueError("tolerance_ms must not be negative")
        self.lake = lake
        self.catalog = catalog
        self.counters = counters
        self.tolerance_ms = tolerance_ms
        self.listeners = list(listeners)
        self.watermark_ms = watermark_ms
        self.refused_total: Counter[str] = Counter()
        self._index = SlotIndex()  # the catalog's id -> slot, by hash (see events.slots)

    def ingest(self, batch: EventBatch, now_ms: int) -> IngestReport:
        slots = self._slots(batch)
        batch = self._with_authors(batch, slots)
        reasons = validate(batch, now_ms=now_ms, watermark_ms=self.watermark_ms,
                           tolerance_ms=self.tolerance_ms, known_video=slots >= 0)  # fmt: skip
        refused = np.flatnonzero(reasons)
        if len(refused):
            keep = reasons == 0
            batch, slots = batch.take(keep), slots[keep]
        if len(batch):
            self.watermark_ms = max(self.watermark_ms, int(batch.ts_ms.max()))
            self._fold(batch, slots)
            self.lake.append(batch)
        return self._report(len(batch), refused, reasons)

    def add_listener(self, listener: Listener) -> None:
        self.listeners.append(listener)

    def _slots(self, batch: EventBatch) -> Slots:
        """The catalog slot of each video event; -1 for other kinds and unknown videos."""
        self._index.sync(self.catalog.ids)
        video = is_video_kind(batch.kind)
        if video.all():
            return self._index.lookup(batch.object)
        slots = np.full(len(batch), -1, np.int64)
        slots[video] = self._index.lookup(batch.object[video])
        return slots

    def _with_authors(self, batch: EventBatch, slots: Slots) -> EventBatch:
        known = slots >= 0
        if not known.any():
            return batch
        creator = self.catalog.creator[np.where(known, slots, 0)]
        return batch.replace(author=np.where(known, creator, batch.author))

    def _fold(self, batch: EventBatch, slots: Slots) -> None:
        self.counters.update(
            batch.kind, slots, watch_ms=batch.watch_ms, complete=batch.complete,
            surface=batch.surface, invalid=batch.invalid, paid=batch.paid,
        )  # fmt: skip
        for listener in self.listeners:
            listener(batch, slots)

    def _report(self, accepted: int, refused: Slots, reasons: NDArray[np.int8]) -> IngestReport:
        if not len(refused):
            return IngestReport(accepted, 0)
        by_reason = counts_by_reason(reasons)
        self.refused_total.update(by_reason)
        labels = _LABELS[reasons[refused]].tolist()
        refusals = list(zip(refused.tolist(), labels, strict=True))
        return IngestReport(accepted, len(refused), refusals, by_reason)
