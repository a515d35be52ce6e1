"""CSV and TSV text as a header and its columns of values, parsed a column at a time."""

# Pure: text in, values out. A 400k-row per-class table is 1.6M cells, so the work is done on
# whole columns at C speed (str.split, float(), one regex over a column) wherever that gives
# exactly what the cell-by-cell reading gives; ``parse_cell`` is that reading, and the cell
# that does not fit a column's fast path sends the column back to it.

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import compress, count, repeat
from typing import Any

from cmlreport.errors import InputError
from cmlreport.metrics.limits import (
    MAX_INT_DIGITS,
    OversizedInt,
    ValueCount,
    check_number,
    int_from_text,
    shown_key,
)
from cmlreport.metrics.model import Scalar

Cell = Scalar | OversizedInt


@dataclass(frozen=True)
class CsvTable:
    """A delimited file's header and data, column by column, values parsed (``parse_cell``)."""

    columns: tuple[str, ...]
    values: tuple[Sequence[Scalar], ...]  # one per column, one value per data row
    lines: Sequence[int]  # the file line each row ends on, for error messages

    @cached_property
    def rows(self) -> tuple[dict[str, Scalar], ...]:
        """The data rows as mappings, for the readers that take rows (a log, one row)."""
        rows = zip(*self.values, strict=True)
        return tuple(dict(zip(self.columns, cells, strict=True)) for cells in rows)


def parse_cell(cell: str) -> Cell:
    """A CSV cell as a value: int, float (nan/inf too), None when empty, else the text.

    Numbers are ``[-+]?[0-9]+`` (int), decimal floats with an optional exponent, and nan, inf,
    infinity in any case: what ``float()`` reads once underscores and non-ASCII digits are kept
    from it. tests/unit/test_format_cells.py holds this to those patterns."""
    text = cell.strip()
    if not text:
        return None
    if not text.isascii() or "_" in text:
        return text
    if (text[1:] if text[0] in "+-" else text).isdigit():
        return int_from_text(text)
    try:
        return float(text)
    except ValueError:
        return text


def looks_like_number(text: str) -> bool:
    return isinstance(parse_cell(text), (int, float, OversizedInt))


# Over a column's cells joined by NUL (which no cell then holds): every cell an int (spaces
# and tabs only around it: int() strips no other whitespace), and some cell an int (\s is what
# str.strip() strips, for ASCII text).
_ALL_INTS = re.compile(r"[ \t]*[-+]?[0-9]+[ \t]*(?:\x00[ \t]*[-+]?[0-9]+[ \t]*)*")
# Each pattern is a cell's: ``match`` tries the first cell, ``search`` the others (after a
# NUL). One pattern starting ``(?:\A|\x00)`` would be tried at every position; a literal NUL
# first lets the regex engine skip to the next NUL (five times faster on a 400k-cell column).
# A cell that float() could read starts so (non-ASCII digits too: \d is wide, which is safe).
_MAYBE_NUMBER = r"\s*(?:[-+.\d]|(?i:nan|inf))"
_EMPTY_CELL = r"\s*(?=\x00|\Z)"
_SOME_INT = r"\s*[-+]?[0-9]+\s*(?:\x00|\Z)"


class _AnyCell:
    """Whether some cell of a NUL-joined column matches ``pattern`` from its start."""

    def __init__(self, pattern: str) -> None:
        self.first, self.later = re.compile(pattern), re.compile("\x00" + pattern)

    def __call__(self, joined: str) -> bool:
        return bool(self.first.match(joined) or self.later.search(joined))


_maybe_number, _empty_cell, _some_int = map(_AnyCell, (_MAYBE_NUMBER, _EMPTY_CELL, _SOME_INT))


def parse_column(cells: Sequence[str]) -> list[Cell]:
    """``[parse_cell(c) for c in cells]``, at C speed for a column of ints or of floats."""
    joined = "\x00".join(cells)
    if joined.count("\x00") != len(cells) - 1:
        return list(map(parse_cell, cells))
    if not _maybe_number(joined) and not _empty_cell(joined):
        return list(map(str.strip, cells))  # labels: no cell can be a number nor empty
    if not joined.isascii() or "_" in joined:
        return list(map(parse_cell, cells))
    if _ALL_INTS.fullmatch(joined) and max(map(len, cells)) <= MAX_INT_DIGITS:
        return list(map(int, cells))  # int() strips as parse_cell does; none is oversized
    try:
        values: list[Cell] = list(map(float, cells))
    except ValueError:  # an empty cell, a word: not a column of floats
        return list(map(parse_cell, cells))
    if joined.count(".") != len(cells) and _some_int(joined):  # ints among floats stay ints
        return list(map(parse_cell, cells))
    return values


def decode_delimited(path: str, text: str, delimiter: str) -> CsvTable:
    """Header row plus data columns; blank lines are skipped, ragged rows are errors."""
    name = "TSV" if delimiter == "\t" else "CSV"
    split = _split_plain(text, delimiter) or _split_quoted(path, name, text, delimiter)
    if split.header is None:
        raise InputError(f"{path}: no header row; the first line must name the columns")
    columns = tuple(cell.strip() for cell in split.header)
    _check_header(path, columns)
    lines = split.lines
    cells_of = split.columns
    if cells_of is None:
        _check_widths(path, delimiter, len(columns), lines, split.rows)
        by_column = zip(*split.rows, strict=True)
        cells_of = [list(c) for c in by_column] if split.rows else [[] for _ in columns]
    ValueCount(path).add(len(columns) * (len(lines) + 1))
    values = tuple(map(parse_column, cells_of))
    for column, cells in zip(columns, values, strict=True):
        if OversizedInt in set(map(type, cells)):  # an int of at most 300 digits is in range
            at = list(map(type, cells)).index(OversizedInt)
            check_number(path, f"line {lines[at]} column '{shown_key(column)}'", cells[at])
    return CsvTable(columns=columns, values=values, lines=lines)  # type: ignore[arg-type]


@dataclass(frozen=True)
class _Split:
    lines: list[int]  # of the data rows
    header: list[str] | None
    rows: list[list[str]] = field(default_factory=list)  # when not known to fit the header
    columns: list[list[str]] | None = None  # when every row has the header's width


def _split_plain(text: str, delimiter: str) -> _Split | None:
    """Text with no quote, carriage return or NUL is split as csv.reader would split it, by
    str.split; None when the csv module must read it (or would refuse a field's size)."""
    if '"' in text or "\r" in text or "\x00" in text:
        return None
    raw = text.split("\n")
    if max(map(len, raw)) > csv.field_size_limit():
        return None
    # The lines holding more than delimiters and whitespace (blank ones are skipped), found
    # with C-speed maps: a Python call per line was a tenth of reading 400k rows.
    filled = map(str.strip, map(str.replace, raw, repeat(delimiter), repeat("")))
    kept = list(compress(count(1), filled))
    if not kept:
        return _Split([], None)
    header = raw[kept[0] - 1].split(delimiter)
    body = [raw[number - 1] for number in kept[1:]]
    if set(map(str.count, body, repeat(delimiter))) <= {len(header) - 1}:
        # One split over the whole body; the columns are then strided slices of it.
        flat = delimiter.join(body).split(delimiter) if body else []
        width = len(header)
        return _Split(kept[1:], header, columns=[flat[i::width] for i in range(width)])
    return _Split(kept[1:], header, rows=[line.split(delimiter) for line in body])


def _split_quoted(path: str, name: str, text: str, delimiter: str) -> _Split:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records = list(_records(path, name, reader))
    if not records:
        return _Split([], None)
    return _Split([n for n, _ in records[1:]], records[0][1], [c for _, c in records[1:]])


def _records(path: str, name: str, reader: Any) -> Iterator[tuple[int, list[str]]]:
    try:
        for cells in reader:
            if "".join(cells).strip():  # not a blank line
                yield reader.line_num, cells
    except csv.Error as exc:
        raise InputError(f"{path}: not valid {name} at line {reader.line_num}: {exc}") from None


def _check_widths(
    path: str, delimiter: str, width: int, lines: Sequence[int], rows: list[list[str]]
) -> None:
    for line, cells in zip(lines, rows, strict=True):
        if len(cells) != width:
            shown = "tab" if delimiter == "\t" else repr(delimiter)
            raise InputError(
                f"{path}: line {line} has {len(cells)} fields but the header has "
                f"{width}; fix the row or quote values that contain a {shown}"
            )


def _check_header(path: str, columns: tuple[str, ...]) -> None:
    seen: set[str] = set()
    for number, column in enumerate(columns, start=1):
        if not column:
            raise InputError(f"{path}: header column {number} has no name; name every column")
        if column in seen:
            raise InputError(
                f"{path}: header names column '{column}' twice; column names must be unique"
            )
        seen.add(column)
