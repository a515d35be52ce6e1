"""Classification scores from per-class counts, for one run or a batch of bootstrap resamples.

Definitions are scikit-learn's (``precision_recall_fscore_support``, ``accuracy_score``) with
``zero_division=0``: a class never predicted has precision 0, a class that never occurs has
recall 0, and F1 is ``2·tp / (support + predicted)``, 0 when both are 0. Macro averages are over
the classes that occur in the true or the predicted labels, as scikit-learn's default
``labels=None`` does; micro averages pool the counts (for single-label data each equals the
accuracy). Every function works on the last axis, so a ``(resamples, classes)`` batch gives one
value per resample.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

# The scalar scores, in the order the report shows them.
SCORES = (
    "accuracy",
    "precision_macro",
    "recall_macro",
    "f1_macro",
    "precision_micro",
    "recall_micro",
    "f1_micro",
)


@dataclass(frozen=True)
class Counts:
    """Per class: true positives, how often it is the true label (support), how often predicted.

    Arrays of shape ``(..., classes)``; a batch of resamples has one row per resample.
    """

    tp: IntArray
    support: IntArray
    predicted: IntArray


def count(true: npt.ArrayLike, pred: npt.ArrayLike, classes: int) -> Counts:
    """The counts of one run: ``true`` and ``pred`` are class codes in ``range(classes)``."""
    t = np.asarray(true, dtype=np.int64)
    p = np.asarray(pred, dtype=np.int64)
    hit = t == p
    return Counts(
        tp=np.bincount(t[hit], minlength=classes),
        support=np.bincount(t, minlength=classes),
        predicted=np.bincount(p, minlength=classes),
    )


def _ratio(num: npt.NDArray[np.number], den: npt.NDArray[np.number]) -> FloatArray:
    """num / den, 0 where den is 0 (scikit-learn's zero_division=0)."""
    out = np.zeros(np.broadcast(num, den).shape, dtype=np.float64)
    np.divide(num, den, out=out, where=den > 0)
    return out


def per_class(c: Counts) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Precision, recall and F1 of every class."""
    precision = _ratio(c.tp, c.predicted)
    recall = _ratio(c.tp, c.support)
    f1 = _ratio(2 * c.tp, c.support + c.predicted)
    return precision, recall, f1


def scores(c: Counts) -> dict[str, FloatArray]:
    """Every name of ``SCORES`` to its value(s): shape ``(...)`` of the counts' leading axes."""
    precision, recall, f1 = per_class(c)
    present = (c.support + c.predicted) > 0
    labels = present.sum(axis=-1)
    total = c.support.sum(axis=-1)
    correct = c.tp.sum(axis=-1)

    def macro(values: FloatArray) -> FloatArray:
        return _ratio(np.where(present, values, 0.0).sum(axis=-1), labels)

    accuracy = _ratio(correct, total)
    return {
        "accuracy": accuracy,
        "precision_macro": macro(precision),
        "recall_macro": macro(recall),
        "f1_macro": macro(f1),
        # Single-label data: pooled tp / pooled predicted = pooled tp / pooled support.
        "precision_micro": _ratio(correct, c.predicted.sum(axis=-1)),
        "recall_micro": _ratio(correct, total),
        "f1_micro": _ratio(2 * correct, total + c.predicted.sum(axis=-1)),
    }
