"""Per-class deltas a column at a time: the labels of both revisions lined up, top movers."""

# Pure. A 400k-label table is compared as parallel lists (no per-label row or tuple is made
# but for the ten or so movers the report shows), and the movers are found without a sort.

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Mapping
from operator import sub
from typing import NamedTuple

from cmlreport.metrics.columnar import ColumnRows
from cmlreport.metrics.diff import is_number
from cmlreport.metrics.model import Scalar, SliceTable


class SliceDelta(NamedTuple):
    """One label's move; a tuple because a 400k-label table makes 400k of them."""

    label: str
    old: float | None
    new: float
    delta: float | None
    support: float | None


def _num(value: Scalar) -> float | None:
    if type(value) is float:  # nearly every cell of a large table
        return value
    if is_number(value):
        assert isinstance(value, (int, float))
        return float(value)
    return None


def floats(values: list[Scalar]) -> list[float | None]:
    """``_num`` of each value; a column of floats (nearly every large table) as it is."""
    kinds = set(map(type, values))
    if kinds == {float}:
        return values  # type: ignore[return-value]
    if kinds <= {int, float}:  # a support column of counts: float() as _num does
        return list(map(float, values))  # type: ignore[arg-type]
    return list(map(_num, values))


class Compared(NamedTuple):
    """Labels with a value at both revisions, as parallel columns (400k labels: no row made)."""

    labels: list[str]
    olds: list[float]
    news: list[float]
    deltas: list[float | None]  # None where new - old is NaN
    supports: list[float | None]

    def row(self, at: int) -> SliceDelta:
        fields = self.olds[at], self.news[at], self.deltas[at], self.supports[at]
        return SliceDelta(self.labels[at], *fields)


def extremes(
    compared: Compared, sign: float, top_n: int
) -> tuple[tuple[SliceDelta, ...], tuple[SliceDelta, ...]]:
    """The ``top_n`` worst and best moves. Ties are broken by support (bigger classes matter
    more) then label, so output is stable: sorted()[:n], without sorting 400k labels."""
    moves = [sign * (d or 0.0) if d is not None else math.nan for d in compared.deltas]
    down = [i for i, m in enumerate(moves) if m < 0]
    up = [i for i, m in enumerate(moves) if m > 0]
    supports, labels = compared.supports, compared.labels
    worst = _smallest(down, moves, top_n, lambda i: (moves[i], -(supports[i] or 0.0), labels[i]))
    best = _smallest(
        up, [-m for m in moves], top_n, lambda i: (-moves[i], -(supports[i] or 0.0), labels[i])
    )
    return tuple(map(compared.row, worst)), tuple(map(compared.row, best))


def _smallest(
    at: list[int], first: list[float], top_n: int, key: Callable[[int], tuple[float, float, str]]
) -> list[int]:
    """``heapq.nsmallest(top_n, at, key)`` where ``first[i]`` is ``key(i)[0]``: only the
    entries whose first part reaches the ``top_n``-th smallest (ties kept) are keyed."""
    if len(at) > top_n > 0:
        firsts = [first[i] for i in at]
        cut = heapq.nsmallest(top_n, firsts)[-1]
        at = [i for i, f in zip(at, firsts, strict=True) if f <= cut]
    return heapq.nsmallest(top_n, at, key=key)


def _values(rows: Mapping[str, Mapping[str, Scalar]], column: str) -> list[Scalar]:
    """One column's values in label order."""
    if isinstance(rows, ColumnRows):
        found = rows.column(column)
        return list(found) if found is not None else [None] * len(rows)
    return [row.get(column) for row in rows.values()]


def _lined_up(
    base: Mapping[str, Mapping[str, Scalar]], labels: list[str], column: str
) -> list[Scalar]:
    """Base's values of ``column`` for head's labels (None where base has none)."""
    if isinstance(base, ColumnRows):
        found = base.column(column)
        at = list(map(base.index.get, labels))
        if found is None:
            return [None] * len(labels)
        if None not in at:
            return list(map(found.__getitem__, at))  # type: ignore[arg-type]
        return [None if i is None else found[i] for i in at]
    empty: Mapping[str, Scalar] = {}
    return [base.get(label, empty).get(column) for label in labels]


def compared_columns(
    head: SliceTable,
    base: SliceTable | None,
    column: str,
    support_col: str | None,
    min_support: float,
) -> tuple[Compared, int]:
    """Labels with a value at both revisions (whole columns at once: 400k labels), and how
    many were left out for too little support."""
    labels = list(head.rows)
    news = floats(_values(head.rows, column))
    supports = floats(_values(head.rows, support_col)) if support_col else [None] * len(labels)
    n_low = 0
    if support_col and min_support > 0:
        low = [s is None or s < min_support for s in supports]
        n_low = sum(1 for n, is_low in zip(news, low, strict=True) if is_low and n is not None)
        news = [None if is_low else n for n, is_low in zip(news, low, strict=True)]
    olds = floats(_lined_up(base.rows, labels, column)) if base is not None else []
    if base is None:
        olds = [None] * len(labels)
    if None in news or None in olds:
        keep = [
            i
            for i, (o, n) in enumerate(zip(olds, news, strict=True))
            if o is not None and n is not None
        ]
        labels, supports = [labels[i] for i in keep], [supports[i] for i in keep]
        olds, news = [olds[i] for i in keep], [news[i] for i in keep]
    deltas: list[float | None] = list(map(sub, news, olds))
    if True in map(math.isnan, deltas):  # type: ignore[arg-type]
        deltas = [None if math.isnan(d) else d for d in deltas]  # type: ignore[arg-type]
    return Compared(labels, olds, news, deltas, supports), n_low  # type: ignore[arg-type]


def finite_deltas(deltas: list[float | None]) -> tuple[float, ...]:
    if None not in deltas and all(map(math.isfinite, deltas)):  # type: ignore[arg-type]
        return tuple(deltas)  # type: ignore[arg-type]
    return tuple(d for d in deltas if d is not None and math.isfinite(d))
