"""The rows of a CSV, TSV or JSON-lines file as metrics: scalars, a per-class table or a log."""

# Pure. One row holds scalars (column -> value). More rows are a per-class table when a column
# names each row (``label``, ``class``...), else a training log when a column counts the steps
# (``epoch``, ``step``...): Keras' CSVLogger, Lightning's metrics.csv, Ultralytics'
# results.csv, dvclive's plots/metrics/*.tsv. A usual label name wins over a step column; a
# step column wins over the guess "first text column" (a log may log text, a timestamp say).

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import PurePath

from cmlreport.errors import InputError
from cmlreport.metrics.delimited import CsvTable
from cmlreport.metrics.formats import decode_json
from cmlreport.metrics.limits import ValueCount
from cmlreport.metrics.logs import LogValues, build_log, log_metrics, step_column
from cmlreport.metrics.model import MetricSet, Scalar
from cmlreport.metrics.records import (
    LABEL_COLUMNS,
    build_table,
    find_label_column,
    flatten_record,
    label_of,
    table_of_columns,
)


def from_rows(
    path: str,
    rows: Sequence[Mapping[str, Scalar]],
    refs: Sequence[str],
    values: LogValues,
    wanted: str | None = None,
) -> MetricSet:
    """``refs`` say where each row is ("line 4") for error messages; ``wanted`` is the
    ``--label-column``."""
    if not rows:
        raise InputError(f"{path}: no data rows; add a row of values under the header")
    if len(rows) == 1:
        scalars = dict(rows[0])
        return MetricSet(scalars=scalars, sources=dict.fromkeys(scalars, path))
    step = log_step(rows, wanted)
    if step is not None:
        log = build_log(path, path, rows, step)
        scalars = log_metrics(log, values)
        return MetricSet(scalars=scalars, sources=dict.fromkeys(scalars, path), logs={path: log})
    label = find_label_column(rows, wanted)
    if label is None:
        raise InputError(
            f"{path}: {len(rows)} data rows but no label column; add a column such as "
            "'label' or 'class' naming each row, or an 'epoch' or 'step' column for a "
            "training log (or keep a single row of metrics)"
        )
    name = PurePath(path).stem
    table = build_table(path=path, name=name, rows=rows, row_refs=refs, label_column=label)
    return MetricSet(tables={name: table}, sources={name: path})


def from_table(
    path: str, table: CsvTable, values: LogValues, wanted: str | None = None
) -> MetricSet:
    """``from_rows`` of a delimited file, its per-class table built a column at a time."""
    if len(table.lines) > 1 and _log_step_of(table.columns, wanted) is None:
        by_name = dict(zip(table.columns, table.values, strict=True))
        label = label_of(table.columns, by_name.__getitem__, wanted)
        if label is not None:
            name = PurePath(path).stem
            sliced = table_of_columns(
                path=path,
                name=name,
                columns=table.columns,
                values=table.values,
                lines=table.lines,
                label_column=label,
            )
            return MetricSet(tables={name: sliced}, sources={name: path})
    return from_rows(path, table.rows, [f"line {line}" for line in table.lines], values, wanted)


def log_step(rows: Sequence[Mapping[str, Scalar]], wanted: str | None = None) -> str | None:
    """The step column of rows that are a training log: a step-like column and no column of a
    usual label name nor the ``--label-column`` (names only: no cell is looked at); None when
    the rows are no log."""
    return _log_step_of(list(dict.fromkeys(column for row in rows for column in row)), wanted)


def _log_step_of(columns: Sequence[str], wanted: str | None) -> str | None:
    labels = {*LABEL_COLUMNS, *((wanted.lower(),) if wanted else ())}
    if any(column.strip().lower() in labels for column in columns):
        return None
    return step_column(columns)


def is_json_lines(text: str) -> bool:
    """Whether a ``.json`` file is JSON lines: an object on each of its first two lines."""
    lines = [line.strip() for line in text.lstrip().split("\n", 2)[:2]]
    return len(lines) == 2 and all(line.startswith("{") and line.endswith("}") for line in lines)


def json_lines_rows(
    path: str, text: str, count: ValueCount
) -> tuple[list[dict[str, Scalar]], list[str]]:
    """A JSON-lines log (one object a line) as flat rows, and where each row is."""
    rows: list[dict[str, Scalar]] = []
    refs: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        record = decode_json(path, line, first_line=number)
        if not isinstance(record, Mapping):
            raise InputError(
                f"{path}: line {number} is not a JSON object; a JSON-lines log has one "
                '{"step": ..., "loss": ...} object a line'
            )
        rows.append(flatten_record(record, count=count, where=f"line {number}"))
        refs.append(f"line {number}")
    return rows, refs
