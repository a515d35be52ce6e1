"""Per-class (slice) deltas for tables with thousands of labels: top movers, counts, histogram."""

# The report never prints every row; it prints what a reviewer needs to see.

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from cmlreport.errors import InputError
from cmlreport.metrics.columnar import ColumnRows
from cmlreport.metrics.diff import is_number
from cmlreport.metrics.direction import Direction, guess_direction
from cmlreport.metrics.model import SliceTable
from cmlreport.metrics.slice_compare import SliceDelta as SliceDelta  # report.slices reads it here
from cmlreport.metrics.slice_compare import (
    compared_columns,
    extremes,
    finite_deltas,
)

# Preferred metric columns, in order, when the user does not name one.
_METRIC_PREFERENCE = (
    "f1",
    "f1-score",
    "f1_score",
    "f1score",
    "accuracy",
    "acc",
    "recall",
    "precision",
    "auc",
    "roc_auc",
    "score",
    "map50-95",  # detection (Ultralytics): per-class mAP, with Images/Instances as counts
    "map50",
    "map",
    "dice",
    "iou",
)
_SUPPORT_NAMES = (
    "support",
    "count",
    "n",
    "n_samples",
    "samples",
    "num_samples",
    "size",
    "instances",
)


@dataclass(frozen=True)
class Histogram:
    edges: tuple[float, ...]  # len(counts) + 1
    counts: tuple[int, ...]


@dataclass(frozen=True)
class SliceSummary:
    table: str
    metric: str
    direction: Direction
    support_column: str | None
    min_support: float
    threshold: float
    n_labels: int  # at head
    n_compared: int  # labels with a numeric value at base and head, support filter passed
    n_new: int  # labels only at head
    n_removed: int  # labels only at base
    n_low_support: int  # left out by --min-support
    n_regressed: int  # worse by more than threshold
    n_improved: int  # better by more than threshold
    regressions: tuple[SliceDelta, ...]  # worst first
    improvements: tuple[SliceDelta, ...]  # best first
    deltas: tuple[float, ...]  # every compared delta, for a histogram plot
    histogram: Histogram
    mean_delta: float | None
    median_delta: float | None
    has_base: bool


def pick_metric_column(table: SliceTable, wanted: str | None = None) -> str:
    numeric = [c for c in table.columns if _column_is_numeric(table, c)]
    if wanted is not None:
        if wanted not in table.columns:
            raise InputError(
                f"--slice-metric {wanted!r}: table {table.name!r} ({table.source}) has no such "
                f"column; it has: {', '.join(table.columns)}"
            )
        return wanted
    lowered = {c.lower(): c for c in numeric}
    for name in _METRIC_PREFERENCE:
        if name in lowered:
            return lowered[name]
    # Counts and indices (support, Images, epoch) are never the metric a class is judged by.
    candidates = [
        c
        for c in numeric
        if c.lower() not in _SUPPORT_NAMES and guess_direction(c) is not Direction.COUNTER
    ]
    if not candidates:
        raise InputError(
            f"table {table.name!r} ({table.source}) has no numeric metric column to compare"
        )
    return candidates[0]


def pick_support_column(table: SliceTable) -> str | None:
    lowered = {c.lower(): c for c in table.columns}
    for name in _SUPPORT_NAMES:
        if name in lowered and _column_is_numeric(table, lowered[name]):
            return lowered[name]
    return None


def _column_is_numeric(table: SliceTable, column: str) -> bool:
    if isinstance(table.rows, ColumnRows):
        return any(map(is_number, table.rows.column(column) or ()))
    return any(is_number(row.get(column)) for row in table.rows.values())


def histogram(values: Sequence[float], bins: int = 20) -> Histogram:
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return Histogram((), ())
    lo, hi = min(finite), max(finite)
    if lo == hi:
        return Histogram((lo - 0.5, hi + 0.5), (len(finite),))
    width = (hi - lo) / bins
    counts = [0] * bins
    for v in finite:
        counts[min(int((v - lo) / width), bins - 1)] += 1
    return Histogram(tuple(lo + i * width for i in range(bins + 1)), tuple(counts))


def summarize_slices(
    head: SliceTable,
    base: SliceTable | None,
    *,
    metric: str | None = None,
    direction: Direction = Direction.HIGHER,
    top_n: int = 10,
    min_support: float = 0.0,
    threshold: float = 0.05,
    bins: int = 20,
) -> SliceSummary:
    column = pick_metric_column(head, metric)
    support_col = pick_support_column(head)
    compared, n_low = compared_columns(head, base, column, support_col, min_support)
    sign = {Direction.HIGHER: 1.0, Direction.LOWER: -1.0}.get(direction, 0.0)  # counts: no rank
    regressions, improvements = extremes(compared, sign, top_n)
    deltas = finite_deltas(compared.deltas)
    base_labels = set(base.rows) if base is not None else set()
    return SliceSummary(
        table=head.name,
        metric=column,
        direction=direction,
        support_column=support_col,
        min_support=min_support,
        threshold=threshold,
        n_labels=len(head.rows),
        n_compared=len(compared.labels),
        n_new=len(set(head.rows) - base_labels) if base is not None else 0,
        n_removed=len(base_labels - set(head.rows)),
        n_low_support=n_low,
        n_regressed=sum(map((-threshold).__gt__, map(sign.__mul__, deltas))),
        n_improved=sum(map(threshold.__lt__, map(sign.__mul__, deltas))),
        regressions=regressions,
        improvements=improvements,
        deltas=deltas,
        histogram=histogram(deltas, bins),
        mean_delta=statistics.fmean(deltas) if deltas else None,
        median_delta=statistics.median(deltas) if deltas else None,
        has_base=base is not None,
    )
