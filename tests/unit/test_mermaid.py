"""Mermaid charts for reports whose images cannot be hosted: valid xychart text, always."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from cmlreport.plots.curves import Run, mermaid_curves
from cmlreport.plots.mermaid import MAX_POINTS, bar_chart, line_chart
from cmlreport.plots.plotdata import parse_log

# The tokens of mermaid's xychart grammar (xychart.jison) that these charts use.
NUMBER = r"[+-]?(?:\d+(?:\.\d+)?|\.\d+)"
STRING = r'"[^"`\n][^"\n]*"'  # '"`' would open a markdown string
NUMBERS = rf"\[{NUMBER}(?:, {NUMBER})*\]"
STATEMENTS = [
    rf"title {STRING}",
    rf"x-axis {STRING} {NUMBER} --> {NUMBER}",
    rf"x-axis (?:{STRING} )?\[{STRING}(?:, {STRING})*\]",
    rf"y-axis {STRING}(?: {NUMBER} --> {NUMBER})?",
    rf"line {NUMBERS}",
    rf"bar {NUMBERS}",
]


def statements(block: str) -> list[str]:
    """The chart's statements, after checking the fence and every line against the grammar."""
    lines = block.split("\n")
    assert lines[0] == "```mermaid"
    assert lines[-2:] == ["```", ""]
    assert lines[1] == "xychart-beta"
    body = [line.strip() for line in lines[2:-2]]
    for line in body:
        assert any(re.fullmatch(p, line) for p in STATEMENTS), line
        # '%%' starts a comment wherever the lexer meets it, even inside a quoted string.
        assert "%%" not in line, line
    return body


def charts(blocks: str) -> list[list[str]]:
    """Each fenced chart of a text holding several, checked like ``statements``."""
    parts = [b for b in blocks.split("```\n") if b.strip()]
    return [statements(part.lstrip("\n") + "```\n") for part in parts]


def lines_of(body: list[str]) -> list[list[float]]:
    return [numbers(s) for s in body if s.startswith("line")]


def numbers(statement: str) -> list[float]:
    return [float(v) for v in statement[statement.index("[") + 1 : -1].split(", ")]


def quoted(statement: str) -> str:
    return statement[statement.index('"') + 1 : statement.rindex('"')]


def test_training_curves_of_head_and_base_become_two_lines_named_in_the_title() -> None:
    steps = [0, 10, 20, 30]
    chart = line_chart(
        "loss",
        steps,
        {"head": [1.0, 0.5, 0.3, 0.2], "base": [1.2, 0.7, 0.5, 0.4]},
        y_label="loss",
    )
    body = statements(chart)
    assert body[0] == 'title "loss (lines in order: head, base)"'
    assert body[1] == 'x-axis "step" 0 --> 30'
    assert body[2] == 'y-axis "loss"'
    assert [numbers(s) for s in body if s.startswith("line")] == [
        [1.0, 0.5, 0.3, 0.2],
        [1.2, 0.7, 0.5, 0.4],
    ]


def test_a_single_series_is_named_in_parentheses() -> None:
    body = statements(line_chart("accuracy", [1, 2], {"head": [0.5, 0.6]}, x_label="epoch"))
    assert body[0] == 'title "accuracy (head)"'
    assert body[1] == 'x-axis "epoch" 1 --> 2'


def test_long_runs_are_cut_to_a_hundred_points_keeping_both_ends() -> None:
    n = 10_000
    x = list(range(n))
    loss = [5.0 / (1 + i) for i in range(n)]
    chart = line_chart("loss", x, {"head": loss})
    (line,) = [s for s in statements(chart) if s.startswith("line")]
    values = numbers(line)
    assert len(values) == MAX_POINTS
    assert values[0] == 5.0
    assert values[-1] == pytest.approx(loss[-1], rel=1e-3)
    assert values == sorted(values, reverse=True)
    assert line_chart("loss", x, {"head": loss}) == chart


def test_unevenly_logged_steps_are_named_on_the_axis_not_resampled() -> None:
    # Mermaid spaces points evenly: x = 0, 1, 2, 100 become four named categories, four points.
    body = statements(line_chart("y", [0, 1, 2, 100], {"run": [0.0, 2.0, 4.0, 200.0]}))
    assert body[1] == 'x-axis "step" ["0", "1", "2", "100"]'
    assert lines_of(body) == [[0.0, 2.0, 4.0, 200.0]]


def test_series_logged_on_other_steps_get_their_own_chart_with_only_their_points() -> None:
    # Issue 11: mermaid cannot draw a gap, so sharing an axis would invent points.
    blocks = line_chart(
        "val_loss",
        [0, 1, 2, 3, 4],
        {"head": [None, 4.0, None, 2.0, 1.0], "base": [3.0, 2.0, float("nan"), None, None]},
    )
    head, base = charts(blocks)
    assert quoted(head[0]) == "val_loss (head)" and quoted(base[0]) == "val_loss (base)"
    assert head[1] == 'x-axis "step" ["1", "3", "4"]' and lines_of(head) == [[4.0, 2.0, 1.0]]
    assert base[1] == 'x-axis "step" 0 --> 1' and lines_of(base) == [[3.0, 2.0]]


def test_a_column_logged_on_3_of_100_steps_shows_3_points() -> None:
    steps = list(range(100))
    val = [None] * 100
    for step, value in ((32, 0.5), (65, 0.4), (98, 0.35)):
        val[step] = value
    train, sparse = charts(
        line_chart("loss", steps, {"train": [1.0 / (1 + s) for s in steps], "val": val})
    )
    assert len(lines_of(train)[0]) == 100 and train[1] == 'x-axis "step" 0 --> 99'
    assert lines_of(sparse) == [[0.5, 0.4, 0.35]]
    assert sparse[1] == 'x-axis "step" 32 --> 98'  # evenly logged: a numeric axis is exact


def test_runs_logged_on_the_same_steps_share_one_chart() -> None:
    chart = line_chart("f1", [1, 2, 3], {"head": [0.5, 0.6, 0.7], "base": [0.4, None, 0.6]})
    head, base = charts(chart)  # base missed step 2: its own chart, with its two points
    assert quoted(head[0]) == "f1 (head)" and lines_of(base) == [[0.4, 0.6]]
    both = charts(line_chart("f1", [1, 2, 3], {"head": [0.5, 0.6, 0.7], "base": [0.4, 0.5, 0.6]}))
    assert len(both) == 1 and lines_of(both[0]) == [[0.5, 0.6, 0.7], [0.4, 0.5, 0.6]]


def test_a_series_without_values_is_reported_in_the_title_not_drawn() -> None:
    body = statements(line_chart("f1", [1, 2], {"head": [0.5, 0.6], "base": [None, None]}))
    assert quoted(body[0]) == "f1 (head; no data: base)"
    assert len([s for s in body if s.startswith("line")]) == 1


def test_numbers_are_written_without_exponents() -> None:
    chart = line_chart("lr", [0, 1, 2], {"lr": [1e-7, 2.5e8, -0.0]})
    (line,) = [s for s in statements(chart) if s.startswith("line")]
    assert line == "line [0.0000001, 250000000, 0]"


@pytest.mark.parametrize(
    "title",
    [
        'f1 "macro"',
        "loss\nfor run [3]",
        "%%{init: {'theme': 'dark'}}%% loss",
        "`code` title",
        "r/politics; r/news, #1;",
        "",
    ],
)
def test_titles_cannot_break_the_chart(title: str) -> None:
    body = statements(line_chart(title, [0, 1], {"head": [1.0, 2.0]}, x_label=title))
    assert len(body) == 3


def test_escaping_keeps_the_words() -> None:
    body = statements(line_chart('f1 "macro"\n[val]', [0, 1], {"a": [1.0, 2.0]}))
    assert quoted(body[0]) == "f1 'macro' [val] (a)"


def test_bar_chart_has_one_quoted_category_per_bar_and_starts_at_zero() -> None:
    chart = bar_chart("Headline metrics", ["accuracy", 'f1 "macro"', "r/[news]"], [0.93, 0.87, 0.5])
    body = statements(chart)
    assert body[0] == 'title "Headline metrics"'
    assert body[1] == 'x-axis ["accuracy", "f1 \'macro\'", "r/[news]"]'
    assert body[2] == 'y-axis "value" 0 --> 0.93'
    assert numbers(body[3]) == [0.93, 0.87, 0.5]


def test_negative_bars_extend_the_axis_below_zero() -> None:
    body = statements(bar_chart("delta", ["a", "b"], [-0.2, 0.1], y_label="Δ f1"))
    assert body[2] == 'y-axis "Δ f1" -0.2 --> 0.1'


def test_bars_that_are_not_numbers_are_left_out_and_counted() -> None:
    body = statements(bar_chart("m", ["a", "b", "c"], [1.0, math.nan, math.inf]))
    assert quoted(body[0]) == "m (2 not finite, left out)"
    assert body[1] == 'x-axis ["a"]'


@pytest.mark.parametrize(
    "call",
    [
        lambda: line_chart("t", [1, 2], {"a": [1.0]}),
        lambda: line_chart("t", [1, 2], {"a": [None, None]}),
        lambda: line_chart("t", [], {}),
        lambda: bar_chart("t", ["a"], [1.0, 2.0]),
        lambda: bar_chart("t", ["a"], [math.nan]),
    ],
)
def test_charts_without_data_are_a_programming_error(call: Callable[[], object]) -> None:
    with pytest.raises(ValueError):
        call()


LIGHTNING = Path(__file__).resolve().parents[1] / "data" / "lightning" / "metrics.csv"


def test_a_sparse_lightning_log_charts_each_column_on_the_steps_it_was_logged() -> None:
    # A real CSVLogger file: train_loss every 50 steps, val_* once an epoch, test_loss once.
    log = parse_log(str(LIGHTNING), LIGHTNING.read_text())
    run = [Run("", log)]
    logged = {c: [v for v in log.column(c) if v is not None] for c in log.columns}

    (val,) = charts(mermaid_curves(run, "val_loss", None))
    assert lines_of(val) == [[float(f"{v:.4g}") for v in logged["val_loss"]]]  # 6, not 178
    assert val[1] == 'x-axis "step" ["1718", "3437", "5156", "6875", "8594", "8595"]'

    (test,) = charts(mermaid_curves(run, "test_loss", None))
    assert test[1:] == ['x-axis "step" ["8595"]', 'y-axis "test_loss"', "bar [0.03222]"]

    (train,) = charts(mermaid_curves(run, "train_loss", None))
    (values,) = lines_of(train)
    assert len(values) == MAX_POINTS < len(logged["train_loss"])
    shown = {float(f"{v:.4g}") for v in logged["train_loss"]}
    assert set(values) <= shown  # thinned, never interpolated
    assert values[0] == 0.635 and values[-1] == float(f"{logged['train_loss'][-1]:.4g}")
