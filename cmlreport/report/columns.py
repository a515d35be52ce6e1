"""Columns of numbers in a table: every cell written with the same decimals, so they line up."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from cmlreport.metrics.model import Scalar
from cmlreport.report.format import fixed_text, fmt_delta, fmt_value, text_decimals


@dataclass(frozen=True)
class Column:
    """How one column writes its cells: ``precision`` decimals at most, ``decimals`` in each."""

    precision: int
    decimals: int

    def value(self, value: Scalar) -> str:
        return fmt_value(value, self.precision, self.decimals)

    def delta(self, delta: float | None) -> str:
        return fmt_delta(delta, self.precision, self.decimals)


def column(values: Iterable[Scalar], precision: int) -> Column:
    """The format of a column holding ``values``: as many decimals as its most precise float.

    Integers stay whole (they are counts: support, epoch); floats too big or too small for
    fixed-point are written in e-notation and do not widen the others.
    """
    decimals = 0
    for v in values:
        if isinstance(v, float) and math.isfinite(v):
            text = fixed_text(v, precision)
            if text is not None:
                decimals = max(decimals, text_decimals(text))
                if decimals == precision:
                    break  # no cell can need more
    return Column(precision, decimals)
