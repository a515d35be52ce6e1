"""Training logs (one row per epoch or step) as metrics: each column's last, best, min or max."""

# Pure. A table with a step-like column (``epoch``, ``step``, ``global_step``...) and no label
# column is a log, not a per-class table. Logs are sparse: Lightning writes ``val_*`` on other
# rows than ``train_*``, Hugging Face writes ``eval_*`` every N steps, so each column keeps only
# the rows where it has a value, and its metric is picked from those.

from __future__ import annotations

import fnmatch
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from cmlreport.errors import InputError
from cmlreport.metrics.direction import Direction, Directions
from cmlreport.metrics.model import Scalar, TrainingLog

# Names a log is indexed by, most precise first (dvclive, Hugging Face, Lightning, Keras, YOLO).
STEP_COLUMNS = ("step", "global_step", "trainer/global_step", "_step", "iteration", "iter", "epoch")
LOG_VALUES = ("last", "best", "min", "max")


def step_column(columns: Sequence[str]) -> str | None:
    """The column a log is indexed by (case and padding ignored), or None: not a log."""
    by_name = {column.strip().lower(): column for column in columns}
    return next((by_name[name] for name in STEP_COLUMNS if name in by_name), None)


def build_log(
    name: str, source: str, rows: Sequence[Mapping[str, Scalar]], step: str
) -> TrainingLog:
    """The log's columns as (step, value) points, the rows a column has no value on left out."""
    columns: dict[str, list[tuple[float, Scalar]]] = {}
    for number, row in enumerate(rows):
        at = row.get(step)
        x = number_of(at)
        x = float(number) if x is None else x
        for column, value in row.items():
            if value is None or (isinstance(value, str) and not value.strip()):
                continue
            columns.setdefault(column, []).append((x, value))
    return TrainingLog(
        name=name,
        source=source,
        step=step,
        columns={column: tuple(points) for column, points in columns.items()},
    )


@dataclass(frozen=True)
class LogValues:
    """Which value of a logged column is its metric: ``--log-value [PATTERN=]last|best|min|max``.

    Rules are tried in order, the first whose pattern (a column name or glob) matches wins;
    ``best`` is the max or min by the metric's direction.
    """

    rules: tuple[tuple[str, str], ...] = ()
    directions: Directions = field(default_factory=Directions)

    @classmethod
    def parse(
        cls, texts: Sequence[str], directions: Directions | None = None, where: str = ""
    ) -> LogValues:
        """Rules from the flag's texts (``where`` names a settings key instead of the flag)."""
        rules: list[tuple[str, str]] = []
        for text in texts:
            pattern, _, mode = text.rpartition("=")
            mode = mode.strip().lower()
            if mode not in LOG_VALUES or (text.count("=") and not pattern.strip()):
                raise InputError(
                    f"{where or '--log-value'} {text!r}: expected {'|'.join(LOG_VALUES)} or "
                    "PATTERN=MODE (e.g. 'val_*=best')"
                )
            rules.append((pattern.strip() or "*", mode))
        return cls(tuple(rules), directions or Directions())

    def mode(self, column: str) -> str:
        for pattern, mode in self.rules:
            if column == pattern or fnmatch.fnmatchcase(column, pattern):
                return mode
        return "last"

    def pick(self, column: str, points: Sequence[tuple[float, Scalar]]) -> Scalar:
        """The column's metric: its last logged value unless a rule asks for another."""
        mode = self.mode(column)
        numbers = [n for _, v in points if (n := number_of(v)) is not None and not math.isnan(n)]
        if mode == "last" or not numbers:
            return points[-1][1]
        if mode == "best":
            mode = "max" if self.directions.of(column) is Direction.HIGHER else "min"
        return max(numbers) if mode == "max" else min(numbers)


def log_metrics(log: TrainingLog, values: LogValues) -> dict[str, Scalar]:
    """One metric per logged column (the step column too: how far training went)."""
    return {column: values.pick(column, points) for column, points in log.columns.items()}


def describe(log: TrainingLog, values: LogValues) -> str:
    """The report's note saying how a log became metrics."""
    modes = sorted({values.mode(column) for column in log.columns} - {"last"})
    how = "its last logged value"
    if modes:
        how += f" (the {' or '.join(modes)} value where --log-value says so)"
    count = sum(1 for column in log.columns if column != log.step)
    return (
        f"{log.name} is a training log ({count} column{'s' if count != 1 else ''} by "
        f"{log.step.strip()}): "
        f"each metric is {how}."
    )


def number_of(value: Scalar) -> float | None:
    """A logged value as a number; None for text, booleans and empty cells."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)
