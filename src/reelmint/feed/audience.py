"""What the ranker knows of each user: topic affinity and whom they follow.

Affinity blends declared interests (a distribution over topics; uniform when unknown)
with engagement learned from the user's own events, each weighed by what it says about
taste: a like is 1, a comment 2, a share or a follow 3, a play its watched fraction
(up to 1) and a "not interested" -3. With `pseudo` the weight of the declared part,

    affinity[t] = (pseudo * declared[t] + max(engaged[t], 0)) / (pseudo + sum_t max(engaged[t], 0))

and the factor the score applies is topics * affinity[t], clipped to `bounds`: 1 for
a topic the user is indifferent to, 3 for a topic three times as liked as average.

Worked example, 4 topics, pseudo 20, uniform declared, 20 likes on topic 0: affinity
(5 + 20) / 40 = 0.625 for topic 0 and 5 / 40 = 0.125 for the others; factors 2.5 and
0.5.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from reelmint.content.ids import DenseIds
from reelmint.events.model import Kind
from reelmint.feed.model import F64, I64

F32 = NDArray[np.float32]
_SHIFT = np.int64(32)  # creator slots stay below 2^32, user slots below 2^31
_LOW = np.int64((1 << 32) - 1)
_TASTE = {Kind.LIKE: 1.0, Kind.COMMENT: 2.0, Kind.SHARE: 3.0, Kind.FOLLOW: 3.0,
          Kind.NOT_INTERESTED: -3.0}  # fmt: skip


class Audience:
    def __init__(self, topics: int, *, pseudo: float, bounds: tuple[float, float]) -> None:
        self.topics = topics
        self.pseudo = pseudo
        self.bounds = bounds
        self.ids = DenseIds()
        self.declared = np.zeros((0, topics), np.float32)
        self.engaged = np.zeros((0, topics), np.float32)
        self._keys = np.zeros(0, np.int64)  # user slot << 32 | creator slot, sorted, unique
        self._follow_pending: tuple[list[I64], list[I64]] = ([], [])
        self._csr: tuple[I64, I64] | None = None

    def __len__(self) -> int:
        return len(self.ids)

    def slots(self, user_ids: I64) -> I64:
        """Slots of these users, registering the new ones with no known taste."""
        slots = self.ids.add(user_ids)
        extra = len(self.ids) - len(self.declared)
        if extra > 0:
            uniform = np.full((extra, self.topics), 1.0 / self.topics, np.float32)
            self.declared = np.concatenate([self.declared, uniform])
            self.engaged = np.concatenate([self.engaged, np.zeros_like(uniform)])
        return slots

    def declare(self, user_ids: I64, interests: F64) -> None:
        """Set declared interests (rows are normalised to sum to 1)."""
        interests = np.asarray(interests, np.float64)
        if interests.shape != (len(user_ids), self.topics) or (interests < 0).any():
            raise ValueError(f"interests must be a non-negative {len(user_ids)} x {self.topics}")
        total = interests.sum(axis=1, keepdims=True)
        rows = np.where(total > 0, interests / np.where(total > 0, total, 1), 1.0 / self.topics)
        slots = self.slots(user_ids)  # first: it may grow `declared`
        self.declared[slots] = rows

    def learn(self, kind: NDArray[np.int8], user: I64, topic: I64, watched: F64) -> None:
        """Fold in engagement: `topic` is each event's video topic, `watched` the watched
        fraction of plays (0 for other kinds). Events of other kinds are ignored."""
        weight = np.zeros(len(kind), np.float32)
        for k, w in _TASTE.items():
            weight[kind == k] = w
        play = kind == Kind.PLAY
        weight[play] = np.minimum(watched[play], 1.0)
        use = weight != 0
        if use.any():
            slots = self.slots(user[use])  # first: it may grow `engaged`
            np.add.at(self.engaged, (slots, topic[use]), weight[use])

    def follow(self, user: I64, creator_slot: I64) -> None:
        """Record follows (user ids, the followed creators' slots); repeats are harmless."""
        if len(user):
            self._follow_pending[0].append(self.slots(user))
            self._follow_pending[1].append(np.asarray(creator_slot, np.int64))

    def factors(self, slots: I64) -> F32:
        """The affinity factor of each of these users for every topic (len(slots) x T)."""
        engaged = np.maximum(self.engaged[slots], 0)
        blend = self.pseudo * self.declared[slots] + engaged
        blend /= (self.pseudo + engaged.sum(axis=1))[:, None]
        low, high = self.bounds
        factors: F32 = np.clip(blend * self.topics, low, high).astype(np.float32)
        return factors

    def follows(self) -> tuple[I64, I64]:
        """The follow graph as CSR over user slots: (indptr, creator slots), deduplicated.
        Rebuilt only when follows were added or users arrived since the last call.

        Edges are kept as one sorted array of keys (user slot << 32 | creator slot), so
        a refresh merges in only the few follows that arrived since the last one: a
        search and an insert, not a sort of the whole graph."""
        pending = self._follow_pending
        if self._csr is not None and not pending[0] and len(self._csr[0]) == len(self) + 1:
            return self._csr
        if pending[0]:
            fresh = np.concatenate(pending[0]) << _SHIFT | np.concatenate(pending[1])
            self._keys = merge_keys(self._keys, sorted_unique(fresh))
            self._follow_pending = ([], [])
        users = self._keys >> _SHIFT
        indptr = np.zeros(len(self) + 1, np.int64)
        np.cumsum(np.bincount(users, minlength=len(self)), out=indptr[1:])
        self._csr = (indptr, self._keys & _LOW)
        return self._csr


def sorted_unique(keys: I64) -> I64:
    """The distinct values, ascending: a sort and a comparison of neighbours (NumPy's
    `unique` may build a hash table instead, several times slower on tens of millions)."""
    keys = np.sort(keys)
    return keys[np.r_[True, keys[1:] != keys[:-1]]] if len(keys) else keys


def merge_keys(keys: I64, fresh: I64) -> I64:
    """Sorted, distinct `keys` with the sorted, distinct `fresh` merged in. A few new keys
    are inserted where they belong (one pass over `keys`); a bulk load is one sort."""
    if len(fresh) * 8 > len(keys):
        return sorted_unique(np.concatenate([keys, fresh]))
    at = np.searchsorted(keys, fresh)
    known = at < len(keys)
    known[known] = keys[at[known]] == fresh[known]
    return np.insert(keys, at[~known], fresh[~known])
