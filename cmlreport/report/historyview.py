"""The history section (a sparkline per headline metric, where head falls) and its JSON.

Markdown and JSON from values; the only I/O is writing the PNG charts ``--charts png`` asks for.
Refs and metric names are escaped; commit messages are never read.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cmlreport.metrics.diff import MetricDiff
from cmlreport.metrics.direction import Direction
from cmlreport.metrics.history import MIN_POINTS, MetricHistory
from cmlreport.report.budget import Section
from cmlreport.report.charts import Chart, Image, chart_markdown, relative_link
from cmlreport.report.columns import column
from cmlreport.report.diffview import json_number
from cmlreport.report.escape import md_code, md_text
from cmlreport.report.format import plural, short_sha

if TYPE_CHECKING:
    from cmlreport.report.build import ReportOptions
    from cmlreport.report.history import History

SPARKS = "▁▂▃▄▅▆▇█"
MAX_SPARK = 40  # characters: longer histories are averaged into this many buckets
CHARTED = 3  # headline metrics drawn as a chart
FAR = 2.0  # |z| past this is named in the section's verdict


def sparkline(values: Sequence[float], lo: float, hi: float) -> str:
    """``values`` as block characters scaled to [lo, hi], at most ``MAX_SPARK`` of them."""
    if len(values) > MAX_SPARK:
        step = len(values) / MAX_SPARK
        cuts = [round(i * step) for i in range(MAX_SPARK + 1)]
        values = [sum(values[a:b]) / (b - a) for a, b in itertools.pairwise(cuts)]
    span = hi - lo
    top = len(SPARKS) - 1
    return "".join(
        SPARKS[min(top, max(0, round((v - lo) / span * top)))] if span > 0 else SPARKS[top // 2]
        for v in values
    )


def worse_sigmas(h: MetricHistory, direction: Direction) -> float | None:
    """How many deviations head is on the worse side of the mean (negative: better)."""
    z = h.z
    if z is None or direction is Direction.COUNTER:
        return None
    return -z if direction is Direction.HIGHER else z


def _row(h: MetricHistory, precision: int) -> str:
    numbers = [*h.values, h.head] if h.head is not None else list(h.values)
    lo, hi = min(numbers), max(numbers)
    cells = column([h.mean, h.low, h.high, h.head, *h.values], precision)
    spark = sparkline(h.values, lo, hi)
    head = sparkline([h.head], lo, hi) if h.head is not None else ""
    z = f"{h.z:+.2f}" if h.z is not None else "—"
    std = cells.value(h.std) if h.std is not None else "—"
    return (
        f"| {md_text(h.key)} | `{spark}` → `{head}` | {len(h.values)} | {cells.value(h.mean)} "
        f"| {std} | {cells.value(h.low)} | {cells.value(h.high)} | {cells.value(h.head)} | {z} |"
    )


def _verdict(rows: Sequence[tuple[MetricHistory, Direction]]) -> str:
    far = [(h, s) for h, d in rows if (s := worse_sigmas(h, d)) is not None and abs(s) > FAR]
    if not far:
        return f"Head is within {FAR:g}σ of the history's mean for every metric shown."
    return (
        "; ".join(
            f"**{md_text(h.key)}** is {abs(s):.1f}σ {'worse' if s > 0 else 'better'} than the mean"
            for h, s in far
        )
        + "."
    )


def history_sections(
    history: History | None, headline: Sequence[MetricDiff], opts: ReportOptions, files: list[Path]
) -> list[Section]:
    """The history section (charts written with ``files`` growing), or none without history."""
    if history is None:
        return []
    lines = [f"### History of {md_code(history.ref) if history.ref else 'the base branch'}", ""]
    if history.commits:
        first, last = short_sha(history.commits[0]), short_sha(history.commits[-1])
        lines.append(
            f"Head against the last {plural(len(history.commits), 'first-parent commit')} "
            f"(`{first}` … `{last}`); a ratchet needs {MIN_POINTS} points."
        )
    lines += [f"_{md_text(n)}_" for n in history.notes]
    rows = [(history.metrics[d.key], d.direction) for d in headline if d.key in history.metrics]
    if rows:
        lines += [
            "",
            "| metric | history (oldest → newest) → head | points | mean | σ | min "
            "| max | head | z |",
            "|:--|:--|--:|--:|--:|--:|--:|--:|--:|",
        ]
        lines += [_row(h, opts.precision) for h, _ in rows]
        lines += ["", _verdict(rows)]
        for chart in _charts([h for h, _ in rows[:CHARTED]], opts, files):
            lines += ["", chart_markdown(chart)]
    elif history.commits:
        lines += ["", "_No headline metric has a numeric value in the history._"]
    return [Section("history", "\n".join(lines))]


def _charts(rows: Sequence[MetricHistory], opts: ReportOptions, files: list[Path]) -> list[Chart]:
    if opts.charts == "none":
        return []
    from cmlreport.plots import mermaid

    charts: list[Chart] = []
    for i, h in enumerate(rows):
        points = [*h.values, *([h.head] if h.head is not None and math.isfinite(h.head) else [])]
        title = f"{h.key}: base branch history"
        if opts.charts == "mermaid":
            block = mermaid.line_chart(
                title, list(range(len(points))), {"head last": points}, "commit"
            )
            charts.append(Chart(h.key, mermaid=block))
            continue
        from cmlreport.plots.history import history_figure

        path = opts.output.parent / f"{opts.output.stem}-plots" / f"history-{i + 1}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(history_figure(h.key, h.values, h.head))
        files.append(path)
        charts.append(Chart(h.key, image=Image(title, relative_link(path, opts.output.parent))))
    return charts


def _number(value: float | None) -> Any:
    return json_number(value) if value is not None else None


def add_history(doc: dict[str, Any], history: History) -> None:
    """The ``history`` block of each metric that has one, and what was read, into ``doc``."""
    doc["history"] = {
        "ref": history.ref or None,
        "requested": history.requested,
        "commits": list(history.commits),
        "min_points": MIN_POINTS,
        "notes": list(history.notes),
    }
    for entry in doc.get("metrics", []):
        h = history.metrics.get(entry["key"])
        if h is not None:
            entry["history"] = {
                "points": len(h.values),
                "values": [json_number(v) for v in h.values],
                "mean": json_number(h.mean),
                "std": _number(h.std),
                "min": json_number(h.low),
                "max": json_number(h.high),
                "z": _number(h.z),
            }
