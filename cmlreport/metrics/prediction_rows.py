"""A predictions file's text as named columns of raw cells: CSV, TSV or JSON lines.

Pure: text in, columns out. Only the columns asked for are kept (a file of 100k rows and 4,000
``proba_`` columns would otherwise be held twice); cells stay as written, so a label ``01`` is
not the label ``1``. Every refusal names the file and the line or column.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePath

from cmlreport.errors import InputError
from cmlreport.metrics.formats import decode_json
from cmlreport.metrics.limits import shown_key

# More rows than this and the bootstrap alone takes minutes; a file this long is no test set a
# CI job evaluates (and 16 MiB of input caps it near 4M rows anyway).
MAX_EXAMPLES = 1_000_000
Cell = str | float | None


@dataclass(frozen=True)
class RawColumns:
    """The header of the file and, for each wanted column, its cells in row order."""

    path: str
    header: tuple[str, ...]
    cells: Mapping[str, list[Cell]]
    lines: list[int]  # the file line of each row, for messages


def predictions_format(path: str) -> str:
    """``csv``, ``tsv`` or ``jsonl`` from the file name (``.json``: JSON lines or an array of
    records)."""
    suffix = PurePath(path).suffix.lower()
    formats = {".csv": "csv", ".tsv": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
    formats[".json"] = "jsonl"
    if suffix in formats:
        return formats[suffix]
    what = f"extension '{suffix}'" if suffix else "no extension"
    raise InputError(
        f"{path}: {what} is not a predictions format; give a .csv, .tsv or .jsonl file "
        "(one row per example)"
    )


def read_columns(
    path: str, text: str, pick: Callable[[Sequence[str]], Sequence[str]]
) -> RawColumns:
    """The columns ``pick(header)`` names, read from ``text``; ``pick`` raises for a header
    that lacks what it needs."""
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
    records = _records(path, reader)
    first = next(records, None)
    if first is None:
        raise InputError(f"{path}: no header row; the first line must name the columns")
    header = tuple(cell.strip() for cell in first[1])
    check_header(path, header)
    wanted = list(pick(header))
    at = [header.index(c) for c in wanted]
    cells: dict[str, list[Cell]] = {c: [] for c in wanted}
    lists = [cells[c] for c in wanted]
    lines: list[int] = []
    width = len(header)
    for line, row in records:
        if len(row) != width:
            raise InputError(
                f"{path}: line {line} has {len(row)} fields but the header has {width}; fix "
                "the row or quote values that contain the delimiter"
            )
        for out, i in zip(lists, at, strict=True):
            out.append(row[i].strip() or None)
        lines.append(line)
    return RawColumns(path, header, cells, lines)


def _records(path: str, reader: Iterator[list[str]]) -> Iterator[tuple[int, list[str]]]:
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                yield reader.line_num, row  # type: ignore[attr-defined]
    except csv.Error as exc:
        line = reader.line_num  # type: ignore[attr-defined]
        raise InputError(f"{path}: not valid CSV at line {line}: {exc}") from None


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


def _json_records(path: str, text: str) -> list[tuple[int, Mapping[str, object]]]:
    """One object a line, or (a ``.json`` file) one array of objects; with where each is:
    its line, or its place in the array."""
    if text.lstrip().startswith("["):
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
