"""Training curves: a panel per logged metric against the step, each log and its base overlaid."""

# Drawn with matplotlib through ``render.render``, which imports it only when a plot is drawn.
# Several logs (dvclive writes train/loss.tsv and eval/loss.tsv) share a panel per metric name;
# each line is named after its file, so the legend tells them apart.

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cmlreport.errors import InputError
from cmlreport.plots.mermaid import line_chart
from cmlreport.plots.plotdata import LogTable, default_x
from cmlreport.plots.render import BASE_COLOR, HEAD_COLOR, no_data, render

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

# Okabe-Ito, after the head colour: one per log when several are overlaid.
RUN_COLORS = (HEAD_COLOR, "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000")


@dataclass(frozen=True)
class Run:
    """One log to draw: the name its lines carry, this run's table, the base run's, its x column.

    With a single run and no name, the lines are called "head" and "base".
    """

    name: str
    log: LogTable
    base: LogTable | None = None
    x: str | None = None

    @property
    def x_column(self) -> str | None:
        return self.x if self.x is not None else default_x(self.log)


@dataclass(frozen=True)
class Line:
    """One drawn line: ``y`` of ``log`` against ``x`` (the row number when None)."""

    label: str
    log: LogTable
    x: str | None
    y: str
    color: str
    base: bool = False


def panel_key(column: str, runs: Sequence[Run]) -> str:
    """The panel a column is drawn in: its own name, or its last part when logs are overlaid.

    dvclive names a metric after its file (``train/loss``, ``eval/loss``): both are "loss".
    """
    return column if len(runs) == 1 else column.rsplit("/", 1)[-1]


def panel_lines(runs: Sequence[Run], panel: str) -> list[Line]:
    """Every line of one panel: each run's matching columns, each followed by its base run's."""
    lines: list[Line] = []
    for i, run in enumerate(runs):
        x = run.x_column
        color = RUN_COLORS[i % len(RUN_COLORS)]
        for y in (c for c in run.log.columns if c != x and panel_key(c, runs) == panel):
            name = run.name if y == panel else f"{run.name}: {y}"
            lines.append(Line(name or "head", run.log, x, y, color))
            base = run.base
            if base is not None and y in base.columns and (x is None or x in base.columns):
                label = f"{name} (base)" if run.name else "base"
                lines.append(Line(label, base, x, y, BASE_COLOR if not run.name else color, True))
    return lines


def check_columns(runs: Sequence[Run], panels: Sequence[str]) -> None:
    """Every panel drawn by some log and every --x in every log, or one line naming what is not."""
    for run in runs:
        if run.x is not None:
            run.log.column(run.x)  # raises InputError naming the file and its columns
    for panel in panels:
        if not panel_lines(runs, panel):
            if len(runs) == 1:
                runs[0].log.column(panel)
            names = ", ".join(r.log.source for r in runs)
            raise InputError(f"no column {panel!r} in any of {names}; pass another --y")


def overlaid_curves(
    runs: Sequence[Run], panels: Sequence[str], title: str | None = None, fmt: str = "png"
) -> bytes:
    """One subplot per panel: each run's line solid, its base run's dashed."""
    panels = list(panels)
    if not panels:
        raise InputError("no column to plot; pass --y with a numeric column of the log")
    check_columns(runs, panels)
    ncols = 1 if len(panels) == 1 else 2
    nrows = math.ceil(len(panels) / ncols)
    figsize = (7.0, 4.0) if len(panels) == 1 else (11.0, 3.2 * nrows + 0.5)
    x_names = list(dict.fromkeys(r.x_column or "row" for r in runs))

    def draw(fig: Figure) -> None:
        axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
        for ax, panel in zip(axes, panels, strict=False):
            drawn = [_curve(ax, line) for line in panel_lines(runs, panel)]
            if not any(drawn):
                no_data(ax)
            ax.set_title(panel)
            ax.set_xlabel(" / ".join(x_names))
            ax.set_ylabel(panel)
            if ax.get_legend_handles_labels()[0]:
                ax.legend()
        for ax in axes[len(panels) :]:
            ax.set_visible(False)
        if title:
            fig.suptitle(title, fontweight="bold")

    return render(draw, figsize, fmt)


def training_curves(
    head: LogTable,
    ys: Sequence[str],
    x: str | None = None,
    base: LogTable | None = None,
    title: str | None = None,
    fmt: str = "png",
) -> bytes:
    """One subplot per y column against x; the base run dashed, this run solid."""
    return overlaid_curves([Run("", head, base, x)], ys, title=title, fmt=fmt)


def _curve(ax: Axes, line: Line) -> bool:
    points = _points(line)
    if not points:
        return False
    ax.plot(
        [p[0] for p in points],
        [p[1] for p in points],
        label=line.label,
        color=line.color,
        linestyle="--" if line.base else "-",
        linewidth=1.6,
        marker="o" if len(points) <= 30 else None,
        markersize=3.5,
        zorder=1.9 if line.base else 2.0,  # this run over the base where they cross
    )
    return True


def _points(line: Line) -> list[tuple[float, float]]:
    """The logged (x, y) pairs of a line; rows where the column is empty are left out."""
    ys = line.log.column(line.y)
    xs: Sequence[float | None] = line.log.column(line.x) if line.x is not None else range(len(ys))
    return [
        (a, b)
        for a, b in zip(xs, ys, strict=True)
        if a is not None and b is not None and math.isfinite(a) and math.isfinite(b)
    ]


def mermaid_curves(runs: Sequence[Run], panel: str, title: str | None) -> str:
    """One panel as mermaid line charts of the logged points (``line_chart`` splits by steps)."""
    lines = panel_lines(runs, panel)
    by_label = {line.label: dict(_points(line)) for line in lines}
    steps = sorted({step for values in by_label.values() for step in values})
    series = {label: [values.get(s) for s in steps] for label, values in by_label.items()}
    x_label = " / ".join(dict.fromkeys(line.x or "row" for line in lines)) or "row"
    chart_title = f"{title}: {panel}" if title else panel
    try:
        return line_chart(chart_title, steps, series, x_label=x_label, y_label=panel)
    except ValueError:
        names = ", ".join(r.log.source for r in runs)
        raise InputError(f"{names}: column {panel} has no numbers to chart") from None
