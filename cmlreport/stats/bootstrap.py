"""The bootstrap of classification scores: seeded, vectorised, in bounded chunks.

A resample draws ``n`` examples with replacement; its scores come from per-class counts taken
with one ``np.bincount`` over the flattened codes of a whole chunk of resamples, each row's codes
offset by ``row * classes``, so no Python code runs per resample or per example. Chunks hold
about ``CHUNK_ELEMENTS`` codes, which bounds memory whatever ``n`` and the number of resamples.
The same ``seed`` gives the same numbers on every machine (numpy's PCG64).

Paired: every prediction vector is scored on the same resampled examples (one truth), so the
differences between them keep the pairing. Intervals are percentile intervals.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import numpy as np
import numpy.typing as npt

from cmlreport.stats.classification import Counts, FloatArray, scores

CHUNK_ELEMENTS = 2_000_000
Codes = npt.NDArray[np.integer]
# More statistics of the same resamples: index rows ``(rows, n)`` in, one value per row out.
Statistic = Callable[[Codes], dict[str, FloatArray]]


def _chunks(n: int, classes: int, resamples: int, rng: np.random.Generator) -> Iterator[Codes]:
    """Index matrices ``(rows, n)`` whose rows are the resamples, ``resamples`` rows in all."""
    rows = max(1, min(resamples, CHUNK_ELEMENTS // max(n, 1), CHUNK_ELEMENTS // max(classes, 1)))
    done = 0
    while done < resamples:
        step = min(rows, resamples - done)
        yield rng.integers(0, n, size=(step, n), dtype=np.int32)
        done += step


def resampled_scores(
    true: Codes,
    preds: Sequence[Codes],
    classes: int,
    resamples: int,
    seed: int,
    statistics: Sequence[Statistic] = (),
) -> list[dict[str, FloatArray]]:
    """For each of ``preds`` (one per run, all against ``true``), every score on each of the
    same ``resamples`` bootstrap resamples: arrays of shape ``(resamples,)``; then, one dict
    each, the ``statistics`` (calibration, group gaps) of the very same resamples."""
    n = len(true)
    t = np.asarray(true, dtype=np.int32)
    # One code per example holds its true class and whether the run got it right: one bincount
    # of the resampled codes gives both the support (bins 2c, 2c+1) and the hits (bin 2c+1).
    graded = [2 * t + (t == p) for p in preds]
    predicted = [np.asarray(p, dtype=np.int32) for p in preds]
    rng = np.random.default_rng(seed)
    parts: list[list[dict[str, FloatArray]]] = [[] for _ in preds]
    extra: list[list[dict[str, FloatArray]]] = [[] for _ in statistics]
    for idx in _chunks(n, classes, resamples, rng):
        rows = idx.shape[0]
        # int32 halves the memory traffic: rows * classes stays far below 2**31.
        offset = (np.arange(rows, dtype=np.int32) * classes)[:, None]
        size = rows * classes
        for out, codes, pred in zip(parts, graded, predicted, strict=True):
            both = np.bincount((codes[idx] + 2 * offset).ravel(), minlength=2 * size)
            both = both.reshape(rows, classes, 2)
            counts = Counts(
                tp=both[..., 1],
                support=both.sum(axis=-1),
                predicted=np.bincount((pred[idx] + offset).ravel(), minlength=size).reshape(
                    rows, classes
                ),
            )
            out.append(scores(counts))
        for more, statistic in zip(extra, statistics, strict=True):
            more.append(statistic(idx))
    return [
        {name: np.concatenate([c[name] for c in run]) for name in run[0]} for run in parts + extra
    ]


def percentile_interval(samples: FloatArray, confidence: float) -> tuple[float, float]:
    """The central ``confidence`` share of ``samples`` (the percentile bootstrap interval)."""
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(samples, [tail, 100 - tail])
    return float(low), float(high)


def child_seeds(seed: int, count: int) -> list[int]:
    """Independent seeds derived from ``seed``: unpaired runs are resampled independently."""
    return [int(s.generate_state(1)[0]) for s in np.random.SeedSequence(seed).spawn(count)]
