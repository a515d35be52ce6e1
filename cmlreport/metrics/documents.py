"""A decoded JSON, YAML or TOML document as metrics: dotted scalars, per-class tables, logs."""

# Pure. Flattening follows ``dvc metrics show/diff`` (see ``load``): nested mappings join their
# keys with ``.``; int, float, str and bool are metrics; lists of scalars and dates are skipped;
# ``null`` is kept (as None); a list of records becomes a per-class ``SliceTable`` named by its
# dotted key path, or by the file's stem when the whole file is such a list (a training log when
# it has a step column and no label, ``tabular``); trainer_state.json adds its log_history.

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence
from pathlib import PurePath
from typing import Any

from cmlreport.errors import InputError
from cmlreport.metrics import huggingface
from cmlreport.metrics.grouped import grouped_scalars
from cmlreport.metrics.limits import MAX_VALUES, ValueCount, check_number, shown_key
from cmlreport.metrics.logs import LogValues
from cmlreport.metrics.model import MetricSet, OneSource, Scalar, SliceTable
from cmlreport.metrics.records import (
    build_table,
    class_report,
    find_label_column,
    flatten_record,
    is_scalar,
    key_text,
)
from cmlreport.metrics.tabular import from_rows, log_step


def from_document(
    path: str, document: Any, wanted: str | None, values: LogValues, limit: int = MAX_VALUES
) -> MetricSet:
    """``wanted`` is the ``--label-column``; ``values`` picks a training log's metrics;
    ``limit`` bounds the values the walk visits (YAML aliases expanded)."""
    found = _Found(path, wanted, limit)
    if type(document) is dict and _plain_document(document):
        grouped = grouped_scalars(document, limit)
        if grouped is not None:  # nothing to flatten key by key (most large files)
            return MetricSet(scalars=grouped, sources=OneSource(path, grouped))
    if isinstance(document, Mapping):
        found.walk(document)
        if huggingface.is_trainer_state(document):
            return huggingface.with_trainer_log(
                path, document, MetricSet(found.scalars, found.tables), found.count, values
            )
    elif _is_records(document):
        rows = [
            flatten_record(record, count=found.count, where=f"row {n}")
            for n, record in enumerate(document, start=1)
        ]
        if log_step(rows, wanted) is not None:
            return from_rows(path, rows, [f"row {n}" for n in range(1, len(rows) + 1)], values)
        found.table(PurePath(path).stem, document, top_level=True)
    else:
        raise InputError(
            f"{path}: no metrics found; the top level is {_describe(document)}, "
            "expected a mapping of metric names to values (or a list of per-class records)"
        )
    sources = OneSource(path, found.scalars, found.tables)
    return MetricSet(scalars=found.scalars, tables=found.tables, sources=sources)


class _Found:
    """Scalars and tables found while walking one decoded JSON/YAML/TOML document."""

    def __init__(self, path: str, label_column: str | None, limit: int) -> None:
        self.path = path
        self.label_column = label_column
        self.scalars: dict[str, Scalar] = {}
        self.tables: dict[str, SliceTable] = {}
        # Shared by the whole walk: aliases to one YAML node expand wherever they are used.
        self.count = ValueCount(path, limit)

    def walk(self, document: Mapping[Any, Any]) -> None:
        # Depth-first with an explicit stack, in document order: depth is bounded by MAX_DEPTH,
        # not by Python's recursion limit, and every value visited is counted. Exact-type checks
        # first: a million-key file is almost all str keys and float values, and this loop is
        # most of the time `diff` spends on it.
        document = self._class_report(PurePath(self.path).stem, document)
        if self._leaves("", document):
            return
        count, scalars, tables, path = self.count, self.scalars, self.tables, self.path
        stack: list[tuple[Iterator[tuple[Any, Any]], str]] = [(iter(document.items()), "")]
        while stack:
            items, prefix = stack[-1]
            for raw_key, value in items:
                count.count += 1
                if count.count > count.limit:
                    count.add(0)  # raises, naming the limit
                key = prefix + (raw_key if type(raw_key) is str else key_text(raw_key))
                kind = type(value)
                if kind is float or kind is str or kind is bool or value is None:
                    if key in scalars or key in tables:
                        self._claim(key)  # raises, naming the key
                    scalars[key] = value
                    continue
                if isinstance(value, Mapping):
                    count.enter(len(stack), key)
                    inner = self._class_report(key, value)
                    if self._leaves(f"{key}.", inner):
                        continue
                    stack.append((iter(inner.items()), f"{key}."))
                    break
                if _is_records(value):
                    self.table(key, value, top_level=False)
                    continue
                check_number(path, f"key '{shown_key(key)}'", value)
                if is_scalar(value):
                    self._claim(key)
                    scalars[key] = value
                # Anything else (lists of numbers, dates) is a series or a label, not a metric.
            else:
                stack.pop()

    def _leaves(self, prefix: str, mapping: Mapping[Any, Any]) -> bool:
        """A mapping of text keys to plain values (the innermost level of nearly every
        metrics file) taken whole, as the walk would take it key by key; False, and nothing
        taken, for anything else, and where the walk would stop with an error."""
        if not _LEAF_TYPES.issuperset(map(type, mapping.values())):  # map and set: C loops
            return False
        if not _STR.issuperset(map(type, mapping)):
            return False
        if self.count.count + len(mapping) > self.count.limit:
            return False
        keys = list(map(prefix.__add__, mapping))
        if self.tables and not self.tables.keys().isdisjoint(keys):
            return False
        known = len(self.scalars)
        self.scalars.update(zip(keys, mapping.values(), strict=True))
        if len(self.scalars) < known + len(keys):
            # A key taken before: the first one, in the walk's order, is the error.
            before = set(itertools.islice(self.scalars, known))
            self._claim(next(k for k in keys if k in before))
        self.count.count += len(mapping)
        return True

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
                    "'label' or 'class' naming each row, or 'epoch' or 'step' for a training log"
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
        if key in self.scalars or key in self.tables:
            raise InputError(
                f"{self.path}: key '{key}' appears twice once nested keys are joined with '.'; "
                "rename one of them"
            )


_LEAF_TYPES = frozenset({float, str, bool, type(None)})
_STR = frozenset({str})


def _plain_document(document: Mapping[Any, Any]) -> bool:
    """Neither a classification report nor a trainer state: what the walk would read alone."""
    return class_report(document) is None and not huggingface.is_trainer_state(document)


def _is_records(value: object) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, Mapping) for v in value)


def _describe(document: object) -> str:
    if document is None:
        return "empty"
    if isinstance(document, list):
        return "a list of values" if document else "an empty list"
    return f"a single {type(document).__name__} value"
