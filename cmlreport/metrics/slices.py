"""Per-class (slice) deltas for tables with thousands of labels: top movers, counts, histogram."""

# The report never prints every row; it prints what a reviewer needs to see.

from __future__ import annotations

import heapq
import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from cmlreport.errors import InputError
from cmlreport.metrics.diff import is_number
from cmlreport.metrics.direction import Direction, guess_direction
from cmlreport.metrics.model import Scalar, SliceTable

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


class SliceDelta(NamedTuple):
    """One label's move; a tuple because a 400k-label table makes 400k of them."""

    label: str
    old: float | None
    new: float
    delta: float | None
    support: float | None


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
    return any(is_number(row.get(column)) for row in table.rows.values())


def _num(value: Scalar) -> float | None:
    if type(value) is float:  # nearly every cell of a large table
        return value
    if is_number(value):
        assert isinstance(value, (int, float))
        return float(value)
    return None


def _floats(values: list[Scalar]) -> list[float | None]:
    """``_num`` of each value; a column of floats (nearly every large table) as it is."""
    if set(map(type, values)) == {float}:
        return values  # type: ignore[return-value]
    return list(map(_num, values))


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


def _extremes(
    scored: list[SliceDelta], sign: float, top_n: int
) -> tuple[tuple[SliceDelta, ...], tuple[SliceDelta, ...]]:
    """The ``top_n`` worst and best moves. Ties are broken by support (bigger classes matter
    more) then label, so output is stable; heapq gives sorted()[:n], ties too, without sorting
    400k labels twice for ten rows."""
    worst = heapq.nsmallest(
        top_n,
        (d for d in scored if sign * (d.delta or 0.0) < 0),
        key=lambda d: (sign * (d.delta or 0.0), -(d.support or 0.0), d.label),
    )
    best = heapq.nsmallest(
        top_n,
        (d for d in scored if sign * (d.delta or 0.0) > 0),
        key=lambda d: (-sign * (d.delta or 0.0), -(d.support or 0.0), d.label),
    )
    return tuple(worst), tuple(best)


def _compared(
    head: SliceTable,
    base: SliceTable | None,
    column: str,
    support_col: str | None,
    min_support: float,
) -> tuple[list[SliceDelta], int]:
    """Labels with a value at both revisions (whole columns at once: 400k labels), and how
    many were left out for too little support."""
    labels = list(head.rows)
    news = _floats([row.get(column) for row in head.rows.values()])
    supports = (
        _floats([row.get(support_col) for row in head.rows.values()])
        if support_col
        else [None] * len(labels)
    )
    n_low = 0
    if support_col and min_support > 0:
        low = [s is None or s < min_support for s in supports]
        n_low = sum(1 for n, is_low in zip(news, low, strict=True) if is_low and n is not None)
        news = [None if is_low else n for n, is_low in zip(news, low, strict=True)]
    base_rows = base.rows if base is not None else {}
    empty: Mapping[str, Scalar] = {}
    olds = _floats([base_rows.get(label, empty).get(column) for label in labels])
    isnan = math.isnan
    compared = [
        SliceDelta(label, old, new, None if isnan(new - old) else new - old, support)
        for label, old, new, support in zip(labels, olds, news, supports, strict=True)
        if new is not None and old is not None
    ]
    return compared, n_low


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
    compared, n_low = _compared(head, base, column, support_col, min_support)
    sign = {Direction.HIGHER: 1.0, Direction.LOWER: -1.0}.get(direction, 0.0)  # counts: no rank
    scored = [d for d in compared if d.delta is not None]
    regressions, improvements = _extremes(scored, sign, top_n)
    deltas = tuple(d.delta for d in scored if d.delta is not None and math.isfinite(d.delta))
    base_labels = set(base.rows) if base is not None else set()
    return SliceSummary(
        table=head.name,
        metric=column,
        direction=direction,
        support_column=support_col,
        min_support=min_support,
        threshold=threshold,
        n_labels=len(head.rows),
        n_compared=len(compared),
        n_new=len(set(head.rows) - base_labels) if base is not None else 0,
        n_removed=len(base_labels - set(head.rows)),
        n_low_support=n_low,
        n_regressed=sum(1 for d in deltas if sign * d < -threshold),
        n_improved=sum(1 for d in deltas if sign * d > threshold),
        regressions=regressions,
        improvements=improvements,
        deltas=deltas,
        histogram=histogram(deltas, bins),
        mean_delta=statistics.fmean(deltas) if deltas else None,
        median_delta=statistics.median(deltas) if deltas else None,
        has_base=base is not None,
    )
