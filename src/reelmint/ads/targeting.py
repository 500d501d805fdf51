"""Targeting conditions, and an index that finds the ad groups a user is eligible for.

An ad group targets a *conjunction* of conditions, each on one dimension of a user's
profile: "country in {US, CA} AND age band in {18-24} AND NOT interest in {gambling}".
The model layer turns labels into small int codes; this module works in ints only.

Single-valued dimensions (age band, gender, country, language, device) hold one code per
user; multi-valued ones (interest, behaviour, audience) hold a set. An include condition
asks for at least one of its values, an exclude condition for none of them:

    >>> t = Targeting((Condition(Dimension.COUNTRY, frozenset({1, 2})),
    ...                Condition(Dimension.INTEREST, frozenset({9}), exclude=True)))
    >>> matches(t, {Dimension.COUNTRY: frozenset({2}), Dimension.INTEREST: frozenset({3})})
    True
    >>> matches(t, {Dimension.COUNTRY: frozenset({2}), Dimension.INTEREST: frozenset({3, 9})})
    False

`matches` is the definition. `TargetingIndex` answers the same question for thousands of
ad groups at once, the way Whang et al. index Boolean expressions ("Indexing Boolean
Expressions", VLDB 2009), with the per-conjunction counting done by NumPy.
"""

from __future__ import annotations

import enum
import operator
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray


class Dimension(enum.StrEnum):
    AGE_BAND = "age_band"
    GENDER = "gender"
    COUNTRY = "country"
    LANGUAGE = "language"
    INTEREST = "interest"
    DEVICE = "device"
    BEHAVIOUR = "behaviour"
    AUDIENCE = "audience"


SINGLE: frozenset[Dimension] = frozenset(
    {Dimension.AGE_BAND, Dimension.GENDER, Dimension.COUNTRY, Dimension.LANGUAGE, Dimension.DEVICE}
)
MULTI: frozenset[Dimension] = frozenset(Dimension) - SINGLE

# A user's codes per dimension; a missing dimension (or an empty set) means no values.
Profile = Mapping[Dimension, frozenset[int]]

BEHAVIOUR_WINDOWS: tuple[int, ...] = (7, 15, 30)


class TargetingError(ValueError):
    """A condition or a targeting that cannot be served as written."""


def behaviour_code(topic: int, window_days: int) -> int:
    """The code of "engaged with `topic` in the last `window_days` days".

    Worked example: topic 5 in the last 15 days is 5 * 3 + 1 = 16. The windows nest, so
    the model layer gives a user who engaged 3 days ago all three codes of that topic.
    """
    if window_days not in BEHAVIOUR_WINDOWS:
        raise ValueError(f"behaviour windows are {BEHAVIOUR_WINDOWS} days, not {window_days}")
    if topic < 0:
        raise ValueError(f"topic codes are >= 0, not {topic}")
    return topic * len(BEHAVIOUR_WINDOWS) + BEHAVIOUR_WINDOWS.index(window_days)


@dataclass(frozen=True, slots=True)
class Condition:
    """Include: the user has at least one of `values` in `dimension`; exclude: none."""

    dimension: Dimension
    values: frozenset[int]
    exclude: bool = False

    def __post_init__(self) -> None:
        try:
            dimension = Dimension(self.dimension)
            values = frozenset(operator.index(v) for v in self.values)
        except (TypeError, ValueError) as error:
            raise TargetingError(f"bad condition {self.dimension!r} {self.values!r}") from error
        if not values:
            raise TargetingError(f"a condition on {dimension} needs at least one value")
        if min(values) < 0:
            raise TargetingError(f"codes are >= 0; {dimension} has {min(values)}")
        object.__setattr__(self, "dimension", dimension)
        object.__setattr__(self, "values", values)


@dataclass(frozen=True, slots=True)
class Targeting:
    """A conjunction (AND) of conditions; no conditions targets everyone."""

    conditions: tuple[Condition, ...] = ()

    def __post_init__(self) -> None:
        conditions = tuple(self.conditions)
        included = [c.dimension for c in conditions if not c.exclude]
        twice = sorted({d for d in included if included.count(d) > 1})
        if twice:
            # One include per dimension keeps K (the count the index compares) well defined;
            # two would also mean an AND inside one dimension, which nobody asks for.
            raise TargetingError(
                f"two include conditions on {', '.join(twice)}: merge their values into one"
            )
        object.__setattr__(self, "conditions", conditions)

    @property
    def size(self) -> int:
        """K: the number of include conditions."""
        return sum(not c.exclude for c in self.conditions)


def matches(targeting: Targeting, profile: Profile) -> bool:
    """Whether a user with `profile` is eligible under `targeting` (the definition)."""
    for condition in targeting.conditions:
        hit = not condition.values.isdisjoint(profile.get(condition.dimension, frozenset()))
        if hit == condition.exclude:
            return False
    return True


@dataclass(frozen=True)
class UserColumns:
    """Many users' profiles as columns, for `TargetingIndex.eligible`.

    `single[d]` holds one code per user (-1: unknown, which fails include conditions on d
    and passes exclude ones); `multi[d]` is a (users x n_codes) bool matrix, True where
    the user has the code (codes >= n_codes: nobody has them).
    """

    single: Mapping[Dimension, NDArray[np.int64]] = field(default_factory=dict)
    multi: Mapping[Dimension, NDArray[np.bool_]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not set(self.single) <= SINGLE or not set(self.multi) <= MULTI:
            raise ValueError("single columns are for single-valued dimensions, multi for the rest")
        lengths = {len(c) for c in self.single.values()} | {len(m) for m in self.multi.values()}
        if len(lengths) > 1:
            raise ValueError(f"columns of different lengths: {sorted(lengths)}")
        if any(np.ndim(c) != 1 for c in self.single.values()) or any(
            np.ndim(m) != 2 for m in self.multi.values()
        ):
            raise ValueError("single columns are 1-D, multi columns are (users x codes)")

    def __len__(self) -> int:
        for column in (*self.single.values(), *self.multi.values()):
            return len(column)
        return 0

    @classmethod
    def of(cls, profiles: Sequence[Profile]) -> UserColumns:
        """Columns for a few users given as profiles (a request's), every dimension
        present. A single-valued dimension with more than one code is refused."""
        if any(min(codes) < 0 for p in profiles for codes in p.values() if codes):
            raise TargetingError("profile codes are >= 0")
        single: dict[Dimension, NDArray[np.int64]] = {}
        for d in SINGLE:
            codes = [sorted(p.get(d, frozenset())) for p in profiles]
            if any(len(c) > 1 for c in codes):
                raise TargetingError(f"a user has one {d}, not several")
            single[d] = np.array([c[0] if c else -1 for c in codes], np.int64)
        multi: dict[Dimension, NDArray[np.bool_]] = {}
        for d in MULTI:
            sets = [p.get(d, frozenset()) for p in profiles]
            matrix = np.zeros((len(profiles), max((max(s) + 1 for s in sets if s), default=0)),
                              np.bool_)  # fmt: skip
            for row, values in enumerate(sets):
                matrix[row, sorted(values)] = True
            multi[d] = matrix
        return cls(single, multi)

    def take(self, rows: NDArray[np.int64]) -> UserColumns:
        """The same columns for these users only (rows may repeat)."""
        return UserColumns({d: c[rows] for d, c in self.single.items()},
                           {d: m[rows] for d, m in self.multi.items()})  # fmt: skip

    def profile(self, row: int) -> dict[Dimension, frozenset[int]]:
        """One user's Profile, e.g. {COUNTRY: {3}, INTEREST: {1, 4}}."""
        profile: dict[Dimension, frozenset[int]] = {}
        for d, column in self.single.items():
            code = int(column[row])
            profile[d] = frozenset({code}) if code >= 0 else frozenset()
        for d, matrix in self.multi.items():
            profile[d] = frozenset(int(c) for c in np.flatnonzero(matrix[row]))
        return profile


_WIDTH = len(Dimension)  # pairs are coded conj * _WIDTH + dimension, to count each once
_DIM_INDEX = {d: i for i, d in enumerate(Dimension)}


@dataclass(frozen=True, slots=True)
class _Posting:
    include: NDArray[np.int64]  # conjunction numbers, ascending
    include_pairs: NDArray[np.int64]  # the same as conj * _WIDTH + dimension
    exclude: NDArray[np.int64]


class TargetingIndex:
    """The ad groups whose targeting a user matches, without scanning every ad group.

    Conjunctions are numbered in order of K (their count of include conditions), so each
    K group is a contiguous range. Every (dimension, value) has a posting list of the
    conjunctions that include or exclude it. A user matches a conjunction when the
    distinct include conditions hit equal K and no exclude entry is hit. A K=0
    conjunction gets an include entry on the "Z" list, which every user hits, so that
    its threshold is 1 and it is found like any other.

    Worked example: group 7 targets country in {1} AND interest in {3, 4}, K=2. A user
    from country 1 with interests {3, 4} gathers the lists (country, 1), (interest, 3)
    and (interest, 4): conjunction 7 appears three times, but as two distinct (conj,
    dimension) pairs, so its count is 2 = K and it matches.
    """

    def __init__(self, items: Iterable[tuple[int, Targeting]]) -> None:
        by_id: dict[int, Targeting] = {}
        for group, targeting in items:
            if group in by_id:
                raise TargetingError(f"ad group {group} is listed twice")
            by_id[int(group)] = targeting
        order = sorted(by_id, key=lambda g: (by_id[g].size, g))
        sizes = np.array([by_id[g].size for g in order], np.int64)
        self._targeting = by_id
        self._ids = np.array(order, np.int64)
        self._threshold = np.maximum(sizes, 1)  # K=0 counts its Z entry
        # _ends[s]: how many conjunctions have K <= s (a profile with s dimensions can
        # satisfy at most s distinct include conditions).
        self._ends = np.searchsorted(sizes, np.arange(int(sizes.max(initial=0)) + 1), "right")
        self._z = np.flatnonzero(sizes == 0).astype(np.int64)
        self._postings = _build_postings([by_id[g] for g in order])
        self._compiled = {g: _compile(t) for g, t in by_id.items()}

    def __len__(self) -> int:
        return len(self._ids)

    def match(self, profile: Profile) -> NDArray[np.int64]:
        """Ids of the ad groups `profile` is eligible for, ascending."""
        counted, deduped, excluded = [self._z], [], []
        present = 0
        for dimension, values in profile.items():
            if not values:
                continue
            present += 1
            lists = self._postings.get(dimension, {})
            # A conjunction appears at most once per single value; only several values in
            # one dimension can hit one condition twice, and those go through np.unique.
            several = len(values) > 1
            for value in values:
                posting = lists.get(value)
                if posting is None:
                    continue
                if several:
                    deduped.append(posting.include_pairs)
                else:
                    counted.append(posting.include)
                excluded.append(posting.exclude)
        limit = int(self._ends[min(present, len(self._ends) - 1)])
        return self._select(counted, deduped, excluded, limit)

    def _select(
        self,
        counted: list[NDArray[np.int64]],
        deduped: list[NDArray[np.int64]],
        excluded: list[NDArray[np.int64]],
        limit: int,
    ) -> NDArray[np.int64]:
        entries = np.concatenate(counted)
        if deduped:
            pairs = np.unique(np.concatenate(deduped))
            entries = np.concatenate((entries, pairs // _WIDTH))
        counts = np.bincount(entries[entries < limit], minlength=limit)
        hit = counts == self._threshold[:limit]
        if excluded:
            out = np.concatenate(excluded)
            hit[out[out < limit]] = False
        return np.sort(self._ids[:limit][hit])

    def eligible(self, users: UserColumns, groups: NDArray[np.int64]) -> NDArray[np.bool_]:
        """A (users x groups) matrix: True where the user may be shown the ad group.

        Each distinct condition among the groups is evaluated once over all users, so
        asking for the top 64 ad groups costs a few vectorized passes, not 64 scans.
        """
        missing = [int(g) for g in groups if int(g) not in self._compiled]
        if missing:
            raise KeyError(f"ad groups not in the index: {missing}")
        result = np.ones((len(users), len(groups)), np.bool_)
        cache: dict[tuple[Dimension, frozenset[int]], NDArray[np.bool_]] = {}
        for column, group in enumerate(groups):
            for condition, codes in self._compiled[int(group)]:
                key = (condition.dimension, condition.values)
                if key not in cache:
                    cache[key] = _hit(users, condition.dimension, codes)
                hit = cache[key]
                result[:, column] &= ~hit if condition.exclude else hit
        return result


def _build_postings(conjunctions: list[Targeting]) -> dict[Dimension, dict[int, _Posting]]:
    include: dict[tuple[Dimension, int], list[int]] = {}
    exclude: dict[tuple[Dimension, int], list[int]] = {}
    for number, targeting in enumerate(conjunctions):
        for condition in targeting.conditions:
            lists = exclude if condition.exclude else include
            for value in condition.values:
                lists.setdefault((condition.dimension, value), []).append(number)
    postings: dict[Dimension, dict[int, _Posting]] = {}
    for key in include.keys() | exclude.keys():
        dimension, value = key
        inc = np.array(include.get(key, ()), np.int64)
        postings.setdefault(dimension, {})[value] = _Posting(
            include=inc,
            include_pairs=inc * _WIDTH + _DIM_INDEX[dimension],
            exclude=np.array(exclude.get(key, ()), np.int64),
        )
    return postings


def _compile(targeting: Targeting) -> tuple[tuple[Condition, NDArray[np.int64]], ...]:
    return tuple((c, np.array(sorted(c.values), np.int64)) for c in targeting.conditions)


def _hit(users: UserColumns, dimension: Dimension, codes: NDArray[np.int64]) -> NDArray[np.bool_]:
    """Per user, whether they have at least one of `codes` in `dimension`."""
    if dimension in users.single:
        # -1 (unknown) is never a code, so unknown users have none of them.
        return np.isin(users.single[dimension], codes)
    if dimension in users.multi:
        matrix = users.multi[dimension]
        held = codes[codes < matrix.shape[1]]
        return np.asarray(matrix[:, held].any(axis=1), np.bool_)
    return np.zeros(len(users), np.bool_)
