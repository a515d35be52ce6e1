"""Is it noise? The interval cells of the headline table, the summary's verdict, the predictions
section. Pure: values in, markdown out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from cmlreport.metrics.diff import MetricDiff, Status
from cmlreport.metrics.model import Significance
from cmlreport.report.budget import Section
from cmlreport.report.columns import Column
from cmlreport.report.escape import md_code, md_text
from cmlreport.report.format import plural

if TYPE_CHECKING:  # numpy: only loaded when predictions are given
    from cmlreport.metrics.significance import PredictionResults

NOISE_HEADER = " head 95 % CI | Δ 95 % CI | noise? |"
NOISE_RULE = ":--|:--|:--|"


def noise_cells(s: Significance | None, values: Column, deltas: Column) -> str:
    """The three cells a headline row gains when some metric has an interval, written with the
    decimals of the table's value and delta columns."""
    if s is None:
        return " | | |"
    head = ""
    if s.ci_low is not None and s.ci_high is not None:
        head = f"[{values.value(s.ci_low)}, {values.value(s.ci_high)}]"
    delta = ""
    if s.delta_ci_low is not None and s.delta_ci_high is not None:
        delta = f"[{deltas.delta(s.delta_ci_low)}, {deltas.delta(s.delta_ci_high)}]"
    return f" {head} | {delta} | {verdict(s)} |"


def verdict(s: Significance) -> str:
    """``**significant**`` or ``within noise`` (with McNemar's p), empty without a base."""
    if s.significant is None:
        return ""
    p = f" (p = {s.p_value:.2g})" if s.p_value is not None else ""
    return f"**significant**{p}" if s.significant else f"within noise{p}"


MAX_NAMED = 5  # metrics named in the intervals' note; the rest counted


def interval_note(
    diffs: Sequence[MetricDiff], significance: Mapping[str, Significance]
) -> str | None:
    """Under the headline table: how the intervals of aggregated accuracies were computed
    (those from predictions are the predictions section's to explain)."""
    wilson = [
        (d.key, significance[d.key])
        for d in diffs
        if d.key in significance and significance[d.key].method.startswith("Wilson")
    ]
    if not wilson:
        return None
    named = "; ".join(f"{md_code(k)}: {md_text(s.basis or '')}" for k, s in wilson[:MAX_NAMED])
    if len(wilson) > MAX_NAMED:
        named += f"; and {len(wilson) - MAX_NAMED:,} more"
    note = (
        "_95 % intervals of aggregated accuracies: Wilson score interval, from the example count "
        f"beside each ({named})"
    )
    if any(s.delta_ci_low is not None for _, s in wilson):
        note += (
            "; Δ: Newcombe's interval from the two Wilson intervals, which treats the runs as "
            "independent (conservative on one test set)"
        )
    return note + "._"


def judged_changes(
    diffs: Sequence[MetricDiff], significance: Mapping[str, Significance]
) -> list[Significance]:
    """The intervals of the metrics that changed and were judged: an unchanged metric is not a
    change "within noise", whatever its interval."""
    return [
        significance[d.key]
        for d in diffs
        if d.status is Status.CHANGED
        and d.key in significance
        and significance[d.key].significant is not None
    ]


def noise_fact(diffs: Sequence[MetricDiff], significance: Mapping[str, Significance]) -> str:
    """For the summary line: "Δ significant for 1 of 7 metrics (95 % CI), 6 within noise"."""
    judged = judged_changes(diffs, significance)
    if not judged:
        return ""
    real = sum(1 for s in judged if s.significant)
    how = _how_judged(judged)
    if real == 0:
        return f"all {plural(len(judged), 'change')} within noise ({how})"
    return (
        f"**Δ significant for {real} of {plural(len(judged), 'metric')}** ({how}), "
        f"{len(judged) - real} within noise"
    )


def _how_judged(judged: Sequence[Significance]) -> str:
    """What decided: intervals, McNemar's test (--resamples 0 leaves no interval), or both."""
    if all(s.p_value is None for s in judged):
        return "95 % CI"
    if all(s.delta_ci_low is None for s in judged):
        return "McNemar's exact test, p < 0.05"
    return "95 % CI; McNemar's exact test for accuracy"


def predictions_section(
    results: PredictionResults, source: str, base_source: str | None
) -> Section:
    """What the ``predictions.*`` metrics were computed from, and how their noise was judged."""
    head_n, base_n = results.examples
    lines = [
        "### Predictions",
        "",
        f"Head: {md_code(source)}, {plural(head_n, 'example')}, "
        f"{plural(results.classes, 'class', 'classes')}.",
    ]
    if base_n is not None and base_source is not None:
        lines[-1] += f" Base: {md_code(base_source)}, {plural(base_n, 'example')}."
        lines += ["", f"Examples {md_text(results.pairing)}."]
    else:
        lines += ["", "No base predictions: the intervals are for head alone."]
    if results.resamples > 0:
        lines += [
            "",
            f"95 % intervals: percentile bootstrap, {results.resamples:,} resamples "
            f"(seed {results.seed}); Δ is significant when its interval excludes 0.",
        ]
    else:
        lines += ["", "No bootstrap (--resamples 0): no intervals."]
    if results.discordant is not None:
        fixed, broken = results.discordant
        s = results.significance.get("predictions.accuracy")
        p = f"p = {s.p_value:.3g}" if s is not None and s.p_value is not None else ""
        lines += [
            "",
            f"Accuracy, McNemar's exact test: {fixed:,} examples fixed, {broken:,} broken, {p}.",
        ]
    return Section("predictions", "\n".join(lines))
