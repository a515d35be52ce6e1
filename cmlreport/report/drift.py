"""``--drift``: the files read, compared, joined to the head run's metrics, and as JSON.

The statistics are :mod:`cmlreport.metrics.drift`'s; the section is
:mod:`cmlreport.report.driftsection`'s. Drift compares two files of the same checkout (a test set
and fresh data), so nothing here reads git: the ``drift.*`` metrics are head's, and a gate or
``--fail-on-regression`` against a base that has them works like for any metric.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

from cmlreport.errors import InputError
from cmlreport.metrics.direction import Directions
from cmlreport.metrics.limits import shown_key
from cmlreport.metrics.model import MetricSet
from cmlreport.report.budget import Section
from cmlreport.report.diffview import json_number
from cmlreport.report.predictions import read_rows_file
from cmlreport.report.runs import Runs, with_uncommitted

if TYPE_CHECKING:  # numpy and scipy: only loaded when --drift is given
    from cmlreport.metrics.drift import ColumnDrift, DriftComparison

SUFFIXES = (".csv", ".tsv", ".jsonl", ".ndjson", ".json", ".parquet", ".pq")


def read_drift(specs: Sequence[str], cwd: Path) -> list[DriftComparison]:
    """Each ``--drift [NAME=]REFERENCE:CURRENT``, its files read and compared."""
    from cmlreport.metrics.drift import compare
    from cmlreport.metrics.drift_spec import parse_spec

    chosen: list[tuple[str, str, str]] = []
    for spec in specs:
        name, splits = parse_spec(spec)
        reference, current = _existing_split(spec, splits, cwd)
        name = name or PurePath(current).stem
        if any(name == other for other, _, _ in chosen):
            raise InputError(
                f"--drift {shown_key(spec)!r}: the name '{shown_key(name)}' is taken by another "
                "--drift; give each its own, as NAME=REFERENCE:CURRENT"
            )
        chosen.append((name, reference, current))
    out = []
    for name, reference, current in chosen:
        texts = [(p, read_rows_file(cwd, p)) for p in (reference, current)]
        out.append(compare(name, texts[0], texts[1]))
    return out


def _existing_split(spec: str, splits: list[tuple[str, str]], cwd: Path) -> tuple[str, str]:
    """The one split at a ':' that names two files (with one ':', that split, files or not:
    reading it says which is missing)."""
    found = splits
    if len(splits) > 1:
        found = [(r, c) for r, c in splits if (cwd / r).is_file() and (cwd / c).is_file()]
    if len(found) != 1:
        what = "no split" if not found else f"{len(found)} splits"
        raise InputError(
            f"--drift {shown_key(spec)!r}: {what} at a ':' name two existing files; "
            "rename the file whose name holds ':'"
        )
    for path in found[0]:
        if not path.lower().endswith(SUFFIXES):
            raise InputError(
                f"--drift {shown_key(spec)!r}: '{shown_key(path)}' is not a .csv, .tsv, "
                ".jsonl or .parquet file (one row per example, one column per feature or score)"
            )
    return found[0]


def drift_directions(comparisons: Sequence[DriftComparison]) -> Directions:
    """Lower is better for the distances, no direction for the p-values (after the flags')."""
    if not comparisons:
        return Directions()
    from cmlreport.metrics.drift import DIRECTIONS

    return DIRECTIONS


def drift_verdicts(comparisons: Sequence[DriftComparison]) -> list[str]:
    """The drift verdict for the report's first line, when anything was compared."""
    from cmlreport.metrics.drift import overall_verdict

    verdict = overall_verdict(comparisons) if comparisons else None
    return [f"drift: {verdict}"] if verdict else []


def drift_sections(
    comparisons: Sequence[DriftComparison], charts: str, report_path: Path
) -> tuple[list[Section], list[Path]]:
    """The drift section (none without --drift) and the chart files it wrote."""
    if not comparisons:
        return [], []
    from cmlreport.report.driftsection import drift_section

    section, files = drift_section(comparisons, charts, report_path)
    return [section], files


def with_drift_files(runs: Runs, comparisons: Sequence[DriftComparison], cwd: Path) -> Runs:
    """The footer names head as uncommitted when a drift file read from the work tree is."""
    paths = [Path(p) for comp in comparisons for p in (comp.reference, comp.current)]
    return with_uncommitted(runs, paths, cwd)


def join_drift(runs: Runs, comparisons: Sequence[DriftComparison]) -> Runs:
    """The runs with head's ``drift.*`` metrics added."""
    from cmlreport.metrics.drift import PREFIX, drift_metrics

    taken = next((k for k in runs.head.scalars if k.startswith(PREFIX)), None)
    if taken is not None:
        where = runs.head.sources.get(taken, "a metrics file")
        raise InputError(
            f"{where}: key '{shown_key(taken)}' is also a metric computed from --drift; "
            "rename it in the metrics file"
        )
    added: dict[str, float] = {}
    sources: dict[str, str] = {}
    for comp in comparisons:
        metrics = drift_metrics([comp])
        added |= metrics
        sources |= dict.fromkeys(metrics, comp.current)
    head = MetricSet(
        scalars={**runs.head.scalars, **added},
        tables=runs.head.tables,
        sources={**runs.head.sources, **sources},
        logs=runs.head.logs,
    )
    return replace(runs, head=head)


def drift_json(comparisons: Sequence[DriftComparison]) -> dict[str, Any]:
    """The ``drift`` block of ``--json``: every figure of every column."""
    from cmlreport.metrics.drift import (
        EPSILON,
        MAJOR_PSI,
        MODERATE_PSI,
        PSI_BINS,
        overall_verdict,
    )

    return {
        "verdict": overall_verdict(comparisons),
        "thresholds": {"psi_moderate": MODERATE_PSI, "psi_major": MAJOR_PSI},
        "psi_bins": PSI_BINS,
        "psi_epsilon": EPSILON,
        "comparisons": [
            {
                "name": c.name,
                "reference": c.reference,
                "current": c.current,
                "columns": [_column_json(c.name, col) for col in c.columns],
                "unshared_columns": list(c.unshared),
            }
            for c in comparisons
        ],
    }


def _column_json(name: str, col: ColumnDrift) -> dict[str, Any]:
    from cmlreport.metrics.drift import PREFIX, figures

    out: dict[str, Any] = {
        "column": col.column,
        "kind": col.kind,
        "reference_count": col.counts[0],
        "current_count": col.counts[1],
        "reference_missing": col.missing[0],
        "current_missing": col.missing[1],
        "verdict": col.verdict,
        "psi_noise_95": json_number(col.psi_noise) if col.psi_noise is not None else None,
        "within_noise": col.drift_within_noise,
        "not_computed": col.why_not or None,
    }
    if col.numeric is not None:
        out["reference_mean"] = json_number(col.numeric.reference_mean)
        out["current_mean"] = json_number(col.numeric.current_mean)
        out["why_no_bins"] = col.numeric.why_not_binned or None
        out["bin_edges"] = [json_number(float(e)) for e in col.numeric.edges]
    stats_of = col.numeric or col.categorical
    if stats_of is not None and stats_of.binned is not None:
        out["reference_shares"] = [json_number(float(v)) for v in stats_of.binned.reference]
        out["current_shares"] = [json_number(float(v)) for v in stats_of.binned.current]
    if col.categorical is not None:
        out["categories"] = list(col.categorical.categories)
    stats = figures(col)
    out["metrics"] = {stat: f"{PREFIX}{name}.{col.column}.{stat}" for stat in stats}
    return out | {stat: json_number(value) for stat, value in stats.items()}
