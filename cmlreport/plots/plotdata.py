"""The data files behind plots, parsed: training logs, confusion matrices and score lists."""

# Pure: every function takes the file's name (for error messages) and its text. Reading the file
# into raw cells is ``tables.read_table``; this module decides what the cells mean.

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cmlreport.errors import InputError
from cmlreport.metrics.formats import json_value
from cmlreport.plots.tables import Table, read_table


@dataclass(frozen=True)
class LogTable:
    """A training log: named columns of numbers, one row per logged step; ``None`` = no value."""

    columns: tuple[str, ...]
    rows: tuple[tuple[float | None, ...], ...]
    source: str = ""

    def column(self, name: str) -> list[float | None]:
        if name not in self.columns:
            where = f"{self.source} has" if self.source else "the log has"
            raise InputError(f"{where} no column {name!r}; columns are: {', '.join(self.columns)}")
        i = self.columns.index(name)
        return [row[i] for row in self.rows]

    def numeric_columns(self) -> list[str]:
        """Columns holding at least one number, in file order."""
        return [c for i, c in enumerate(self.columns) if any(r[i] is not None for r in self.rows)]


# Columns a training log is indexed by, in order of preference, when the user names none.
X_COLUMNS = ("step", "global_step", "epoch", "iteration", "iter")


def default_x(log: LogTable) -> str | None:
    """The log's step/epoch/iteration column, or None to plot against the row number."""
    return next((c for want in X_COLUMNS for c in log.columns if is_index(c, want)), None)


def is_index(column: str, index: str | None = None) -> bool:
    """Whether a column counts steps (``index`` or any of X_COLUMNS), not a metric to plot.

    Ultralytics pads its header names with spaces (``"      epoch"``).
    """
    name = column.strip().lower()
    return name == index if index is not None else name in X_COLUMNS


@dataclass(frozen=True)
class ConfusionMatrix:
    labels: tuple[str, ...]
    counts: tuple[tuple[int, ...], ...]  # counts[actual][predicted]


def parse_log(path: str, text: str) -> LogTable:
    """CSV, TSV, JSON lines, a JSON list of objects or a JSON object of lists."""
    table = read_table(path, text)
    if table.delimited and all(_to_float(c) is not None for c in table.columns):
        raise InputError(
            f"{path}: the first line holds numbers, not column names; "
            "add a header row such as step,loss"
        )
    rows = tuple(tuple(_to_float(cell) for cell in row) for row in table.rows)
    if not any(v is not None for row in rows for v in row):
        raise InputError(
            f"{path}: no numbers in any column ({', '.join(table.columns)}); "
            "a training log needs numeric columns such as step,loss"
        )
    return LogTable(table.columns, rows, source=path)


def parse_confusion(path: str, text: str) -> ConfusionMatrix:
    """A square matrix (header = predicted, first column = actual) or actual/predicted pairs."""
    table = read_table(path, text)
    cols = table.columns
    if table.delimited and all(_is_count(c) for c in cols):
        # numpy.savetxt writes the matrix without labels: the "header" is its first row.
        if len(table.rows) + 1 != len(cols):
            raise InputError(
                f"{path}: no header row; add one: predicted labels for a square matrix "
                "(first cell empty) or actual,predicted for one pair per row"
            )
        labels = tuple(str(i) for i in range(len(cols)))
        grid = [list(cols), *table.rows]
        rows = [_count_row(path, f"line {n + 1}", labels, row) for n, row in enumerate(grid)]
        return ConfusionMatrix(labels, tuple(rows))
    row_labels = [_label(row[0]) for row in table.rows]
    # Checked before the column names: a matrix's corner cell may well read "actual\\predicted".
    if len(cols) >= 3 and sorted(row_labels) == sorted(cols[1:]):
        by_label = dict(zip(row_labels, zip(table.rows, table.where, strict=True), strict=True))
        labels = cols[1:]
        return ConfusionMatrix(
            labels,
            tuple(_count_row(path, by_label[a][1], labels, by_label[a][0][1:]) for a in labels),
        )
    pair = _pair_columns(cols)
    if pair is not None:
        return _from_pairs(path, table, *pair)
    if len(cols) >= 2:
        return _from_pairs(path, table, 0, 1)
    raise InputError(
        f"{path}: a confusion matrix needs a square table (header = predicted labels, "
        "first column = actual labels) or two columns actual,predicted"
    )


def parse_scores(path: str, text: str, column: str | None = None) -> list[float]:
    """One number per line, a JSON list of numbers, or one column of a CSV/TSV/JSON file."""
    plain = _plain_numbers(text)
    if plain is not None:
        if column is not None:
            raise InputError(
                f"{path} is a plain list of numbers without a header, so --column {column} "
                "does not apply; drop --column"
            )
        values = plain
    else:
        table = read_table(path, text)
        name = column if column is not None else _only_numeric_column(path, table)
        if name not in table.columns:
            raise InputError(
                f"{path} has no column {name!r}; pass one of {', '.join(table.columns)} "
                "with --column"
            )
        i = table.columns.index(name)
        values = []
        for row, where in zip(table.rows, table.where, strict=True):
            value = _to_float(row[i])
            if value is not None:
                values.append(value)
            elif not _is_blank(row[i]):
                raise InputError(
                    f"{path}: {where}: {name} is {row[i]!r}, not a number; "
                    "fix the value or pick another --column"
                )
    if not values:
        raise InputError(f"{path} holds no scores; expected one number per line or a column")
    return values


# --- cells ------------------------------------------------------------------------------------


def _to_float(cell: Any) -> float | None:
    if isinstance(cell, bool) or cell is None:
        return None
    if isinstance(cell, (int, float)):
        try:
            return float(cell)
        except OverflowError:
            return None
    if isinstance(cell, str) and cell.strip():
        try:
            return float(cell.strip())
        except ValueError:
            return None
    return None


def _is_blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _is_count(cell: Any) -> bool:
    value = _to_float(cell)
    return value is not None and math.isfinite(value) and value >= 0 and value == int(value)


def _label(cell: Any) -> str:
    if isinstance(cell, bool):
        return "true" if cell else "false"
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return "" if cell is None else str(cell).strip()


def _plain_numbers(text: str) -> list[float] | None:
    if text.lstrip().startswith("["):
        try:
            data = json_value(text)
        except (json.JSONDecodeError, RecursionError):
            return None
        numbers = [_to_float(v) for v in data] if isinstance(data, list) else [None]
        return None if None in numbers else [v for v in numbers if v is not None]
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    numbers = [_to_float(line) for line in lines]
    if not lines or None in numbers:
        return None
    return [v for v in numbers if v is not None]


def _only_numeric_column(path: str, table: Table) -> str:
    numeric = [
        name
        for i, name in enumerate(table.columns)
        if any(_to_float(row[i]) is not None for row in table.rows)
        and all(_to_float(row[i]) is not None or _is_blank(row[i]) for row in table.rows)
    ]
    if len(numeric) == 1:
        return numeric[0]
    if not numeric:
        raise InputError(
            f"{path} has no column of numbers (columns: {', '.join(table.columns)}); "
            "expected one score per line or a numeric column"
        )
    raise InputError(
        f"{path} has several numeric columns ({', '.join(numeric)}); pick one with --column"
    )


# --- confusion matrices -----------------------------------------------------------------------

_ACTUAL_WORDS = ("actual", "true", "truth", "gold", "target", "expected", "label")
_PREDICTED_WORDS = ("pred", "output", "yhat", "y_hat")


def _pair_columns(columns: Sequence[str]) -> tuple[int, int] | None:
    lowered = [c.lower() for c in columns]
    predicted = next(
        (i for i, c in enumerate(lowered) if any(w in c for w in _PREDICTED_WORDS)), None
    )
    actual = next(
        (
            i
            for i, c in enumerate(lowered)
            if i != predicted and (c == "y" or any(w in c for w in _ACTUAL_WORDS))
        ),
        None,
    )
    return None if actual is None or predicted is None else (actual, predicted)


def _from_pairs(path: str, table: Table, actual_i: int, predicted_i: int) -> ConfusionMatrix:
    pairs: list[tuple[str, str]] = []
    for row, where in zip(table.rows, table.where, strict=True):
        actual, predicted = _label(row[actual_i]), _label(row[predicted_i])
        for name, value in (
            (table.columns[actual_i], actual),
            (table.columns[predicted_i], predicted),
        ):
            if not value:
                raise InputError(f"{path}: {where}: {name} is empty; every row needs both labels")
        pairs.append((actual, predicted))
    names = {label for pair in pairs for label in pair}
    numeric = all(_to_float(label) is not None for label in names)
    labels = tuple(sorted(names, key=lambda s: (_to_float(s) or 0.0, s) if numeric else (0.0, s)))
    index = {label: i for i, label in enumerate(labels)}
    counts = [[0] * len(labels) for _ in labels]
    for actual, predicted in pairs:
        counts[index[actual]][index[predicted]] += 1
    return ConfusionMatrix(labels, tuple(tuple(row) for row in counts))


def _count_row(
    path: str, where: str, labels: Sequence[str], cells: Sequence[Any]
) -> tuple[int, ...]:
    counts = []
    for label, cell in zip(labels, cells, strict=True):
        if not _is_count(cell):
            raise InputError(
                f"{path}: {where}: the cell for predicted {label!r} is {cell!r}, "
                "not a count; confusion matrix cells must be whole numbers >= 0"
            )
        counts.append(int(float(cell)))
    return tuple(counts)
