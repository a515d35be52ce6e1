"""Lists of records (one mapping per class or slice) become per-class ``SliceTable``s."""

# Pure. The label column is the first of ``LABEL_COLUMNS`` present in the records, else the first
# column holding only non-numeric text; every row must then carry a unique label.

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from cmlreport.errors import InputError
from cmlreport.metrics.columnar import ColumnRows
from cmlreport.metrics.delimited import looks_like_number
from cmlreport.metrics.limits import OversizedInt, ValueCount, check_number, shown_key
from cmlreport.metrics.model import Scalar, SliceTable

# Matched case-insensitively: Ultralytics writes "Class", others "Label" or "Name".
LABEL_COLUMNS = (
    "label",
    "class",
    "class_name",
    "class name",
    "classname",
    "name",
    "category",
    "slice",
    "model",
    "model_name",
    "id",
    "key",
)
# The label column of a table made from a mapping of per-class mappings (sklearn's report).
REPORT_LABEL = "label"


def is_scalar(value: object) -> bool:
    # Dates, binary blobs and sets (YAML/TOML can produce them) are not metrics: dvc drops them.
    return value is None or isinstance(value, (bool, int, float, str))


def key_text(key: object) -> str:
    """A mapping key as text, spelled the way JSON would (YAML allows ``1:`` or ``true:``)."""
    if isinstance(key, str):
        return key
    if isinstance(key, OversizedInt):
        return key.text  # a name, not a number: as long as the file spells it
    if isinstance(key, bool) or key is None:
        return {True: "true", False: "false", None: "null"}[key]
    return str(key)


def flatten_record(
    record: Mapping[Any, Any], prefix: str = "", *, count: ValueCount, where: str = "a record"
) -> dict[str, Scalar]:
    """Nested mappings become dotted columns; lists and other non-scalars are dropped.

    ``count`` bounds the work (an alias bomb expands here); ``where`` names the record in errors.
    """
    flat: dict[str, Scalar] = {}
    # Depth-first with an explicit stack (same order as recursion), so depth is limited by
    # MAX_DEPTH and not by Python's recursion limit.
    stack: list[tuple[Iterator[tuple[Any, Any]], str]] = [(iter(record.items()), prefix)]
    while stack:
        items, at = stack[-1]
        for raw_key, value in items:
            count.add()
            key = f"{at}{key_text(raw_key)}"
            if isinstance(value, Mapping):
                count.enter(len(stack), key)
                stack.append((iter(value.items()), f"{key}."))
                break
            check_number(count.path, f"{where} key '{shown_key(key)}'", value)
            if is_scalar(value):
                flat[key] = value
        else:
            stack.pop()
    return flat


def find_label_column(
    rows: Sequence[Mapping[str, Scalar]], wanted: str | None = None
) -> str | None:
    """``wanted`` (``--label-column``) when the rows have it, else a usual name, else the first
    column of text only; names are compared case-insensitively."""
    return label_of(_columns(rows), lambda c: (row[c] for row in rows if c in row), wanted)


def label_of(
    columns: Sequence[str],
    values_of: Callable[[str], Iterable[Scalar]],
    wanted: str | None = None,
) -> str | None:
    """``find_label_column`` over columns: ``values_of`` gives a column's values."""
    lowered = {column.lower(): column for column in reversed(columns)}
    for candidate in (wanted.lower(),) if wanted else LABEL_COLUMNS:
        if candidate in lowered:
            return lowered[candidate]
    if wanted:
        return label_of(columns, values_of)
    for column in columns:
        values = [v for v in values_of(column) if v is not None]
        if values and all(isinstance(v, str) and not looks_like_number(v) for v in values):
            return column
    return None


def build_table(
    *,
    path: str,
    name: str,
    rows: Sequence[Mapping[str, Scalar]],
    row_refs: Sequence[str],
    label_column: str,
) -> SliceTable:
    """``row_refs`` say where each row is ("row 3", "line 4") for error messages."""
    table_rows: dict[str, dict[str, Scalar]] = {}
    first_seen: dict[str, str] = {}
    for row, ref in zip(rows, row_refs, strict=True):
        label = _label_text(row.get(label_column))
        if label is None:
            raise InputError(
                f"{path}: table '{name}' {ref} has no '{label_column}' value; "
                "every row needs a label"
            )
        if label in table_rows:
            raise InputError(
                f"{path}: table '{name}' {ref} repeats label '{label}' "
                f"(first at {first_seen[label]}); labels in '{label_column}' must be unique"
            )
        first_seen[label] = ref
        table_rows[label] = {k: v for k, v in row.items() if k != label_column}
    columns = tuple(c for c in _columns(rows) if c != label_column)
    return SliceTable(
        name=name, label_column=label_column, columns=columns, rows=table_rows, source=path
    )


def table_of_columns(
    *,
    path: str,
    name: str,
    columns: Sequence[str],
    values: Sequence[Sequence[Scalar]],
    lines: Sequence[int],
    label_column: str,
) -> SliceTable:
    """``build_table`` of a delimited file's columns, a column at a time (400k labels)."""
    at = list(columns).index(label_column)
    raw = values[at]
    texts = cast("Sequence[str]", raw)  # when every cell is text, checked first
    if set(map(type, raw)) == {str} and all(map(str.strip, texts)):
        labels: list[str | None] = list(texts)
    else:
        labels = list(map(_label_text, raw))
    if None in labels:
        line = lines[labels.index(None)]
        raise InputError(
            f"{path}: table '{name}' line {line} has no '{label_column}' value; "
            "every row needs a label"
        )
    index = dict(zip(labels, range(len(labels)), strict=True))
    if len(index) != len(labels):
        _repeated_label(path, name, labels, lines, label_column)
    others = [c for c in columns if c != label_column]
    cells = [v for i, v in enumerate(values) if i != at]
    rows = ColumnRows(labels, index, others, cells)  # type: ignore[arg-type]
    return SliceTable(
        name=name, label_column=label_column, columns=tuple(others), rows=rows, source=path
    )


def _repeated_label(
    path: str, name: str, labels: Sequence[str | None], lines: Sequence[int], column: str
) -> None:
    first: dict[str | None, int] = {}
    for label, line in zip(labels, lines, strict=True):
        if label in first:
            raise InputError(
                f"{path}: table '{name}' line {line} repeats label '{label}' "
                f"(first at line {first[label]}); labels in '{column}' must be unique"
            )
        first[label] = line


def _columns(rows: Sequence[Mapping[str, Scalar]]) -> list[str]:
    # dict keeps first-seen order across rows that do not all share the same keys.
    return list(dict.fromkeys(column for row in rows for column in row))


def _label_text(value: Scalar) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        return value
    return key_text(value)


@dataclass(frozen=True)
class ClassReport:
    """scikit-learn's ``classification_report(output_dict=True)``: one row per class, and the
    summary entries (``accuracy``, ``macro avg``, ``weighted avg``) that stay scalars."""

    rows: list[dict[str, Any]]  # each with the class under REPORT_LABEL
    summary: dict[Any, Any]


def class_report(mapping: Mapping[Any, Any]) -> ClassReport | None:
    """The mapping as a ClassReport when it is shaped like one, else None.

    The shape, not the names of the classes: an ``… avg`` entry holding precision, recall or
    f1-score, and every other entry either ``accuracy`` or a mapping of the same columns.
    """
    # sklearn always writes "macro avg": a dict lookup keeps a walk over 1M keys at its pace.
    if not any(name in mapping for name in _AVERAGES):
        return None
    summary = {k: v for k, v in mapping.items() if _is_summary(k)}
    averages = [v for k, v in summary.items() if key_text(k).lower().endswith(" avg")]
    if not any(isinstance(v, Mapping) and _SCORES.intersection(v) for v in averages):
        return None
    classes = {k: v for k, v in mapping.items() if k not in summary}
    if not classes or not all(isinstance(v, Mapping) for v in classes.values()):
        return None
    shapes = {frozenset(v) for v in classes.values()}
    if len(shapes) != 1 or not _SCORES.intersection(next(iter(shapes))):
        return None
    if any(isinstance(cell, Mapping) for v in classes.values() for cell in v.values()):
        return None
    rows = [{REPORT_LABEL: key_text(k), **v} for k, v in classes.items()]
    return ClassReport(rows, summary)


_SCORES = frozenset({"precision", "recall", "f1-score", "f1"})
_AVERAGES = ("macro avg", "weighted avg", "micro avg", "samples avg")


def _is_summary(key: object) -> bool:
    text = key_text(key).lower()
    return text == "accuracy" or text.endswith(" avg")
