"""A CSV cell is read as the number patterns define, at float()'s speed."""

from __future__ import annotations

import math
import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from cmlreport.metrics.delimited import _split_plain, _split_quoted, parse_cell, parse_column
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
    assert fast == slow or _both_nan(fast, slow)


def same_cells(fast: list[Scalar | OversizedInt], slow: list[Scalar | OversizedInt]) -> bool:
    return len(fast) == len(slow) and all(
        type(a) is type(b)
        and (a == b or (isinstance(a, float) and math.isnan(a) and math.isnan(b)))  # type: ignore[arg-type]
        for a, b in zip(fast, slow, strict=True)
    )


def _both_nan(a: object, b: object) -> bool:
    return isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b)


COLUMN_CELL = st.one_of(
    st.text(alphabet=CELL_ALPHABET, max_size=6),
    st.integers(-(10**20), 10**20).map(str),
    st.floats(allow_nan=True).map(repr),
    st.sampled_from(["", " ", "\x1c1", "7\x1f", "1" * 301, "-0", "nan", "1e5", "x\x00y"]),
)


@settings(max_examples=1500, deadline=None)
@given(st.lists(COLUMN_CELL, max_size=8))
@example(["1", "2.5"])  # an int among floats stays an int
@example(["1", " 2 ", "+3"])
@example(["1", ""])
@example(["1\x002", "3"])
@example(["label_1", " cat ", "dog\u00a0"])  # labels: text only, stripped
@example(["cat", "  "])  # an empty cell among labels is None
@example(["cat", "Infinity"])
@example(["cat", "\u0661\u0662"])  # non-ASCII digits stay text
@example(["cat", ".5"])  # a NUL inside a cell cannot fool the joined column
def test_a_column_reads_as_its_cells_read(cells: list[str]) -> None:
    assert same_cells(parse_column(cells), [parse_cell(c) for c in cells])


ROW_TEXT = st.text(alphabet=st.sampled_from(list('ab1.5 ,\t\n"\r-x')), max_size=60)


@settings(max_examples=1500, deadline=None)
@given(ROW_TEXT, st.sampled_from([",", "\t"]))
@example("a,b\n1,2\n\n,\n3,4", ",")
@example("a,b\n1,2,3\n", ",")
@example("a,b\n 1 , x\n", ",")
@example(" , \n", ",")
def test_plain_text_splits_as_the_csv_module_reads_it(text: str, delimiter: str) -> None:
    """Text without quotes is split by str.split; it must split exactly as csv.reader does."""
    fast = _split_plain(text, delimiter)
    if fast is None:  # quotes, CR or NUL: only the csv module reads it
        return
    slow = _split_quoted("m.csv", "CSV", text, delimiter)
    assert (fast.lines, fast.header) == (slow.lines, slow.header)
    rows = [list(r) for r in zip(*fast.columns, strict=True)] if fast.columns else fast.rows
    assert rows == slow.rows or (not slow.rows and fast.columns is not None)
