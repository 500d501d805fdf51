"""Action-rate predictions for the auction: smoothed history, pooled priors, calibration.

The auction ranks ads by eCPM = bid x P(action) x 1000, so it needs, per ad group, the
chance that an impression leads to a click, a 6-second view or a conversion. Pure and
columnar: counts live in arrays indexed by a dense ad-group slot 0..G-1.

**Smoothing.** A group's rate is its own history shrunk toward a prior, as a Beta
posterior mean: p = (events + k x prior) / (impressions + k), with k pseudo-impressions.
A new group has no history, so it gets the prior; after a few thousand impressions its
own data dominate.

**Pooling.** The prior is the group's pool (its campaign, advertiser or industry: the
`parent` key given to `grow`), itself smoothed toward the global priors the same way. A
new ad group of an advertiser whose ads are clicked twice as often as average starts
near twice the average, not at it. The pool leaves the group's own counts out, so they
are not counted twice.

**Calibration.** Priors are guesses and can be biased for a whole traffic mix. Per action,
a factor (observed events / predicted events, over a decaying window) scales every
prediction of that action, so a prior three times too high is corrected once a few
hundred events have been compared, long before each group has data of its own.

Worked example (priors of 1% click, strength 500): a group with 1,000 impressions and 25
clicks predicts (25 + 500 x 0.01) / 1,500 = 2.0%. Under a parent whose other groups have
10,000 impressions and 300 clicks, the pool's rate is (300 + 5) / 10,500 = 2.905%, and
the group's is (25 + 500 x 0.02905) / 1,500 = 2.635%.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]

CALIBRATION_BOUNDS = (0.25, 4.0)  # a factor outside these means a broken model, not a prior


class Action(enum.IntEnum):
    """What an impression can lead to (int8 in event arrays); IMPRESSION counts exposures."""

    IMPRESSION = 0
    CLICK = 1
    VIEW_6S = 2
    CONVERSION = 3


RATED = (Action.CLICK, Action.VIEW_6S, Action.CONVERSION)


@dataclass(frozen=True, slots=True)
class Priors:
    """Global prior rates and their weight, in pseudo-impressions.

    Illustrative defaults, not measurements: in-feed ad click-through rates are commonly
    reported around 1%; about 30% of in-feed impressions are watched for 6 s; a 2%
    conversion rate per click is a mid-funnel e-commerce figure, so 0.02% per impression.
    A strength of 500 impressions lets a group's own data outweigh the prior within a
    day of modest delivery.
    """

    click: float = 0.01  # per impression
    view_6s: float = 0.3  # per impression
    conversion: float = 0.02  # per click, so click x conversion per impression
    strength: float = 500.0  # pseudo-impressions

    def __post_init__(self) -> None:
        if not all(0.0 <= p <= 1.0 for p in (self.click, self.view_6s, self.conversion)):
            raise ValueError("prior rates are probabilities")
        if self.strength <= 0:
            raise ValueError("a prior's strength is a positive number of impressions")

    def per_impression(self) -> F64:
        """Prior rate per impression, indexed by Action (IMPRESSION is 1)."""
        return np.array([1.0, self.click, self.view_6s, self.click * self.conversion])


class RatePredictor:
    """Per ad group P(click), P(6 s view) and P(conversion) per impression, learned online.

    Use: `grow` as ad groups appear; at serve time `predict` and then `record_served` with
    the predictions served; as outcomes arrive, `observe` one row per event (IMPRESSION
    rows for exposures). Calibration compares the events observed with the predictions
    recorded from the first `record_served` of an action on: events before that have no
    predictions to be compared with and only feed the rates.

    `calibration_window` is the calibration's memory in predicted events: once more are
    recorded, older ones fade in proportion. `calibration_strength` pseudo-events at a
    factor of 1 keep the factor from jumping on the first few events.
    """

    def __init__(
        self, priors: Priors = Priors(), *, calibration_window: float = 5_000.0,
        calibration_strength: float = 10.0,
    ) -> None:  # fmt: skip
        if calibration_window <= 0 or calibration_strength <= 0:
            raise ValueError("the calibration window and strength are positive")
        self.priors = priors
        self.window, self.strength = calibration_window, calibration_strength
        self._prior = priors.per_impression()
        self._counts = np.zeros((0, len(Action)), dtype=np.int64)
        self._parent = np.zeros(0, dtype=np.int64)
        # Row 0 stands for "no pool" and stays empty; pool key p is row p + 1.
        self._pool = np.zeros((1, len(Action)), dtype=np.int64)
        self._observed = np.zeros(len(Action))
        self._served = np.zeros(len(Action))  # uncalibrated predictions, summed
        self._tracking = np.zeros(len(Action), dtype=np.bool_)
        # Bumped by every change to what `predict` returns, so callers may cache on it.
        self.version = 0

    @property
    def groups(self) -> int:
        return int(self._counts.shape[0])

    def grow(self, groups: int, parent: I64 | None = None) -> None:
        """Add `groups` ad groups, each pooled under `parent` (a key >= 0) or none (-1)."""
        if groups < 0:
            raise ValueError("cannot add a negative number of groups")
        keys = np.full(groups, -1, np.int64) if parent is None else np.asarray(parent, np.int64)
        if keys.shape != (groups,) or bool(np.any(keys < -1)):
            raise ValueError("one parent key (>= 0, or -1 for none) per new group")
        self.version += 1
        self._counts = np.vstack([self._counts, np.zeros((groups, len(Action)), np.int64)])
        self._parent = np.concatenate([self._parent, keys])
        pools = int(keys.max(initial=-1)) + 2
        if pools > self._pool.shape[0]:
            extra = np.zeros((pools - self._pool.shape[0], len(Action)), np.int64)
            self._pool = np.vstack([self._pool, extra])

    def observe(self, group_slots: I64, action: NDArray[np.int8]) -> None:
        """Count one event per row: `action[i]` happened for an impression of `group_slots[i]`."""
        slots = np.asarray(group_slots, dtype=np.int64)
        acts = np.asarray(action, dtype=np.int64)
        if slots.shape != acts.shape or slots.ndim != 1:
            raise ValueError("one action per group slot")
        if slots.size and (slots.min() < 0 or slots.max() >= self.groups):
            raise ValueError(f"group slots lie in 0..{self.groups - 1}")
        if acts.size and (acts.min() < 0 or acts.max() >= len(Action)):
            raise ValueError("unknown action")
        self.version += 1
        width = len(Action)
        cells = np.bincount(slots * width + acts, minlength=self.groups * width)
        self._counts += cells.reshape(self.groups, width)
        pooled = self._parent[slots] >= 0
        keys = (self._parent[slots[pooled]] + 1) * width + acts[pooled]
        self._pool += np.bincount(keys, minlength=self._pool.size).reshape(self._pool.shape)
        events = np.bincount(acts, minlength=width).astype(np.float64)
        self._observed += np.where(self._tracking, events, 0.0)

    def record_served(self, action: Action, predicted: F64) -> None:
        """Add the predictions served (as `predict` returned them) for calibration.

        They are divided by the factor in force, so that the factor compares events with
        the uncalibrated model: record at serve time, before observing the outcomes.
        """
        a = _rated(action)
        self.version += 1
        self._served[a] += float(np.sum(predicted)) / self.factor(action)
        self._tracking[a] = True
        if self._served[a] > self.window:
            fade = self.window / self._served[a]
            self._served[a] *= fade
            self._observed[a] *= fade

    def raw(self, action: Action, group_slots: I64) -> F64:
        """The smoothed, pooled rate before calibration."""
        a = _rated(action)
        slots = np.asarray(group_slots, dtype=np.int64)
        k = self.priors.strength
        own_n, own_e = self._counts[slots, 0], self._counts[slots, a]
        parent = self._parent[slots]
        pooled = parent >= 0
        pool = self._pool[parent + 1]
        pool_n = np.where(pooled, pool[:, 0] - own_n, 0)
        pool_e = np.where(pooled, pool[:, a] - own_e, 0)
        prior = (pool_e + k * self._prior[a]) / (pool_n + k)
        rate: F64 = np.minimum((own_e + k * prior) / (own_n + k), 1.0)
        return rate

    def predict(self, action: Action, group_slots: I64) -> F64:
        """Calibrated P(action) per impression for each group slot."""
        return np.minimum(self.raw(action, group_slots) * self.factor(action), 1.0)

    def factor(self, action: Action) -> float:
        """Observed over predicted events for `action` (1 until any are recorded)."""
        a = _rated(action)
        if not self._tracking[a]:
            return 1.0
        ratio = (self._observed[a] + self.strength) / (self._served[a] + self.strength)
        return float(np.clip(ratio, *CALIBRATION_BOUNDS))

    def calibration(self) -> dict[str, float]:
        """The calibration factor per action, by name, for reports."""
        return {a.name.lower(): self.factor(a) for a in RATED}


def _rated(action: Action) -> int:
    if action not in RATED:
        raise ValueError(f"no rate is predicted for {Action(action).name}")
    return int(action)
