"""Head and base predictions on one set of classes, paired example by example when they can be.

Pure. The rule (documented in the README):

- both files have ids and the same set of them: paired by id (base reordered to head's order);
- else the same number of rows with the same true label on every row: paired row by row (the
  same test set written in the same order);
- else unpaired, and the report says why.

Paired examples must agree on the true label: an id whose label differs between the files is an
input error, since the two files then do not describe the same examples.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cmlreport.errors import InputError
from cmlreport.metrics.limits import shown_key
from cmlreport.metrics.predictions import Codes, Predictions


@dataclass(frozen=True)
class Labelled:
    """One run's true and predicted class codes over the pair's classes."""

    true: Codes
    pred: Codes


@dataclass(frozen=True)
class PredictionPair:
    classes: tuple[str, ...]
    head: Labelled
    base: Labelled | None
    paired: bool
    how: str  # "paired by id", "paired row by row", "unpaired: the ids differ (...)", ...
    # Paired by id: base's row for each of head's rows, to align base's other columns (scores,
    # groups) as ``base`` is; None when base's rows are already in head's order, or unpaired.
    base_order: Codes | None = None


def _recode(p: Predictions, classes: tuple[str, ...]) -> Labelled:
    index = {label: code for code, label in enumerate(classes)}
    mapping = np.array([index[c] for c in p.classes], dtype=np.int32)
    return Labelled(true=mapping[p.true], pred=mapping[p.pred])


def pair_predictions(head: Predictions, base: Predictions | None) -> PredictionPair:
    """Both runs over the union of their classes, paired by the rule above."""
    if base is None:
        return PredictionPair(head.classes, _recode(head, head.classes), None, False, "no base")
    classes = tuple(sorted(set(head.classes) | set(base.classes)))
    h, b = _recode(head, classes), _recode(base, classes)
    if head.ids is not None and base.ids is not None:
        if set(head.ids) == set(base.ids):
            order = _order(base.ids, head.ids)
            b = Labelled(true=b.true[order], pred=b.pred[order])
            _check_truth(head, base, h, b, classes, by_id=True)
            how = f"paired by id ({head.examples:,} examples)"
            return PredictionPair(classes, h, b, True, how, base_order=order)
        only_head = len(set(head.ids) - set(base.ids))
        only_base = len(set(base.ids) - set(head.ids))
        how = f"unpaired: the ids differ ({only_head:,} only at head, {only_base:,} only at base)"
        return PredictionPair(classes, h, b, False, how)
    if head.examples == base.examples and np.array_equal(h.true, b.true):
        how = f"paired row by row ({head.examples:,} examples, the same true labels in order)"
        return PredictionPair(classes, h, b, True, how)
    if head.examples != base.examples:
        why = f"{head.examples:,} examples at head, {base.examples:,} at base"
    else:
        why = "the true labels differ row by row, and the files have no id column to pair by"
    return PredictionPair(classes, h, b, False, f"unpaired: {why}")


def _order(base_ids: tuple[str, ...], head_ids: tuple[str, ...]) -> Codes:
    where = {example: row for row, example in enumerate(base_ids)}
    return np.fromiter((where[x] for x in head_ids), dtype=np.int32, count=len(head_ids))


def _check_truth(
    head: Predictions,
    base: Predictions,
    h: Labelled,
    b: Labelled,
    classes: tuple[str, ...],
    by_id: bool,
) -> None:
    differ = np.flatnonzero(h.true != b.true)
    if differ.size == 0:
        return
    row = int(differ[0])
    assert head.ids is not None or not by_id
    which = f"id '{shown_key(head.ids[row])}'" if head.ids is not None else f"row {row + 1}"
    column = head.columns[0]
    raise InputError(
        f"{base.source} and {head.source}: column '{shown_key(column)}' of {which} is "
        f"'{shown_key(classes[b.true[row]])}' at base and '{shown_key(classes[h.true[row]])}' "
        f"at head ({differ.size:,} examples differ); paired examples must have the same true label"
    )
