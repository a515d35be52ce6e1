"""The metrics a run would have had but could not compute, each with why. Pure.

A gate naming one of them fails and says why (see :func:`cmlreport.metrics.gates.evaluate_gates`)
instead of stopping the job as if the name were a typo: the report that explains it is still
written.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from cmlreport.metrics.calibration import SCALARS
from cmlreport.metrics.derived import PREFIX as PREDICTIONS
from cmlreport.metrics.drift import PREFIX as DRIFT
from cmlreport.metrics.drift import STATISTICS, figures
from cmlreport.metrics.groups import GAP_METRICS

if TYPE_CHECKING:
    from cmlreport.metrics.drift import ColumnDrift, DriftComparison
    from cmlreport.metrics.significance import PredictionResults

CALIBRATION = tuple(f"{PREDICTIONS}.{name}" for name in SCALARS)


def not_computed(
    predicted: PredictionResults | None, drift: Sequence[DriftComparison]
) -> dict[str, str]:
    """Each metric left out, to the reason (a phrase: "column 'g' holds one group only")."""
    out: dict[str, str] = {}
    if predicted is not None:
        head = predicted.head.scalars
        source = predicted.head.sources.get("predictions", "the predictions file")
        for key in CALIBRATION:
            if key not in head:
                out[key] = f"{source} has no score or proba_ column (name one with --score-column)"
        for group_slice in predicted.derived.groups:
            for metric in GAP_METRICS:
                key = group_slice.key(metric)
                if key not in head:
                    out[key] = group_slice.why_no_gap()
    for comparison in drift:
        for col in comparison.columns:
            have = figures(col)
            for stat in STATISTICS[col.kind]:
                if stat not in have:
                    out[f"{DRIFT}{comparison.name}.{col.column}.{stat}"] = _why(col)
    return out


def _why(col: ColumnDrift) -> str:
    if col.why_not:
        return col.why_not
    if col.numeric is not None and col.numeric.why_not_binned:
        return col.numeric.why_not_binned
    return "not enough values to compare"
