"""A predictions file's text as named columns of raw cells: CSV, TSV, JSON lines or Parquet.

Pure: text (a Parquet file's bytes) in, columns out. Only the columns asked for are kept (a
file of 100k rows and 4,000 ``proba_`` columns would otherwise be held twice); cells stay as
written (predictions.py decides when labels are numbers). Every refusal names the file and the line
or column.
"""

from __future__ import annotations

import csv
import io
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from cmlreport.errors import InputError
from cmlreport.metrics.formats import decode_json
from cmlreport.metrics.limits import shown_key

# More rows than this and the bootstrap alone takes about a minute; a file this long is no test
# set a CI job evaluates (the input size limit alone would let ~8M short rows through).
MAX_EXAMPLES = 1_000_000
Cell = str | float | None


@dataclass(frozen=True)
class RawColumns:
    """The header of the file and, for each wanted column, its cells in row order."""

    path: str
    header: tuple[str, ...]
    cells: Mapping[str, list[Cell]]
    lines: list[int]  # the file line of each row, for messages
    text_only: bool = False  # every cell is text or None (CSV, TSV); JSON has numbers too
    row_word: str = "line"  # how messages name a place in the file (Parquet: "row")


FORMATS = {".csv": "csv", ".tsv": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl"}
FORMATS |= {".parquet": "parquet", ".pq": "parquet"}


def predictions_format(path: str) -> str:
    """``csv``, ``tsv``, ``jsonl`` or ``parquet`` from the file name (``.json``: JSON lines or
    an array of records)."""
    suffix = PurePath(path).suffix.lower()
    if suffix in FORMATS:
        return FORMATS[suffix]
    what = f"extension '{suffix}'" if suffix else "no extension"
    raise InputError(
        f"{path}: {what} is not a predictions format; give a .csv, .tsv, .jsonl or .parquet "
        "file (one row per example)"
    )


def is_binary(path: str) -> bool:
    """Whether the file is read as bytes (Parquet), not as UTF-8 text."""
    return PurePath(path).suffix.lower() in (".parquet", ".pq")


def data_rows(path: str, data: str | bytes) -> int:
    """About how many rows ``data`` holds (the header not counted), before it is parsed."""
    if isinstance(data, bytes):
        from cmlreport.metrics.parquet_rows import row_count

        return max(row_count(path, data), 1)
    return max(data.rstrip("\n").count("\n"), 1)


def read_columns(
    path: str, text: str | bytes, pick: Callable[[Sequence[str]], Sequence[str]]
) -> RawColumns:
    """The columns ``pick(header)`` names, read from ``text`` (bytes: a Parquet file);
    ``pick`` raises for a header that lacks what it needs."""
    if isinstance(text, bytes) or predictions_format(path) == "parquet":
        data = text if isinstance(text, bytes) else text.encode("utf-8", "surrogateescape")
        return _parquet(path, data, pick)
    if not text.strip():
        raise InputError(f"{path}: file is empty; write one row per example with a header")
    rows = text.count("\n")
    if rows > MAX_EXAMPLES + 1:
        raise InputError(
            f"{path}: about {rows:,} rows, over the limit of {MAX_EXAMPLES:,} examples; "
            "evaluate on a sample of the test set"
        )
    if predictions_format(path) == "jsonl":
        return _json_lines(path, text, pick)
    delimiter = "\t" if predictions_format(path) == "tsv" else ","
    return _delimited(path, text, delimiter, pick)


def check_header(path: str, header: Sequence[str]) -> None:
    """Every column named, and no name twice, in any case (names are matched ignoring case)."""
    seen: dict[str, str] = {}
    for number, column in enumerate(header, start=1):
        if not column:
            raise InputError(f"{path}: header column {number} has no name; name every column")
        if column.lower() in seen:
            first = seen[column.lower()]
            raise InputError(
                f"{path}: columns '{shown_key(first)}' and '{shown_key(column)}' have the same "
                "name (names are matched ignoring case); rename one"
            )
        seen[column.lower()] = column


def _delimited(
    path: str, text: str, delimiter: str, pick: Callable[[Sequence[str]], Sequence[str]]
) -> RawColumns:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        first = next((row for row in reader if any(cell.strip() for cell in row)), None)
        if first is None:
            raise InputError(f"{path}: no header row; the first line must name the columns")
        header = tuple(cell.strip() for cell in first)
        check_header(path, header)
        wanted = list(pick(header))
        take = operator.itemgetter(*[header.index(c) for c in wanted])
        width = len(header)
        kept: list[Any] = []
        lines: list[int] = []
        # The loop a million rows go through: a width check and one C call per row; the
        # cells are stripped a column at a time below.
        for row in reader:
            if len(row) != width:
                if not any(cell.strip() for cell in row):
                    continue  # a blank line
                raise InputError(
                    f"{path}: line {reader.line_num} has {len(row)} fields but the header has "
                    f"{width}; fix the row or quote values that contain the delimiter"
                )
            kept.append(take(row))
            lines.append(reader.line_num)
    except csv.Error as exc:
        raise InputError(f"{path}: not valid CSV at line {reader.line_num}: {exc}") from None
    # itemgetter of one index gives the cell itself, of more a tuple of them.
    columns = zip(*kept, strict=True) if len(wanted) > 1 else [kept]
    cells: dict[str, list[Cell]] = {name: [] for name in wanted}
    for name, column in zip(wanted, columns, strict=False):  # none at all without rows
        cells[name] = [cell.strip() or None for cell in column]
    return RawColumns(path, header, cells, lines, text_only=True)


def _json_lines(path: str, text: str, pick: Callable[[Sequence[str]], Sequence[str]]) -> RawColumns:
    records = _json_records(path, text)
    header = tuple(dict.fromkeys(str(k) for _, r in records for k in r))
    check_header(path, header)
    wanted = list(pick(header))
    cells: dict[str, list[Cell]] = {c: [] for c in wanted}
    for number, record in records:
        for column in wanted:
            cells[column].append(_json_cell(path, number, column, record.get(column)))
    return RawColumns(path, header, cells, [n for n, _ in records])


def _parquet(path: str, data: bytes, pick: Callable[[Sequence[str]], Sequence[str]]) -> RawColumns:
    from cmlreport.metrics.parquet_rows import parquet_columns

    header, values = parquet_columns(path, data, pick, MAX_EXAMPLES)
    cells = {
        name: [_json_cell(path, row, name, value) for row, value in enumerate(column, start=1)]
        for name, column in values.items()
    }
    rows = len(next(iter(values.values()), []))
    return RawColumns(path, header, cells, list(range(1, rows + 1)), row_word="row")


def _json_records(path: str, text: str) -> list[tuple[int, Mapping[str, object]]]:
    """One object a line, or (a ``.json`` file) one array of objects; with where each is:
    its line, or its place in the array."""
    if text.lstrip().startswith("["):
        if text.count("{") > MAX_EXAMPLES:  # before decoding a million mappings
            raise InputError(
                f"{path}: more than {MAX_EXAMPLES:,} records; evaluate on a sample of the test set"
            )
        items = decode_json(path, text)
        if not isinstance(items, list):
            raise InputError(f"{path}: not a JSON array of records")
        numbered = list(enumerate(items, start=1))
        what = "record"
    else:
        lines = enumerate(text.splitlines(), start=1)
        numbered = [(n, decode_json(path, line, first_line=n)) for n, line in lines if line.strip()]
        what = "line"
    for number, record in numbered:
        if not isinstance(record, Mapping):
            raise InputError(f"{path}: {what} {number} is not a JSON object; write one per example")
    return numbered


def _json_cell(path: str, line: int, column: str, value: object) -> Cell:
    if value is None or isinstance(value, str):
        return value or None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # 1.0 in one file and 1 in the other are the same class.
        return str(int(value)) if value.is_integer() else value
    raise InputError(
        f"{path}: line {line} column '{shown_key(column)}' holds a {type(value).__name__}, "
        "not a label or a number"
    )
