"""Which confusions grew: the (true -> predicted) pairs whose counts rose most from base to head.

Pure and sparse: the pairs that occur are found with ``np.unique`` on ``true * classes + pred``,
never a classes × classes matrix (4,000 classes would make it 16M cells a run). When the runs
have different numbers of examples, base's counts are scaled to head's size before the
difference, and the report says so. The heatmap covers the classes the top pairs involve only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from cmlreport.metrics.pairing import Labelled

TOP_PAIRS = 10
HEATMAP_CLASSES = 20


@dataclass(frozen=True)
class Confusion:
    true: str  # class names
    pred: str
    base: int  # counts
    head: int
    delta: float  # head minus base (scaled to head's examples)


@dataclass(frozen=True)
class ConfusionDelta:
    top: tuple[Confusion, ...]  # largest growth first; errors only (true != predicted)
    scale: float  # head examples / base examples (1.0: counts compared as they are)
    heatmap_classes: tuple[str, ...]  # names, in the order the heatmap shows them
    heatmap: npt.NDArray[np.float64]  # (true, predicted) head minus scaled base on those classes


def _pair_counts(
    run: Labelled, classes: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    keys = run.true.astype(np.int64) * classes + run.pred
    found, counts = np.unique(keys, return_counts=True)
    return found, counts


def confusion_delta(head: Labelled, base: Labelled, names: tuple[str, ...]) -> ConfusionDelta:
    """The grown confusions of head vs base, both coded over the same classes ``names``."""
    classes = len(names)
    h_keys, h_counts = _pair_counts(head, classes)
    b_keys, b_counts = _pair_counts(base, classes)
    scale = len(head.true) / max(len(base.true), 1)
    keys = np.union1d(h_keys, b_keys)
    at_head = np.zeros(len(keys), dtype=np.int64)
    at_base = np.zeros(len(keys), dtype=np.int64)
    at_head[np.searchsorted(keys, h_keys)] = h_counts
    at_base[np.searchsorted(keys, b_keys)] = b_counts
    delta = at_head - scale * at_base
    true, pred = keys // classes, keys % classes
    errors = np.flatnonzero((true != pred) & (delta > 0))
    # Largest growth first; ties by the larger head count, then by the pair's codes.
    order = errors[np.lexsort((keys[errors], -at_head[errors], -delta[errors]))][:TOP_PAIRS]
    involved = list(dict.fromkeys(int(c) for i in order for c in (true[i], pred[i])))
    involved = involved[:HEATMAP_CLASSES]
    place = {c: i for i, c in enumerate(involved)}
    heatmap = np.zeros((len(involved), len(involved)))
    inside = np.flatnonzero(np.isin(true, involved) & np.isin(pred, involved))
    for i in inside:  # at most HEATMAP_CLASSES² pairs
        heatmap[place[int(true[i])], place[int(pred[i])]] = delta[i]
    top = tuple(
        Confusion(names[true[i]], names[pred[i]], int(at_base[i]), int(at_head[i]), float(delta[i]))
        for i in order
    )
    return ConfusionDelta(top, scale, tuple(names[c] for c in involved), heatmap)
