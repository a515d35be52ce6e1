"""An MLflow run folder (``mlruns/<experiment>/<run>``): metrics, params and tags."""

# Pure: the run's files come in as text, by their path inside the run folder. MLflow's file
# store writes one file per metric under ``metrics/`` (names with ``/`` are sub-folders), one
# line per logged value: ``<timestamp ms> <value> <step>`` (runs older than MLflow 1.0 have no
# step); one file per param under ``params/`` and per tag under ``tags/``, holding the text.
# A metric's value is the one at its highest step (the latest at that step), as MLflow shows it;
# params and tags are text, shown and never compared as numbers.

from __future__ import annotations

from collections.abc import Mapping

from cmlreport.errors import InputError
from cmlreport.metrics.logs import LogValues, log_metrics
from cmlreport.metrics.model import MetricSet, Scalar, TrainingLog

FOLDERS = ("metrics", "params", "tags")
# Tags MLflow writes for machines (the logged model's JSON description): not worth a table row.
MAX_TAG_CHARS = 250


def is_run_folder(names: set[str]) -> bool:
    """Whether the entries of a folder are those of an MLflow run."""
    return "metrics" in names and ("meta.yaml" in names or "params" in names or "tags" in names)


def parse_run(path: str, files: Mapping[str, str], values: LogValues) -> MetricSet:
    """``files`` maps ``metrics/<name>``, ``params/<name>``, ``tags/<name>`` to their text."""
    points: dict[str, tuple[tuple[float, Scalar], ...]] = {}
    scalars: dict[str, Scalar] = {}
    for rel, text in sorted(files.items()):
        folder, _, name = rel.partition("/")
        if folder == "metrics":
            points[name] = _metric_points(f"{path}/{rel}", text)
        elif folder in ("params", "tags"):
            value = text.strip()
            if folder == "tags" and (len(value) > MAX_TAG_CHARS or "\n" in value):
                continue
            scalars[f"{folder}.{name}"] = value
    if not points and not scalars:
        raise InputError(f"{path}: an MLflow run folder with no metrics, params or tags")
    log = TrainingLog(name=path, source=path, step="step", columns=points)
    metrics = log_metrics(log, values)
    logged = any(len(series) > 1 for series in points.values())
    return MetricSet(
        scalars={**metrics, **scalars},
        sources=dict.fromkeys([*metrics, *scalars], path),
        logs={path: log} if logged else {},
    )


def _metric_points(name: str, text: str) -> tuple[tuple[float, Scalar], ...]:
    found: list[tuple[int, int, float]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.split()
        try:
            if len(fields) not in (2, 3):
                raise ValueError
            timestamp, value = int(fields[0]), float(fields[1])
            step = int(fields[2]) if len(fields) == 3 else 0
        except ValueError:
            raise InputError(
                f"{name}: line {number} is {line.strip()[:60]!r}; MLflow metric lines are "
                "'<timestamp> <value> <step>'"
            ) from None
        found.append((step, timestamp, value))
    if not found:
        raise InputError(
            f"{name}: no values; MLflow writes one '<timestamp> <value> <step>' a line"
        )
    found.sort()
    return tuple((float(step), value) for step, _, value in found)
