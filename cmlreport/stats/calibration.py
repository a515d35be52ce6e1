"""Calibration of a classifier's scores: expected calibration error, Brier score, reliability bins.

Binning (Guo et al., 2017, "On calibration of modern neural networks"): ``BINS`` equal-width bins
of the top-1 confidence over [0, 1], each bin closed on the right, ``(i/15, (i+1)/15]`` (a
confidence of 0 falls in the first), as ``sklearn.calibration.calibration_curve`` with
``strategy="uniform"`` bins them. ECE is the example-weighted mean, over the bins, of
``|accuracy - mean confidence|``; a bin's weighted gap is ``|Σ (confidence - correct)| / n``, so
one weighted ``np.bincount`` gives every bin of a whole batch of bootstrap resamples.

Brier score: with one probability per class, the mean over examples of the sum over classes of
``(p_k - 1[y = k])²`` (Brier's 1950 definition, 0..2); with a top-1 score only, the mean of
``(confidence - correct)²``, ``sklearn.metrics.brier_score_loss(correct, confidence)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

BINS = 15
FloatArray = npt.NDArray[np.float64]
Codes = npt.NDArray[np.integer]


def bin_of(confidence: FloatArray, bins: int = BINS) -> npt.NDArray[np.int32]:
    """The bin of each confidence: ``calibration_curve``'s ``searchsorted`` on the inner edges."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    return np.searchsorted(edges[1:-1], confidence).astype(np.int32)


@dataclass(frozen=True)
class CalibrationInput:
    """One run's examples as calibration sees them, aligned with the other run when paired."""

    confidence: FloatArray  # top-1 confidence per example
    correct: FloatArray  # 1.0 where the predicted label is the true one
    brier: FloatArray  # each example's Brier term (its mean is the Brier score)

    @property
    def examples(self) -> int:
        return len(self.confidence)


def top1_input(confidence: FloatArray, correct: npt.NDArray[np.bool_]) -> CalibrationInput:
    right = correct.astype(np.float64)
    return CalibrationInput(confidence, right, (confidence - right) ** 2)


def proba_input(proba: FloatArray, true: Codes, pred: Codes) -> CalibrationInput:
    """From one probability column per class: ``true``/``pred`` index the columns. The top-1
    confidence is the probability given to the predicted label."""
    rows = np.arange(len(true))
    squares = np.einsum("ij,ij->i", proba, proba)  # Σ p², without a copy of the matrix
    # Σ (p - y)² = Σ p² - 2 p_true + 1
    brier = squares - 2.0 * proba[rows, true] + 1.0
    right = (true == pred).astype(np.float64)
    return CalibrationInput(proba[rows, pred], right, brier)


@dataclass(frozen=True)
class Reliability:
    """Per bin: examples, mean confidence and accuracy (NaN in an empty bin)."""

    counts: npt.NDArray[np.int64]
    confidence: FloatArray
    accuracy: FloatArray


def reliability(run: CalibrationInput, bins: int = BINS) -> Reliability:
    where = bin_of(run.confidence, bins)
    counts = np.bincount(where, minlength=bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        conf = np.bincount(where, weights=run.confidence, minlength=bins) / counts
        acc = np.bincount(where, weights=run.correct, minlength=bins) / counts
    return Reliability(counts, conf, acc)


def ece(run: CalibrationInput, bins: int = BINS) -> float:
    gap = np.bincount(bin_of(run.confidence, bins), weights=run.confidence - run.correct)
    return float(np.abs(gap).sum() / max(run.examples, 1))


def brier(run: CalibrationInput) -> float:
    return float(run.brier.mean())


def resampled(run: CalibrationInput, bins: int = BINS) -> Callable[[Codes], dict[str, FloatArray]]:
    """For :func:`cmlreport.stats.bootstrap.resampled_scores`: ECE and Brier score of each
    resample of a chunk of index rows ``(rows, n)``.

    Each resample is its count of every example (one integer ``bincount``) times a design matrix
    holding each example's ``confidence - correct`` in its bin's column and its Brier term in the
    last: one matrix product gives every bin's sum and the Brier sum of every resample.
    """
    n = run.examples
    design = np.zeros((n, bins + 1))
    design[np.arange(n), bin_of(run.confidence, bins)] = run.confidence - run.correct
    design[:, bins] = run.brier

    def scores(idx: Codes) -> dict[str, FloatArray]:
        rows = idx.shape[0]
        offset = (np.arange(rows, dtype=np.int64) * n)[:, None]
        counts = np.bincount((idx + offset).ravel(), minlength=rows * n).reshape(rows, n)
        sums = counts.astype(np.float64) @ design
        return {"ece": np.abs(sums[:, :bins]).sum(axis=1) / n, "brier": sums[:, bins] / n}

    return scores
