"""Per-class (per-model) tables at head against base: how many values, labels and columns moved."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from cmlreport.metrics.diff import same_value
from cmlreport.metrics.model import SliceTable


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
    cells = labels = 0
    for label, row in head_rows.items():
        old = base_rows.get(label)
        if old is None:
            continue
        if row == old and list(map(type, row.values())) == list(map(type, old.values())):
            continue  # the same cells, the same types: nothing moved (most rows of a big table)
        # A value present at one revision only (an empty CSV cell) has changed too.
        moved = sum(
            1
            for column in shared
            if (column in row) != (column in old)
            or not same_value(old.get(column), row.get(column))
        )
        cells += moved
        labels += moved > 0
    return TableDiff(
        name=name,
        n_labels=len(head_rows),
        cells_changed=cells,
        labels_changed=labels,
        labels_added=sum(1 for label in head_rows if label not in base_rows),
        labels_removed=sum(1 for label in base_rows if label not in head_rows),
        columns_added=tuple(c for c in head_columns if c not in base_columns),
        columns_removed=tuple(
            c for c in (base.columns if base is not None else ()) if c not in set(head_columns)
        ),
    )


def diff_tables(base: Mapping[str, SliceTable], head: Mapping[str, SliceTable]) -> list[TableDiff]:
    """One TableDiff per table of either side, in head's order then base-only tables."""
    names = list(head) + [name for name in base if name not in head]
    return [diff_table(name, base.get(name), head.get(name)) for name in names]
