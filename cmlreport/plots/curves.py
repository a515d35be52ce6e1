"""Training curves: one subplot per logged metric against the step, this run over the base run."""

# Drawn with matplotlib through ``render.render``, which imports it only when a plot is drawn.

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from cmlreport.errors import InputError
from cmlreport.plots.mermaid import line_chart
from cmlreport.plots.plotdata import LogTable, default_x
from cmlreport.plots.render import BASE_COLOR, HEAD_COLOR, no_data, render

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


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
                no_data(ax)
            ax.set_title(y)
            ax.set_xlabel(x_name or "row")
            ax.set_ylabel(y)
            if ax.get_legend_handles_labels()[0]:
                ax.legend()
        for ax in axes[len(ys) :]:
            ax.set_visible(False)
        if title:
            fig.suptitle(title, fontweight="bold")

    return render(draw, figsize, fmt)


def _curve(
    ax: Axes, log: LogTable, x: str | None, y: str, *, label: str, color: str, linestyle: str
) -> bool:
    ys = log.column(y)
    xs: Sequence[float | None] = log.column(x) if x is not None else range(len(ys))
    # Sparse columns (validation logged every N steps) would otherwise be all gaps.
    points = [
        (a, b)
        for a, b in zip(xs, ys, strict=True)
        if a is not None and b is not None and math.isfinite(a) and math.isfinite(b)
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


def mermaid_curve(
    head: LogTable, base: LogTable | None, x: str | None, y: str, title: str | None
) -> str:
    """Column ``y`` as a mermaid line chart: both runs on the x values either of them logged."""
    runs = {"head": head}
    if base is not None and y in base.columns and (x is None or x in base.columns):
        runs["base"] = base
    by_run: dict[str, dict[float, float | None]] = {}
    for name, log in runs.items():
        xs = log.column(x) if x is not None else range(len(log.rows))
        by_run[name] = {
            float(xv): yv
            for xv, yv in zip(xs, log.column(y), strict=True)
            if xv is not None and math.isfinite(xv)
        }
    steps = sorted({step for values in by_run.values() for step in values})
    series = {name: [values.get(step) for step in steps] for name, values in by_run.items()}
    chart_title = f"{title}: {y}" if title else y
    try:
        return line_chart(chart_title, steps, series, x_label=x or "row", y_label=y)
    except ValueError:
        raise InputError(f"{head.source}: column {y} has no numbers to chart") from None
