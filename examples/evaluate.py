"""Classification metrics from predictions: per class and macro-averaged."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class ClassScores:
    precision: float
    recall: float
    f1: float
    support: int


def confusion(actual: IntArray, predicted: IntArray, classes: int) -> IntArray:
    matrix = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(matrix, (actual, predicted), 1)
    return matrix


def per_class(actual: IntArray, predicted: IntArray, classes: int) -> list[ClassScores]:
    """Precision, recall, F1 and support per class; 0.0 where a ratio has nothing to divide
    by (scikit-learn's ``zero_division=0``)."""
    m = confusion(actual, predicted, classes)
    hits = np.diag(m)
    predicted_n = m.sum(axis=0)
    actual_n = m.sum(axis=1)
    scores = []
    for c in range(classes):
        p = hits[c] / predicted_n[c] if predicted_n[c] else 0.0
        r = hits[c] / actual_n[c] if actual_n[c] else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        scores.append(ClassScores(float(p), float(r), float(f1), int(actual_n[c])))
    return scores


@dataclass(frozen=True)
class Summary:
    accuracy: float
    precision_macro: float
    recall_macro: float
    f1_macro: float


def summarize(actual: IntArray, predicted: IntArray, classes: int) -> Summary:
    scores = per_class(actual, predicted, classes)
    return Summary(
        accuracy=float(np.mean(actual == predicted)),
        precision_macro=float(np.mean([s.precision for s in scores])),
        recall_macro=float(np.mean([s.recall for s in scores])),
        f1_macro=float(np.mean([s.f1 for s in scores])),
    )
