"""The training curves of the logs a report read: this run solid, the base run dashed."""

# A log's metric is one value (its last, say); the curves show how training got there. PNG
# files next to the report (matplotlib, imported only when drawing) or mermaid line charts.

from __future__ import annotations

import math
from pathlib import Path

from cmlreport.metrics.logs import number_of, step_column
from cmlreport.metrics.model import MetricSet, TrainingLog
from cmlreport.output import write_text
from cmlreport.plots.plotdata import LogTable
from cmlreport.report.charts import Chart, Image, relative_link

MAX_LOGS = 4  # logs drawn per report
MAX_PANELS = 8  # columns per PNG figure
MAX_MERMAID = 3  # mermaid charts per log: each is a block of its own


def as_table(log: TrainingLog) -> LogTable:
    """The log's numeric columns by step, ``None`` where a column was not logged."""
    numeric = {c: _numbers(log, c) for c in log.columns if c != log.step}
    columns = [c for c, points in numeric.items() if points is not None]
    by_step: dict[float, dict[str, float]] = {}
    for column in columns:
        for step, value in numeric[column] or ():
            by_step.setdefault(step, {})[column] = value
    rows = tuple((step, *(by_step[step].get(c) for c in columns)) for step in sorted(by_step))
    return LogTable((log.step, *columns), rows, source=log.name)


def draw_log_curves(
    head: MetricSet, base: MetricSet | None, kind: str, report_path: Path
) -> tuple[list[Image], list[Chart], list[Path]]:
    """PNG curves as images (``kind`` png), or mermaid charts; and the files written."""
    logs = list(head.logs.values())[:MAX_LOGS]
    if kind == "none" or not logs:
        return [], [], []
    from cmlreport.plots import curves

    images: list[Image] = []
    charts: list[Chart] = []
    files: list[Path] = []
    plot_dir = report_path.parent / f"{report_path.stem}-plots"
    for number, log in enumerate(logs, start=1):
        table = as_table(log)
        ys = [c for c in table.columns[1:] if step_column([c]) is None]  # epoch is no curve
        if not ys:
            continue
        base_log = base.logs.get(log.name) if base is not None else None
        base_table = as_table(base_log) if base_log is not None else None
        blocks = [
            curves.mermaid_curves([curves.Run("", table, base_table, log.step)], y, log.name)
            for y in ys[: MAX_MERMAID if kind == "mermaid" else 1]
        ]
        if kind == "mermaid":
            charts += [Chart(log.name, mermaid=block) for block in blocks]
            continue
        plot_dir.mkdir(parents=True, exist_ok=True)
        path = plot_dir / f"curves-{number}.png"
        figure = curves.training_curves(table, ys[:MAX_PANELS], log.step, base_table, log.name)
        path.write_bytes(figure)
        # X.mmd next to X.png: `send-comment --images mermaid` shows it instead of the picture.
        write_text(path.with_suffix(".mmd"), blocks[0].rstrip() + "\n")
        files += [path, path.with_suffix(".mmd")]
        link = relative_link(path, report_path.parent)
        images.append(Image(f"Training curves: {log.name}", link))
    return images, charts, files


def _numbers(log: TrainingLog, column: str) -> list[tuple[float, float]] | None:
    """The column's points when every value is a number and one at least is finite."""
    points = [(step, number_of(value)) for step, value in log.columns[column]]
    numbers = [(step, n) for step, n in points if n is not None]
    if len(numbers) < len(points) or not any(math.isfinite(n) for _, n in numbers):
        return None
    return numbers
