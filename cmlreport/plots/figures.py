"""Plots as PNG or SVG bytes: confusion matrices, score distributions and headline changes."""

# Training curves live in ``curves`` and are re-exported here, so this module is the one place
# callers draw any plot from. Palette, style and deterministic output are ``render``'s; matplotlib
# is imported only to draw a plot, never on import.

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from cmlreport.plots.curves import overlaid_curves as overlaid_curves
from cmlreport.plots.curves import training_curves as training_curves
from cmlreport.plots.plotdata import ConfusionMatrix
from cmlreport.plots.render import BASE_COLOR as BASE_COLOR
from cmlreport.plots.render import DPI as DPI
from cmlreport.plots.render import FORMATS as FORMATS
from cmlreport.plots.render import HEAD_COLOR as HEAD_COLOR
from cmlreport.plots.render import MARK_COLOR as MARK_COLOR
from cmlreport.plots.render import OTHER_COLOR as OTHER_COLOR
from cmlreport.plots.render import no_data, render

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# Past this many labels a confusion matrix cell is a few pixels: no numbers in the cells.
ANNOTATE_MAX_LABELS = 30
TICK_LABELS_MAX = 40
LABEL_CHARS = 24


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
        # Four decimals, as the report's tables print predictions.accuracy from the same counts.
        ax.set_title(f"Confusion matrix ({what}{n} labels, accuracy {accuracy:.4f})")

    return render(draw, (side + 1.5, side), fmt)


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
            no_data(ax)
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

    return render(draw, (7.0, 4.0), fmt)


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
            no_data(ax)
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

    return render(draw, (7.0, 4.0), fmt)


GOOD_COLOR = "#009E73"  # Okabe-Ito bluish green


def headline_changes(
    names: Sequence[str],
    percents: Sequence[float],
    good: Sequence[bool | None],
    fmt: str = "png",
) -> bytes:
    """Relative change of each headline metric against base, one horizontal bar each.

    Metrics live on different scales (accuracy 0.9, training time 845 s), so bars of raw values
    hide the story; percentages on one axis, coloured by whether the move is good, tell it.
    """
    if not len(names) == len(percents) == len(good):
        raise ValueError(f"{len(names)} names, {len(percents)} changes and {len(good)} verdicts")
    n = len(names)
    colors = [GOOD_COLOR if g else MARK_COLOR if g is False else BASE_COLOR for g in good]

    def draw(fig: Figure) -> None:
        ax = fig.subplots()
        if not n:
            no_data(ax)
            return
        rows = list(range(n))[::-1]  # first metric on top
        bars = ax.barh(rows, list(percents), color=colors, height=0.6)
        ax.bar_label(bars, labels=[f"{p:+.1f}%" for p in percents], fontsize=8, padding=3)
        ax.set_yticks(rows, [_short(name) for name in names])
        ax.axvline(0.0, color="#222222", linewidth=0.8)
        ax.grid(False, axis="y")
        span = max((abs(p) for p in percents), default=1.0) or 1.0
        ax.set_xlim(-span * 1.3, span * 1.3)
        ax.set_xlabel("change vs base (%)")
        ax.set_title("Headline metrics: change vs base (green = better, red = worse)")

    return render(draw, (8.0, max(2.2, 0.38 * n + 1.2)), fmt)


# --- shared --------------------------------------------------------------------------------


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


def _finite(values: Sequence[float]) -> list[float]:
    return [float(v) for v in values if v is not None and math.isfinite(v)]
