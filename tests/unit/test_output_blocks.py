"""A block of printed lines is made safe as each of its lines would be, only faster."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from cmlreport.output import _suspect, safe_line, safe_lines

# What `_suspect` answers, as a pattern: "::", "##[", or anything but newline and printable ASCII.
SUSPECT = re.compile(r"::|##\[|[^\n\x20-\x7e]")

PIECES = st.sampled_from(
    ["a", " ", "\n", "\r", "::", ":", "#", "##[", "\x1b", "\t", "é", "\u2028", "\x7f", "x::y"]
)


@settings(max_examples=1000, deadline=None)
@given(st.lists(PIECES, max_size=20).map("".join))
def test_the_fast_check_answers_as_the_pattern(text: str) -> None:
    assert _suspect(text) == bool(SUSPECT.search(text))


@settings(max_examples=500, deadline=None)
@given(st.lists(PIECES, max_size=30).map("".join))
def test_a_block_comes_out_as_its_lines_would(text: str) -> None:
    lines = [safe_line(line.removesuffix("\r")) for line in text.split("\n")]
    assert safe_lines(text) == "\n".join(lines)
