"""Scores per group of examples (a fairness slice: region, subreddit...) and the gap between groups.

Pure, vectorised: every group's accuracy and macro F1 in ``O(n log n)`` whatever the number of
groups (macro F1 from the sparse (group, class) pairs that occur, never a groups × classes
matrix), Wilson intervals for all groups at once, and a bootstrap statistic for the accuracy gap.
Macro F1 within a group is scikit-learn's over the classes that occur in that group's true or
predicted labels.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Codes = npt.NDArray[np.integer]


@dataclass(frozen=True)
class GroupScores:
    """Per group code: examples, accuracy, macro F1 (NaN for a group without examples)."""

    examples: IntArray
    correct: IntArray
    accuracy: FloatArray
    f1_macro: FloatArray


def group_scores(group: Codes, true: Codes, pred: Codes, groups: int, classes: int) -> GroupScores:
    g = np.asarray(group, dtype=np.int64)
    hit = true == pred
    examples = np.bincount(g, minlength=groups)
    correct = np.bincount(g[hit], minlength=groups)
    keys_true = g * classes + true
    keys = np.concatenate([keys_true, g * classes + pred])
    pairs, where = np.unique(keys, return_inverse=True)
    n = len(g)
    support = np.bincount(where[:n], minlength=len(pairs))
    predicted = np.bincount(where[n:], minlength=len(pairs))
    tp = np.bincount(where[:n][hit], minlength=len(pairs))
    f1 = 2.0 * tp / (support + predicted)  # each pair occurs, so the sum is at least 1
    owner = pairs // classes
    with np.errstate(invalid="ignore", divide="ignore"):
        accuracy = correct / examples
        f1_macro = np.bincount(owner, weights=f1, minlength=groups) / np.bincount(
            owner, minlength=groups
        )
    return GroupScores(examples, correct, accuracy, f1_macro)


def wilson(successes: IntArray, n: IntArray, confidence: float) -> tuple[FloatArray, FloatArray]:
    """Wilson score intervals of ``successes / n`` for every group at once (NaN where n is 0);
    the same numbers as ``scipy.stats.binomtest(...).proportion_ci(method="wilson")``."""
    from scipy.stats import norm

    z = float(norm.ppf(1 - (1 - confidence) / 2))
    x, m = successes.astype(np.float64), n.astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        center = (x + z * z / 2) / (m + z * z)
        half = z / (m + z * z) * np.sqrt(x * (m - x) / m + z * z / 4)
    return center - half, center + half


def gap(values: FloatArray, eligible: npt.NDArray[np.bool_]) -> float:
    """The largest minus the smallest value among the eligible groups (NaN with fewer than 2)."""
    kept = values[eligible]
    return float(kept.max() - kept.min()) if kept.size >= 2 else float("nan")


def resampled_gap(
    group: Codes, correct: npt.NDArray[np.bool_], groups: int, min_examples: int, name: str
) -> Callable[[Codes], dict[str, FloatArray]]:
    """For :func:`cmlreport.stats.bootstrap.resampled_scores`: the accuracy gap between groups
    of at least ``min_examples`` examples in each resample (NaN where fewer than 2 qualify)."""
    graded = (2 * np.asarray(group, dtype=np.int64) + correct).astype(np.int32)

    def statistic(idx: Codes) -> dict[str, FloatArray]:
        rows = idx.shape[0]
        offset = (np.arange(rows, dtype=np.int64) * 2 * groups)[:, None]
        both = np.bincount((graded[idx] + offset).ravel(), minlength=rows * 2 * groups)
        both = both.reshape(rows, groups, 2)
        n = both.sum(axis=-1)
        with np.errstate(invalid="ignore", divide="ignore"):
            acc = both[..., 1] / n
        ok = n >= min_examples
        high = np.where(ok, acc, -np.inf).max(axis=1)
        low = np.where(ok, acc, np.inf).min(axis=1)
        return {name: np.where(ok.sum(axis=1) >= 2, high - low, np.nan)}

    return statistic
