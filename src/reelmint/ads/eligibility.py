"""Targeting on the decision path: which ad groups each slot's user may be shown.

A targeting is split in two parts that are answered in different ways.

- **The categorical part**: conditions on single-valued dimensions (age band, gender,
  country, language, device). Users share these profiles a lot (a batch of 10,000
  slots has a few hundred distinct ones), so each distinct profile asks a conjunction
  index (`TargetingIndex`, Whang et al.) built over these conditions alone, once, and
  the answer is cached as a bool row over the group slots.
- **The residual part**: conditions on multi-valued dimensions (interests, behaviour,
  custom audiences). These vary per user, so they are checked only on the shortlisted
  (slot, group) pairs, as bit sets: a group's include codes and exclude codes are
  packed into 64-bit words, as is each user's set, and a condition is an AND and a
  compare per word.

Worked example: group 3 targets country in {1} AND interest in {2, 5}. A user from
country 1 with interests {5, 9} has the categorical profile (country 1), for which the
index returns group 3; its residual check takes the user's interest words
(bits 5 and 9: 0b10_0010_0000) AND the group's include words (bits 2 and 5: 0b10_0100),
which is non-zero, so the user is eligible. With interests {9} only, the AND is 0.

`eligible` is the whole rule for one (user, group) pair and agrees with
`targeting.matches`, which a property test checks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from reelmint.ads.targeting import (
    MULTI,
    SINGLE,
    Dimension,
    Targeting,
    TargetingIndex,
    UserColumns,
)

I64 = NDArray[np.int64]
U64 = NDArray[np.uint64]
Bools = NDArray[np.bool_]
_SINGLE_ORDER = tuple(d for d in Dimension if d in SINGLE)
_MULTI_ORDER = tuple(d for d in Dimension if d in MULTI)


@dataclass(frozen=True, slots=True)
class _BitSets:
    """Per group slot, the include and exclude codes of one multi-valued dimension."""

    include: U64  # groups x words
    has_include: Bools  # groups
    exclude: U64  # groups x words

    @property
    def words(self) -> int:
        return int(self.include.shape[1])


class Eligibility:
    """Targeting of ad group slots 0..G-1, answered per distinct profile and per pair."""

    def __init__(self, targetings: Sequence[Targeting]) -> None:
        self._groups = len(targetings)
        categorical = (
            Targeting(tuple(c for c in t.conditions if c.dimension in SINGLE)) for t in targetings
        )
        self._index = TargetingIndex(enumerate(categorical))  # ids are the slots
        self._bits = {d: bits for d in _MULTI_ORDER if (bits := _bitsets(targetings, d))}
        self._rows: dict[tuple[int, ...], Bools] = {}

    def __len__(self) -> int:
        return self._groups

    def profiles(self, users: UserColumns) -> tuple[I64, I64]:
        """The distinct categorical profiles among `users` (C x dims codes, -1 unknown)
        and, per user, which one is theirs."""
        dims = [users.single.get(d) for d in _SINGLE_ORDER]
        stack = np.stack([np.full(len(users), -1, np.int64) if c is None else c.astype(np.int64)
                          for c in dims], axis=1)  # fmt: skip
        if len(users) == 1:
            return stack, np.zeros(1, np.int64)
        # One int per profile (mixed radix over the codes + 1) makes the distinct ones a
        # 1-D unique, several times faster than a unique over rows.
        radix = stack.max(axis=0, initial=-1) + 2
        if float(np.prod(radix.astype(np.float64))) < 2.0**62:
            weights = np.concatenate(([1], np.cumprod(radix[:-1]))).astype(np.int64)
            _, first, inverse = np.unique((stack + 1) @ weights, return_index=True,
                                             return_inverse=True)  # fmt: skip
            return stack[first], inverse.reshape(-1).astype(np.int64)
        unique, inverse = np.unique(stack, axis=0, return_inverse=True)
        return unique, inverse.reshape(-1).astype(np.int64)

    def categorical(self, profiles: I64) -> Bools:
        """A (profiles x groups) matrix: True where the categorical part is met."""
        out = np.empty((len(profiles), self._groups), np.bool_)
        for i, codes in enumerate(profiles.tolist()):
            key = tuple(codes)
            row = self._rows.get(key)
            if row is None:
                profile = {d: frozenset({c}) if c >= 0 else frozenset()
                           for d, c in zip(_SINGLE_ORDER, codes, strict=True)}  # fmt: skip
                row = np.zeros(self._groups, np.bool_)
                row[self._index.match(profile)] = True
                self._rows[key] = row
            out[i] = row
        return out

    def packed(self, users: UserColumns) -> dict[Dimension, U64]:
        """Each user's codes of every residual dimension as words (users x words)."""
        return {d: _pack(users.multi.get(d), len(users), bits.words)
                for d, bits in self._bits.items()}  # fmt: skip

    def residual(self, packed: dict[Dimension, U64], rows: I64, groups: I64) -> Bools:
        """For pairs (rows[i], groups[i, j]) (rows of `packed`), whether the residual part
        is met. `groups` is (len(rows) x K); a negative group is never met."""
        ok = groups >= 0
        safe = np.maximum(groups, 0)
        for dimension, bits in self._bits.items():
            mine = packed[dimension][rows][:, None, :]  # rows x 1 x words
            hit = (bits.include[safe] & mine).any(axis=2)
            ok &= ~bits.has_include[safe] | hit
            ok &= ~(bits.exclude[safe] & mine).any(axis=2)
        return ok

    def eligible(self, users: UserColumns, groups: I64) -> Bools:
        """The whole rule as a (users x groups) matrix, for tests and one-off checks."""
        profiles, which = self.profiles(users)
        categorical = self.categorical(profiles)[which][:, groups]
        table = np.broadcast_to(groups, (len(users), len(groups)))
        rows = np.arange(len(users))
        return categorical & self.residual(self.packed(users), rows, table)


def _bitsets(targetings: Sequence[Targeting], dimension: Dimension) -> _BitSets | None:
    """The dimension's conditions as word arrays, or None when no group uses it."""
    conditions = [(slot, c) for slot, t in enumerate(targetings) for c in t.conditions
                  if c.dimension is dimension]  # fmt: skip
    if not conditions:
        return None
    words = max(max(c.values) for _, c in conditions) // 64 + 1
    include = np.zeros((len(targetings), words), np.uint64)
    exclude = np.zeros((len(targetings), words), np.uint64)
    has_include = np.zeros(len(targetings), np.bool_)
    for slot, condition in conditions:
        target = exclude if condition.exclude else include
        for code in condition.values:
            target[slot, code // 64] |= np.uint64(1 << (code % 64))
        has_include[slot] |= not condition.exclude
    return _BitSets(include, has_include, exclude)


def _pack(matrix: Bools | None, users: int, words: int) -> U64:
    """A (users x codes) bool matrix as (users x words) little-endian bit words; codes
    past `words * 64` are ones no group names, so they are dropped."""
    if matrix is None:
        return np.zeros((users, words), np.uint64)
    cut = np.zeros((users, words * 64), np.bool_)
    width = min(matrix.shape[1], words * 64)
    cut[:, :width] = matrix[:, :width]
    as_bytes = np.packbits(cut, axis=1, bitorder="little")
    packed: U64 = np.ascontiguousarray(as_bytes).view("<u8").astype(np.uint64)
    return packed
