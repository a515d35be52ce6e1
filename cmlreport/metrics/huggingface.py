"""Hugging Face Trainer's ``trainer_state.json``: its ``log_history`` as a training log."""

# Pure. The file's top level holds the Trainer's state (``global_step``, ``best_metric``, the
# logging settings); its ``log_history`` is one record per logging or evaluation step (``loss``,
# ``learning_rate`` every ``logging_steps``, ``eval_*`` every ``eval_steps``: a sparse log).
# The top-level scalars stay as dvc reads them (nulls left out, as dvc does); the log adds one
# metric per logged column, named as the Trainer names it (``eval_loss``), and the curves.
# ``all_results.json``, ``eval_results.json`` and ``train_results.json`` are plain mappings of
# scalars and need nothing from here.

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cmlreport.metrics.limits import ValueCount
from cmlreport.metrics.logs import LogValues, build_log, log_metrics, step_column
from cmlreport.metrics.model import MetricSet, TrainingLog
from cmlreport.metrics.records import flatten_record

LOG_KEY = "log_history"


def is_trainer_state(document: object) -> bool:
    if not isinstance(document, Mapping) or "global_step" not in document:
        return False
    history = document.get(LOG_KEY)
    return isinstance(history, list) and all(isinstance(entry, Mapping) for entry in history)


def trainer_log(path: str, document: Mapping[str, Any], count: ValueCount) -> TrainingLog | None:
    """The ``log_history`` records as a log by ``step``; None when nothing was logged."""
    rows = [
        flatten_record(entry, count=count, where=f"{LOG_KEY} entry {number}")
        for number, entry in enumerate(document[LOG_KEY], start=1)
    ]
    step = step_column([column for row in rows for column in row])
    if not rows or step is None:
        return None
    return build_log(path, path, rows, step)


def with_trainer_log(
    path: str, document: Mapping[str, Any], found: MetricSet, count: ValueCount, values: LogValues
) -> MetricSet:
    """What dvc reads of the file (nulls left out, as dvc does), plus one metric per logged
    column that the top level does not already hold (``epoch`` keeps the Trainer's own)."""
    top = {k: v for k, v in found.scalars.items() if v is not None}
    log = trainer_log(path, document, count)
    logged = log_metrics(log, values) if log is not None else {}
    scalars = {**top, **{k: v for k, v in logged.items() if k not in top}}
    return MetricSet(
        scalars=scalars,
        tables=found.tables,
        sources={**dict.fromkeys(scalars, path), **dict.fromkeys(found.tables, path)},
        logs={path: log} if log is not None else {},
    )
