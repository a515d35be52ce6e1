"""Metrics from predictions, with 95 % intervals for head and for the delta: is the move noise?

Pure. Scores are scikit-learn's (see :mod:`cmlreport.stats.classification`). Intervals are
percentile intervals of a seeded bootstrap: paired (the same resampled examples for both runs)
when :mod:`cmlreport.metrics.pairing` pairs the files, else each run resampled on its own.
Accuracy on paired data is also tested with McNemar's exact test on the discordant examples, and
its p-value decides whether the delta is significant; for every other score the delta is
significant when its interval excludes 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from cmlreport.metrics.derived import Derived, derive
from cmlreport.metrics.model import CONFIDENCE, MetricSet, Scalar, Significance, SliceTable
from cmlreport.metrics.pairing import Labelled, PredictionPair, pair_predictions
from cmlreport.metrics.predictions import Predictions
from cmlreport.stats import binomial, bootstrap, classification
from cmlreport.stats.classification import FloatArray

PREFIX = "predictions"
TABLE = "predictions"  # the per-class table's name
# Scores that equal the accuracy on single-label data: McNemar's test speaks for them too.
# Examples drawn per run in all (a few seconds of numpy); past it, fewer resamples are drawn.
MAX_RESAMPLED = 200_000_000
MIN_RESAMPLES = 200
_ACCURACY_LIKE = frozenset({"accuracy", "precision_micro", "recall_micro", "f1_micro"})


@dataclass(frozen=True)
class PredictionResults:
    head: MetricSet
    base: MetricSet | None
    significance: dict[str, Significance]
    pairing: str
    examples: tuple[int, int | None]  # head, base
    classes: int
    resamples: int
    seed: int
    discordant: tuple[int, int] | None = None  # fixed, broken (paired data only)
    notes: tuple[str, ...] = field(default=())
    derived: Derived = field(default_factory=Derived)  # calibration, confusions, groups


def _few(classes: Sequence[str]) -> str:
    shown = ", ".join(c[:40] for c in classes[:3])
    return shown + (f" and {len(classes) - 3:,} more" if len(classes) > 3 else "")


def _no_shared_class(head: Predictions, base: Predictions) -> str:
    # Not an error: a base that main broke must not block the pull request that fixes it.
    return (
        f"{head.source} and {base.source} share no class (head: {_few(head.classes)}; base: "
        f"{_few(base.classes)}): every class is new or removed, so the deltas compare different "
        "tasks; check that both files label the same classes."
    )


def evaluate_predictions(
    head: Predictions,
    base: Predictions | None,
    resamples: int = 1000,
    seed: int = 0,
    confidence: float = CONFIDENCE,
    slice_by: Sequence[str] = (),
) -> PredictionResults:
    """Head's (and base's) ``predictions.*`` metrics and per-class table, with intervals;
    with scores, calibration; with ``slice_by`` columns, the ``groups.*`` gaps."""
    pair = pair_predictions(head, base)
    k = len(pair.classes)
    derived = derive(head, base, pair, slice_by, confidence)
    head_set = _metric_set(pair.head, pair.classes, head.source, derived.scalars("head"))
    base_set = None
    if base and pair.base:
        base_set = _metric_set(pair.base, pair.classes, base.source, derived.scalars("base"))
    sig: dict[str, Significance] = {}
    notes: tuple[str, ...] = ()
    wanted = resamples
    resamples = affordable_resamples(resamples, max(head.examples, base.examples if base else 0))
    if resamples < wanted:
        notes = (
            f"Bootstrap: {resamples:,} resamples instead of {wanted:,} for "
            f"{head.examples:,} examples, to keep the report within a minute.",
        )
    if resamples > 0:
        sig = _bootstrap(pair, k, resamples, seed, confidence, derived)
    if base is not None and not set(head.classes) & set(base.classes):
        notes = (*notes, _no_shared_class(head, base))
    discordant = None
    if pair.paired and pair.base is not None:
        discordant = _discordant(pair.head, pair.base)
        p = binomial.mcnemar_exact(*discordant)
        for name in _ACCURACY_LIKE:
            key = f"{PREFIX}.{name}"
            known = sig.get(key, Significance("McNemar exact"))
            method = f"{known.method} + McNemar exact" if key in sig else known.method
            sig[key] = Significance(
                method,
                known.ci_low,
                known.ci_high,
                known.delta_ci_low,
                known.delta_ci_high,
                p_value=p,
                significant=p < 1 - confidence,
            )
    return PredictionResults(
        head=head_set,
        base=base_set,
        significance=sig,
        pairing=pair.how,
        examples=(head.examples, base.examples if base else None),
        classes=k,
        resamples=resamples,
        seed=seed,
        discordant=discordant,
        notes=notes,
        derived=derived,
    )


def affordable_resamples(resamples: int, examples: int) -> int:
    """``resamples``, or fewer (never under ``MIN_RESAMPLES``) when examples × resamples would
    pass ``MAX_RESAMPLED``: 100k examples keep 1,000 resamples, 1M get 200."""
    if resamples * examples <= MAX_RESAMPLED:
        return resamples
    return min(resamples, max(MIN_RESAMPLES, MAX_RESAMPLED // max(examples, 1)))


def _discordant(head: Labelled, base: Labelled) -> tuple[int, int]:
    right_head = head.true == head.pred
    right_base = base.true == base.pred
    return int(np.sum(right_head & ~right_base)), int(np.sum(~right_head & right_base))


def _metric_set(
    run: Labelled | None, classes: tuple[str, ...], source: str, more: dict[str, float]
) -> MetricSet:
    assert run is not None
    counts = classification.count(run.true, run.pred, len(classes))
    scalars: dict[str, Scalar] = {
        f"{PREFIX}.{name}": float(value) for name, value in classification.scores(counts).items()
    }
    scalars |= more
    precision, recall, f1 = classification.per_class(counts)
    present = np.flatnonzero(counts.support + counts.predicted)
    rows = {
        classes[c]: {
            "precision": float(precision[c]),
            "recall": float(recall[c]),
            "f1": float(f1[c]),
            "support": int(counts.support[c]),
        }
        for c in present
    }
    table = SliceTable(TABLE, "class", ("precision", "recall", "f1", "support"), rows, source)
    sources = dict.fromkeys([*scalars, TABLE], source)
    return MetricSet(scalars=scalars, tables={TABLE: table}, sources=sources)


def _bootstrap(
    pair: PredictionPair, k: int, resamples: int, seed: int, confidence: float, derived: Derived
) -> dict[str, Significance]:
    head, base = pair.head, pair.base
    head_more, base_more = derived.statistics("head"), derived.statistics("base")
    if base is not None and pair.paired:
        runs = bootstrap.resampled_scores(
            head.true, [head.pred, base.pred], k, resamples, seed, [*head_more, *base_more]
        )
        head_s = _merged(runs[0], runs[2 : 2 + len(head_more)])
        base_s: dict[str, FloatArray] | None = _merged(runs[1], runs[2 + len(head_more) :])
        method = "paired bootstrap"
    else:
        seeds = bootstrap.child_seeds(seed, 2)
        runs = bootstrap.resampled_scores(head.true, [head.pred], k, resamples, seeds[0], head_more)
        head_s, base_s = _merged(runs[0], runs[1:]), None
        if base is not None:
            runs = bootstrap.resampled_scores(
                base.true, [base.pred], k, resamples, seeds[1], base_more
            )
            base_s = _merged(runs[0], runs[1:])
        method = "bootstrap" if base is None else "unpaired bootstrap"
    out: dict[str, Significance] = {}
    for key, samples in head_s.items():
        if not np.isfinite(samples).all():
            continue  # a resample where the metric is undefined (one group left): no interval
        low, high = bootstrap.percentile_interval(samples, confidence)
        if base_s is None or key not in base_s or not np.isfinite(base_s[key]).all():
            out[key] = Significance(method, low, high)
            continue
        delta: FloatArray = samples - base_s[key]
        d_low, d_high = bootstrap.percentile_interval(delta, confidence)
        significant = d_low > 0 or d_high < 0
        out[key] = Significance(method, low, high, d_low, d_high, significant=significant)
    return out


def _merged(
    scores: dict[str, FloatArray], more: list[dict[str, FloatArray]]
) -> dict[str, FloatArray]:
    """The class scores under their ``predictions.`` keys, then the statistics' own keys."""
    out = {f"{PREFIX}.{name}": values for name, values in scores.items()}
    for extra in more:
        out |= extra
    return out
