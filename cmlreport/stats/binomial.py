"""Exact and score tests for proportions: McNemar's exact test, Wilson and Newcombe intervals.

scipy does the arithmetic (``scipy.stats.binomtest``), imported inside each function.
"""

from __future__ import annotations

import math


def mcnemar_exact(fixed: int, broken: int) -> float:
    """Two-sided p-value of McNemar's exact test on the discordant pairs: ``fixed`` examples the
    head gets right and the base wrong, ``broken`` the other way round. 1.0 with none."""
    from scipy.stats import binomtest

    total = fixed + broken
    if total == 0:
        return 1.0
    return float(binomtest(fixed, total, 0.5, alternative="two-sided").pvalue)


def wilson(successes: int, n: int, confidence: float) -> tuple[float, float]:
    """The Wilson score interval of the proportion ``successes / n``."""
    from scipy.stats import binomtest

    ci = binomtest(successes, n).proportion_ci(confidence_level=confidence, method="wilson")
    return float(ci.low), float(ci.high)


def newcombe_difference(
    head: tuple[int, int], base: tuple[int, int], confidence: float
) -> tuple[float, float]:
    """Newcombe's hybrid score interval (1998, method 10) of ``head`` minus ``base`` proportions,
    each given as (successes, n), from their Wilson intervals; it treats them as independent."""
    (x1, n1), (x2, n2) = head, base
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson(x1, n1, confidence)
    l2, u2 = wilson(x2, n2, confidence)
    d = p1 - p2
    return d - math.hypot(p1 - l1, u2 - p2), d + math.hypot(u1 - p1, p2 - l2)
