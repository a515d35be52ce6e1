"""Calibration and confusion pictures: the reliability diagram, the confusion-delta heatmap."""

# Pure: numbers in, PNG bytes out; matplotlib only inside ``render``'s drawing.

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from cmlreport.plots.render import BASE_COLOR, HEAD_COLOR, no_data, render

if TYPE_CHECKING:
    from matplotlib.figure import Figure

LABEL_CHARS = 24


def reliability_diagram(
    bins: int,
    runs: Sequence[tuple[str, Sequence[float], Sequence[float]]],
    fmt: str = "png",
) -> bytes:
    """Accuracy against mean confidence per bin, one line per run (name, confidence, accuracy;
    NaN for an empty bin), over the diagonal a calibrated model follows."""

    def draw(fig: Figure) -> None:
        ax = fig.subplots()
        ax.plot([0, 1], [0, 1], color="#999999", linestyle=":", linewidth=1, label="calibrated")
        drawn = False
        for (name, conf, acc), color in zip(runs, (BASE_COLOR, HEAD_COLOR), strict=False):
            points = [(c, a) for c, a in zip(conf, acc, strict=True) if math.isfinite(c + a)]
            if points:
                xs, ys = zip(*points, strict=True)
                ax.plot(xs, ys, marker="o", color=color, label=name)
                drawn = True
        if not drawn:
            no_data(ax)
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_xlabel(f"mean top-1 confidence ({bins} equal-width bins)")
        ax.set_ylabel("accuracy")
        ax.set_title("Reliability diagram: base vs head")
        ax.legend(loc="upper left")

    return render(draw, (5.5, 5.0), fmt)


def confusion_delta_heatmap(
    labels: Sequence[str], delta: Sequence[Sequence[float]], fmt: str = "png"
) -> bytes:
    """Head minus base counts of (true, predicted) on the classes shown: red grew, blue shrank."""
    n = len(labels)
    names = [_short(label) for label in labels]

    def draw(fig: Figure) -> None:
        ax = fig.subplots()
        if not n:
            no_data(ax)
            return
        span = max((abs(v) for row in delta for v in row), default=1.0) or 1.0
        image = ax.imshow(delta, cmap="RdBu_r", vmin=-span, vmax=span, interpolation="nearest")
        fig.colorbar(image, ax=ax, shrink=0.8, label="head − base (examples)")
        ax.set_xticks(
            range(n), names, rotation=45 if n > 4 else 0, ha="right" if n > 4 else "center"
        )
        ax.set_yticks(range(n), names)
        ax.grid(False)
        ax.set_xlabel("predicted")
        ax.set_ylabel("actual")
        ax.set_title("Confusion matrix: head minus base")

    side = min(12.0, max(4.5, 2.5 + 0.4 * n))
    return render(draw, (side + 1.0, side), fmt)


def _short(label: str) -> str:
    label = " ".join(str(label).split())
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"
