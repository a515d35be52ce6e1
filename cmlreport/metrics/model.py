"""The value types shared by loading, diffing, slices, gates and rendering."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

# What a single metric can hold once loaded. Lists and nested mappings never reach here:
# mappings flatten to dotted keys, lists of records become SliceTables.
Scalar = int | float | str | bool | None


@dataclass(frozen=True)
class SliceTable:
    """Per-class (per-slice) metrics: one row per label, e.g. 4,000 subreddits x {f1, support}.

    ``rows`` maps a label to its numeric or textual columns; the label column itself is not
    repeated inside a row.
    """

    name: str
    label_column: str
    columns: tuple[str, ...]
    rows: Mapping[str, Mapping[str, Scalar]]
    source: str = ""


@dataclass(frozen=True)
class TrainingLog:
    """A training log's columns as (step, value) points, each column only where it was logged.

    ``name`` is how the report names the log (the file, or ``file:key`` for a log inside a
    document); ``step`` is the column the points are indexed by.
    """

    name: str
    source: str
    step: str
    columns: Mapping[str, tuple[tuple[float, Scalar], ...]]


class OneSource(Mapping[str, str]):
    """``sources`` of a MetricSet whose every name comes from one file: a view, not a dict of
    a million entries that all say the same path."""

    def __init__(self, path: str, *names: Mapping[str, object]) -> None:
        self.path, self.names = path, names

    def __getitem__(self, name: str) -> str:
        if any(name in names for names in self.names):
            return self.path
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        for names in self.names:
            yield from names

    def __len__(self) -> int:
        return sum(map(len, self.names))


@dataclass(frozen=True)
class MetricSet:
    """Everything loaded from one run's metrics files.

    ``scalars`` maps a flat dotted key (``eval.f1``) to its value; ``tables`` maps a table name
    to its SliceTable; ``sources`` maps each scalar key and table name to the file it came from;
    ``logs`` holds the training logs some scalars were taken from (the report draws them).
    """

    scalars: Mapping[str, Scalar] = field(default_factory=dict)
    tables: Mapping[str, SliceTable] = field(default_factory=dict)
    sources: Mapping[str, str] = field(default_factory=dict)
    logs: Mapping[str, TrainingLog] = field(default_factory=dict)  # by name: where curves come from


# Every interval cmlreport computes is a 95 % one.
CONFIDENCE = 0.95


@dataclass(frozen=True)
class Significance:
    """What is known of a metric's noise (its 95 % intervals, a p-value); None where it was
    not computed. ``significant`` is None without a base to compare with."""

    method: str  # "paired bootstrap", "unpaired bootstrap", "Wilson", ...
    ci_low: float | None = None
    ci_high: float | None = None
    delta_ci_low: float | None = None
    delta_ci_high: float | None = None
    p_value: float | None = None
    significant: bool | None = None
    basis: str | None = None  # what the interval was computed from: "eval.support = 500"
