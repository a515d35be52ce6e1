"""Per-class (per-model) tables at head against base: how many values, labels and columns moved."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from itertools import compress
from operator import is_not, ne, or_

from cmlreport.metrics.columnar import ColumnRows
from cmlreport.metrics.diff import same_value
from cmlreport.metrics.model import Scalar, SliceTable


@dataclass(frozen=True)
class TableDiff:
    """What changed in one table. ``cells_changed`` counts values of labels and columns found
    at both revisions; new or removed labels and columns are counted apart."""

    name: str
    n_labels: int  # at head
    cells_changed: int
    labels_changed: int  # labels (at both revisions) with at least one changed value
    labels_added: int
    labels_removed: int
    columns_added: tuple[str, ...] = ()
    columns_removed: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(
            self.cells_changed
            or self.labels_added
            or self.labels_removed
            or self.columns_added
            or self.columns_removed
        )


def diff_table(name: str, base: SliceTable | None, head: SliceTable | None) -> TableDiff:
    base_rows = base.rows if base is not None else {}
    head_rows = head.rows if head is not None else {}
    base_columns = set(base.columns) if base is not None else set()
    head_columns = head.columns if head is not None else ()
    shared = [c for c in head_columns if c in base_columns]
    if isinstance(base_rows, ColumnRows) and isinstance(head_rows, ColumnRows):
        cells, labels = _moved_columns(base_rows, head_rows, shared)
    else:
        cells, labels = _moved_rows(base_rows, head_rows, shared)
    return TableDiff(
        name=name,
        n_labels=len(head_rows),
        cells_changed=cells,
        labels_changed=labels,
        labels_added=_count_missing(head_rows, base_rows),
        labels_removed=_count_missing(base_rows, head_rows),
        columns_added=tuple(c for c in head_columns if c not in base_columns),
        columns_removed=tuple(
            c for c in (base.columns if base is not None else ()) if c not in set(head_columns)
        ),
    )


def _count_missing(
    rows: Mapping[str, Mapping[str, Scalar]], other: Mapping[str, Mapping[str, Scalar]]
) -> int:
    """How many of ``rows``' labels ``other`` does not hold."""
    if isinstance(rows, ColumnRows) and isinstance(other, ColumnRows):
        return len(rows) - sum(map(other.index.__contains__, rows.labels))  # C-speed loop
    return sum(1 for label in rows if label not in other)


def _moved_rows(
    base_rows: Mapping[str, Mapping[str, Scalar]],
    head_rows: Mapping[str, Mapping[str, Scalar]],
    shared: list[str],
) -> tuple[int, int]:
    """Changed cells of the shared columns, and the labels holding them, row by row."""
    cells = labels = 0
    for label, row in head_rows.items():
        old = base_rows.get(label)
        if old is None:
            continue
        if row == old and list(map(type, row.values())) == [type(old[c]) for c in row]:
            # The same cells, the same types column by column (two files may order their
            # columns differently): nothing moved (most rows of a big table).
            continue
        # A value present at one revision only (an empty CSV cell) has changed too.
        moved = sum(
            1
            for column in shared
            if (column in row) != (column in old)
            or not same_value(old.get(column), row.get(column))
        )
        cells += moved
        labels += moved > 0
    return cells, labels


def _moved_columns(base: ColumnRows, head: ColumnRows, shared: list[str]) -> tuple[int, int]:
    """``_moved_rows`` a column at a time: the labels at both revisions lined up once, a
    cell compared in Python only where ``!=`` or its type says it may have moved (every row
    holds every column, so none is present at one revision only)."""
    at_base = list(map(base.index.get, head.labels))
    both = [i for i, j in enumerate(at_base) if j is not None]
    base_at = [at_base[i] for i in both]
    cells = 0
    moved_labels: set[int] = set()
    for column in shared:
        news, olds = head.by_column[column], base.by_column[column]
        new = [news[i] for i in both]
        old = [olds[j] for j in base_at]  # type: ignore[index]
        maybe = map(or_, map(ne, old, new), map(is_not, map(type, old), map(type, new)))
        for k in compress(range(len(new)), maybe):
            if not same_value(old[k], new[k]):
                cells += 1
                moved_labels.add(k)
    return cells, len(moved_labels)


def diff_tables(base: Mapping[str, SliceTable], head: Mapping[str, SliceTable]) -> list[TableDiff]:
    """One TableDiff per table of either side, in head's order then base-only tables."""
    names = list(head) + [name for name in base if name not in head]
    return [diff_table(name, base.get(name), head.get(name)) for name in names]
