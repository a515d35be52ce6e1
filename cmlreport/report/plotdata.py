"""The data files behind plots, parsed: training logs, confusion matrices and score lists.

Pure: every function takes the file's name (for error messages) and its text.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cmlreport.errors import InputError


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
X_COLUMNS = ("step", "epoch", "iteration")


def default_x(log: LogTable) -> str | None:
    """The log's step/epoch/iteration column, or None to plot against the row number."""
    return next((c for want in X_COLUMNS for c in log.columns if c.lower() == want), None)


@dataclass(frozen=True)
class ConfusionMatrix:
    labels: tuple[str, ...]
    counts: tuple[tuple[int, ...], ...]  # counts[actual][predicted]


@dataclass(frozen=True)
class _Table:
    """A file read as a table of raw cells: strings from CSV/TSV, JSON values from JSON."""

    columns: tuple[str, ...]
    rows: list[list[Any]]
    where: list[str]  # "line 7" or "item 3", for error messages
    delimited: bool


def parse_log(path: str, text: str) -> LogTable:
    """CSV, TSV, JSON lines, a JSON list of objects or a JSON object of lists."""
    table = _read_table(path, text)
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
    table = _read_table(path, text)
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
        table = _read_table(path, text)
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


# --- reading any supported file as a table of raw cells --------------------------------------


def _read_table(path: str, text: str) -> _Table:
    kind = _kind(path, text)
    if kind in ("csv", "tsv"):
        return _read_delimited(path, text, "\t" if kind == "tsv" else ",")
    if kind == "jsonl":
        return _read_json_lines(path, text)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        if text.lstrip().startswith("{"):
            return _read_json_lines(path, text)
        raise InputError(
            f"{path}: line {exc.lineno}: not valid JSON ({exc.msg}); fix the file"
        ) from None
    if isinstance(data, dict) and data and all(isinstance(v, list) for v in data.values()):
        # Keras' history.history and similar: {"loss": [...], "val_loss": [...]}.
        n = max(len(v) for v in data.values())
        records: list[Any] = [
            {k: (v[i] if i < len(v) else None) for k, v in data.items()} for i in range(n)
        ]
    else:
        records = data if isinstance(data, list) else [data]
    return _from_records(path, records, [f"item {i + 1}" for i in range(len(records))])


def _kind(path: str, text: str) -> str:
    suffix = path.lower().rsplit(".", 1)[-1] if "." in path else ""
    if suffix in ("csv", "tsv", "jsonl", "ndjson"):
        return {"ndjson": "jsonl"}.get(suffix, suffix)
    if suffix == "tab":
        return "tsv"
    start = text.lstrip()[:1]
    if suffix == "json" or start in ("[", "{"):
        return "json"
    first_line = text.lstrip().split("\n", 1)[0]
    return "tsv" if "\t" in first_line else "csv"


def _read_delimited(path: str, text: str, delimiter: str) -> _Table:
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header: list[str] | None = None
    rows: list[list[Any]] = []
    where: list[str] = []
    try:
        for record in reader:
            if all(not cell.strip() for cell in record):
                continue
            if header is None:
                header = [cell.strip() for cell in record]
                continue
            if len(record) != len(header):
                raise InputError(
                    f"{path}: line {reader.line_num} has {len(record)} cells but the header "
                    f"has {len(header)}; every row needs one value per column"
                )
            rows.append(record)
            where.append(f"line {reader.line_num}")
    except csv.Error as exc:
        raise InputError(f"{path}: line {reader.line_num}: {exc}; fix the file") from None
    if header is None:
        raise InputError(f"{path} is empty; expected a header row and rows of values")
    _check_columns(path, header)
    if not rows:
        raise InputError(f"{path} has a header but no rows; expected at least one row of values")
    return _Table(tuple(header), rows, where, delimited=True)


def _read_json_lines(path: str, text: str) -> _Table:
    records: list[Any] = []
    where: list[str] = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise InputError(
                f"{path}: line {n}: not valid JSON ({exc.msg}); each line must be one JSON object"
            ) from None
        where.append(f"line {n}")
    return _from_records(path, records, where)


def _from_records(path: str, records: Sequence[Any], where: list[str]) -> _Table:
    if not records:
        raise InputError(f'{path} is empty; expected JSON objects such as {{"step": 1}}')
    flat: list[dict[str, Any]] = []
    for record, at in zip(records, where, strict=True):
        if not isinstance(record, dict):
            raise InputError(
                f"{path}: {at} is a JSON {type(record).__name__}, not an object; "
                'write one object per record, e.g. {"step": 1, "loss": 0.5}'
            )
        flat.append(_flatten(record))
    columns = list(dict.fromkeys(key for record in flat for key in record))
    if not columns:
        raise InputError(f"{path} holds only empty objects; expected keys such as step, loss")
    rows = [[record.get(c) for c in columns] for record in flat]
    return _Table(tuple(columns), rows, list(where), delimited=False)


def _flatten(record: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, f"{name}."))
        else:
            out[name] = value
    return out


def _check_columns(path: str, header: list[str]) -> None:
    for i, name in enumerate(header):
        if not name and i > 0:
            header[i] = f"column {i + 1}"
    duplicates = sorted({c for c in header if header.count(c) > 1})
    if duplicates:
        raise InputError(
            f"{path}: the header repeats {', '.join(duplicates)}; give every column its own name"
        )


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
            data = json.loads(text)
        except json.JSONDecodeError:
            return None
        numbers = [_to_float(v) for v in data] if isinstance(data, list) else [None]
        return None if None in numbers else [v for v in numbers if v is not None]
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    numbers = [_to_float(line) for line in lines]
    if not lines or None in numbers:
        return None
    return [v for v in numbers if v is not None]


def _only_numeric_column(path: str, table: _Table) -> str:
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


def _from_pairs(path: str, table: _Table, actual_i: int, predicted_i: int) -> ConfusionMatrix:
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
