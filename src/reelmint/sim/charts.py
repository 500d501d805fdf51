"""Charts for the simulation report, each returned as an `<svg>` element ready to inline.

The report must open offline and diff cleanly between runs, so every chart is:

- self-contained: text stays text (`svg.fonttype = "none"`), no fonts or scripts are
  linked, and dense point clouds are drawn as one embedded PNG inside the SVG;
- deterministic: element ids are hashed with a fixed salt (distinct per chart title, so
  two charts inlined in one page do not share ids) and no creation date is written.
  The same inputs give byte-identical SVG.

We draw on a bare `Figure` rather than through `pyplot`: pyplot keeps a global registry
of open figures (which then must be closed) and picks a GUI backend on first use. A bare
figure is rendered by the SVG and Agg renderers alone, works headless and is freed when
it goes out of scope.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

_SIZE = (7.2, 3.6)
_COLOURS = ("#2f6db5", "#d9822b", "#3a9a5b", "#b5452f", "#7a5cb5", "#5c8a8a")
# Typed Any: the stubs spell rc keys as a Literal union that a plain dict cannot meet.
_STYLE: Any = {
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "svg.fonttype": "none",
}
# No date, and no Dublin Core URLs, so the page holds no links and no run-time values.
_METADATA: dict[str, str | None] = {"Date": None, "Creator": None, "Format": None, "Type": None}
_THOUSANDS = FuncFormatter(lambda value, _pos: f"{value:,.0f}")


def line_chart(
    title: str, labels: Sequence[str], series: Mapping[str, Sequence[float]], *, ylabel: str = ""
) -> str:
    """One line per series over the same x labels (days, say), with a legend.

    At most eight x labels are printed, evenly spaced, so a 90-day run stays legible.
    """
    with _chart(title) as (fig, ax):
        positions = np.arange(len(labels))
        for colour, (name, values) in zip(_cycle(len(series)), series.items(), strict=True):
            ax.plot(positions, np.asarray(values, dtype=float), label=name, color=colour, lw=1.6)
        if labels:
            step = max(1, int(np.ceil(len(labels) / 8)))
            ax.set_xticks(positions[::step], [labels[i] for i in positions[::step]])
        ax.tick_params(axis="x", labelrotation=30)
        ax.yaxis.set_major_formatter(_THOUSANDS)
        ax.set_ylabel(ylabel)
        if series:
            ax.legend(frameon=False, ncols=min(4, len(series)))
        return _svg(fig, title)


def loglog_histogram(
    title: str, edges: Sequence[float], counts: Sequence[int], *, xlabel: str
) -> str:
    """Bars over log-spaced bins, both axes logarithmic: a heavy tail shows as a slope.

    Bins that cannot sit on a log axis (an empty bin, or one whose left edge is 0 or less)
    are left out rather than clipped, so nothing drawn is misleading.
    """
    left, right = np.asarray(edges[:-1], dtype=float), np.asarray(edges[1:], dtype=float)
    heights = np.asarray(counts, dtype=float)
    keep = (heights > 0) & (left > 0)
    with _chart(title) as (fig, ax):
        if keep.any():
            widths = right[keep] - left[keep]
            ax.bar(
                left[keep],
                heights[keep],
                widths,
                align="edge",
                color=_COLOURS[0],
                ec="white",
                lw=0.5,
            )
            ax.set_xscale("log")
            ax.set_yscale("log")
        else:
            _say_empty(ax)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("count")
        return _svg(fig, title)


def bar_chart(title: str, labels: Sequence[str], values: Sequence[float], *, xlabel: str) -> str:
    """Horizontal bars, first label at the top, so long names stay readable."""
    height = max(2.0, 0.9 + 0.28 * len(labels))
    with _chart(title, size=(_SIZE[0], height)) as (fig, ax):
        if labels:
            ax.barh(np.arange(len(labels)), np.asarray(values, dtype=float), color=_COLOURS[0])
            ax.set_yticks(np.arange(len(labels)), list(labels))
            ax.invert_yaxis()
        else:
            _say_empty(ax)
        ax.grid(axis="y", visible=False)
        ax.xaxis.set_major_formatter(_THOUSANDS)
        ax.set_xlabel(xlabel)
        return _svg(fig, title)


def scatter(
    title: str,
    x: Sequence[float] | np.ndarray,
    y: Sequence[float] | np.ndarray,
    *,
    xlabel: str,
    ylabel: str,
    log_y: bool = True,
) -> str:
    """Points on a log x axis and, unless `log_y` is off, a log y axis.

    Points that cannot be placed (x at 0 or below, y not finite, or y at 0 or below on a
    log axis) are left out; pass `count + 1` to keep zeros. With a linear y axis a line
    marks y = 0, the "no change" level. The points are rasterised into one embedded PNG:
    5,000 vector markers would cost ~0.5 MB, the PNG a few dozen kB, while the axes and
    text stay vector.
    """
    xs, ys = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    keep = (xs > 0) & np.isfinite(ys) & ((ys > 0) | (not log_y))
    xs, ys = xs[keep], ys[keep]
    with _chart(title, size=(4.6, 3.8)) as (fig, ax):
        if xs.size:
            ax.scatter(xs, ys, s=6, alpha=0.35, color=_COLOURS[0], lw=0, rasterized=True)
            ax.set_xscale("log")
            if log_y:
                ax.set_yscale("log")
            else:
                ax.axhline(0.0, color=_COLOURS[3], lw=1, ls="--")
        else:
            _say_empty(ax)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        return _svg(fig, title)


def grouped_bars(title: str, labels: Sequence[str], series: Mapping[str, Sequence[float]],
                 *, xlabel: str) -> str:  # fmt: skip
    """Horizontal bars, one group per label (first at the top), one bar per series."""
    height = max(2.0, 1.2 + 0.22 * len(labels) * max(1, len(series)) ** 0.5)
    with _chart(title, size=(_SIZE[0], height)) as (fig, ax):
        if labels and series:
            width = 0.8 / len(series)
            base = np.arange(len(labels))
            for i, (colour, (name, values)) in enumerate(
                zip(_cycle(len(series)), series.items(), strict=True)
            ):
                ax.barh(base + i * width, np.asarray(values, dtype=float), width, label=name,
                        color=colour)  # fmt: skip
            ax.set_yticks(base + 0.4 - width / 2, list(labels))
            ax.invert_yaxis()
            ax.legend(frameon=False, ncols=min(4, len(series)))
        else:
            _say_empty(ax)
        ax.grid(axis="y", visible=False)
        ax.set_xlabel(xlabel)
        return _svg(fig, title)


def xy_lines(title: str, x: Sequence[float], series: Mapping[str, Sequence[float]], *,
             xlabel: str, ylabel: str) -> str:  # fmt: skip
    """Lines with markers over a numeric, logarithmic x axis (x at 0 or below left out)."""
    xs = np.asarray(x, dtype=float)
    keep = xs > 0
    with _chart(title) as (fig, ax):
        if keep.any():
            for colour, (name, values) in zip(_cycle(len(series)), series.items(), strict=True):
                ax.plot(xs[keep], np.asarray(values, dtype=float)[keep], marker="o", lw=1.6,
                        label=name, color=colour)  # fmt: skip
            ax.set_xscale("log")
            ax.xaxis.set_major_formatter(_THOUSANDS)
            ax.legend(frameon=False)
        else:
            _say_empty(ax)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        return _svg(fig, title)


@contextmanager
def _chart(title: str, size: tuple[float, float] = _SIZE) -> Iterator[tuple[Figure, Axes]]:
    """A styled figure with one titled axes; the style applies to drawing and saving."""
    with matplotlib.rc_context(_STYLE):
        fig = Figure(figsize=size, dpi=100, layout="constrained")
        ax = fig.add_subplot()
        ax.set_title(title)
        yield fig, ax


def _svg(fig: Figure, salt: str) -> str:
    """The figure as an `<svg>` element (the XML prolog and DOCTYPE cut off for inlining)."""
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": f"reelmint-report:{salt}"}):
        fig.savefig(buffer, format="svg", metadata=_METADATA)
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def _say_empty(ax: Axes) -> None:
    ax.text(0.5, 0.5, "nothing to show", ha="center", va="center", transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])


def _cycle(n: int) -> list[str]:
    return [_COLOURS[i % len(_COLOURS)] for i in range(n)]
