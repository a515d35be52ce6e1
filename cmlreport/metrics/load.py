"""Metrics files (JSON, YAML, TOML, CSV, TSV) into one ``MetricSet``, keys named as dvc does."""

# Flattening follows ``dvc metrics show/diff`` so that both tools name and read keys alike:
#
# - nested mappings join their keys with ``.`` (``{"eval": {"f1": 0.9}}`` -> ``eval.f1``); keys
#   that already contain dots are kept as they are;
# - int, float (NaN and inf included), str and bool are metrics; lists of scalars (``history``),
#   dates and other values are skipped, as dvc drops them;
# - unlike dvc, ``null`` is kept (as None) so the report can show it, and a list of records (one
#   mapping per class) becomes a per-class ``SliceTable`` named by its dotted key path, or by the
#   file's stem when the whole file is such a list.
#
# A CSV/TSV file with one data row holds scalars (column -> value); with more rows it is a table
# named by the file's stem.
#
# Across several files, a key (scalar key or table name) found in more than one file is written
# ``<path>:<key>`` in every file it appears in, with the path as given and ``/`` separators
# (``train/metrics.json:acc``). Keys found in one file only keep their plain name.

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path, PurePath
from typing import Any

from cmlreport.errors import InputError
from cmlreport.files import MAX_INPUT_BYTES, MAX_MARKUP_BYTES, read_text
from cmlreport.metrics.formats import (
    FORMATS,
    decode_delimited,
    decode_json,
    decode_toml,
    decode_yaml,
)
from cmlreport.metrics.limits import ValueCount, check_number, shown_key
from cmlreport.metrics.model import MetricSet, Scalar, SliceTable
from cmlreport.metrics.records import (
    build_table,
    class_report,
    find_label_column,
    flatten_record,
    is_scalar,
    key_text,
)

_EXTENSIONS = {
    ".json": "json",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".toml": "toml",
    ".csv": "csv",
    ".tsv": "tsv",
}
_SUPPORTED = ".json, .yaml/.yml, .toml, .csv or .tsv"
_DECODERS = {"json": decode_json, "yaml": decode_yaml, "toml": decode_toml}


def detect_format(path: str) -> str:
    """The metrics format ("json", "yaml", "toml", "csv", "tsv") named by the file extension."""
    suffix = PurePath(path).suffix.lower()
    if suffix in _EXTENSIONS:
        return _EXTENSIONS[suffix]
    what = f"extension '{suffix}'" if suffix else "no extension"
    raise InputError(f"{path}: {what} is not a metrics format; give a {_SUPPORTED} file")


def size_limit(fmt: str) -> int:
    """The largest metrics file of this format cmlreport reads (see ``cmlreport.files``)."""
    return MAX_MARKUP_BYTES if fmt in ("yaml", "toml") else MAX_INPUT_BYTES


def parse_metrics(
    path: str, text: str, fmt: str | None = None, *, label_column: str | None = None
) -> MetricSet:
    """One file's text as a MetricSet; ``path`` names the file in messages and table names;
    ``label_column`` (``--label-column``) names the label column of per-class tables."""
    if fmt is None:
        fmt = detect_format(path)
    elif fmt not in FORMATS:
        raise InputError(f"{path}: unknown metrics format '{fmt}'; use one of {', '.join(FORMATS)}")
    if not text.strip():
        raise InputError(f"{path}: file is empty; write the metrics before running cmlreport")
    if fmt in ("csv", "tsv"):
        return _from_delimited(path, text, "\t" if fmt == "tsv" else ",", label_column)
    return _from_document(path, _DECODERS[fmt](path, text), label_column)


def clashing_keys(sets: Sequence[tuple[str, MetricSet]]) -> frozenset[str]:
    """Keys (scalar keys or table names) that more than one of the files holds."""
    counts = Counter(key for _, metrics in sets for key in {*metrics.scalars, *metrics.tables})
    return frozenset(key for key, count in counts.items() if count > 1)


def merge_metric_sets(
    sets: Sequence[tuple[str, MetricSet]], *, prefix_keys: Collection[str] = ()
) -> MetricSet:
    """Several files' MetricSets as one; keys held by two files become ``<path>:<key>``.

    ``prefix_keys`` prefixes more keys: pass the keys that clash at the other revision so that
    base and head name a metric the same way even when only one of them has the clash.
    """
    _reject_repeated_paths(sets)
    prefixed = clashing_keys(sets) | frozenset(prefix_keys)
    scalars: dict[str, Scalar] = {}
    tables: dict[str, SliceTable] = {}
    sources: dict[str, str] = {}

    def claim(path: str, key: str) -> str:
        name = f"{path}:{key}" if key in prefixed else key
        if name in sources:
            raise InputError(f"{path}: key '{name}' is also in {sources[name]}; rename one of them")
        sources[name] = path
        return name

    for path, metrics in sets:
        for key, value in metrics.scalars.items():
            scalars[claim(path, key)] = value
        for key, table in metrics.tables.items():
            name = claim(path, key)
            tables[name] = table if name == table.name else replace(table, name=name)
    return MetricSet(scalars=scalars, tables=tables, sources=sources)


def metrics_file_name(path: str | Path) -> str:
    """How a metrics file is named in keys, sources and messages: as given, ``/``-separated."""
    return PurePath(path).as_posix()


def read_metric_files(
    paths: Sequence[str | Path], *, label_column: str | None = None
) -> list[tuple[str, MetricSet]]:
    """Read and parse each file (the I/O edge); a path given twice is read once.

    Keeps the files apart so a caller can merge base and head with the same ``prefix_keys``.
    """
    sets: list[tuple[str, MetricSet]] = []
    seen: set[Path] = set()
    for given in paths:
        path = Path(given)
        identity = path.resolve()
        if identity in seen:
            continue
        seen.add(identity)
        name = metrics_file_name(path)
        fmt = detect_format(name)  # before reading: a wrong extension is the clearer message
        text = read_text(path, name, inside="metrics files", limit=size_limit(fmt))
        sets.append((name, parse_metrics(name, text, fmt, label_column=label_column)))
    return sets


def _reject_repeated_paths(sets: Sequence[tuple[str, MetricSet]]) -> None:
    repeated = [path for path, count in Counter(path for path, _ in sets).items() if count > 1]
    if repeated:
        raise InputError(f"{repeated[0]}: given more than once; pass each metrics file once")


def _from_delimited(path: str, text: str, delimiter: str, wanted: str | None) -> MetricSet:
    table = decode_delimited(path, text, delimiter)
    if not table.rows:
        raise InputError(f"{path}: no data rows; add a row of values under the header")
    if len(table.rows) == 1:
        scalars = table.rows[0]
        return MetricSet(scalars=scalars, sources=dict.fromkeys(scalars, path))
    label = find_label_column(table.rows, wanted)
    if label is None:
        raise InputError(
            f"{path}: {len(table.rows)} data rows but no label column; add a column such as "
            "'label' or 'class' naming each row (or keep a single row of metrics)"
        )
    name = PurePath(path).stem
    slices = build_table(
        path=path,
        name=name,
        rows=table.rows,
        row_refs=[f"line {line}" for line in table.lines],
        label_column=label,
    )
    return MetricSet(tables={name: slices}, sources={name: path})


def _from_document(path: str, document: Any, wanted: str | None) -> MetricSet:
    found = _Found(path, wanted)
    if isinstance(document, Mapping):
        found.walk(document)
    elif _is_records(document):
        found.table(PurePath(path).stem, document, top_level=True)
    else:
        raise InputError(
            f"{path}: no metrics found; the top level is {_describe(document)}, "
            "expected a mapping of metric names to values (or a list of per-class records)"
        )
    return MetricSet(scalars=found.scalars, tables=found.tables, sources=found.sources)


class _Found:
    """Scalars and tables found while walking one decoded JSON/YAML/TOML document."""

    def __init__(self, path: str, label_column: str | None = None) -> None:
        self.path = path
        self.label_column = label_column
        self.scalars: dict[str, Scalar] = {}
        self.tables: dict[str, SliceTable] = {}
        self.sources: dict[str, str] = {}
        # Shared by the whole walk: aliases to one YAML node expand wherever they are used.
        self.count = ValueCount(path)

    def walk(self, document: Mapping[Any, Any]) -> None:
        # Depth-first with an explicit stack, in document order: depth is bounded by MAX_DEPTH,
        # not by Python's recursion limit, and every value visited is counted.
        document = self._class_report(PurePath(self.path).stem, document)
        stack: list[tuple[Iterator[tuple[Any, Any]], str]] = [(iter(document.items()), "")]
        while stack:
            items, prefix = stack[-1]
            for raw_key, value in items:
                self.count.add()
                key = f"{prefix}{key_text(raw_key)}"
                if isinstance(value, Mapping):
                    self.count.enter(len(stack), key)
                    stack.append((iter(self._class_report(key, value).items()), f"{key}."))
                    break
                if _is_records(value):
                    self.table(key, value, top_level=False)
                    continue
                check_number(self.path, f"key '{shown_key(key)}'", value)
                if is_scalar(value):
                    self._claim(key)
                    self.scalars[key] = value
                # Anything else (lists of numbers, dates) is a series or a label, not a metric.
            else:
                stack.pop()

    def table(self, name: str, records: Sequence[Mapping[Any, Any]], *, top_level: bool) -> None:
        rows = [
            flatten_record(record, count=self.count, where=f"table '{shown_key(name)}' row {n}")
            for n, record in enumerate(records, start=1)
        ]
        label = find_label_column(rows, self.label_column)
        if label is None:
            if top_level:
                raise InputError(
                    f"{self.path}: the records have no label column; add a field such as "
                    "'label' or 'class' naming each row"
                )
            # A list of unlabelled records inside a mapping is a series (say, per-epoch
            # history), not a per-class table; dvc skips every list, so do we.
            return
        self._claim(name)
        refs = [f"row {number}" for number in range(1, len(rows) + 1)]
        self.tables[name] = build_table(
            path=self.path, name=name, rows=rows, row_refs=refs, label_column=label
        )

    def _class_report(self, name: str, mapping: Mapping[Any, Any]) -> Mapping[Any, Any]:
        """A classification report's classes become the table ``name``; what is left to walk
        is its summary (accuracy, macro avg), the mapping itself when it is no report."""
        report = class_report(mapping)
        if report is None:
            return mapping
        self.table(name, report.rows, top_level=True)
        return report.summary

    def _claim(self, key: str) -> None:
        if key in self.sources:
            raise InputError(
                f"{self.path}: key '{key}' appears twice once nested keys are joined with '.'; "
                "rename one of them"
            )
        self.sources[key] = self.path


def _is_records(value: object) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, Mapping) for v in value)


def _describe(document: object) -> str:
    if document is None:
        return "empty"
    if isinstance(document, list):
        return "a list of values" if document else "an empty list"
    return f"a single {type(document).__name__} value"
