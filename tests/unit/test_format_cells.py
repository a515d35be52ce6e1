"""A CSV cell is read as the number patterns define, at float()'s speed."""

from __future__ import annotations

import math

from hypothesis import example, given, settings
from hypothesis import strategies as st

from cmlreport.metrics.formats import parse_cell, parse_cell_by_patterns

CELL_ALPHABET = st.sampled_from(list("0123456789+-.eE_ nNaAiIfFtTyYx٣²\t"))


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet=CELL_ALPHABET, max_size=12))
@example("1_000")
@example("١٢")
@example("+")
@example(".e5")
@example("-iNfInItY")
@example("1" * 400)
def test_a_cell_reads_as_the_patterns_read_it(cell: str) -> None:
    fast, slow = parse_cell(cell), parse_cell_by_patterns(cell)
    assert type(fast) is type(slow)
    assert fast == slow or (isinstance(fast, float) and math.isnan(fast) and math.isnan(slow))
