"""The array kernels both paths share: score, diversify, select under pool capacity.

A request is one row of a users x candidates matrix of video slots (-1 for none), so
the online path is the batch path with one row. No kernel loops over users or
impressions in Python.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from reelmint.feed.model import I64

NONE = -np.inf
F32 = NDArray[np.float32]


def gather(table: I64, at: I64) -> I64:
    """table[at], and -1 wherever `at` is -1 (or the table is empty)."""
    if not len(table):
        return np.full(at.shape, -1, np.int64)
    return np.where(at >= 0, table[np.maximum(at, 0)], -1)


def personal_scores(cand: I64, factors: F32, topic: I64, positive: F32, negative: F32) -> F32:
    """score = f * positive + negative / f per candidate, with f the row's affinity
    factor for the candidate's topic; -inf where there is no candidate."""
    safe = np.maximum(cand, 0)
    rows = np.arange(cand.shape[0])[:, None]
    f = factors[rows, topic[safe]]
    score = f * positive[safe] + negative[safe] / f
    return np.where(cand >= 0, score, np.float32(NONE))


def drop_repeats(cand: I64) -> I64:
    """Each video at most once per row (sources overlap); repeats become -1."""
    ordered = np.sort(cand, axis=1)
    repeat = np.zeros_like(ordered, dtype=bool)
    repeat[:, 1:] = ordered[:, 1:] == ordered[:, :-1]
    return np.where(repeat, -1, ordered)


def rank_within(key: I64) -> I64:
    """For each entry of a row sorted best first, how many entries before it share its
    key (0 for the best of each key): one stable sort by key keeps the score order
    within each key, and the distance to the start of its run is the rank."""
    by_key = np.argsort(key, axis=1, kind="stable")
    grouped = np.take_along_axis(key, by_key, axis=1)
    positions = np.broadcast_to(np.arange(key.shape[1]), key.shape)
    starts = np.ones_like(grouped, dtype=bool)
    starts[:, 1:] = grouped[:, 1:] != grouped[:, :-1]
    first = np.maximum.accumulate(np.where(starts, positions, 0), axis=1)
    rank = np.empty_like(by_key)
    np.put_along_axis(rank, by_key, positions - first, axis=1)
    return rank


def diversify(score: F32, author: I64, topic: I64, author_decay: float, topic_decay: float) -> F32:
    """Decay the score of each repeat of an author (and, more gently, of a topic)
    within a row: the k-th best video of an author keeps author_decay^k of its merit.
    A negative score is pushed down by the same share, never toward zero. Rows must be
    sorted best first (as `top` returns them)."""
    decay = (np.float32(author_decay) ** rank_within(author).astype(np.float32)
             * np.float32(topic_decay) ** rank_within(topic).astype(np.float32))  # fmt: skip
    finite = np.isfinite(score)
    safe = np.where(finite, score, np.float32(0))
    return np.where(finite, safe - (1 - decay) * np.abs(safe), np.float32(NONE))


def top(score: F32, k: int) -> I64:
    """Column indices of each row's k best scores, best first."""
    k = min(k, score.shape[1])
    part = np.argpartition(-score, k - 1, axis=1)[:, :k] if k < score.shape[1] else (
        np.broadcast_to(np.arange(score.shape[1]), score.shape).copy())  # fmt: skip
    best = np.argsort(-np.take_along_axis(score, part, axis=1), axis=1, kind="stable")
    return np.take_along_axis(part, best, axis=1)


def within_capacity(chosen: I64, capacity: I64) -> NDArray[np.bool_]:
    """Which entries of `chosen` (rows in request order, -1 for none) fit the audience
    their videos may still get: the first `capacity[v]` showings of video v in the
    batch, counted row by row, fit; later ones do not. Only the entries of videos
    chosen more often than they have room for need ordering, so only those are sorted."""
    flat = chosen.ravel()
    safe = np.maximum(flat, 0)
    cap = capacity[safe]
    fits = (flat >= 0) & (cap > 0)
    wanted = np.bincount(safe[fits], minlength=len(capacity))
    tight = np.flatnonzero(fits & (wanted[safe] > cap))
    if len(tight):
        order = tight[np.argsort(flat[tight], kind="stable")]
        grouped = flat[order]
        starts = np.ones(len(grouped), bool)
        starts[1:] = grouped[1:] != grouped[:-1]
        first = np.maximum.accumulate(np.where(starts, np.arange(len(grouped)), 0))
        fits[order] = (np.arange(len(grouped)) - first) < cap[order]
    return fits.reshape(chosen.shape)


def compress(chosen: I64, keep: NDArray[np.bool_], n: int) -> tuple[I64, NDArray[np.intp]]:
    """The first n kept entries of each row, in order, -1 padded; and their columns."""
    columns = np.argsort(~keep, axis=1, kind="stable")[:, :n]
    picked = np.take_along_axis(chosen, columns, axis=1)
    kept = np.take_along_axis(keep, columns, axis=1)
    return np.where(kept, picked, -1), columns
