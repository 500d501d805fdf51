"""Dense slots for sparse external ids, so per-object state can live in NumPy arrays.

Event and ranker state is kept in arrays indexed by slot (0, 1, 2, ...). External ids
are any int64s; `DenseIds` maps them to slots in arrival order and back, vectorized:
a look-up of a whole batch is one `searchsorted` over the sorted ids, not a dict probe
per event.

Worked example: adding ids [907, 12, 907, 55] gives slots [0, 1, 0, 2]; looking up
[55, 4] afterwards gives slots [2, -1] (-1: never seen).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

I64 = NDArray[np.int64]


class DenseIds:
    def __init__(self) -> None:
        self._ids = np.empty(0, np.int64)  # slot -> external id
        self._sorted = np.empty(0, np.int64)  # external ids, ascending
        self._order = np.empty(0, np.int64)  # slot of each entry of _sorted

    def __len__(self) -> int:
        return len(self._ids)

    @property
    def ids(self) -> I64:
        """External id of every slot, in slot order (read-only view)."""
        view = self._ids.view()
        view.flags.writeable = False
        return view

    def lookup(self, ids: I64) -> I64:
        """Slot of each id, or -1 where the id has never been added."""
        ids = np.asarray(ids, np.int64)
        if not len(self._sorted):
            return np.full(len(ids), -1, np.int64)
        pos = np.searchsorted(self._sorted, ids)
        pos_c = np.minimum(pos, len(self._sorted) - 1)
        hit = self._sorted[pos_c] == ids
        return np.where(hit, self._order[pos_c], -1)

    def add(self, ids: I64) -> I64:
        """Slots of `ids`, giving new ids the next free slots in order of first appearance."""
        ids = np.asarray(ids, np.int64)
        slots = self.lookup(ids)
        missing = slots < 0
        if missing.any():
            fresh, first = np.unique(ids[missing], return_index=True)
            fresh = fresh[np.argsort(first, kind="stable")]  # keep arrival order
            start = len(self._ids)
            self._ids = np.concatenate([self._ids, fresh])
            merged = np.concatenate([self._sorted, fresh])
            order = np.concatenate([self._order, np.arange(start, start + len(fresh))])
            by_id = np.argsort(merged, kind="stable")
            self._sorted, self._order = merged[by_id], order[by_id]
            slots = self.lookup(ids)
        return slots
