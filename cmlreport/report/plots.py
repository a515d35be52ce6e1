"""Plots as PNG or SVG bytes, drawn with matplotlib, which is imported only to draw one.

Same input, same bytes: fixed sizes and dpi, no date or software version in the file's
metadata, and a fixed salt for the ids that SVG output derives from hashes. Figures are built
with ``matplotlib.figure.Figure`` directly, so no pyplot state is created or left behind.
"""

from __future__ import annotations

import io
import math
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from cmlreport.errors import InputError
from cmlreport.report.plotdata import ConfusionMatrix, LogTable, default_x

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

FORMATS = ("png", "svg")
DPI = 100
# Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
HEAD_COLOR = "#0072B2"
OTHER_COLOR = "#E69F00"
BASE_COLOR = "#6e6e6e"
MARK_COLOR = "#D55E00"
# Past this many labels a confusion matrix cell is a few pixels: no numbers in the cells.
ANNOTATE_MAX_LABELS = 30
TICK_LABELS_MAX = 40
LABEL_CHARS = 24

# Typed loosely: matplotlib types the keys as a Literal of every rcParam name.
_STYLE: dict[Any, Any] = {
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "axes.edgecolor": "#444444",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.color": "#e0e0e0",
    "grid.linewidth": 0.8,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.labelsize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 9,
    "legend.frameon": False,
    "font.family": "DejaVu Sans",  # ships with matplotlib: the same glyphs on every machine
    "svg.hashsalt": "cmlreport",
}
# None removes the entry: the version and the date would make every file differ.
_METADATA: dict[str, dict[str, str | None]] = {
    "png": {"Software": None},
    "svg": {"Date": None, "Creator": None},
}


def training_curves(
    head: LogTable,
    ys: Sequence[str],
    x: str | None = None,
    base: LogTable | None = None,
    title: str | None = None,
    fmt: str = "png",
) -> bytes:
    """One subplot per y column against x; the base run dashed, this run solid."""
    ys = list(ys)
    if not ys:
        raise InputError("no column to plot; pass --y with a numeric column of the log")
    for name in [*ys, *([x] if x is not None else [])]:
        head.column(name)  # raises InputError naming the column and the ones there are
    x_name = x if x is not None else default_x(head)
    ncols = 1 if len(ys) == 1 else 2
    nrows = math.ceil(len(ys) / ncols)
    figsize = (7.0, 4.0) if len(ys) == 1 else (11.0, 3.2 * nrows + 0.5)

    def draw(fig: Figure) -> None:
        axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
        for ax, y in zip(axes, ys, strict=False):
            if (
                base is not None
                and y in base.columns
                and (x_name is None or x_name in base.columns)
            ):
                _curve(ax, base, x_name, y, label="base", color=BASE_COLOR, linestyle="--")
            if not _curve(ax, head, x_name, y, label="head", color=HEAD_COLOR, linestyle="-"):
                _no_data(ax)
            ax.set_title(y)
            ax.set_xlabel(x_name or "row")
            ax.set_ylabel(y)
            if ax.get_legend_handles_labels()[0]:
                ax.legend()
        for ax in axes[len(ys) :]:
            ax.set_visible(False)
        if title:
            fig.suptitle(title, fontweight="bold")

    return _render(draw, figsize, fmt)


def confusion_matrix(cm: ConfusionMatrix, normalize: bool = False, fmt: str = "png") -> bytes:
    """Actual labels down, predicted across; normalized = each actual row sums to 1."""
    import numpy as np

    n = len(cm.labels)
    if n == 0:
        raise ValueError("confusion matrix without labels")
    counts = np.array(cm.counts, dtype=float).reshape(n, n)
    total = counts.sum()
    accuracy = float(np.trace(counts) / total) if total else float("nan")
    if normalize:
        sums = counts.sum(axis=1, keepdims=True)
        values = np.divide(counts, sums, out=np.zeros_like(counts), where=sums > 0)
    else:
        values = counts
    vmax = 1.0 if normalize else max(float(values.max()), 1.0)
    side = min(12.0, max(4.5, 2.0 + 0.4 * n))

    def draw(fig: Figure) -> None:
        ax = fig.subplots()
        image = ax.imshow(
            values,
            cmap="Blues",
            vmin=0.0,
            vmax=vmax,
            interpolation="nearest" if n <= 200 else "antialiased",
        )
        fig.colorbar(image, ax=ax, shrink=0.8, label="share of actual" if normalize else "count")
        ticks = _ticks(n)
        names = [_short(cm.labels[i]) for i in ticks]
        ax.set_xticks(ticks, names, rotation=45 if n > 4 else 0, ha="right" if n > 4 else "center")
        ax.set_yticks(ticks, names)
        ax.grid(False)
        ax.set_xlabel("predicted")
        ax.set_ylabel("actual")
        if n <= ANNOTATE_MAX_LABELS:
            for i in range(n):
                for j in range(n):
                    v = float(values[i, j])
                    ax.text(
                        j,
                        i,
                        f"{v:.2f}" if normalize else f"{int(v):,}",
                        ha="center",
                        va="center",
                        fontsize=8 if n > 10 else 9,
                        color="white" if v > 0.5 * vmax else "#222222",
                    )
        what = "normalized by actual, " if normalize else ""
        ax.set_title(f"Confusion matrix ({what}{n} labels, accuracy {accuracy:.3f})")

    return _render(draw, (side + 1.5, side), fmt)


def delta_histogram(
    deltas: Sequence[float], metric: str, threshold: float | None = None, fmt: str = "png"
) -> bytes:
    """How per-class changes of one metric spread around zero; NaN deltas are left out."""
    values = _finite(deltas)

    def draw(fig: Figure) -> None:
        ax = fig.subplots()
        if values:
            ax.hist(
                values,
                bins=_bins(values),
                color=HEAD_COLOR,
                edgecolor="white",
                linewidth=0.4,
                label=f"{len(values):,} classes",
            )
        else:
            _no_data(ax)
        ax.axvline(0.0, color="#222222", linewidth=1.0)
        if threshold is not None:
            t = abs(threshold)
            below = sum(v < -t for v in values)
            above = sum(v > t for v in values)
            label = f"±{t:g} ({below:,} below, {above:,} above)"
            ax.axvline(-t, color=MARK_COLOR, linestyle="--", linewidth=1.2, label=label)
            ax.axvline(t, color=MARK_COLOR, linestyle="--", linewidth=1.2)
        ax.set_title(f"Per-class change in {metric} (head − base)")
        ax.set_xlabel(f"Δ {metric}")
        ax.set_ylabel("classes")
        if ax.get_legend_handles_labels()[0]:
            ax.legend()

    return _render(draw, (7.0, 4.0), fmt)


def score_overlay(
    a: Sequence[float],
    b: Sequence[float],
    label_a: str,
    label_b: str,
    title: str | None = None,
    fmt: str = "png",
) -> bytes:
    """Two score distributions on the same bins, with their means: the drift check."""
    va, vb = _finite(a), _finite(b)

    def draw(fig: Figure) -> None:
        ax = fig.subplots()
        if not va and not vb:
            _no_data(ax)
        else:
            bins = _bins(va + vb)
            for values, label, color in ((va, label_a, HEAD_COLOR), (vb, label_b, OTHER_COLOR)):
                if not values:
                    continue
                mean = math.fsum(values) / len(values)
                # Densities, not counts: the two sets rarely have the same size.
                ax.hist(
                    values,
                    bins=bins,
                    density=True,
                    alpha=0.5,
                    color=color,
                    label=f"{label} (mean {mean:.3f})",
                )
                ax.axvline(mean, color=color, linestyle="--", linewidth=1.5)
        ax.set_title(title or f"{label_a} vs {label_b}")
        ax.set_xlabel("score")
        ax.set_ylabel("density")
        if ax.get_legend_handles_labels()[0]:
            ax.legend()

    return _render(draw, (7.0, 4.0), fmt)


def headline_bars(
    names: Sequence[str],
    base: Sequence[float | None],
    head: Sequence[float],
    fmt: str = "png",
) -> bytes:
    """Base and head side by side for each headline metric; a metric new in head has no base bar."""
    if not len(names) == len(base) == len(head):
        raise ValueError(f"{len(names)} names, {len(base)} base and {len(head)} head values")
    n = len(names)
    width = 0.38

    def draw(fig: Figure) -> None:
        ax = fig.subplots()
        for values, offset, label, color in (
            (base, -width / 2, "base", BASE_COLOR),
            (head, width / 2, "head", HEAD_COLOR),
        ):
            shown = [(i, float(v)) for i, v in enumerate(values) if v is not None and _ok(v)]
            bars = ax.bar(
                [i + offset for i, _ in shown],
                [v for _, v in shown],
                width,
                label=label,
                color=color,
            )
            ax.bar_label(bars, fmt="%.3g", fontsize=8, padding=2)
        rotate = n > 4
        ax.set_xticks(
            list(range(n)),
            [_short(name) for name in names],
            rotation=30 if rotate else 0,
            ha="right" if rotate else "center",
        )
        ax.axhline(0.0, color="#222222", linewidth=0.8)
        ax.grid(False, axis="x")
        ax.set_title("Headline metrics: base vs head")
        ax.set_ylabel("value")
        ax.legend()

    return _render(draw, (min(14.0, max(6.0, 1.1 * n + 2.0)), 4.0), fmt)


# --- shared --------------------------------------------------------------------------------


def _render(draw: Callable[[Figure], None], figsize: tuple[float, float], fmt: str) -> bytes:
    if fmt not in FORMATS:
        raise InputError(f"unknown plot format {fmt!r}; use one of {', '.join(FORMATS)}")
    import matplotlib

    # CI machines have no display: never let matplotlib probe for a GUI backend, unless the
    # host program already chose one through pyplot.
    if "matplotlib.pyplot" not in sys.modules:
        matplotlib.use("Agg")
    from matplotlib.figure import Figure

    buffer = io.BytesIO()
    with matplotlib.rc_context(_STYLE):
        fig = Figure(figsize=figsize, dpi=DPI, layout="constrained")
        draw(fig)
        fig.savefig(buffer, format=fmt, dpi=DPI, metadata=_METADATA[fmt])
    return buffer.getvalue()


def _curve(
    ax: Axes, log: LogTable, x: str | None, y: str, *, label: str, color: str, linestyle: str
) -> bool:
    ys = log.column(y)
    xs: Sequence[float | None] = log.column(x) if x is not None else range(len(ys))
    # Sparse columns (validation logged every N steps) would otherwise be all gaps.
    points = [
        (a, b)
        for a, b in zip(xs, ys, strict=True)
        if a is not None and b is not None and _ok(a) and _ok(b)
    ]
    if not points:
        return False
    ax.plot(
        [p[0] for p in points],
        [p[1] for p in points],
        label=label,
        color=color,
        linestyle=linestyle,
        linewidth=1.6,
        marker="o" if len(points) <= 30 else None,
        markersize=3.5,
    )
    return True


def _no_data(ax: Axes) -> None:
    ax.text(0.5, 0.5, "no values", transform=ax.transAxes, ha="center", va="center")


def _bins(values: Sequence[float]) -> Any:
    import numpy as np

    edges = np.histogram_bin_edges(values, bins="auto")
    return edges if len(edges) <= 61 else np.linspace(min(values), max(values), 61)


def _ticks(n: int) -> list[int]:
    step = max(1, math.ceil(n / TICK_LABELS_MAX))
    return list(range(0, n, step))


def _short(label: str) -> str:
    label = " ".join(str(label).split())
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def _ok(value: float) -> bool:
    return math.isfinite(value)


def _finite(values: Sequence[float]) -> list[float]:
    return [float(v) for v in values if v is not None and math.isfinite(v)]
