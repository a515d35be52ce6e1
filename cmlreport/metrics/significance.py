"""Metrics from predictions, with 95 % intervals for head and for the delta: is the move noise?

Pure. Scores are scikit-learn's (see :mod:`cmlreport.stats.classification`). Intervals are
percentile intervals of a seeded bootstrap: paired (the same resampled examples for both runs)
when :mod:`cmlreport.metrics.pairing` pairs the files, else each run resampled on its own.
Accuracy on paired data is also tested with McNemar's exact test on the discordant examples, and
its p-value decides whether the delta is significant; for every other score the delta is
significant when its interval excludes 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from cmlreport.metrics.model import CONFIDENCE, MetricSet, Scalar, Significance, SliceTable
from cmlreport.metrics.pairing import Labelled, PredictionPair, pair_predictions
from cmlreport.metrics.predictions import Predictions
from cmlreport.stats import binomial, bootstrap, classification
from cmlreport.stats.classification import SCORES, FloatArray

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


def evaluate_predictions(
    head: Predictions,
    base: Predictions | None,
    resamples: int = 1000,
    seed: int = 0,
    confidence: float = CONFIDENCE,
) -> PredictionResults:
    """Head's (and base's) ``predictions.*`` metrics and per-class table, with intervals."""
    pair = pair_predictions(head, base)
    k = len(pair.classes)
    head_set = _metric_set(pair.head, pair.classes, head.source)
    base_set = _metric_set(pair.base, pair.classes, base.source) if base and pair.base else None
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
        sig = _bootstrap(pair, k, resamples, seed, confidence)
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


def _metric_set(run: Labelled | None, classes: tuple[str, ...], source: str) -> MetricSet:
    assert run is not None
    counts = classification.count(run.true, run.pred, len(classes))
    scalars: dict[str, Scalar] = {
        f"{PREFIX}.{name}": float(value) for name, value in classification.scores(counts).items()
    }
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
    pair: PredictionPair, k: int, resamples: int, seed: int, confidence: float
) -> dict[str, Significance]:
    head, base = pair.head, pair.base
    if base is not None and pair.paired:
        head_s, base_s = bootstrap.resampled_scores(
            head.true, [head.pred, base.pred], k, resamples, seed
        )
        method = "paired bootstrap"
    else:
        seeds = bootstrap.child_seeds(seed, 2)
        (head_s,) = bootstrap.resampled_scores(head.true, [head.pred], k, resamples, seeds[0])
        base_s = None
        if base is not None:
            (base_s,) = bootstrap.resampled_scores(base.true, [base.pred], k, resamples, seeds[1])
        method = "bootstrap" if base is None else "unpaired bootstrap"
    out: dict[str, Significance] = {}
    for name in SCORES:
        low, high = bootstrap.percentile_interval(head_s[name], confidence)
        if base_s is None:
            out[f"{PREFIX}.{name}"] = Significance(method, low, high)
            continue
        delta: FloatArray = head_s[name] - base_s[name]
        d_low, d_high = bootstrap.percentile_interval(delta, confidence)
        significant = d_low > 0 or d_high < 0
        out[f"{PREFIX}.{name}"] = Significance(
            method, low, high, d_low, d_high, significant=significant
        )
    return out
