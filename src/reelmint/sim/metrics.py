"""Distribution figures for the summary: Gini, quantiles, log-binned histograms, Spearman."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike


def gini(values: ArrayLike) -> float:
    """0 when everyone has the same, towards 1 when one has everything.
    Worked example: [0, 0, 0, 10] gives 0.75."""
    x = np.sort(np.asarray(values, np.float64))
    n, total = len(x), x.sum()
    if n == 0 or total == 0:
        return 0.0
    ranks = np.arange(1, n + 1)
    return float((2 * (ranks * x).sum() / (n * total)) - (n + 1) / n)


def distribution(values: ArrayLike, bins: int = 24) -> dict[str, Any]:
    """Gini, quantiles and a histogram over log-spaced bins (zeros counted apart, since a
    log axis has no room for them)."""
    x = np.asarray(values, np.int64)
    if not len(x):
        return {"gini": 0.0, "quantiles": {}, "zeros": 0,
                "histogram": {"edges": [], "counts": []}}  # fmt: skip
    top = int(x.max())
    edges = np.unique(np.round(np.logspace(0, np.log10(max(top, 1) + 1), bins + 1)))
    counts, _ = np.histogram(x[x > 0], bins=edges)
    q = np.percentile(x, [50, 90, 99])
    return {
        "gini": round(gini(x), 4),
        "quantiles": {"p50": int(q[0]), "p90": int(q[1]), "p99": int(q[2]), "max": top},
        "zeros": int((x == 0).sum()),
        "histogram": {"edges": [float(e) for e in edges], "counts": counts.tolist()},
    }


def spearman(a: ArrayLike, b: ArrayLike) -> float | None:
    """Rank correlation (ties share their mean rank); None when either side is constant,
    where it has no meaning."""
    ra, rb = _ranks(np.asarray(a, np.float64)), _ranks(np.asarray(b, np.float64))
    if len(ra) < 2 or ra.std() == 0 or rb.std() == 0:
        return None
    return round(float(np.corrcoef(ra, rb)[0, 1]), 4)


def _ranks(x: np.ndarray) -> np.ndarray:
    order = np.argsort(x, kind="stable")
    ranks = np.empty(len(x))
    ranks[order] = np.arange(len(x), dtype=np.float64)
    # Average the ranks within each run of equal values.
    values, first, counts = np.unique(x[order], return_index=True, return_counts=True)
    mean = first + (counts - 1) / 2
    return mean[np.searchsorted(values, x)]
