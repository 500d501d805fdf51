"""Auction rules: who wins an ad slot and what each winner pays.

Bidders come as eCPMs, the expected revenue per 1,000 impressions in micros (bid x
P(billable event) x 1,000, computed by the caller), indexed in ad group id order. A rule
returns the winners, best position first, and the *clearing eCPM* each pays; the caller
turns that into integer micros per billable event with `price_micros`.

With k positions, position j is worth a factor alpha_j of the first (1 >= alpha_2 >= ...).
Sort the eligible bidders as b_1 >= b_2 >= ...; below the last real bidder the reserve r
stands in as phantom bidders at b = r (the seller keeps a slot it would sell for less).

- GSP (the default, Edelman, Ostrovsky and Schwarz 2007): position i pays b_{i+1}.
- First price: position i pays b_i.
- VCG (Varian 2007): position i pays the welfare the others lose because it is there,
  sum_{j>=i} (alpha_j - alpha_{j+1}) b_{j+1}, divided by alpha_i to express it per 1,000
  of its own impressions. With one slot that is b_2, the GSP price.

Worked example, alpha = (1, 0.5), bidders (10, 8, 5), no reserve: GSP charges 8 and 5.
VCG charges the second (0.5 - 0) x 5 / 0.5 = 5 and the first (1 - 0.5) x 8 + 0.5 x 5 =
6.5, less than its GSP price of 8.

Ties go to the lower index (stable and reproducible); bidders below the reserve or with
a non-finite eCPM (-inf marks ineligible) never win.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray


@dataclass(frozen=True, slots=True)
class Outcome:
    """Winners (indices into the eCPM array), best position first, and the clearing eCPM
    each pays per 1,000 impressions in its position; each price lies in [reserve, own eCPM].
    Fewer winners than slots when fewer bidders clear the reserve."""

    winners: tuple[int, ...]
    prices: tuple[float, ...]


class Rule(Protocol):
    def __call__(
        self,
        ecpm: ArrayLike,
        *,
        slots: int = 1,
        reserve: float = 0.0,
        factors: Sequence[float] | None = None,
    ) -> Outcome: ...


Reserve = float | NDArray[np.float64]
BatchResult = tuple[NDArray[np.int64], NDArray[np.float64]]
BatchRule = Callable[[NDArray[np.float64], Reserve], BatchResult]


def gsp_batch(ecpm: NDArray[np.float64], reserve: Reserve = 0.0) -> BatchResult:
    """One slot per row of a (slots x bidders) eCPM matrix under GSP.

    Returns the winning column per row (-1 when nobody clears the reserve) and the
    clearing eCPM, max(second best eCPM, reserve) (NaN when nobody wins). Worked example:
    rows [[3, 5, 5], [1, -inf, 2]] with reserve 1.5 -> winners [1, 2] (the tie at 5 goes
    to the lower column, which pays 5) at prices [5.0, 1.5].
    """
    masked, floor = _eligible(ecpm, reserve)
    winners, _ = _best(masked)
    price = np.where(winners >= 0, np.maximum(_second(masked), floor), np.nan)
    return winners, price


def first_price_batch(ecpm: NDArray[np.float64], reserve: Reserve = 0.0) -> BatchResult:
    """As `gsp_batch`, but each winner pays its own eCPM."""
    masked, _ = _eligible(ecpm, reserve)
    winners, best = _best(masked)
    return winners, np.where(winners >= 0, best, np.nan)


def vcg_batch(ecpm: NDArray[np.float64], reserve: Reserve = 0.0) -> BatchResult:
    """VCG for one slot per row. With a single slot the only welfare the winner takes from
    the others is the best loser's (or the reserve's) value for that slot, which is
    exactly the GSP price, so this is `gsp_batch`."""
    return gsp_batch(ecpm, reserve)


def gsp(
    ecpm: ArrayLike,
    *,
    slots: int = 1,
    reserve: float = 0.0,
    factors: Sequence[float] | None = None,
) -> Outcome:
    """Each winner pays the next eCPM below it, or the reserve when that is higher."""
    _factors(slots, factors)
    if slots == 1:
        return _single(gsp_batch, ecpm, reserve)
    winners, following = _ranked(ecpm, slots, reserve)
    return Outcome(_ints(winners), _floats(following[: len(winners)]))


def first_price(
    ecpm: ArrayLike,
    *,
    slots: int = 1,
    reserve: float = 0.0,
    factors: Sequence[float] | None = None,
) -> Outcome:
    """Each winner pays its own eCPM."""
    _factors(slots, factors)
    if slots == 1:
        return _single(first_price_batch, ecpm, reserve)
    winners, _ = _ranked(ecpm, slots, reserve)
    own = _vector(ecpm)[winners]
    return Outcome(_ints(winners), _floats(own))


def vcg(
    ecpm: ArrayLike,
    *,
    slots: int = 1,
    reserve: float = 0.0,
    factors: Sequence[float] | None = None,
) -> Outcome:
    """Each winner pays its externality per 1,000 impressions of its own position.

    Worked example, alpha = (1, 0.5, 0.2), bidders (10, 8, 5, 2): the third pays
    0.2 x 2 / 0.2 = 2; the second (0.5 - 0.2) x 5 + 0.2 x 2 = 1.9, per its own
    impression 1.9 / 0.5 = 3.8; the first (1 - 0.5) x 8 + 1.9 = 5.9. GSP would charge
    8, 5 and 2.
    """
    alpha = _factors(slots, factors)
    if slots == 1:
        return _single(vcg_batch, ecpm, reserve)
    winners, following = _ranked(ecpm, slots, reserve)
    drop = alpha - np.append(alpha[1:], 0.0)  # what moving down one position loses
    externality = np.cumsum((drop * following)[::-1])[::-1]
    # Mathematically reserve <= VCG <= GSP; the clip only absorbs float rounding.
    price = np.clip(externality / alpha, reserve, following)[: len(winners)]
    return Outcome(_ints(winners), _floats(price))


RULES: dict[str, Rule] = {"gsp": gsp, "first_price": first_price, "vcg": vcg}
BATCH_RULES: dict[str, BatchRule] = {
    "gsp": gsp_batch,
    "first_price": first_price_batch,
    "vcg": vcg_batch,
}


def price_micros(clearing_ecpm: float, p_event: float, bid_micros: int) -> int:
    """Integer micros charged per billable event, from a clearing eCPM in micros.

    The event happens with probability `p_event` per impression (1 for CPM, where the
    event is the impression itself), so one event is worth clearing / (1000 x p_event).
    Worked example: clearing eCPM 2,500,000 ($2.50 CPM) for a click at p = 0.02 is
    2,500,000 / 20 = 125,000 micros ($0.125) per click. Halves round up; the charge never
    exceeds the bid per event, and a positive clearing price is never rounded to zero.
    """
    if not 0.0 < p_event <= 1.0:
        raise ValueError(f"p_event is a probability in (0, 1], not {p_event}")
    if not (math.isfinite(clearing_ecpm) and clearing_ecpm >= 0):
        raise ValueError(f"clearing eCPM must be finite and >= 0, not {clearing_ecpm}")
    if bid_micros < 0:
        raise ValueError(f"bid must be >= 0 micros, not {bid_micros}")
    per_event = clearing_ecpm / (1000.0 * p_event)
    whole = math.floor(per_event)
    # per_event - whole is exact, unlike per_event + 0.5, which can round up a 0.4999...
    charged = whole + (per_event - whole >= 0.5)
    if clearing_ecpm > 0:
        charged = max(charged, 1)
    return min(charged, bid_micros)


def _eligible(ecpm: ArrayLike, reserve: Reserve) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The eCPM matrix with -inf wherever a bidder may not win, and the reserve per row."""
    matrix = np.asarray(ecpm, np.float64)
    if matrix.ndim != 2:
        raise ValueError(f"batch eCPMs are (slots x bidders), got shape {matrix.shape}")
    floor = np.broadcast_to(np.asarray(reserve, np.float64), matrix.shape[:1])
    if not (np.all(np.isfinite(floor)) and np.all(floor >= 0)):
        raise ValueError("reserves must be finite and >= 0")
    ok = np.isfinite(matrix) & (matrix >= floor[:, None])
    return np.where(ok, matrix, -np.inf), floor


def _best(masked: NDArray[np.float64]) -> BatchResult:
    """Per row the winning column (argmax takes the first, i.e. lowest, of equal maxima)."""
    if masked.shape[1] == 0:
        return np.full(len(masked), -1, np.int64), np.full(len(masked), -np.inf)
    column = np.argmax(masked, axis=1)
    best = masked[np.arange(len(masked)), column]
    return np.where(best > -np.inf, column, -1).astype(np.int64), best


def _second(masked: NDArray[np.float64]) -> NDArray[np.float64]:
    """Per row the second highest value, counting a tie at the top twice."""
    if masked.shape[1] < 2:
        return np.full(len(masked), -np.inf)
    return np.partition(masked, -2, axis=1)[:, -2]


def _single(batch: BatchRule, ecpm: ArrayLike, reserve: float) -> Outcome:
    """A one-slot auction as a batch of one row, so both paths share one kernel."""
    winners, prices = batch(_vector(ecpm)[None, :], reserve)
    if winners[0] < 0:
        return Outcome((), ())
    return Outcome((int(winners[0]),), (float(prices[0]),))


def _ranked(
    ecpm: ArrayLike, slots: int, reserve: float
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """The top `slots` eligible bidders in order, and for each position i the eCPM of the
    bidder in position i + 1 (the reserve where no real bidder is left)."""
    masked, _ = _eligible(_vector(ecpm)[None, :], reserve)
    row = masked[0]
    eligible = np.flatnonzero(row > -np.inf)
    # A stable sort on -eCPM keeps equal bidders in index order: the lower index wins.
    order = eligible[np.argsort(-row[eligible], kind="stable")]
    values = np.concatenate((row[order], np.full(slots + 1, float(reserve))))
    return order[:slots].astype(np.int64), values[1 : slots + 1]


def _vector(ecpm: ArrayLike) -> NDArray[np.float64]:
    vector = np.asarray(ecpm, np.float64)
    if vector.ndim != 1:
        raise ValueError(f"eCPMs are one per bidder, got shape {vector.shape}")
    return vector


def _factors(slots: int, factors: Sequence[float] | None) -> NDArray[np.float64]:
    """Position factors, checked: one per slot, in (0, 1], non-increasing."""
    if slots < 1:
        raise ValueError(f"an auction needs at least one slot, not {slots}")
    alpha = np.ones(slots) if factors is None else np.asarray(factors, np.float64)
    if alpha.shape != (slots,):
        raise ValueError(f"{slots} slots need {slots} position factors, got {len(alpha)}")
    if not (np.all(alpha > 0) and np.all(alpha <= 1) and np.all(np.diff(alpha) <= 0)):
        raise ValueError(f"position factors must be in (0, 1] and non-increasing: {factors}")
    return alpha


def _ints(values: NDArray[np.int64]) -> tuple[int, ...]:
    return tuple(int(v) for v in values)


def _floats(values: NDArray[np.float64]) -> tuple[float, ...]:
    return tuple(float(v) for v in values)
