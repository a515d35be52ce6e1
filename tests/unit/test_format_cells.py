"""A CSV cell is read as the number patterns define, at float()'s speed."""

from __future__ import annotations

import math
import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from cmlreport.metrics.formats import parse_cell
from cmlreport.metrics.limits import OversizedInt, int_from_text
from cmlreport.metrics.model import Scalar

# What a number in a cell is, as the documentation of `parse_cell` says.
INT = re.compile(r"[-+]?[0-9]+")
FLOAT = re.compile(r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
SPECIAL_FLOAT = re.compile(r"[-+]?(?:nan|inf|infinity)", re.IGNORECASE)


def parse_cell_by_patterns(cell: str) -> Scalar | OversizedInt:
    text = cell.strip()
    if not text:
        return None
    if INT.fullmatch(text):
        return int_from_text(text)
    if FLOAT.fullmatch(text) or SPECIAL_FLOAT.fullmatch(text):
        return float(text)
    return text


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
