"""A per-class table kept as columns diffs and summarises as the same table kept as row dicts."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from cmlreport.metrics.columnar import ColumnRows
from cmlreport.metrics.direction import Direction
from cmlreport.metrics.load import parse_metrics
from cmlreport.metrics.model import Scalar, SliceTable
from cmlreport.metrics.slice_compare import Compared, extremes
from cmlreport.metrics.slices import summarize_slices
from cmlreport.metrics.table_diff import diff_table

LABELS = st.lists(st.sampled_from([f"c{i}" for i in range(12)]), unique=True, max_size=10)
CELLS = st.one_of(
    st.sampled_from([0.5, 0.25, 1.0, 0.0, -0.0, float("nan"), float("inf"), 1, 0, 7, None]),
    st.booleans(),
    st.sampled_from(["a", ""]),
    st.floats(min_value=-2, max_value=2),
)
COLUMNS = st.lists(st.sampled_from(["f1", "support", "recall", "note"]), unique=True, min_size=1)


@st.composite
def tables(draw: Any) -> tuple[SliceTable, SliceTable]:
    """The same table twice: rows as dicts, and as columns."""
    labels, columns = draw(LABELS), draw(COLUMNS)
    values = [[draw(CELLS) for _ in labels] for _ in columns]
    rows = {
        label: {c: values[j][i] for j, c in enumerate(columns)} for i, label in enumerate(labels)
    }
    index = {label: i for i, label in enumerate(labels)}
    as_columns = ColumnRows(labels, index, columns, values)
    made = [SliceTable("t", "label", tuple(columns), r, "t.csv") for r in (rows, as_columns)]
    return made[0], made[1]


@settings(max_examples=400, deadline=None)
@given(tables())
def test_column_rows_are_the_row_dicts(pair: tuple[SliceTable, SliceTable]) -> None:
    by_rows, by_columns = pair
    assert repr(dict(by_columns.rows)) == repr(dict(by_rows.rows))
    assert len(by_columns.rows) == len(by_rows.rows)
    for label in [*by_rows.rows, "nope"]:
        assert (label in by_columns.rows) is (label in by_rows.rows)


@settings(max_examples=1500, deadline=None)
@given(tables(), tables())
def test_a_columnar_table_diff_is_the_row_diff(
    base: tuple[SliceTable, SliceTable], head: tuple[SliceTable, SliceTable]
) -> None:
    assert diff_table("t", base[1], head[1]) == diff_table("t", base[0], head[0])


@settings(max_examples=1500, deadline=None)
@given(
    tables(),
    tables(),
    st.sampled_from(list(Direction)),
    st.integers(0, 4),
    st.sampled_from([0.0, 5.0]),
)
@example(
    (
        SliceTable("t", "label", ("f1",), {"a": {"f1": 0.5}, "b": {"f1": 0.5}}),
        SliceTable(
            "t", "label", ("f1",), ColumnRows(["a", "b"], {"a": 0, "b": 1}, ["f1"], [[0.5, 0.5]])
        ),
    ),
    (
        SliceTable("t", "label", ("f1",), {"a": {"f1": 0.25}, "b": {"f1": 0.25}}),
        SliceTable(
            "t", "label", ("f1",), ColumnRows(["a", "b"], {"a": 0, "b": 1}, ["f1"], [[0.25, 0.25]])
        ),
    ),
    Direction.HIGHER,
    1,
    0.0,
)  # a tie for the one worst: the label decides
def test_a_columnar_slice_summary_is_the_row_summary(
    base: tuple[SliceTable, SliceTable],
    head: tuple[SliceTable, SliceTable],
    direction: Direction,
    top_n: int,
    min_support: float,
) -> None:
    def summary(b: SliceTable, h: SliceTable) -> str:
        try:
            found = summarize_slices(
                h, b, metric="f1" if "f1" in h.columns else None, direction=direction,
                top_n=top_n, min_support=min_support,
            )  # fmt: skip
        except Exception as exc:
            return f"refused: {exc}"
        return repr(found)

    assert summary(base[1], head[1]) == summary(base[0], head[0])


DELTAS = st.sampled_from([0.1, -0.1, 0.2, -0.2, 0.0, float("inf"), -float("inf"), None])


@settings(max_examples=1500, deadline=None)
@given(
    st.lists(st.tuples(DELTAS, st.sampled_from([None, 1.0, 5.0])), max_size=14),
    st.sampled_from([1.0, -1.0, 0.0]),
    st.integers(0, 5),
)
def test_the_movers_are_a_full_sorts_first_n(
    moves: list[tuple[float | None, float | None]], sign: float, top_n: int
) -> None:
    labels = [f"c{i:02d}" for i in range(len(moves))][::-1]  # label order is not row order
    deltas = [d for d, _ in moves]
    supports = [s for _, s in moves]
    zeros = [0.0] * len(moves)
    compared = Compared(labels, zeros, zeros, deltas, supports)
    rows = [compared.row(i) for i in range(len(moves)) if deltas[i] is not None]
    worst = sorted(
        (d for d in rows if sign * (d.delta or 0.0) < 0),
        key=lambda d: (sign * (d.delta or 0.0), -(d.support or 0.0), d.label),
    )[:top_n]
    best = sorted(
        (d for d in rows if sign * (d.delta or 0.0) > 0),
        key=lambda d: (-sign * (d.delta or 0.0), -(d.support or 0.0), d.label),
    )[:top_n]
    assert extremes(compared, sign, top_n) == (tuple(worst), tuple(best))


def test_a_csv_per_class_table_is_read_as_columns() -> None:
    text = "label,f1,support\ncat,0.5,10\ndog,,3\n"
    table = parse_metrics("per_class.csv", text).tables["per_class"]
    assert isinstance(table.rows, ColumnRows)
    rows: dict[str, dict[str, Scalar]] = {k: dict(v) for k, v in table.rows.items()}
    assert rows == {"cat": {"f1": 0.5, "support": 10}, "dog": {"f1": None, "support": 3}}
    assert math.isclose(summarize_slices(table, table).n_compared, 1)


def test_a_cell_that_turns_from_false_to_zero_is_a_change_when_the_columns_were_reordered() -> None:
    # Found by the property above: row dicts equal under ==, their types equal in file order,
    # yet "recall" went from false to 0.0 and "note" from 0.0 to false.
    base = SliceTable("t", "label", ("recall", "note"), {"c6": {"recall": False, "note": 0.0}})
    head = SliceTable("t", "label", ("note", "recall"), {"c6": {"note": False, "recall": 0.0}})
    changed = diff_table("t", base, head)
    assert (changed.cells_changed, changed.labels_changed) == (2, 1)
