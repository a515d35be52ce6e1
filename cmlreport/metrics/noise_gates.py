"""``--significant``: a regression gate fails only when the regression is not noise.

Pure. A failed ``--fail-on-regression`` result is kept failed when the metric is significantly
worse (its 95 % delta interval lies wholly on the worse side of 0; for accuracy on paired
predictions, McNemar's p-value is below 0.05 and the delta is worse), and turned into a pass
"within noise" otherwise. A metric without an interval cannot be judged: its gate keeps its
result and says so. Threshold gates (``--fail-if``) are about head alone and are not changed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from cmlreport.metrics.diff import MetricDiff
from cmlreport.metrics.direction import Direction
from cmlreport.metrics.gates import GateResult, RegressionGate
from cmlreport.metrics.model import Significance


def _fmt(value: float) -> str:
    return f"{value:+.4g}"


def interval_text(s: Significance) -> str:
    """``95 % CI of Δ [-0.012, +0.0041]`` and McNemar's p, those there are."""
    parts = []
    if s.delta_ci_low is not None and s.delta_ci_high is not None:
        parts.append(f"95 % CI of Δ [{_fmt(s.delta_ci_low)}, {_fmt(s.delta_ci_high)}]")
    if s.p_value is not None:
        parts.append(f"McNemar p = {s.p_value:.3g}")
    return ", ".join(parts)


def significantly_worse(s: Significance, d: MetricDiff) -> bool | None:
    """Whether ``d`` moved the worse way beyond noise; None when no interval says."""
    worse_sign = -1 if d.direction is Direction.HIGHER else 1
    if s.p_value is not None and s.significant is not None:
        return s.significant and d.delta is not None and d.delta * worse_sign > 0
    if s.delta_ci_low is None or s.delta_ci_high is None:
        return None
    return s.delta_ci_high < 0 if worse_sign < 0 else s.delta_ci_low > 0


def apply_significance(
    results: Sequence[GateResult],
    diffs: Sequence[MetricDiff],
    significance: Mapping[str, Significance],
) -> list[GateResult]:
    """``results`` with each failed regression gate judged on its metric's interval."""
    by_key = {d.key: d for d in diffs}
    out: list[GateResult] = []
    for r in results:
        s = significance.get(r.key)
        if r.passed or not isinstance(r.gate, RegressionGate) or r.key not in by_key:
            out.append(r)
            continue
        verdict = significantly_worse(s, by_key[r.key]) if s is not None else None
        if verdict is None:
            detail = f"{r.detail}; no interval for {r.key}, so --significant cannot clear it"
            out.append(replace(r, detail=detail))
        elif verdict:
            assert s is not None
            out.append(replace(r, detail=f"{r.detail}; significant ({interval_text(s)})"))
        else:
            assert s is not None
            detail = f"{r.detail}; but within noise ({interval_text(s)}): passes with --significant"
            out.append(replace(r, passed=True, detail=detail))
    return out
