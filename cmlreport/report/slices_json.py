"""The ``slices`` block of ``report --json``: each per-class table's section, as data.

What the markdown's "Slices" section shows: the counts, the mean and median Δ, the histogram
of the deltas, and the top regressions and improvements (at most ``--top`` each), plus how
many values moved across every column. A table of 400,000 labels stays a few kilobytes: the
labels themselves are in the metrics file (or, for ``predictions``, the predictions file).

Pure: values in, JSON-ready values out (NaN and ±inf as ``json_number`` writes them).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from cmlreport.report.diffview import json_number

if TYPE_CHECKING:
    from cmlreport.metrics.slice_compare import SliceDelta
    from cmlreport.metrics.slices import SliceSummary
    from cmlreport.metrics.table_diff import TableDiff


def _number(value: float | None) -> Any:
    return None if value is None else json_number(value)


def _moves(rows: Sequence[SliceDelta]) -> list[dict[str, Any]]:
    return [
        {
            "label": r.label,
            "base": _number(r.old),
            "head": _number(r.new),
            "delta": _number(r.delta),
            "support": _number(r.support),
        }
        for r in rows
    ]


def slices_json(
    slices: Sequence[SliceSummary], tables: Sequence[TableDiff]
) -> list[dict[str, Any]]:
    """One entry per per-class table, in the report's order."""
    changes = {t.name: t for t in tables}
    out = []
    for s in slices:
        moved = changes.get(s.table)
        out.append(
            {
                "table": s.table,
                "metric": s.metric,
                "direction": s.direction.value,
                "support_column": s.support_column,
                "has_base": s.has_base,
                "labels": s.n_labels,
                "compared": s.n_compared,
                "new": s.n_new,
                "removed": s.n_removed,
                "min_support": json_number(s.min_support),
                "low_support": s.n_low_support,
                "threshold": json_number(s.threshold),
                "regressed": s.n_regressed,
                "improved": s.n_improved,
                "mean_delta": _number(s.mean_delta),
                "median_delta": _number(s.median_delta),
                "histogram": {
                    "edges": [json_number(e) for e in s.histogram.edges],
                    "counts": list(s.histogram.counts),
                },
                "cells_changed": moved.cells_changed if moved is not None else None,
                "labels_changed": moved.labels_changed if moved is not None else None,
                "regressions": _moves(s.regressions),
                "improvements": _moves(s.improvements),
            }
        )
    return out
