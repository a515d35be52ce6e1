"""A per-class table's rows kept as the columns a delimited file was read into.

Pure. ``SliceTable.rows`` maps a label to its row; a 400k-label CSV would make 400k dicts to
hold what its columns already hold. ``ColumnRows`` answers as that dict of dicts would (a row
is made when asked for), and ``table_diff`` and ``slices`` read its columns whole.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from cmlreport.metrics.model import Scalar


class ColumnRows(Mapping[str, Mapping[str, Scalar]]):
    """``{label: {column: value, ...}, ...}`` of unique labels and same-length columns; every
    row holds every column (an empty cell is None), as a delimited file's rows do."""

    def __init__(
        self,
        labels: Sequence[str],
        index: Mapping[str, int],
        columns: Sequence[str],
        values: Sequence[Sequence[Scalar]],
    ) -> None:
        self.labels, self.index = labels, index  # index: label -> its row number
        self.by_column = dict(zip(columns, values, strict=True))

    def column(self, name: str) -> Sequence[Scalar] | None:
        """The values of one column in label order; None when the table has no such column."""
        return self.by_column.get(name)

    def __getitem__(self, label: str) -> Mapping[str, Scalar]:
        at = self.index[label]
        return {name: values[at] for name, values in self.by_column.items()}

    def __contains__(self, label: object) -> bool:
        return label in self.index

    def __iter__(self) -> Iterator[str]:
        return iter(self.labels)

    def __len__(self) -> int:
        return len(self.labels)
