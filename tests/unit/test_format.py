"""Numbers in reports: meaningful digits kept at any size, every cell of a column written alike."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cmlreport.metrics.diff import diff_metrics
from cmlreport.report.columns import column
from cmlreport.report.diffview import to_table
from cmlreport.report.format import fmt_delta, fmt_value
from cmlreport.report.markdown import metrics_table

DATA = Path(__file__).resolve().parents[1] / "data"
FIXED = re.compile(r"-?\d+(?:\.(\d+))?")
# What a metric can be, from 1e-6 (learning rates) to 1e14 (token counts, FLOPs in floats).
METRIC = st.floats(min_value=-1e14, max_value=1e14, allow_nan=False).filter(
    lambda v: v == 0 or abs(v) >= 1e-6
)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (28624.551, "28624.551"),  # over 10^4: its decimals are still meaningful
        (123456.789, "123456.789"),
        (1234567.0, "1234567"),
        (228828186264109056, "2.29e17"),  # a FLOP count reads by magnitude
        (2.2882818626410906e17, "2.29e17"),
        (-3.5e20, "-3.5e20"),
        (999_999_999_999_999, "999999999999999"),  # 15 digits: still a count, in full
        (0.123456, "0.1235"),
        (1.99999, "2"),
    ],
)
def test_values_keep_their_meaningful_digits(value: float, text: str) -> None:
    assert fmt_value(value) == text


def test_more_precision_writes_a_large_integer_in_full() -> None:
    assert fmt_value(228828186264109056, precision=7) == "228828186264109056"
    assert fmt_value(2.2882818626410906e17, precision=12) == "228828186264109056"
    assert fmt_value(228828186264109056, precision=6) == "2.2883e17"
    # More decimals asked than the float holds: its shortest repr, never float noise.
    assert fmt_value(28624.551, precision=12) == "28624.551"


@given(METRIC)
def test_fixed_point_reads_back_as_the_value_rounded_to_the_precision(value: float) -> None:
    text = fmt_value(value)
    if "e" in text:
        assert abs(value) < 0.5e-4
        assert float(text) == pytest.approx(value, rel=1e-3)
    else:
        assert float(text) == pytest.approx(round(value, 4), abs=1e-9, rel=1e-15)


@given(st.lists(METRIC, min_size=1, max_size=30), st.integers(min_value=0, max_value=8))
def test_every_fixed_point_cell_of_a_column_has_the_same_decimals(
    values: list[float], precision: int
) -> None:
    col = column(values, precision)
    cells = [col.value(v) for v in values]
    decimals = {len(m[1] or "") for c in cells if (m := FIXED.fullmatch(c))}
    assert len(decimals) <= 1
    # Padding never changes a number: each cell reads back as the value on its own.
    for value, cell in zip(values, cells, strict=True):
        assert float(cell) == float(fmt_value(value, precision))


@given(st.lists(METRIC, min_size=1, max_size=30))
def test_a_delta_column_is_aligned_and_signed(deltas: list[float]) -> None:
    col = column(deltas, 4)
    cells = [col.delta(d) for d in deltas]
    assert len({len(m[1] or "") for c in cells if (m := FIXED.fullmatch(c.lstrip("+")))}) <= 1
    for cell in cells:
        assert cell.startswith("+") if float(cell) > 0 else not cell.startswith("+")


def test_a_column_takes_the_decimals_of_its_most_precise_value() -> None:
    col = column([0.91, 0.9234, 1.0, 28624.551, 12, None, math.nan], 4)
    assert [col.value(v) for v in (0.91, 0.9234, 1.0, 28624.551)] == [
        "0.9100",
        "0.9234",
        "1.0000",
        "28624.5510",
    ]
    # Counts stay whole; what is not a number is shown as it is.
    assert col.value(12) == "12" and col.value(None) == "null" and col.value(math.nan) == "NaN"
    assert col.delta(0.0) == "0.0000" and col.delta(0.5) == "+0.5000" and col.delta(None) == ""
    # A tiny or huge value keeps its e-notation and does not widen the rest.
    tiny = column([0.5, 0.00003, 2.5e17], 4)
    assert [tiny.value(v) for v in (0.5, 0.00003, 2.5e17)] == ["0.5", "3e-05", "2.5e17"]


def test_single_values_still_drop_trailing_zeros() -> None:
    assert fmt_value(0.5) == "0.5" and fmt_delta(0.1) == "+0.1" and fmt_delta(0) == "0"


def test_a_real_trainer_result_reads_in_a_table_with_its_digits() -> None:
    # all_results.json as Hugging Face Trainer writes it (source in tests/data/README.md).
    results = json.loads((DATA / "hf" / "all_results.json").read_text())
    base = {k: v * 0.99 if isinstance(v, float) else v for k, v in results.items()}
    table = metrics_table(diff_metrics(base, results), 4)
    row = {
        r.split("|")[1].split(">")[1].split("<")[0]: r.split("|") for r in table.splitlines()[2:]
    }
    assert row["total\\_flos"][3].strip() == "2.29e17"  # magnitude, not 18 digits
    assert row["train\\_runtime"][3].strip() == "54713.1806"  # over 10^4, decimals kept
    assert row["train\\_samples"][3].strip() == "287113"  # a count stays whole
    rows = [r.split("|") for r in table.splitlines()[2:]]
    heads = [r[3].strip() for r in rows if FIXED.fullmatch(r[3].strip())]
    # Every float of the head column has 4 decimals (eval_loss needs them): the points line up.
    assert {len(h.split(".")[1]) for h in heads if "." in h} == {4}, heads


def test_the_terminal_table_lines_up_the_decimal_points() -> None:
    diffs = diff_metrics(
        {"acc": 0.8, "loss": 0.25, "f1": 0.7}, {"acc": 0.84, "loss": 0.2, "f1": 0.7}
    )
    table = to_table(diffs, 4)
    heads = sorted(line.split()[2] for line in table.splitlines()[2:])
    assert heads == ["0.20", "0.70", "0.84"]  # before issue 11: 0.2, 0.7, 0.84
