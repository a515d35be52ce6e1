"""Any supported data file read as a table of raw cells: CSV, TSV, JSON lines, JSON lists."""

# Pure: takes the file's name (for error messages and to pick the format) and its text. Cells stay
# raw (strings from CSV/TSV, JSON values from JSON); deciding what they mean is up to the caller.

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cmlreport.errors import InputError
from cmlreport.metrics.formats import json_value, too_deep


@dataclass(frozen=True)
class Table:
    """A file read as a table of raw cells: strings from CSV/TSV, JSON values from JSON."""

    columns: tuple[str, ...]
    rows: list[list[Any]]
    where: list[str]  # "line 7" or "item 3", for error messages
    delimited: bool


def read_table(path: str, text: str) -> Table:
    """CSV, TSV, JSON lines, a JSON list of objects or a JSON object of lists.

    Nested JSON objects flatten to dotted column names: ``{"val": {"loss": 1}}`` -> ``val.loss``.
    """
    try:
        return _read_table(path, text)
    except RecursionError:  # JSON nested about 1,000 deep: the decoder or _flatten gives up
        raise too_deep(path, "JSON") from None


def _read_table(path: str, text: str) -> Table:
    kind = _kind(path, text)
    if kind in ("csv", "tsv"):
        return _read_delimited(path, text, "\t" if kind == "tsv" else ",")
    if kind == "jsonl":
        return _read_json_lines(path, text)
    try:
        data = json_value(text)
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


def _read_delimited(path: str, text: str, delimiter: str) -> Table:
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
    return Table(tuple(header), rows, where, delimited=True)


def _read_json_lines(path: str, text: str) -> Table:
    records: list[Any] = []
    where: list[str] = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append(json_value(line))
        except json.JSONDecodeError as exc:
            raise InputError(
                f"{path}: line {n}: not valid JSON ({exc.msg}); each line must be one JSON object"
            ) from None
        where.append(f"line {n}")
    return _from_records(path, records, where)


def _from_records(path: str, records: Sequence[Any], where: list[str]) -> Table:
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
    return Table(tuple(columns), rows, list(where), delimited=False)


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
    duplicates = sorted(c for c, n in Counter(header).items() if n > 1)
    if duplicates:
        raise InputError(
            f"{path}: the header repeats {', '.join(duplicates)}; give every column its own name"
        )
