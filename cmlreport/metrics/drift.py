"""``--drift [NAME=]REFERENCE:CURRENT``: two samples' shared columns compared, as metrics.

Pure: file texts in, a ``DriftComparison`` and ``drift.<name>.<column>.<statistic>`` metrics
out (the statistics are :mod:`cmlreport.stats.drift`'s). The files are read as predictions
files are (:mod:`cmlreport.metrics.prediction_rows`: CSV, TSV, JSON lines). A column whose
every value is a number is numeric, one with no number is categorical, and one that mixes them
is refused; an empty cell is a missing value, left out and counted; NaN or inf is refused.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from cmlreport.errors import InputError
from cmlreport.metrics.direction import Direction, DirectionRule, Directions
from cmlreport.metrics.limits import MAX_VALUES, shown_key
from cmlreport.metrics.prediction_rows import RawColumns, data_rows, read_columns
from cmlreport.stats.drift import EPSILON as EPSILON
from cmlreport.stats.drift import PSI_BINS as PSI_BINS
from cmlreport.stats.drift import (
    CategoricalDrift,
    Floats,
    NumericDrift,
    categorical_drift,
    numeric_drift,
)

PREFIX = "drift."
# More distinct values than this is an id or free text, not a category to compare.
MAX_CATEGORIES = 1_000
MAX_COLUMNS = 200  # columns compared per pair: features of a tabular model, not a wide dump
# The verdict words, from PSI (the usual rule of thumb in credit scoring and model monitoring).
MODERATE_PSI = 0.1
MAJOR_PSI = 0.25
NO_DRIFT, MODERATE, MAJOR = "no drift", "moderate drift", "major drift"

# The statistics each kind of column gets, by metric suffix (``figures`` gives those computed).
STATISTICS = {
    "numeric": ("psi", "ks", "ks_p", "wasserstein", "js"),
    "categorical": ("psi", "chi2", "chi2_p", "js"),
}
# Distances: lower is better. p-values are evidence, not a score: no better or worse.
DIRECTIONS = Directions(
    tuple(
        DirectionRule(f"{PREFIX}*.{stat}", Direction.LOWER)
        for stat in ("psi", "ks", "wasserstein", "js", "chi2")
    )
    + tuple(DirectionRule(f"{PREFIX}*.{stat}", Direction.COUNTER) for stat in ("ks_p", "chi2_p"))
)


@dataclass(frozen=True)
class ColumnDrift:
    """One shared column: its statistics, or why it was not compared."""

    column: str
    kind: str  # "numeric" or "categorical"
    counts: tuple[int, int]  # values compared in the reference and the current file
    missing: tuple[int, int]  # empty cells left out
    numeric: NumericDrift | None = None
    categorical: CategoricalDrift | None = None
    samples: tuple[Floats, Floats] | None = None  # numeric values, for the histograms
    why_not: str = ""

    @property
    def psi(self) -> float | None:
        stats = self.numeric or self.categorical
        binned = stats.binned if stats is not None else None
        return binned.psi if binned is not None else None

    @property
    def verdict(self) -> str | None:
        """``no drift``, ``moderate drift`` or ``major drift`` from PSI; None without a PSI."""
        return verdict(self.psi) if self.psi is not None else None

    @property
    def psi_noise(self) -> float | None:
        """The PSI sampling alone reaches (95 %) at these sizes; None without a PSI."""
        stats = self.numeric or self.categorical
        return stats.binned.noise if stats is not None and stats.binned is not None else None

    @property
    def drift_within_noise(self) -> bool:
        """A verdict of drift that sampling alone could give: too few rows to tell."""
        noise = self.psi_noise
        moved = self.verdict not in (None, NO_DRIFT)
        return moved and noise is not None and self.psi is not None and self.psi <= noise


@dataclass(frozen=True)
class DriftComparison:
    name: str
    reference: str
    current: str
    columns: tuple[ColumnDrift, ...]
    unshared: tuple[str, ...] = ()  # columns only one of the files has


def verdict(psi: float) -> str:
    if psi > MAJOR_PSI:
        return MAJOR
    return MODERATE if psi >= MODERATE_PSI else NO_DRIFT


def compare(
    name: str, reference: tuple[str, str | bytes], current: tuple[str, str | bytes]
) -> DriftComparison:
    """The shared columns of two files, each given as (path, text), compared."""
    ref_path, cur_path = reference[0], current[0]
    ref = _read(ref_path, reference[1], None)
    by_lower = {c.lower(): c for c in ref.header}
    cur = _read(cur_path, current[1], by_lower, ref)
    shared = list(cur.cells)
    columns = tuple(_column(ref, cur, by_lower[c.lower()], c) for c in shared)
    lower = {c.lower() for c in shared}
    unshared = tuple(c for c in (*ref.header, *cur.header) if c.lower() not in lower)
    return DriftComparison(name, ref_path, cur_path, columns, unshared)


def drift_metrics(comparisons: Sequence[DriftComparison]) -> dict[str, float]:
    """``drift.<name>.<column>.<statistic>`` for every figure computed."""
    out: dict[str, float] = {}
    for comp in comparisons:
        for col in comp.columns:
            key = f"{PREFIX}{comp.name}.{col.column}."
            out |= {key + stat: value for stat, value in figures(col).items()}
    return out


def figures(col: ColumnDrift) -> dict[str, float]:
    """The statistics of one column by their metric suffix."""
    out: dict[str, float] = {}
    stats = col.numeric or col.categorical
    if stats is not None and stats.binned is not None:
        out |= {"psi": stats.binned.psi}
    if col.numeric is not None:
        n = col.numeric
        out |= {"ks": n.ks, "ks_p": n.ks_p, "wasserstein": n.wasserstein}
    if col.categorical is not None:
        out |= {"chi2": col.categorical.chi2, "chi2_p": col.categorical.chi2_p}
    if stats is not None and stats.binned is not None:
        out["js"] = stats.binned.js
    return out


def overall_verdict(comparisons: Sequence[DriftComparison]) -> str | None:
    """For the report's first line: the worst verdict and where, e.g. ``major drift in
    confidence.score (PSI 0.41)``, or ``no drift (3 columns)``; None with nothing judged."""
    judged = [(c, col) for c in comparisons for col in c.columns if col.psi is not None]
    if not judged:
        return None
    rank = {NO_DRIFT: 0, MODERATE: 1, MAJOR: 2}
    # Drift beyond sampling noise first: a column of 5 rows must not hide one of 50,000.
    comp, worst = max(
        judged,
        key=lambda pair: (
            not pair[1].drift_within_noise,
            rank[pair[1].verdict or NO_DRIFT],
            pair[1].psi,
        ),
    )
    if worst.verdict == NO_DRIFT:
        return f"{NO_DRIFT} ({len(judged)} column{'s' if len(judged) > 1 else ''})"
    moved = sum(1 for _, col in judged if col.verdict != NO_DRIFT)
    more = f" and {moved - 1} more" if moved > 1 else ""
    noise = ", within sampling noise: few rows" if worst.drift_within_noise else ""
    return f"{worst.verdict} in {comp.name}.{worst.column}{more} (PSI {worst.psi:.2f}{noise})"


def _read(
    path: str, text: str | bytes, wanted: Mapping[str, str] | None, ref: RawColumns | None = None
) -> RawColumns:
    rows = data_rows(path, text)

    def pick(header: Sequence[str]) -> list[str]:
        chosen = [c for c in header if wanted is None or c.lower() in wanted]
        if not chosen and ref is not None:
            raise InputError(
                f"{path}: no column in common with {ref.path} (it has "
                f"{', '.join(repr(shown_key(c)) for c in ref.header[:8])}); drift compares the "
                "columns both files name"
            )
        if len(chosen) > MAX_COLUMNS:
            raise InputError(
                f"{path}: {len(chosen):,} columns to compare, over the limit of {MAX_COLUMNS}; "
                "keep the columns whose drift matters"
            )
        if rows * max(len(chosen), 1) > MAX_VALUES:
            raise InputError(
                f"{path}: about {rows:,} rows x {len(chosen)} columns, over the limit of "
                f"{MAX_VALUES:,} values; compare a sample of the rows or fewer columns"
            )
        return chosen

    raw = read_columns(path, text, pick)
    if not raw.lines:
        raise InputError(f"{path}: no data rows; write one row per example under the header")
    return raw


def _column(ref: RawColumns, cur: RawColumns, ref_name: str, cur_name: str) -> ColumnDrift:
    ref_cells = [c for c in ref.cells[ref_name] if c is not None]
    cur_cells = [c for c in cur.cells[cur_name] if c is not None]
    counts = (len(ref_cells), len(cur_cells))
    missing = (len(ref.lines) - counts[0], len(cur.lines) - counts[1])
    ref_numbers = _numbers(ref, ref_name, ref_cells)
    cur_numbers = _numbers(cur, cur_name, cur_cells)
    if not ref_cells or not cur_cells:
        empty = ref.path if not ref_cells else cur.path
        kind = "numeric" if ref_numbers is not None and cur_numbers is not None else "categorical"
        return ColumnDrift(cur_name, kind, counts, missing, why_not=f"no values in {empty}")
    if (ref_numbers is None) != (cur_numbers is None):
        text_side, number_side = (ref, cur) if ref_numbers is None else (cur, ref)
        raise InputError(
            f"{text_side.path}: column '{shown_key(cur_name)}' holds text, but numbers in "
            f"{number_side.path}; drift compares a column of the same kind in both files"
        )
    if ref_numbers is not None and cur_numbers is not None:
        stats = numeric_drift(ref_numbers, cur_numbers)
        samples = (ref_numbers, cur_numbers)
        return ColumnDrift(cur_name, "numeric", counts, missing, stats, samples=samples)
    return _categorical(cur_name, counts, missing, ref_cells, cur_cells)


def _categorical(
    name: str,
    counts: tuple[int, int],
    missing: tuple[int, int],
    ref: Sequence[str | float],
    cur: Sequence[str | float],
) -> ColumnDrift:
    index: dict[str, int] = {}
    cells = [str(c) for c in (*ref, *cur)]
    codes = np.fromiter((index.setdefault(c, len(index)) for c in cells), np.int64, len(cells))
    if len(index) > MAX_CATEGORIES:
        why = f"{len(index):,} distinct values, over {MAX_CATEGORIES:,}: an id or free text?"
        return ColumnDrift(name, "categorical", counts, missing, why_not=why)
    order = sorted(index, key=index.__getitem__)  # categories in order of first appearance
    ref_counts = np.bincount(codes[: len(ref)], minlength=len(order)).astype(np.int64)
    cur_counts = np.bincount(codes[len(ref) :], minlength=len(order)).astype(np.int64)
    by_name = np.argsort(np.array(order, dtype=object), kind="stable")
    stats = categorical_drift(
        tuple(order[i] for i in by_name), ref_counts[by_name], cur_counts[by_name]
    )
    return ColumnDrift(name, "categorical", counts, missing, categorical=stats)


def _numbers(raw: RawColumns, column: str, cells: Sequence[str | float]) -> Floats | None:
    """The column as finite floats; None when no cell is a number (a categorical column)."""
    try:
        values = np.array(cells, dtype=np.float64)
    except ValueError:
        _text_or_refuse(raw, column)
        return None
    finite = np.isfinite(values)
    if not finite.all():
        row = _row_of(raw, column, int(np.argmin(finite)))
        raise InputError(
            f"{raw.path}: {raw.row_word} {raw.lines[row]} column '{shown_key(column)}' is "
            f"{shown_key(str(raw.cells[column][row]))}; drift needs finite numbers "
            "(leave a missing value empty)"
        )
    return values


def _text_or_refuse(raw: RawColumns, column: str) -> None:
    number = text = None
    for row, cell in enumerate(raw.cells[column]):
        if cell is None:
            continue
        try:
            float(cell)
            number = row if number is None else number
        except ValueError:
            text = row if text is None else text
        if number is not None and text is not None:
            raise InputError(
                f"{raw.path}: column '{shown_key(column)}' mixes numbers ({raw.row_word} "
                f"{raw.lines[number]}) and text ({raw.row_word} {raw.lines[text]}: "
                f"'{shown_key(str(raw.cells[column][text]))}'); make it one or the other"
            )
    return None


def _row_of(raw: RawColumns, column: str, index: int) -> int:
    """The row of the ``index``-th non-empty cell of ``column``."""
    seen = -1
    for row, cell in enumerate(raw.cells[column]):
        seen += cell is not None
        if seen == index:
            return row
    return index
