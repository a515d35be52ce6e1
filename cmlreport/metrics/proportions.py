"""Intervals for aggregated accuracies: a proportion of examples, when the file says how many.

Pure. Only accuracy is a share of all examples; precision, recall and F1 are not (their
denominators are other counts), so they get no interval from aggregates. An accuracy key
(``accuracy``, ``acc``, ``eval_accuracy``, ``val_acc``...) gets the Wilson score interval when a
sibling key holds the number of examples (``eval.support``, ``eval_samples``, ``test.n``...):
successes = round(accuracy × n). With both runs counted, the delta gets Newcombe's interval
from the two Wilson intervals, which treats the runs as independent: on the same test set that
is conservative (wider than a paired test would be).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

from cmlreport.metrics.model import CONFIDENCE, Scalar, Significance
from cmlreport.stats import binomial

_ACCURACY = re.compile(r"^(?P<stem>(?:.*[_-])?)(?:accuracy|acc)$", re.IGNORECASE)
# Accuracies that are means over classes or weighted, not a share of the examples.
_NOT_A_SHARE = re.compile(r"(?:^|[_-])(?:balanced|macro|weighted|mean|avg|average|class)[_-]", re.I)
COUNT_NAMES = ("support", "samples", "n_samples", "num_samples", "examples", "n", "count", "total")


def _split(key: str) -> tuple[str, str]:
    at = max(key.rfind("."), key.rfind("/"))
    return (key[: at + 1], key[at + 1 :]) if at >= 0 else ("", key)


def _count_key(key: str, scalars: Mapping[str, Scalar]) -> str | None:
    parent, leaf = _split(key)
    m = _ACCURACY.match(leaf)
    if m is None or _NOT_A_SHARE.search(m["stem"]):
        return None
    stems = [m["stem"], ""] if m["stem"] else [""]
    for stem in stems:
        for name in COUNT_NAMES:
            candidate = f"{parent}{stem}{name}"
            if candidate in scalars:
                return candidate
    return None


def _proportion(key: str, scalars: Mapping[str, Scalar]) -> tuple[int, int] | None:
    """(successes, n) of an accuracy with a count beside it; None when either is unfit."""
    found = _counted(key, scalars)
    return found[:2] if found is not None else None


def _counted(key: str, scalars: Mapping[str, Scalar]) -> tuple[int, int, str] | None:
    """(successes, n, the count's key) of an accuracy with a count beside it."""
    count_key = _count_key(key, scalars)
    if count_key is None:
        return None
    value, n = scalars.get(key), scalars.get(count_key)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(n, bool) or not isinstance(n, (int, float)) or not math.isfinite(n):
        return None
    if n < 1 or n != int(n) or not 0.0 <= value <= 1.0:  # NaN fails the range too
        return None
    return round(value * int(n)), int(n), count_key


def wilson_intervals(
    head: Mapping[str, Scalar],
    base: Mapping[str, Scalar] | None,
    confidence: float = CONFIDENCE,
    skip: frozenset[str] = frozenset(),
) -> dict[str, Significance]:
    """Intervals for the accuracies in ``head`` that have an example count, except ``skip``."""
    out: dict[str, Significance] = {}
    for key in head:
        if key in skip:
            continue
        counted = _counted(key, head)
        if counted is None:
            continue
        at_head = counted[:2]
        basis = f"{counted[2]} = {counted[1]:,}"
        low, high = binomial.wilson(*at_head, confidence)
        at_base = _proportion(key, base) if base is not None and key in base else None
        if at_base is None:
            out[key] = Significance("Wilson", low, high, basis=basis)
            continue
        d_low, d_high = binomial.newcombe_difference(at_head, at_base, confidence)
        out[key] = Significance(
            "Wilson (Newcombe for the delta)",
            low,
            high,
            d_low,
            d_high,
            significant=d_low > 0 or d_high < 0,
            basis=f"{basis} at head, {at_base[1]:,} at base",
        )
    return out
