"""The terminal table of `cmlreport diff`: laid out as tabulate's "simple" format, which it
replaced (tabulate measured every cell through regexes: 13 of the 20 s of a 300k-row diff)."""

from __future__ import annotations

import random

from tabulate import tabulate
from wcwidth import wcswidth

from cmlreport.metrics.diff import diff_metrics
from cmlreport.report.diffview import markdown_chunks, table_chunks, to_markdown, to_table
from cmlreport.report.textgrid import text_table

CELLS = ["acc", "0.8123", "-", "+0.01", "🟢 ▲", "🆕 new", "日本語", "", "x y", "eval/f1", "➖"]
# tabulate also stripped each cell: we do not, so "acc " and "acc" stay two keys to the eye.


def tabulated(headers: list[str], rows: list[list[str]], right: list[bool]) -> str:
    align = tuple("right" if r else "left" for r in right)
    return tabulate(rows, headers=headers, disable_numparse=True, colalign=align)


def test_random_tables_read_exactly_as_tabulate_wrote_them() -> None:
    rng = random.Random(7)
    for _ in range(300):
        width = rng.randint(1, 6)
        headers = [rng.choice(["Metric", "Base", "", "Change %", "指標"]) for _ in range(width)]
        rows = [[rng.choice(CELLS) for _ in range(width)] for _ in range(rng.randint(1, 8))]
        right = [rng.random() < 0.5 for _ in range(width)]
        columns = [list(col) for col in zip(*rows, strict=True)]
        assert text_table(headers, columns, right) == tabulated(headers, rows, right)


def test_a_wide_metric_name_keeps_the_columns_in_line_on_a_terminal() -> None:
    diffs = diff_metrics({"精度": 0.5, "loss": 0.3}, {"精度": 0.6, "loss": 0.2})
    lines = to_table(diffs, 4).splitlines()
    # "Base" ends at the same display column in the header and on every row.
    header_end = wcswidth(lines[0][: lines[0].index("Base") + 4])
    rows = {line.split()[0]: line for line in lines[2:]}
    assert wcswidth(rows["精度"][: rows["精度"].index("0.5") + 3]) == header_end
    assert wcswidth(rows["loss"][: rows["loss"].index("0.3") + 3]) == header_end


def test_a_long_diff_prints_in_pieces_of_whole_lines_that_add_up_to_the_table() -> None:
    base = {f"m{i:05}": i / 1000 for i in range(25_000)}
    head = {k: v + 0.001 for k, v in base.items()}
    diffs = diff_metrics(base, head)
    chunks = list(table_chunks(diffs, 4))
    assert len(chunks) > 2  # not one string of 25,000 lines
    assert all(c.endswith("\n") for c in chunks)
    assert "".join(chunks) == to_table(diffs, 4) + "\n"
    assert len(to_table(diffs, 4).splitlines()) == 25_000 + 2


def test_a_long_markdown_diff_prints_in_pieces_that_add_up_to_the_table() -> None:
    base = {f"m{i:05}": i / 1000 for i in range(25_000)}
    head = {k: v - 0.001 for k, v in base.items()} | {"note": "a | b"}
    diffs = diff_metrics(base | {"note": "a"}, head)
    chunks = list(markdown_chunks(diffs, 4))
    assert len(chunks) > 2 and all(c.endswith("\n") for c in chunks)
    text = "".join(chunks)
    assert text == to_markdown(diffs, 4) + "\n"
    assert text.count("\n") == 25_001 + 2
    assert "a \\| b" in text  # a text value is still escaped; numbers need not be
