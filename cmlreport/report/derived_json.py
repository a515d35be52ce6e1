"""The ``calibration``, ``confusion_delta`` and ``groups`` blocks of ``report --json``.

Pure: values in, JSON-ready values out (NaN and ±inf as ``json_number`` writes them). Every
group is listed here, however many the markdown leaves out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from cmlreport.metrics.model import Significance
from cmlreport.report.diffview import json_number

if TYPE_CHECKING:
    from cmlreport.metrics.calibration import Reliability
    from cmlreport.metrics.groups import GroupSlice, RunGroups
    from cmlreport.metrics.significance import PredictionResults


def _numbers(values: Any) -> list[Any]:
    return [json_number(float(v)) for v in values]


def _bins(r: Reliability | None) -> dict[str, Any] | None:
    if r is None:
        return None
    return {
        "count": [int(c) for c in r.counts],
        "confidence": _numbers(r.confidence),
        "accuracy": _numbers(r.accuracy),
    }


def calibration_json(results: PredictionResults | None) -> dict[str, Any] | None:
    from cmlreport.metrics.calibration import BINNING, BINS, BRIER

    cal = results.derived.calibration if results is not None else None
    if cal is None:
        return None
    head, base = cal.reliability()
    return {
        "binning": BINNING,
        "bins": BINS,
        "brier_definition": cal.definition,
        "brier_formula": BRIER[cal.definition],
        "head": {**cal.scalars(cal.head), "reliability": _bins(head)},
        "base": {**cal.scalars(cal.base), "reliability": _bins(base)} if cal.base else None,
        "note": cal.note,
    }


def confusion_json(results: PredictionResults | None) -> dict[str, Any] | None:
    delta = results.derived.confusion if results is not None else None
    if delta is None:
        return None
    return {
        "base_scale": delta.scale,
        "top": [
            {"true": c.true, "pred": c.pred, "base": c.base, "head": c.head, "delta": c.delta}
            for c in delta.top
        ],
        "heatmap": {"classes": list(delta.heatmap_classes), "delta": delta.heatmap.tolist()},
    }


def _run(run: RunGroups | None, g: int) -> dict[str, Any] | None:
    if run is None:
        return None
    s = run.scores
    return {
        "examples": int(s.examples[g]),
        "accuracy": json_number(float(s.accuracy[g])),
        "accuracy_ci_low": json_number(float(run.ci[0][g])),
        "accuracy_ci_high": json_number(float(run.ci[1][g])),
        "f1_macro": json_number(float(s.f1_macro[g])),
    }


def _slice(s: GroupSlice, significance: Mapping[str, Significance]) -> dict[str, Any]:
    from cmlreport.metrics.groups import GAP_METRICS, MIN_GROUP_EXAMPLES

    head_gaps, base_gaps = s.gaps(s.head), s.gaps(s.base)
    gaps = {}
    for metric in GAP_METRICS:
        key = s.key(metric)
        sig = significance.get(key)
        gaps[metric] = {
            "key": key,
            "head": head_gaps.get(key),
            "base": base_gaps.get(key),
            "delta_ci_low": sig.delta_ci_low if sig else None,
            "delta_ci_high": sig.delta_ci_high if sig else None,
            "significant": sig.significant if sig else None,
        }
    worst = s.lost_most()
    return {
        "column": s.column,
        "min_examples": MIN_GROUP_EXAMPLES,
        "gaps": gaps,
        "lost_most": s.names[worst] if worst is not None else None,
        "notes": list(s.notes),
        "groups": [
            {"group": name, "head": _run(s.head, g), "base": _run(s.base, g)}
            for g, name in enumerate(s.names)
        ],
    }


def groups_json(results: PredictionResults | None) -> list[dict[str, Any]]:
    if results is None:
        return []
    return [_slice(s, results.significance) for s in results.derived.groups]
